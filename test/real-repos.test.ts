// Real repositories are the judge (issue 26): manifests from kube-prometheus, Argo CD,
// cert-manager and kubernetes/examples (test/data/real-repos, with their provenance), beside
// databases written the ways real repositories write them (in a List, in flow style with anchors
// a later item names), go through the KRM path in every layout (kpt's, js-yaml's, JSON, a flow
// sequence), `render DIR` and `kpt fn eval`; every output is read back by Go's two readers
// (yaml.v3 under kpt and kustomize, sigs.k8s.io/yaml under kubectl), and every document dbtls
// does not own must mean exactly what it meant, to both.
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseYaml, parseYamlStream } from '../fn/io/yaml.js';
import { DIST, ROOT, runDist } from './helpers.js';
import { missing, run, tempDir } from './integration/tools.js';
import { goMeanings, type Meanings } from './yaml-reference/reference.js';

const DATA = join(ROOT, 'test/data/real-repos');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? yamlFiles(join(dir, e.name))
      : e.name.endsWith('.yaml')
        ? [join(dir, e.name)]
        : [],
  );
}
const FILES = yamlFiles(DATA).map((f) => relative(DATA, f));

/** Databases as real repositories write them: in a List, and in flow style with anchors. */
const DATABASES = `apiVersion: cert-manager.io/v1
kind: Issuer
metadata: {name: ca, namespace: demo}
spec: {ca: {secretName: ca-key-pair}}
---
apiVersion: v1
kind: List
items:
- apiVersion: kubedb.com/v1
  kind: Postgres
  metadata:
    name: listed
    namespace: demo
  spec:
    version: "16.4"
    storage: {resources: {requests: {storage: 1Gi}}}
    tls:
      issuerRef: {apiGroup: cert-manager.io, kind: Issuer, name: ca}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: listed-settings, namespace: demo}
  data: {flag: yes, ratio: 1.0}
---
apiVersion: kubedb.com/v1
kind: Postgres
metadata: {name: flow, namespace: demo, annotations: {team: "0X1F"}}
spec: {version: "16.4", storage: {resources: {requests: {storage: 1Gi}}}, tls: {issuerRef: {apiGroup: cert-manager.io, kind: Issuer, name: ca}}}
`;

/** The documents of a file or stream, each as its own text (the files here split on `---` lines). */
function documents(text: string): string[] {
  return text.split(/^---[ \t]*(?:#.*)?\n/m).filter((d) => /^[^#\s]/m.test(d));
}

/** A key per document: kind and name (a List: its kind and first entry), as dbtls reads it. */
function keyOf(doc: unknown): string {
  const o = doc as { kind?: string; metadata?: { name?: string }; items?: unknown[] };
  if (o?.metadata?.name) return `${o.kind}/${o.metadata.name}`;
  return `${o?.kind}/${Array.isArray(o?.items) ? keyOf(o.items[0]) : '?'}`;
}

/** The canonical meaning without dbtls's local-config annotation, wherever it is. */
function withoutLocalConfig(m: unknown): unknown {
  if (Array.isArray(m)) return m.map(withoutLocalConfig);
  if (m === null || typeof m !== 'object') return m;
  const o = m as { map?: [unknown, unknown][] };
  if (o.map) {
    const map = o.map
      .filter(([k, v]) => !(k === 's:config.kubernetes.io/local-config' && v === 's:true'))
      .map(([k, v]) => [k, withoutLocalConfig(v)] as [unknown, unknown]);
    // An annotations mapping that held only that annotation, in a flow mapping dbtls added it to.
    return {
      map: map.filter(([k, v]) => !(k === 's:annotations' && JSON.stringify(v) === '{"map":[]}')),
    };
  }
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, withoutLocalConfig(v)]));
}

const isError = (m: unknown) => typeof m === 'string' && m.startsWith('error:');

/** Every input document (by key) means the same to both readers in the output. */
function expectSameDocuments(inputs: string[], outputs: string[], what: string): number {
  const keysIn = inputs.map((d) => keyOf(parseYaml(d)));
  const keysOut = outputs.map((d) => keyOf(parseYaml(d)));
  const meanings = goMeanings([...inputs, ...outputs]);
  const before = meanings.slice(0, inputs.length);
  const after = meanings.slice(inputs.length);
  for (const m of after) {
    expect(isError(m.v3), `${what}: yaml.v3 reads the output: ${m.v3}`).toBe(false);
    expect(isError(m.kubectl), `${what}: kubectl reads the output: ${m.kubectl}`).toBe(false);
  }
  let compared = 0;
  keysIn.forEach((key, i) => {
    const j = keysOut.indexOf(key);
    expect(j, `${what}: ${key} is in the output`).toBeGreaterThanOrEqual(0);
    for (const reader of ['v3', 'kubectl'] as const) {
      expect(withoutLocalConfig(after[j][reader]), `${what}: ${key} under ${reader}`).toEqual(
        withoutLocalConfig(before[i][reader]),
      );
      compared++;
    }
  });
  return compared;
}

/** The items of a ResourceList, as layouts kpt, js-yaml, JSON and a flow sequence write them. */
function resourceLists(docs: string[]): { layout: string; text: string }[] {
  const values = docs.map((d) => parseYaml(d));
  const entry = (doc: string, pad: string) =>
    doc
      .replace(/\n$/, '')
      .split('\n')
      .map((l, i) => (i === 0 ? `${pad}- ${l}` : l === '' ? '' : `${pad}  ${l}`))
      .join('\n');
  const head = 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n';
  const json = (v: unknown) =>
    JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x), 2);
  return [
    { layout: 'kpt', text: `${head}items:\n${docs.map((d) => entry(d, '')).join('\n')}\n` },
    { layout: 'js-yaml', text: `${head}items:\n${docs.map((d) => entry(d, '  ')).join('\n')}\n` },
    {
      layout: 'JSON',
      text: json({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items: values }),
    },
    {
      layout: 'flow sequence',
      text: `${head}items: [\n${values.map((v) => `  ${JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x))}`).join(',\n')}\n]\n`,
    },
  ];
}

/** Each item of a ResourceList output as a document of its own, for the readers. */
function outputItems(meaning: Meanings): { v3: unknown[]; kubectl: unknown[] } {
  return { v3: meaning.v3Items ?? [], kubectl: meaning.kubectlItems ?? [] };
}

describe('real manifests through the KRM path, in every layout', () => {
  const docs = [
    ...FILES.flatMap((f) => documents(readFileSync(join(DATA, f), 'utf8'))),
    ...documents(DATABASES),
  ];
  // Anchors a later item names: the flow Postgres defines one, a ConfigMap after it uses it.
  const anchored = docs.map((d) =>
    d.startsWith('apiVersion: kubedb.com/v1\nkind: Postgres\nmetadata: {name: flow')
      ? d.replace('namespace: demo,', 'namespace: &ns demo,')
      : d,
  );
  anchored.push('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: aliased, namespace: *ns}\n');

  it.each(resourceLists(docs).map((l) => [l.layout, l.text]))(
    '%s',
    (layout, text) => {
      const out = runDist(text);
      expect(out.status, out.stderr).toBe(0);
      const [before, after] = goMeanings([text, out.stdout]);
      for (const m of [after.v3, after.kubectl]) expect(isError(m), String(m)).toBe(false);
      const inKeys = (parseYaml(text) as { items: unknown[] }).items.map(keyOf);
      const outKeys = (parseYaml(out.stdout) as { items: unknown[] }).items.map(keyOf);
      const b = outputItems(before);
      const a = outputItems(after);
      inKeys.forEach((key, i) => {
        const j = outKeys.indexOf(key);
        expect(j, `${layout}: ${key}`).toBeGreaterThanOrEqual(0);
        for (const reader of ['v3', 'kubectl'] as const)
          expect(withoutLocalConfig(a[reader][j]), `${layout}: ${key} under ${reader}`).toEqual(
            withoutLocalConfig(b[reader][i]),
          );
      });
      // The Postgres in the List and the one in flow style were both rendered.
      expect(outKeys).toContain('Certificate/listed-server-cert');
      expect(outKeys).toContain('Certificate/flow-server-cert');
    },
    120_000,
  );

  it('an edited item keeps the anchor a later item names: the output is YAML to both readers', () => {
    const head = 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n';
    const text = `${head}${anchored
      .map((d) =>
        d
          .replace(/\n$/, '')
          .split('\n')
          .map((l, i) => (i === 0 ? `- ${l}` : l === '' ? '' : `  ${l}`))
          .join('\n'),
      )
      .join('\n')}\n`;
    const out = runDist(text);
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toContain(
      'metadata: {name: flow, namespace: &ns demo, annotations: {team: "0X1F", "config.kubernetes.io/local-config": "true"}}',
    );
    const [after] = goMeanings([out.stdout]);
    expect(isError(after.v3), String(after.v3)).toBe(false);
    expect(isError(after.kubectl), String(after.kubectl)).toBe(false);
  });
});

describe('real manifests through render DIR', () => {
  const pkg = tempDir();
  for (const f of FILES) {
    mkdirSync(join(pkg, f, '..'), { recursive: true });
    cpSync(join(DATA, f), join(pkg, f));
  }
  writeFileSync(join(pkg, 'databases.yaml'), DATABASES);
  const inputs = [...FILES, 'databases.yaml'].flatMap((f) =>
    documents(readFileSync(join(pkg, f), 'utf8')),
  );

  it('operator mode: every document means what its file meant, the last value of a file included', () => {
    const out = run(process.execPath, [DIST, 'render', pkg, '--mode', 'operator']);
    expect(out.status, out.stderr).toBe(0);
    const n = expectSameDocuments(inputs, documents(out.stdout), 'render --mode operator');
    expect(n).toBeGreaterThan(2 * 20);
    // kubernetes/examples' rule ends in a block scalar without a final line break: kept as `|-`.
    expect(out.stdout).toContain('      expr: |-\n        label_replace(\n');
  });

  it('standalone mode: the same, less the databases it renders in their place (also inside the List)', () => {
    const out = run(process.execPath, [DIST, 'render', pkg]);
    expect(out.status, out.stderr).toBe(0);
    const outputs = documents(out.stdout);
    const kept = inputs.filter((d) => !/^kind: Postgres$/m.test(d) || /^kind: List$/m.test(d));
    const list = outputs.find((d) => /^kind: List$/m.test(d)) ?? '';
    expect(list).not.toContain('kind: Postgres');
    expect(list).toContain('name: listed-settings');
    expectSameDocuments(
      kept.filter((d) => !/^kind: List$/m.test(d)),
      outputs,
      'render',
    );
    expect(outputs.some((d) => d.includes('name: listed-server-cert'))).toBe(true);
  });
});

const skipKpt = missing('kpt');
describe.skipIf(skipKpt)('real manifests through kpt fn eval', () => {
  it('every file kpt reads comes back meaning what it meant, to both readers', () => {
    const pkg = tempDir();
    writeFileSync(
      join(pkg, 'Kptfile'),
      'apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: real\n',
    );
    // kpt itself refuses a List without metadata.name (kubectl's and kube-prometheus's have none).
    const files = FILES.filter((f) => !/Namespaces\.yaml$/.test(f));
    for (const f of files) {
      mkdirSync(join(pkg, f, '..'), { recursive: true });
      cpSync(join(DATA, f), join(pkg, f));
    }
    writeFileSync(
      join(pkg, 'databases.yaml'),
      DATABASES.replace(/---\napiVersion: v1\nkind: List[\s\S]*?(?=---)/, ''),
    );
    writeFileSync(
      join(pkg, 'kustomization.yaml'),
      `resources:\n${files.map((f) => `- ${f}`).join('\n')}\n`,
    );
    const before = [...files, 'databases.yaml'].map((f) => readFileSync(join(pkg, f), 'utf8'));
    const r = run('kpt', ['fn', 'eval', pkg, '--exec', `${process.execPath} ${DIST}`]);
    expect(r.status, r.stderr).toBe(0);
    const after = [...files, 'databases.yaml'].map((f) => readFileSync(join(pkg, f), 'utf8'));
    expectSameDocuments(before.flatMap(documents), after.flatMap(documents), 'kpt fn eval');
    expect(readdirSync(pkg)).toContain('postgres_demo_flow.dbtls.yaml');
    // The generated file is YAML to both readers too.
    const generated = readFileSync(join(pkg, 'postgres_demo_flow.dbtls.yaml'), 'utf8');
    for (const m of goMeanings(documents(generated)))
      expect(isError(m.v3) || isError(m.kubectl)).toBe(false);
    expect(parseYamlStream(generated).length).toBeGreaterThan(3);
  }, 120_000);
});
