// docs/security-text.md, claim by claim: each sentence that says what a field accepts or how a
// value reaches the text is checked against the function and the fn/text modules.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_INLINE_BYTES } from '../fn/render/user-config.js';
import { hclString } from '../fn/text/hcl.js';
import { unwritableInMssqlConf } from '../fn/text/mssql-conf.js';
import { OPTION_LINE_MAX } from '../fn/text/my-cnf.js';
import { shellWord } from '../fn/text/shell.js';
import { errorsOf, issuer, resourceList, ROOT, runFn } from './helpers.js';

const doc = readFileSync(join(ROOT, 'docs/security-text.md'), 'utf8');
const ISSUER = { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' };
const render = (item: any, ns = 'demo') => runFn(resourceList([issuer('ca', ns), item]));
const redis = (spec: Record<string, unknown>, namespace = 'demo') => ({
  apiVersion: 'kubedb.com/v1',
  kind: 'Redis',
  metadata: { name: 'rd', namespace },
  spec: { version: '7.4.1', tls: { issuerRef: ISSUER }, ...spec },
});
const configOf = (run: ReturnType<typeof runFn>) =>
  run.output.items.find((i: any) => i.kind === 'ConfigMap').data;
const CLUSTER = { mode: 'Cluster', cluster: { shards: 3, replicas: 2 } };

describe('docs/security-text.md', () => {
  it('README links it', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('(docs/security-text.md)');
  });

  it('namespaces: a DNS-1123 label, and scripts read $POD_NAMESPACE from the downward API', () => {
    expect(doc).toContain('a DNS-1123 label, as the API server checks it');
    for (const ns of ['Demo', 'demo.x', 'a'.repeat(64), 'demo$(id)'])
      expect(errorsOf(render(redis(CLUSTER, ns), ns))).toContainEqual(
        expect.objectContaining({ field: 'metadata.namespace' }),
      );
    const data = configOf(render(redis(CLUSTER, `n${'a'.repeat(62)}`), `n${'a'.repeat(62)}`));
    expect(data['start.sh']).toContain('$POD_NAMESPACE');
    expect(data['cluster-create.sh']).toContain('$POD_NAMESPACE');
  });

  it('VaultServer spec.backend.file.path: an absolute path of printable characters', () => {
    expect(doc).toContain('an absolute path of printable characters');
    const vault = (path: string) => ({
      apiVersion: 'kubevault.com/v1alpha2',
      kind: 'VaultServer',
      metadata: { name: 'vault', namespace: 'demo' },
      spec: {
        version: '1.18.4',
        replicas: 1,
        backend: { file: { path } },
        tls: { issuerRef: ISSUER },
      },
    });
    for (const bad of ['vault/data', '/vault\ndata', '/vault\u2028data', '/vault\0'])
      expect(errorsOf(render(vault(bad)))).toContainEqual(
        expect.objectContaining({ field: 'spec.backend.file.path' }),
      );
    expect(errorsOf(render(vault('/vault/data "x"')))).toEqual([]);
  });

  it('the Redis password is never in the text; start.sh writes its bytes as \\xHH', () => {
    expect(doc).toContain('every byte as `\\xHH` inside double quotes');
    const start = configOf(render(redis({})))['start.sh'];
    expect(start).toContain("od -An -v -tx1 | tr -d ' \\n' | sed 's/../\\\\x&/g'");
    expect(start).not.toMatch(/printf[^\n]*"\$REDIS_PASSWORD"[^\n]*>/);
  });

  it('dbtls.dev/connect-as: one line', () => {
    const app = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'app',
        namespace: 'demo',
        annotations: {
          'dbtls.dev/connect-to': 'MariaDB/md',
          'dbtls.dev/connect-as': 'app\n[client]',
        },
      },
      spec: { template: { spec: { containers: [{ name: 'app', image: 'app' }] } } },
    };
    const md = {
      apiVersion: 'kubedb.com/v1',
      kind: 'MariaDB',
      metadata: { name: 'md', namespace: 'demo' },
      spec: { version: '11.4.3', requireSSL: true, tls: { issuerRef: ISSUER } },
    };
    const run = runFn(resourceList([issuer('ca'), md, app]));
    expect(errorsOf(run)).toContainEqual(
      expect.objectContaining({ field: 'metadata.annotations.dbtls.dev/connect-as' }),
    );
  });

  it('the limits it names are the ones in the code', () => {
    expect(doc).toContain(`at most 1 MiB (${MAX_INLINE_BYTES} bytes)`);
    expect(doc).toContain(`a line is at most ${OPTION_LINE_MAX} bytes`);
  });

  it('the shell, HCL and mssql.conf rules it states', () => {
    for (const c of 'az09_@%+=:,./-') expect(shellWord(`x${c}`)).toBe(`x${c}`);
    for (const c of ' \'"$`\\;&|<>(){}*?#~!\n') expect(shellWord(`x${c}`)).not.toBe(`x${c}`);
    expect(doc).toContain('`_@%+=:,./-`');
    expect(hclString('${a}%{b}')).toBe('"\\u0024{a}\\u0025{b}"');
    for (const bad of ['a\nb', ' a', 'a ', '50%']) expect(unwritableInMssqlConf(bad)).toBeDefined();
  });

  it('the tests it names exist', () => {
    for (const [, file] of doc.matchAll(/`(test\/[\w/.-]+\.test\.ts)`/g))
      expect(existsSync(join(ROOT, file)), file).toBe(true);
  });
});
