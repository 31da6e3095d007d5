// docs/inputs.md, claim by claim, run as a user runs dbtls: `render DIR` and `check DIR` on a
// folder, a ResourceList on stdin, `kpt fn eval` on a package. (The real-manifest differential
// tests are test/real-repos.test.ts; linear time is test/linear-time.test.ts and test/redos.test.ts.)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_KRMIGNORE_BYTES } from '../fn/cli/krmignore.js';
import { LIMITS, SECOND_READING_BYTES } from '../fn/io/yaml.js';
import { DIST, ROOT, runDist } from './helpers.js';
import { missing, run, tempDir } from './integration/tools.js';

const DOC = readFileSync(join(ROOT, 'docs/inputs.md'), 'utf8').replace(/\s+/g, ' ');

function pkg(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}
const dbtls = (...args: string[]) => run(process.execPath, [DIST, ...args]);
/** The lines of render's or check's results but the notes (info: the Secret it does not create…). */
const problems = (out: string) =>
  out
    .split('\n')
    .filter((l) => l !== '' && !/^\S+: info: /.test(l))
    .map((l) => `${l}\n`)
    .join('');

const ISSUER =
  'apiVersion: cert-manager.io/v1\nkind: Issuer\nmetadata:\n  name: ca\n  namespace: demo\nspec:\n  ca:\n    secretName: ca\n';
const postgres = (name: string, extra = '') =>
  `apiVersion: kubedb.com/v1\nkind: Postgres\nmetadata:\n  name: ${name}\n  namespace: demo\nspec:\n  version: "16.4"\n  storage: {resources: {requests: {storage: 1Gi}}}\n  tls:\n    issuerRef: {apiGroup: cert-manager.io, kind: Issuer, name: ca}\n${extra}`;
const resourceList = (items: string) =>
  `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${items}`;
const entry = (doc: string) =>
  doc
    .replace(/\n$/, '')
    .split('\n')
    .map((l, i) => (i === 0 ? `- ${l}` : `  ${l}`))
    .join('\n');

describe('docs/inputs.md', () => {
  it('is linked from README', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('](docs/inputs.md)');
  });

  it('states the limits the code has', () => {
    expect(LIMITS.maxBytes).toBe(256 * 1024 * 1024);
    expect(DOC).toContain('more than 256 MiB (`maxBytes`)');
    expect(DOC).toContain(`\`maxNodes\` (${LIMITS.maxNodes.toLocaleString('en')})`);
    expect(DOC).toContain(`\`maxFlowNodes\` (${LIMITS.maxFlowNodes.toLocaleString('en')})`);
    expect(DOC).toContain(`deeper than ${LIMITS.maxDepth} levels`);
    expect(DOC).toContain(`more than ${LIMITS.maxAliases.toLocaleString('en')} aliases`);
    expect(SECOND_READING_BYTES).toBe(1 << 20);
    expect(DOC).toContain('texts of up to 1 MiB');
    expect(MAX_KRMIGNORE_BYTES).toBe(64 * 1024);
    expect(DOC).toContain('A `.krmignore` of more than 64 KiB is refused');
  });
});

describe('Lists', () => {
  const roleBindings = readFileSync(
    join(
      ROOT,
      'test/data/real-repos/kube-prometheus/prometheus-roleBindingSpecificNamespaces.yaml',
    ),
    'utf8',
  );

  it('a RoleBindingList file renders as the List it was, byte for byte', () => {
    const r = dbtls('render', pkg({ 'rb.yaml': roleBindings }));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`---\n${roleBindings}`);
  });

  it('a Postgres in a List is rendered, left out of the List render prints, and its problems placed at the entry', () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n${entry(ISSUER)}\n${entry(postgres('pg'))}\n`;
    const dir = pkg({ 'list.yaml': list });
    const r = dbtls('render', dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('name: pg-server-cert');
    const printed = r.stdout.split('---\n').find((d) => d.startsWith('apiVersion: v1\nkind: List'));
    expect(printed).toBe(`apiVersion: v1\nkind: List\nitems:\n${entry(ISSUER)}\n`);
    const bad = pkg({ 'list.yaml': list.replace('  storage:', '  sslMode: bogus\n    storage:') });
    const check = dbtls('check', bad);
    expect(check.stdout).toMatch(/list\.yaml:19:5: error: "bogus" is not one of/);
  });

  it('a List inside a List is read as kustomize unfolds it: its Postgres rendered, marked inside both Lists', () => {
    const inner = `apiVersion: v1\nkind: List\nitems:\n${entry(postgres('pg'))}\n`;
    const outer = `apiVersion: v1\nkind: List\nitems:\n${entry(ISSUER)}\n${entry(inner)}\n`;
    const r = runDist(resourceList(`${entry(outer)}\n`));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('name: pg-server-cert');
    // The outer List is the item it was, with the annotation added at the Postgres, four deep.
    const marked = outer.replace(
      '      namespace: demo\n    spec:',
      "      namespace: demo\n      annotations:\n        config.kubernetes.io/local-config: 'true'\n    spec:",
    );
    expect(marked).not.toBe(outer);
    expect(r.stdout).toContain(`items:\n${entry(marked)}\n`);

    const dir = pkg({ 'list.yaml': outer });
    const rendered = dbtls('render', dir);
    expect(rendered.status, rendered.stderr).toBe(0);
    const printed = rendered.stdout
      .split('---\n')
      .find((d) => d.startsWith('apiVersion: v1\nkind: List'));
    expect(printed).toBe(
      `apiVersion: v1\nkind: List\nitems:\n${entry(ISSUER)}\n- apiVersion: v1\n  kind: List\n  items: []\n`,
    );
    const bad = pkg({
      'list.yaml': outer.replace('  storage:', '  sslMode: bogus\n      storage:'),
    });
    expect(dbtls('check', bad).stdout).toMatch(/list\.yaml:22:7: error: "bogus" is not one of/);
  });

  it('an entry of a List that is not a mapping is reported once and stays in its List', () => {
    const r = runDist(
      resourceList(
        '- apiVersion: v1\n  kind: List\n  metadata: {name: l}\n  items:\n  - just a string\n',
      ),
    );
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('  items:\n  - just a string\nresults:');
    expect(r.stderr).toBe(
      'error: items[0].items[0] is not a mapping (got the string "just a string"); every item must be a Kubernetes object\n',
    );
  });
});

describe("kustomize's files", () => {
  it('an item read from kustomization.yaml (no apiVersion, no kind) is left alone', () => {
    const r = runDist(
      resourceList(
        "- resources:\n  - a.yaml\n  metadata:\n    annotations:\n      config.kubernetes.io/path: 'kustomization.yaml'\n",
      ),
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('- resources:\n  - a.yaml\n');
  });

  it.skipIf(missing('kpt'))('kpt fn eval on a package with a kustomization.yaml passes', () => {
    const dir = pkg({
      Kptfile: 'apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: p\n',
      'db.yaml': `${ISSUER}---\n${postgres('pg')}`,
      'kustomization.yaml': 'resources:\n- db.yaml\n',
    });
    const r = run('kpt', ['fn', 'eval', dir, '--exec', `${process.execPath} ${DIST}`]);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')).toBe('resources:\n- db.yaml\n');
  });
});

describe('files and messages', () => {
  it('render DIR reports a YAML error with its file, line and column', () => {
    const dir = pkg({
      'a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n   bad: 1\n',
    });
    const r = dbtls('render', dir);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `${dir}/a.yaml:5:7: error: file is not valid YAML: bad indentation of a mapping entry\n`,
    );
  });

  it('an empty file gets a warning that names it', () => {
    const dir = pkg({
      'empty.yaml': '# nothing yet\n',
      'db.yaml': `${ISSUER}---\n${postgres('pg')}`,
    });
    const r = dbtls('check', dir);
    expect(r.status).toBe(0);
    expect(problems(r.stdout)).toBe(
      `${dir}/empty.yaml: warning: empty.yaml holds no YAML document (it is empty or all comments): nothing is read from it\n`,
    );
  });

  it('a database without a namespace gets a warning; --default-namespace places it', () => {
    const dir = pkg({
      'db.yaml': `${ISSUER}---\n${postgres('pg')}`.replace(/^ {2}namespace: demo\n/gm, ''),
    });
    const r = dbtls('render', dir);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(
      'warning: Postgres/pg has no metadata.namespace, so dbtls takes "default": its Certificates, Services and the DNS names in them are rendered for namespace "default"',
    );
    const placed = dbtls('render', dir, '--default-namespace', 'db');
    expect(placed.stderr).toContain('info: ');
    expect(problems(placed.stderr)).toBe('');
    expect(placed.stdout).toContain('namespace: db');
  });
});

describe('layouts and valid YAML', () => {
  it('a JSON ResourceList keeps 1.0 as 1.0 and "yes" as "yes"', () => {
    const json = `{"apiVersion":"config.kubernetes.io/v1","kind":"ResourceList","items":[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":1.0,"b":"yes"}}]}`;
    const r = runDist(json);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      '- {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":1.0,"b":"yes"}}',
    );
  });

  it('an edit inside a node an alias shares is not made: the item passes through, with an error', () => {
    const input = resourceList(
      `${entry(ISSUER)}\n${entry(postgres('pg').replace('  namespace: demo\n', '  namespace: demo\n  annotations: &ann {team: a}\n'))}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c, namespace: demo, annotations: *ann}\n`,
    );
    const r = runDist(input);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('    annotations: &ann {team: a}\n  spec:');
    expect(r.stderr).toContain(
      'error: Postgres/demo/pg could not be changed in its own text without losing the anchor &ann that another item names, so it is passed through unchanged',
    );
    expect(r.output).toBeDefined(); // still YAML
  });

  it.each([
    ["a flow collection closed at its key's column", '  k: {\n    a: 1\n  }\n'],
    ['a tab after a comma', '  k: [a,\tb]\n'],
    ['a comment right after a quoted scalar', "  a: 'v'# c\n"],
    ['a !!set whose keys kubectl folds together', '  a: !!set\n    yes:\n    y:\n'],
  ])('%s is read', (_what, data) => {
    const r = runDist(
      resourceList(entry(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n${data}`)),
    );
    expect(r.status, r.stderr).toBe(0);
  });

  it.skipIf(missing('kpt'))('kpt fn eval passes on the !!set kpt itself writes', () => {
    const dir = pkg({
      Kptfile: 'apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: p\n',
      'cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  x: !!set {yes, y}\n',
    });
    const r = run('kpt', ['fn', 'eval', dir, '--exec', `${process.execPath} ${DIST}`]);
    expect(r.status, r.stderr).toBe(0);
  });
});

describe("dbtls's own output in the input", () => {
  const copied = (path: string) => `- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: mine
    namespace: demo
    annotations:
      dbtls.dev/generated-from: Postgres/demo/renamed${path ? `\n      config.kubernetes.io/path: '${path}'` : ''}
  data: {a: b}
`;

  it('in a file of its own: kept, with a warning that names it', () => {
    const r = runDist(resourceList(copied('app/settings.yaml')));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('    name: mine\n');
    expect(r.stderr).toContain(
      "warning: ConfigMap/demo/mine carries the dbtls.dev/generated-from annotation of dbtls's output (Postgres/demo/renamed), but this run does not generate it",
    );
  });

  it("in its database's .dbtls.yaml file, or in no file: pruned, with an info result", () => {
    for (const path of ['postgres_demo_renamed.dbtls.yaml', '']) {
      const r = runDist(resourceList(copied(path)));
      expect(r.status).toBe(0);
      const [items, results] = r.stdout.split('\nresults:');
      expect(items).not.toContain('    name: mine\n');
      expect(results).toContain('was generated by an earlier run from Postgres/demo/renamed');
    }
  });

  it('where this run generates it again: replaced, without a word', () => {
    const once = runDist(resourceList(`${entry(ISSUER)}\n${entry(postgres('pg'))}\n`));
    const again = runDist(once.stdout.replace(/\nresults:[\s\S]*$/, '\n'));
    expect(again.status).toBe(0);
    expect(again.stdout.match(/name: pg-server-cert\n/g)).toHaveLength(1);
    expect(again.stderr).toBe('');
  });
});
