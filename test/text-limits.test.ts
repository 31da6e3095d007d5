// Readers of user text in linear time, end to end: each kind's spec.configuration.inline file of
// (almost) 1 MiB of adversarial text is read within a time budget — the 8 KB MariaDB file that
// once took 408 s among them — and a file over the documented limit (1 MiB, a ConfigMap's) is
// refused with a message naming the field.
import { describe, expect, it } from 'vitest';
import { MAX_INLINE_BYTES } from '../fn/render/user-config.js';
import { issuer, resourceList, resultsOf, runFn } from './helpers.js';

const ISSUER = { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' };
const db = (kind: string, apiVersion: string, spec: Record<string, unknown>) => ({
  apiVersion,
  kind,
  metadata: { name: 'db', namespace: 'demo' },
  spec: { tls: { issuerRef: ISSUER }, authSecret: { name: 'auth' }, ...spec },
});

/** Kind, apiVersion, spec and the inline file's key, for every kind that reads its user's files. */
const READERS: [string, string, Record<string, unknown>, string][] = [
  ['MariaDB', 'kubedb.com/v1', { version: '11.4.3' }, 'my.cnf'],
  ['MySQL', 'kubedb.com/v1', { version: '8.4.3' }, 'my.cnf'],
  ['PerconaXtraDB', 'kubedb.com/v1', { version: '8.0.40' }, 'my.cnf'],
  ['Postgres', 'kubedb.com/v1', { version: '16.4' }, 'user.conf'],
  ['Redis', 'kubedb.com/v1', { version: '7.4.1' }, 'redis.conf'],
  ['MSSQLServer', 'kubedb.com/v1alpha2', { version: '2022-cu12' }, 'mssql.conf'],
  ['Singlestore', 'kubedb.com/v1alpha2', { version: '8.7.10' }, 'server.cnf'],
];

const SIZE = MAX_INLINE_BYTES - 16;
/** Texts built to make backtracking patterns super-linear: `[` and blanks, quotes, escapes. */
const ADVERSARIAL = [`[${' '.repeat(SIZE)}`, `[mysqld]\na=${'"'.repeat(SIZE)}`];

const render = (
  kind: string,
  apiVersion: string,
  spec: Record<string, unknown>,
  key: string,
  text: string,
) =>
  runFn(
    resourceList([
      issuer('ca'),
      db(kind, apiVersion, { ...spec, configuration: { inline: { [key]: text } } }),
    ]),
  );

describe('the readers of spec.configuration.inline take linear time', () => {
  it('the 8 KB MariaDB file of `[` and blanks that once took 408 s', () => {
    const started = performance.now();
    render('MariaDB', 'kubedb.com/v1', { version: '11.4.3' }, 'my.cnf', `[${' '.repeat(8192)}`);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  for (const [kind, apiVersion, spec, key] of READERS) {
    it(`${kind}: 1 MiB of adversarial text within the budget`, () => {
      const started = performance.now();
      for (const text of ADVERSARIAL) render(kind, apiVersion, spec, key, text);
      // Two 1 MiB inputs through the whole function (reading and writing YAML included): seconds
      // on a loaded machine; a quadratic reader would take hours.
      expect(performance.now() - started).toBeLessThan(20_000);
    });
  }

  it('a file over 1 MiB is refused, naming the field and the limit', () => {
    const text = `[mysqld]\n#${'x'.repeat(MAX_INLINE_BYTES)}`;
    const run = render('MariaDB', 'kubedb.com/v1', { version: '11.4.3' }, 'my.cnf', text);
    expect(resultsOf(run)).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        field: 'spec.configuration.inline.my.cnf',
        message: `spec.configuration.inline.my.cnf is ${MAX_INLINE_BYTES + 10} bytes; dbtls renders it into a ConfigMap, which the API server takes up to 1 MiB (1048576 bytes) in all: make it smaller`,
      }),
    );
  });
});
