// Every message starts with its subject (issue 25): a field path, a value, an object, a setting —
// never a bare predicate such as "is not set: …" or "and spec.replicaSet are exclusive", which
// reads as a sentence with its first words lost wherever the message is shown alone (kpt's
// results, Argo CD, a CI log). Checked on every message the bad-input corpus and the examples'
// check outputs hold, and, for the messages no input reaches yet, on the text of every report call
// in fn/ (its first words as written).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { load } from 'js-yaml';
import { at } from '../fn/util/field-path.js';
import { errorsOf, issuer, postgres, resourceList, ROOT, runFn } from './helpers.js';

/** Example packages: folders under examples/ with a .expected folder (as golden.test.ts finds them). */
function examplePackages(dir = join(ROOT, 'examples')): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (existsSync(join(p, '.expected'))) out.push(p);
    else out.push(...examplePackages(p));
  }
  return out;
}

/** Words a subject never starts with: verbs, modals and conjunctions. */
const PREDICATE_WORDS = new Set(
  (
    'is are was were be been am must should shall may might can cannot could would will has have ' +
    'had does do did needs need and or but nor not so yet then names sets set applies apply ' +
    'requires contains uses makes gives holds lacks refers points means matches conflicts exists ' +
    'belongs overrides takes reads writes runs renders expects allows accepts refuses ignores ' +
    'selects starts ends stays keeps only also'
  ).split(' '),
);

/** Why `message` does not start with a subject, or undefined when it does. */
export function subjectProblem(message: unknown): string | undefined {
  if (typeof message !== 'string' || message.trim() === '') return 'the message is empty';
  // An empty subject: a path or value that printed as nothing before the predicate.
  if (/^[\s:;,.)\]]/.test(message)) return 'the subject is empty';
  if (/^(undefined|null|\[object|NaN)\b/.test(message)) return 'the subject is empty';
  const first = /^[A-Za-z']+/.exec(message)?.[0] ?? '';
  if (PREDICATE_WORDS.has(first)) return `it starts with "${first}", not with its subject`;
  return undefined;
}

/** Messages dbtls wrote into the corpus: the input's own results (kept as they are) left out. */
function corpusMessages(): Map<string, string> {
  const out = new Map<string, string>();
  const dir = join(ROOT, 'test/bad-inputs');
  for (const name of readdirSync(dir).sort()) {
    const expected = load(readFileSync(join(dir, name, 'expected.yaml'), 'utf8')) as {
      results: { message?: unknown }[];
    };
    let input: unknown;
    try {
      input = load(readFileSync(join(dir, name, 'input.yaml'), 'utf8'));
    } catch {
      input = undefined;
    }
    const given = (input as { results?: unknown })?.results;
    const skip = Array.isArray(given) ? given.length : 0;
    for (const r of expected.results.slice(skip)) out.set(String(r.message), `bad-inputs/${name}`);
  }
  return out;
}

/** Messages of the examples' `check` outputs: `file:line:col: severity: message (object, field)`. */
function goldenMessages(): Map<string, string> {
  const out = new Map<string, string>();
  for (const pkg of examplePackages()) {
    for (const file of ['check.txt', 'check-validate.txt']) {
      const path = join(pkg, '.expected', file);
      if (!existsSync(path)) continue;
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        const m = /(?:^|: )(?:error|warning|info): (.*?)(?: \([^()]*\))?$/.exec(line);
        if (m) out.set(m[1], relative(ROOT, path));
      }
    }
  }
  return out;
}

/** The first words of each report call's message in fn/, as written (the text before any value). */
function sourceMessages(): Map<string, string> {
  const out = new Map<string, string>();
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.ts')) files.push(join(d, e.name));
    }
  };
  walk(join(ROOT, 'fn'));
  const heads = (n: ts.Node): ts.Node[] => {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.PlusToken)
      return heads(n.left);
    if (ts.isParenthesizedExpression(n)) return heads(n.expression);
    if (ts.isConditionalExpression(n)) return [...heads(n.whenTrue), ...heads(n.whenFalse)];
    return [n];
  };
  for (const file of files) {
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (n: ts.Node) => {
      if (
        ts.isCallExpression(n) &&
        ts.isPropertyAccessExpression(n.expression) &&
        ['error', 'warn', 'info'].includes(n.expression.name.text) &&
        n.arguments.length >= 2
      ) {
        for (const h of heads(n.arguments[1])) {
          // A message that opens with a value (`${path} must …`) has that value as its subject.
          const text = ts.isStringLiteral(h) || ts.isNoSubstitutionTemplateLiteral(h) ? h.text : '';
          const head = ts.isTemplateExpression(h) ? h.head.text : text;
          if (head !== '' || text !== '') {
            const line = sf.getLineAndCharacterOfPosition(h.getStart(sf)).line + 1;
            out.set(head, `${relative(ROOT, file)}:${line}`);
          }
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return out;
}

const offenders = (messages: Map<string, string>) =>
  [...messages]
    .map(([message, where]) => ({ where, message, problem: subjectProblem(message) }))
    .filter((m) => m.problem !== undefined);

describe('every message starts with its subject', () => {
  const corpus = corpusMessages();
  const golden = goldenMessages();
  const source = sourceMessages();

  it('reads messages from the corpus, the goldens and the source', () => {
    expect(corpus.size).toBeGreaterThan(200);
    expect(golden.size).toBeGreaterThan(10);
    expect(source.size).toBeGreaterThan(100);
  });

  it('in the bad-input corpus', () => expect(offenders(corpus)).toEqual([]));
  it("in the examples' check outputs", () => expect(offenders(golden)).toEqual([]));
  it('in every report call of fn/', () => expect(offenders(source)).toEqual([]));

  it('the check itself: a predicate or an empty subject fails', () => {
    for (const m of [
      'is not set: the server accepts plaintext connections',
      'and spec.replicaSet are exclusive',
      'must be a mapping, got a list',
      ' is not set',
      ': must be a string',
      'undefined is refused',
      '',
    ])
      expect(subjectProblem(m)).toBeDefined();
    for (const m of [
      'spec.tls is not set: the server accepts plaintext connections',
      '"x" is not one of a, b',
      'true is refused',
      'the workload reads …',
      'unknown field "x"; spec.tls has issuerRef',
    ])
      expect(subjectProblem(m)).toBeUndefined();
  });
});

describe('docs/messages.md', () => {
  const doc = readFileSync(join(ROOT, 'docs/messages.md'), 'utf8');
  const run = (...items: object[]) => runFn(resourceList([issuer('ca'), ...items]));

  it('names its examples as dbtls writes them, each at its field and object', () => {
    const mapping = run(postgres({ tls: [] }));
    expect(mapping.output.results[0]).toMatchObject({
      message: 'spec.tls must be a mapping, got a list',
      field: { path: 'spec.tls' },
      resourceRef: { kind: 'Postgres', name: 'pg', namespace: 'demo' },
    });
    const value = errorsOf(run(postgres({ sslMode: 'verify_full' })))[0].message;
    const twice = errorsOf(run(postgres(), postgres()))[0].message;
    const alias = errorsOf(run(postgres({ tls: { ...postgres().spec.tls, certificates: [{}] } })));
    for (const example of [mapping.output.results[0].message, value, twice])
      expect(doc).toContain(`\`${example}\``);
    expect(alias[0].field).toBe('spec.tls.certificates[0].alias');
    expect(doc).toContain('`spec.tls.certificates[0].alias`');
  });

  it("places a result at a key with dots on that key's own line (check DIR)", () => {
    const example = 'examples/postgres-configuration';
    const check = readFileSync(join(ROOT, example, '.expected/check.txt'), 'utf8');
    const m = /postgres\.yaml:(\d+):(\d+): .*, (spec\.configuration\.inline\.user\.conf)\)$/m.exec(
      check,
    );
    expect(m).not.toBeNull();
    const line = readFileSync(join(ROOT, example, 'postgres.yaml'), 'utf8').split('\n')[
      Number(m![1]) - 1
    ];
    expect(line.slice(Number(m![2]) - 1)).toMatch(/^user\.conf:/);
    expect(doc).toContain('`spec.configuration.inline.user.conf`');
  });

  it('builds paths as its contributor section says', () => {
    expect(String(at('spec', 'tls', 'issuerRef'))).toBe('spec.tls.issuerRef');
    expect(String(at('spec', 'tls', 'certificates').index(0).child('alias'))).toBe(
      'spec.tls.certificates[0].alias',
    );
    expect(doc).toContain("`at('spec', 'tls', 'issuerRef')`");
  });
});
