// Which files `render DIR` and `check DIR` read: docs/cli.md's rule (.krmignore, files that hold no
// Kubernetes resource), against the directory reader and the built CLI.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listYamlFiles } from '../fn/cli/directory.js';
import { Ignores, parseKrmignore } from '../fn/cli/krmignore.js';
import { locate } from '../fn/io/positions.js';
import { at } from '../fn/util/field-path.js';
import { ROOT, runDist } from './helpers.js';

const POSTGRES = readFileSync(join(ROOT, 'examples/postgres/postgres.yaml'), 'utf8');
const ISSUER = readFileSync(join(ROOT, 'examples/postgres/issuer.yaml'), 'utf8');
const golden = (name: string) =>
  readFileSync(join(ROOT, 'examples', name, '.expected/manifests.yaml'), 'utf8');

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dbtls-dir-'));
  made.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}
const listed = (dir: string) => listYamlFiles(dir).map((f) => relative(dir, f));

describe('.krmignore patterns', () => {
  const ignored = (krmignore: string, path: string, isDirectory = false) =>
    Ignores.none()
      .enter(tree({ '.krmignore': krmignore }), '')
      .ignores(path, isDirectory);

  it('comments and blank lines are not patterns', () => {
    expect(parseKrmignore('# a comment\n\n  \nfoo\n')).toHaveLength(1);
  });
  it('a name without a slash matches at any depth; a trailing slash only folders', () => {
    expect(ignored('.expected/\n', '.expected', true)).toBe(true);
    expect(ignored('.expected/\n', 'a/b/.expected', true)).toBe(true);
    expect(ignored('.expected/\n', '.expected', false)).toBe(false);
    expect(ignored('secret.yaml\n', 'deep/down/secret.yaml')).toBe(true);
  });
  it('a pattern with a slash is relative to the .krmignore; * stays within a name, ** crosses folders', () => {
    expect(
      ignored('examples/flux/github-workflow.yaml\n', 'examples/flux/github-workflow.yaml'),
    ).toBe(true);
    expect(ignored('flux/github-workflow.yaml\n', 'examples/flux/github-workflow.yaml')).toBe(
      false,
    );
    expect(ignored('/test/\n', 'test', true)).toBe(true);
    expect(ignored('a/*.yaml\n', 'a/x.yaml')).toBe(true);
    expect(ignored('a/*.yaml\n', 'a/b/x.yaml')).toBe(false);
    expect(ignored('a/**/x.yaml\n', 'a/b/c/x.yaml')).toBe(true);
    expect(ignored('a/**/x.yaml\n', 'a/x.yaml')).toBe(true);
    expect(ignored('*.y?ml\n', 'x.yaml')).toBe(true);
  });
  it('! re-includes; the last matching pattern wins', () => {
    expect(ignored('*.yaml\n!keep.yaml\n', 'keep.yaml')).toBe(false);
    expect(ignored('*.yaml\n!keep.yaml\n', 'drop.yaml')).toBe(true);
  });
});

describe('the files render DIR and check DIR read', () => {
  it('leave out what a .krmignore lists, for its own folder and those below', () => {
    const dir = tree({
      '.krmignore': 'broken.yaml\nvendor/\n',
      'postgres.yaml': POSTGRES,
      'issuer.yaml': ISSUER,
      'broken.yaml': 'not: [valid',
      'vendor/x.yaml': 'not: [valid',
      'sub/.krmignore': '/local.yaml\n',
      'sub/local.yaml': 'not: [valid',
      'other/local.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: demo}\n',
    });
    expect(listed(dir)).toEqual(['issuer.yaml', 'other/local.yaml', 'postgres.yaml']);
    const check = runDist('', ['check', dir]);
    expect(check.stdout).not.toMatch(/error/);
    expect(check.status).toBe(0);
  });

  it("skip kustomization.yaml and files with no apiVersion or kind in any document (docs/cli.md's rule)", () => {
    const dir = tree({
      'kustomization.yaml': 'resources:\n  - postgres.yaml\n  - issuer.yaml\n',
      'sub/kustomization.yml':
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n',
      'component.yaml':
        'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches: []\n',
      'workflow.yaml': readFileSync(join(ROOT, 'examples/flux/github-workflow.yaml'), 'utf8'),
      'values.yaml': 'replicaCount: 1\nimage:\n  tag: v1\n---\nother: 2\n',
      'postgres.yaml': POSTGRES,
      'issuer.yaml': ISSUER,
    });
    expect(listed(dir)).toEqual([
      'component.yaml',
      'issuer.yaml',
      'postgres.yaml',
      'values.yaml',
      'workflow.yaml',
    ]);
    const render = runDist('', ['render', dir]);
    expect(render.status, render.stderr).toBe(0);
    expect(render.stdout).toBe(golden('postgres'));
    expect(runDist('', ['check', dir]).stdout).not.toMatch(/error/);
  });

  it('still read a file with a resource in it: a document missing apiVersion or kind is reported', () => {
    const dir = tree({
      'postgres.yaml': POSTGRES.replace('apiVersion: kubedb.com/v1', 'apiversion: kubedb.com/v1'),
      'issuer.yaml': ISSUER,
      'mixed.yaml': `${ISSUER}---\nname: not-a-resource\n`,
    });
    const check = runDist('', ['check', dir]);
    expect(check.status).toBe(1);
    expect(check.stdout).toMatch(/postgres\.yaml:\d+:\d+: error: .*no apiVersion/);
    expect(check.stdout).toMatch(/mixed\.yaml:\d+:\d+: error: /);
  });

  it('the kustomize examples and examples/flux are folders render and check read without error', () => {
    for (const name of ['kustomize-generator', 'kustomize-transformer']) {
      const render = runDist('', ['render', `examples/${name}`]);
      expect(render.status, render.stderr).toBe(0);
      expect(render.stdout).toBe(golden('postgres'));
      expect(runDist('', ['check', `examples/${name}`]).status).toBe(0);
    }
    const flux = runDist('', ['check', 'examples/flux']);
    expect([flux.status, flux.stdout]).toEqual([0, '']);
  });

  it('a file past a node limit is "too large", not "not valid YAML", with the limit and how to raise it', () => {
    const dir = tree({ 'issuer.yaml': ISSUER });
    const check = runDist('', ['check', dir], { DBTLS_MAX_NODES: '5' });
    expect(check.status).toBe(1);
    expect(check.stdout).toMatch(
      /^\S+\/issuer\.yaml(:\d+:\d+)?: error: too large: \d+ places where a node may start .* more than maxNodes \(5\), which bounds memory; to accept it, set DBTLS_MAX_NODES=\d+ /,
    );
  });

  it('check . at the repository root honours the root .krmignore: no source or test data is read', () => {
    const check = runDist('', ['check', '.'], {});
    const files = new Set(
      check.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(':')[0]),
    );
    expect([...files].filter((f) => !f.startsWith('examples/'))).toEqual([]);
  });
});

describe('where check DIR places a result', () => {
  const text = [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: x',
    '  annotations:',
    '    config.kubernetes.io/local-config: "true"',
    'data:',
    '  a: "1"',
    '  user.conf: |',
    '    x = 1',
    '  list:',
    '    - first',
    '    - second',
    '',
  ].join('\n');

  it('at a key that holds dots itself: one segment of the path, dots and all', () => {
    expect(
      locate(text, 0, at('metadata', 'annotations', 'config.kubernetes.io/local-config')),
    ).toEqual({
      line: 6,
      column: 5,
    });
    expect(locate(text, 0, at('data', 'user.conf'))).toEqual({ line: 9, column: 3 });
    expect(locate(text, 0, at('data', 'list', 1))).toEqual({ line: 13, column: 7 });
  });

  it('at the deepest existing ancestor of a field that is not there', () => {
    expect(locate(text, 0, at('data', 'user.json'))).toEqual({ line: 7, column: 1 });
    // The keys user and conf are not the key user.conf.
    expect(locate(text, 0, at('data', 'user', 'conf'))).toEqual({ line: 7, column: 1 });
    expect(locate(text, 0, at('data', 'list', 5))).toEqual({ line: 11, column: 3 });
  });
});
