// ARCHITECTURE.md kept true: the layers it defines are the rule the imports of fn/ follow (no
// cycle, nothing importing upward, the registry imported only from the top), every path it names
// exists, its stages are called where and in the order it lists them, a kind's facts stay in the
// kind, and adding a kind to the registry alone is enough for the code.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import type { DatabaseKind } from '../fn/contract/kind.js';
import { kindRegistry } from '../fn/contract/registry.js';
import type { KubeObject, Obj } from '../fn/io/objects.js';
import type { ResourceList } from '../fn/io/resource-list.js';
import { KINDS, REGISTRY } from '../fn/kinds/index.js';
import { runFunction } from '../fn/pipeline/index.js';
import { withKindLists } from '../fn/policy/schema-kinds.js';
import { at } from '../fn/util/field-path.js';
import { patternInWords, readSettings } from '../fn/policy/settings.js';
import { ROOT } from './helpers.js';
import {
  type ImportGraph,
  importCycles,
  importGraph,
  layerOf,
  layersOf,
  layerViolations,
  missingImports,
  sourceFiles,
} from './import-graph.js';

const doc = readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8');
const layers = layersOf(doc);
const files = sourceFiles(ROOT);
const graph = importGraph(ROOT, files);

describe('the layers of ARCHITECTURE.md', () => {
  it('are ranked 1, 2, … and each names paths', () => {
    expect(layers.map((l) => l.rank)).toEqual(layers.map((_, i) => i + 1));
    expect(layers.length).toBeGreaterThan(5);
    for (const l of layers) expect(l.paths.length, l.name).toBeGreaterThan(0);
  });

  it('hold every module of fn/, and no module imports from a higher layer', () => {
    expect(layerViolations(graph, layers)).toEqual([]);
  });

  it('leave no import cycle in fn/ (import type included)', () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it('every relative import names a module that exists', () => {
    expect(missingImports(ROOT, graph)).toEqual([]);
  });

  it('the contract imports nothing above fn/io/ and fn/util/', () => {
    const contract = files.filter((f) => layerOf(f, layers)?.name === 'contract');
    expect(contract).toContain('fn/contract/kind.ts');
    expect(contract).toContain('fn/kinds/kind.ts');
    for (const f of contract)
      for (const dep of graph.get(f)!)
        expect(['util', 'io', 'contract'], `${f} imports ${dep}`).toContain(
          layerOf(dep, layers)?.name,
        );
  });

  it('the registry is imported only by the pipeline and the entry points', () => {
    const pipeline = layers.find((l) => l.name === 'pipeline')!.rank;
    const importers = files.filter((f) => graph.get(f)!.includes('fn/kinds/index.ts'));
    expect(importers.length).toBeGreaterThan(0);
    for (const f of importers) expect(layerOf(f, layers)!.rank, f).toBeGreaterThanOrEqual(pipeline);
  });
});

describe('the import checks can fail', () => {
  const fake: ImportGraph = new Map([
    ['fn/util/a.ts', ['fn/io/b.ts']],
    ['fn/io/b.ts', ['fn/io/c.ts']],
    ['fn/io/c.ts', ['fn/io/b.ts']],
    ['fn/nowhere/d.ts', []],
  ]);
  const fakeLayers = [
    { rank: 1, name: 'util', paths: ['fn/util/'] },
    { rank: 2, name: 'io', paths: ['fn/io/'] },
  ];

  it('finds a cycle', () => {
    expect(importCycles(fake)).toEqual([['fn/io/b.ts', 'fn/io/c.ts']]);
  });

  it('finds an upward import and a module in no layer', () => {
    expect(layerViolations(fake, fakeLayers)).toEqual([
      'fn/util/a.ts (util, layer 1) imports fn/io/b.ts (io, layer 2)',
      'fn/nowhere/d.ts is in no layer of ARCHITECTURE.md',
    ]);
  });

  it('reads the layers table of a document', () => {
    const table = '## Layers\n\n| rank | layer | paths | holds |\n|---|---|---|---|\n';
    const rows = '| 1 | util | `fn/util/` | x |\n| 2 | top | `fn/a.ts` `fn/b/` | y |\n';
    expect(layersOf(table + rows)).toEqual([
      { rank: 1, name: 'util', paths: ['fn/util/'] },
      { rank: 2, name: 'top', paths: ['fn/a.ts', 'fn/b/'] },
    ]);
  });
});

describe('what ARCHITECTURE.md names exists', () => {
  // Paths in backquotes: with a slash or a file extension, without a placeholder or a space.
  const named = [...doc.matchAll(/`([^`\s<>…]+)`/g)]
    .map((m) => m[1])
    .filter((p) => /^(fn|test|schemas|scripts|examples)\/|^[\w-]+\.(ts|md|mjs|json)$/.test(p));

  it('names paths', () => expect(named.length).toBeGreaterThan(20));
  it.each([...new Set(named)])('%s', (p) => {
    expect(existsSync(join(ROOT, p))).toBe(true);
  });

  // Each `### \`parent\` (\`file\`)` heading under Stages and its table of stages.
  const stages = doc.slice(doc.indexOf('## Stages'), doc.indexOf('## The contract'));
  const tables = [
    ...stages.matchAll(/^### `(\w+)` \(`([^`]+)`\)\n([\s\S]*?)(?=^### |$(?![\s\S]))/gm),
  ];
  const rows = (table: string) =>
    [...table.matchAll(/^\| \d+ \| `(\w+)` \| `([^`]+)` \|/gm)].map((m) => ({
      name: m[1],
      file: m[2],
    }));

  it('lists the stages of runFunction and renderDatabase', () => {
    expect(tables.map((t) => t[1])).toEqual(['runFunction', 'renderDatabase']);
    for (const t of tables) expect(rows(t[3]).length).toBeGreaterThan(5);
  });

  for (const [, parent, parentFile, table] of tables) {
    it(`${parent} calls its stages in the order listed, each exported from its file`, () => {
      const body = functionText(parentFile, parent);
      let at = -1;
      for (const { name, file } of rows(table)) {
        expect(exportedFunctions(file), `${file} exports ${name}`).toContain(name);
        const call = body.indexOf(`${name}(`, at + 1);
        expect(call, `${parent} calls ${name} after the stage before it`).toBeGreaterThan(at);
        at = call;
      }
    });
  }
});

describe("docs/development.md's tree of fn/", () => {
  it('names every folder of fn/, and only those', () => {
    const readme = readFileSync(join(ROOT, 'docs/development.md'), 'utf8');
    const tree = readme.slice(readme.indexOf('\nfn/ '), readme.indexOf('\nschemas/ '));
    const named = [...tree.matchAll(/^ {2}([a-z]+)\/ /gm)].map((m) => m[1]);
    const folders = [
      ...new Set(files.map((f) => f.split('/')[1]).filter((p) => !p.endsWith('.ts'))),
    ];
    expect(named.sort()).toEqual(folders.sort());
  });
});

describe('facts of a kind live in the kind', () => {
  it('no module outside fn/kinds/ names a kind in its code (comments aside)', () => {
    const names = KINDS.map((k) => k.kind);
    const found: string[] = [];
    for (const f of files.filter((f) => !f.startsWith('fn/kinds/'))) {
      for (const text of stringLiterals(f))
        for (const n of names) if (new RegExp(`\\b${n}\\b`).test(text)) found.push(`${f}: ${n}`);
    }
    expect(found).toEqual([]);
  });

  it('the source of the policy schema lists no kind', () => {
    const source = readFileSync(join(ROOT, 'schemas/database-tls-policy.schema.json'), 'utf8');
    const patterns = [...source.matchAll(/"pattern": (".*")/g)].map((m) => JSON.parse(m[1]));
    for (const k of KINDS) for (const p of patterns) expect(p).not.toContain(k.kind);
  });

  it("the source of the policy schema lists no kind's version catalog either", () => {
    const source = readFileSync(join(ROOT, 'schemas/database-tls-policy.schema.json'), 'utf8');
    const catalogs = KINDS.flatMap((k) => (k.versionNaming ? [k.versionNaming.catalogKind] : []));
    expect(catalogs.length).toBe(KINDS.length);
    for (const c of catalogs) expect(source).not.toContain(`"${c}"`);
  });
});

describe('a kind folder', () => {
  // fn/kinds/<kind>/: the kind in its index.ts, its facts in its README.md (ARCHITECTURE.md).
  const folders = readdirSync(join(ROOT, 'fn/kinds'), { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(ROOT, 'fn/kinds', e.name, 'index.ts')))
    .map((e) => e.name);
  it('exists', () => expect(folders.length).toBeGreaterThan(3));
  it.each(folders)(
    '%s: its index.ts exports a registered kind, its README.md names its facts',
    async (dir) => {
      const module = await import(/* @vite-ignore */ join(ROOT, 'fn/kinds', dir, 'index.ts'));
      const kinds = Object.values(module).filter((v) => KINDS.includes(v as DatabaseKind));
      expect(kinds).toHaveLength(1);
      const kind = kinds[0] as DatabaseKind;
      const readme = readFileSync(join(ROOT, 'fn/kinds', dir, 'README.md'), 'utf8');
      expect(readme).toMatch(
        new RegExp(`^# ${kind.kind} \\(\`${kind.group}/${kind.versions[0]}\``),
      );
      for (const v of kind.versions.slice(1)) expect(readme).toContain(`\`${v}\``);
      const db = {
        apiVersion: `${kind.group}/${kind.versions[0]}`,
        kind: kind.kind,
        metadata: { name: 'x' },
        spec: {},
      };
      for (const alias of kind.aliases(db as KubeObject))
        expect(readme, alias).toContain(`\`${alias}\``);
    },
  );
});

describe('a kind added to the registry alone', () => {
  // A kind written against the contract and nowhere listed but in this registry.
  const widget: DatabaseKind<{ strict: boolean }> = {
    group: 'kubedb.com',
    kind: 'WidgetDB',
    operator: 'KubeDB',
    resource: 'widgetdbs',
    versions: ['v1'],
    summary: 'a kind made up for this test',
    versionNaming: { catalogKind: 'WidgetDBVersion' },
    aliases: () => ['server', 'client'],
    plan: (ctx) => ({ strict: (ctx.db.spec as { strict?: boolean }).strict === true }),
    issuesCertificates: (ctx) => ctx.tls !== undefined,
    certificateDefaults: (ctx, _plan, alias) =>
      alias === 'server'
        ? { dnsNames: [`${ctx.db.metadata.name}.${ctx.namespace}.svc`] }
        : { commonName: 'root' },
    workload: () => [],
    connectionSettings: [
      {
        key: 'widgetStrict',
        path: at('spec', 'strict'),
        levels: [false, true],
        value: (_, p) => p.strict,
        unset: { withTLS: false, withoutTLS: false },
      },
    ],
    client: {
      endpoint: (ctx) => ({ service: ctx.db.metadata.name, port: 7000 }),
      settings: (c) => ({ env: [{ name: 'WIDGET_HOST', value: c.host }] }),
    },
  };
  const registry = kindRegistry([...KINDS, widget as DatabaseKind]);
  const issuer = {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Issuer',
    metadata: { name: 'ca', namespace: 'demo' },
    spec: { ca: { secretName: 'ca' } },
  };
  const db = {
    apiVersion: 'kubedb.com/v1',
    kind: 'WidgetDB',
    metadata: { name: 'w', namespace: 'demo' },
    spec: { tls: { issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' } } },
  };
  const list = (functionConfig?: Obj): ResourceList => ({
    apiVersion: 'config.kubernetes.io/v1',
    kind: 'ResourceList',
    items: structuredClone([issuer, db]),
    ...(functionConfig ? { functionConfig } : {}),
  });
  const certificates = (items: readonly object[]) =>
    (items as KubeObject[]).filter((o) => o.kind === 'Certificate').map((o) => o.metadata.name);

  it('is validated and rendered by the pipeline', () => {
    const out = runFunction(list(), registry);
    expect(out.results?.filter((r) => r.severity === 'error')).toEqual([]);
    expect(certificates(out.items)).toEqual(['w-server-cert', 'w-client-cert']);
    // The same input without the registry line: the resource passes through unread.
    expect(certificates(runFunction(list(), REGISTRY).items)).toEqual([]);
  });

  it('has its connection setting accepted by the policy', () => {
    const policy = {
      apiVersion: 'dbtls.dev/v1alpha1',
      kind: 'DatabaseTLSPolicy',
      metadata: { name: 'p' },
      spec: { rules: { connectionSecurity: { minimum: { widgetStrict: true } } } },
    };
    expect(readSettings(policy, registry).results).toEqual([]);
    expect(readSettings(policy, REGISTRY).results.map((r) => r.message)).toEqual([
      expect.stringMatching(/^unknown setting "widgetStrict"/),
    ]);
    const violation = runFunction(list(policy), registry).results?.find((r) =>
      r.message.startsWith('policy rule connectionSecurity'),
    );
    expect(violation?.field?.path).toBe('spec.strict');
  });

  it('joins the kinds a policy may name in the schema the build writes', () => {
    const source = JSON.parse(
      readFileSync(join(ROOT, 'schemas/database-tls-policy.schema.json'), 'utf8'),
    );
    const schema = withKindLists(source, registry.all) as any;
    const pattern = schema.definitions.settings.properties.externalDatabases.items.pattern;
    expect(pattern).toMatch(/\|WidgetDB\)\//);
    expect(patternInWords(pattern)).toMatch(/KIND one of .*MySQL, WidgetDB, each name/);
    const catalogs = schema.definitions.settings.properties.versions.items.properties.kind.enum;
    expect(catalogs).toContain('WidgetDBVersion');
    expect(catalogs).toContain('PostgresVersion');
  });
});

describe('the folders brought to shape stay in shape', () => {
  const shaped = doc
    .slice(doc.indexOf('## Shape'))
    .match(/`fn\/(?:[\w-]+\/)+`/g)!
    .map((p) => p.slice(1, -1));
  it('names folders', () => expect(shaped.length).toBeGreaterThan(3));
  for (const dir of shaped) {
    it(`${dir}: files within 400 lines, functions within 60`, () => {
      const over: string[] = [];
      for (const f of files.filter((f) => f.startsWith(dir))) {
        const text = readFileSync(join(ROOT, f), 'utf8');
        if (text.split('\n').length > 400) over.push(`${f}: ${text.split('\n').length} lines`);
        for (const fn of functionLengths(f, text)) if (fn.lines > 60) over.push(`${f}:${fn.line}`);
      }
      expect(over).toEqual([]);
    });
  }
});

function sourceOf(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest);
}

/** The text of a top-level function of a module. */
function functionText(file: string, name: string): string {
  const sf = sourceOf(file);
  const fn = sf.statements.find((s) => ts.isFunctionDeclaration(s) && s.name?.text === name);
  expect(fn, `${file} declares ${name}`).toBeDefined();
  return fn!.getText(sf);
}

/** The functions a module exports by declaration. */
function exportedFunctions(file: string): string[] {
  return sourceOf(file)
    .statements.filter(
      (s): s is ts.FunctionDeclaration =>
        ts.isFunctionDeclaration(s) &&
        (ts.getCombinedModifierFlags(s) & ts.ModifierFlags.Export) !== 0,
    )
    .map((s) => s.name!.text);
}

/** The text of every string and template literal of a module (comments are not literals). */
function stringLiterals(file: string): string[] {
  const out: string[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isStringLiteralLike(n) || ts.isTemplateLiteralToken(n)) out.push(n.text);
    ts.forEachChild(n, visit);
  };
  visit(sourceOf(file));
  return out;
}

/** Every function with a body: its first line and its length, signature to closing brace. */
function functionLengths(file: string, text: string): { line: number; lines: number }[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: { line: number; lines: number }[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isFunctionLike(n) && (n as ts.FunctionLikeDeclaration).body) {
      const a = sf.getLineAndCharacterOfPosition(n.getStart()).line;
      const b = sf.getLineAndCharacterOfPosition(n.end).line;
      out.push({ line: a + 1, lines: b - a + 1 });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}
