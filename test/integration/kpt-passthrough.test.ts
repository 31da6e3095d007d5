// Unchanged means unchanged, through kpt itself: `kpt fn render` writes the function's output back
// into the package's files. Files of resources dbtls does not own must come back byte for byte,
// and the database's file may gain only the annotation dbtls sets; `kpt fn eval --exec` likewise.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseYamlStream } from '../../fn/io/yaml.js';
import { canonicalOf, goMeanings } from '../yaml-reference/reference.js';
import { missing, run, snapshot, tempDir } from './tools.js';

const skip = missing('kpt');

/** Resources dbtls does not own, full of scalars YAML readers disagree on, in kpt's own layout. */
const UNOWNED = `# Settings the application reads; nothing here is dbtls's.
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-settings
  namespace: demo
  annotations:
    note: "0X1F" # a quoted string that looks like a number
data:
  backup-window: 02:30
  time: 12:30
  color: "0X1F"
  octal: "0O17"
  binary: "0B101"
  negative: "-0X1F"
  underscored: "1_e3"
  flag: "yes"
  script: |
    #!/bin/sh
    echo "on: off"
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
  namespace: demo
spec:
  big: 12345678901234567890
  sci: 1e3
  float: 1.0
  exp: 1.5e+3
  hex: 0x1F
  enabled: yes
  disabled: off
  when: 2001-12-14
  "0X10": hex key
  1:20: sexagesimal key
  08: not octal
  .inf: infinity key
  list: [a, 0X1F, "b"]
  tagged: !custom value
  merged:
    <<: {x: 1}
    y: 2
`;

const POSTGRES = `apiVersion: kubedb.com/v1
kind: Postgres
metadata:
  name: pg
  namespace: demo
  annotations:
    window: "02:30" # kept as written
spec:
  version: "16.4"
  replicas: 1
  storageType: Durable
  storage:
    storageClassName: standard
    accessModes: [ReadWriteOnce]
    resources: {requests: {storage: 1Gi}}
  tls:
    issuerRef:
      apiGroup: cert-manager.io
      kind: Issuer
      name: ca
`;

const ISSUER = `apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  name: ca
  namespace: demo
spec:
  ca:
    secretName: ca-key-pair
`;

function writePackage(pipeline: boolean): string {
  const dir = tempDir('dbtls-passthrough-');
  const kptfile = `apiVersion: kpt.dev/v1
kind: Kptfile
metadata:
  name: passthrough
  annotations:
    config.kubernetes.io/local-config: "true"
${pipeline ? 'pipeline:\n  mutators:\n    - exec: dbtls\n' : ''}`;
  writeFileSync(join(dir, 'Kptfile'), kptfile);
  writeFileSync(join(dir, 'unowned.yaml'), UNOWNED);
  writeFileSync(join(dir, 'postgres.yaml'), POSTGRES);
  writeFileSync(join(dir, 'issuer.yaml'), ISSUER);
  return dir;
}

/** The Postgres file, read by both Go readers, without the one annotation dbtls sets. */
function postgresMeanings(text: string): unknown[] {
  const without = text.replace(/\n {4}config\.kubernetes\.io\/local-config: ['"]true['"]/, '');
  const [m] = goMeanings([without]);
  return [m.v3, m.kubectl];
}

/**
 * kpt's own rewriting, with an identity function (`cat`): kyaml writes a merge key as
 * `!!merge <<:`, whatever the function; dbtls must add nothing to that.
 */
function kptItself(): Record<string, string> {
  const dir = writePackage(false);
  const r = run('kpt', ['fn', 'eval', dir, '--exec', 'cat']);
  expect(r.status, r.stderr).toBe(0);
  return snapshot(dir);
}

function expectUnchanged(dir: string): void {
  const after = snapshot(dir);
  const baseline = kptItself();
  expect(after['unowned.yaml']).toBe(baseline['unowned.yaml']);
  // Byte for byte as written, but for kpt's own `!!merge` tag.
  expect(after['unowned.yaml']).toBe(UNOWNED.replace('    <<: {x: 1}', '    !!merge <<: {x: 1}'));
  expect(after['issuer.yaml']).toBe(ISSUER);
  expect(after['postgres.yaml']).toContain('window: "02:30" # kept as written');
  expect(after['postgres.yaml']).toContain('config.kubernetes.io/local-config');
  expect(postgresMeanings(after['postgres.yaml'])).toEqual(postgresMeanings(POSTGRES));
  expect(Object.keys(after)).toContain('postgres_demo_pg.dbtls.yaml');
}

describe.skipIf(skip)('kpt writes back what dbtls does not own byte for byte', () => {
  it('kpt fn render (exec)', () => {
    const dir = writePackage(true);
    const r = run('kpt', ['fn', 'render', dir, '--allow-exec']);
    expect(r.status, r.stderr).toBe(0);
    expectUnchanged(dir);
    // Rendering again changes nothing.
    const once = snapshot(dir);
    expect(run('kpt', ['fn', 'render', dir, '--allow-exec']).status).toBe(0);
    expect(snapshot(dir)).toEqual(once);
  });

  it('kpt fn eval --exec dbtls', () => {
    const dir = writePackage(false);
    const r = run('kpt', ['fn', 'eval', dir, '--exec', 'dbtls']);
    expect(r.status, r.stderr).toBe(0);
    expectUnchanged(dir);
  });

  it('the generated objects read the same to both Go readers as dbtls meant them', () => {
    const dir = writePackage(true);
    expect(run('kpt', ['fn', 'render', dir, '--allow-exec']).status).toBe(0);
    const generated = readFileSync(join(dir, 'postgres_demo_pg.dbtls.yaml'), 'utf8');
    const docs = generated.split(/^---\n/m).filter((d) => d.trim() !== '');
    expect(docs.length).toBeGreaterThan(5);
    const meanings = goMeanings(docs);
    docs.forEach((doc, i) => {
      const ours = canonicalOf(parseYamlStream(doc)[0]);
      expect(meanings[i].v3, doc).toEqual(ours);
      expect(meanings[i].kubectl, doc).toEqual(ours);
    });
  });
});
