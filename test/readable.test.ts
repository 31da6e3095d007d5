// Issue 20's shared pieces, pinned on their own: the one readString with its two rules for empty
// strings and null, the Reporter's named message shapes, field paths as values, and the command
// line's usage errors (main.ts in sections).
import { describe, expect, it } from 'vitest';
import { fieldPathOf, Reporter } from '../fn/io/results.js';
import type { KubeObject } from '../fn/io/objects.js';
import { readString } from '../fn/validate/fields.js';
import { at, FieldPath } from '../fn/util/field-path.js';
import { runDist } from './helpers.js';

const db: KubeObject = {
  apiVersion: 'kubedb.com/v1',
  kind: 'Postgres',
  metadata: { name: 'pg', namespace: 'demo' },
};
const messages = (r: Reporter) => r.results.map((x) => `${x.field?.path}: ${x.message}`);

describe('readString', () => {
  it('non-empty (the default): null is absent, "" is refused', () => {
    const r = new Reporter(db);
    expect(readString({ v: null }, 'v', at('spec', 'v'), r)).toBeUndefined();
    expect(readString({ v: '' }, 'v', at('spec', 'v'), r)).toBeUndefined();
    expect(readString({ v: 'x' }, 'v', at('spec', 'v'), r)).toBe('x');
    expect(messages(r)).toEqual(['spec.v: spec.v must be a non-empty string, got the string ""']);
  });

  it('any (spec.tls.certificates[]): "" is taken, null is refused', () => {
    const r = new Reporter(db);
    expect(readString({ v: '' }, 'v', at('spec', 'v'), r, 'any')).toBe('');
    expect(readString({}, 'v', at('spec', 'v'), r, 'any')).toBeUndefined();
    expect(readString({ v: null }, 'v', at('spec', 'v'), r, 'any')).toBeUndefined();
    expect(messages(r)).toEqual(['spec.v: spec.v must be a string, got null']);
  });
});

describe('the Reporter’s named message shapes', () => {
  it('write the texts the rules always wrote', () => {
    const r = new Reporter(db);
    r.unknownField(at('spec', 'tls'), 'extra', ['issuerRef', 'certificates']);
    r.unknownField(
      at('spec', 'tls', 'issuerRef'),
      'group',
      ['apiGroup', 'kind', 'name'],
      'issuerRef',
    );
    r.notMapping(at('spec', 'tls'), 'yes');
    r.operatorOnly(at('spec', 'monitor'), 'monitoring (spec.monitor)', 'KubeDB');
    r.operatorOnly(at('spec', 'unsealer'), 'unsealing (spec.unsealer)', 'KubeVault');
    expect(messages(r)).toEqual([
      'spec.tls.extra: unknown field "extra"; spec.tls has issuerRef, certificates',
      'spec.tls.issuerRef.group: unknown field "group"; issuerRef has apiGroup, kind, name',
      'spec.tls: spec.tls must be a mapping, got the string "yes"',
      'spec.monitor: monitoring (spec.monitor) is provided by the KubeDB operator only; ' +
        'standalone mode does not render it (use mode: operator to keep it)',
      'spec.unsealer: unsealing (spec.unsealer) is done by the KubeVault operator only; ' +
        'standalone mode does not render it (use mode: operator to keep it)',
    ]);
  });
});

describe('FieldPath', () => {
  it('prints as apimachinery does and reads back by its segments', () => {
    const p = at('spec', 'ipAddresses', 1);
    expect(String(p)).toBe('spec.ipAddresses[1]');
    expect(p.segments).toEqual(['spec', 'ipAddresses', 1]);
    expect(p.equals(at('spec').child('ipAddresses').index(1))).toBe(true);
    const k = at('spec', 'additionalOutputFormats').key('type');
    expect(String(k)).toBe('spec.additionalOutputFormats[type]');
    expect(at('spec').child('privateKey', 'encoding').last).toBe('encoding');
  });

  it('keeps a key with dots one segment, though it prints like several', () => {
    const inline = at('spec', 'configuration', 'inline', 'user.conf');
    const split = at('spec', 'configuration', 'inline', 'user', 'conf');
    expect(String(inline)).toBe(String(split));
    expect(inline.segments).toEqual(['spec', 'configuration', 'inline', 'user.conf']);
    expect(inline.equals(split)).toBe(false);
  });

  it('the root names no field: a result there has none', () => {
    expect(String(FieldPath.root)).toBe('');
    expect(at().isRoot).toBe(true);
    const r = new Reporter(db);
    r.error(FieldPath.root, 'Postgres/demo/pg is given twice');
    expect(r.results[0].field).toBeUndefined();
  });

  it('each result keeps its path as a value; the output has only the printed path', () => {
    const r = new Reporter(db);
    const path = at('metadata', 'annotations', 'config.kubernetes.io/local-config');
    r.warn(path, 'metadata.annotations.config.kubernetes.io/local-config is set');
    const [result] = r.results;
    expect(result.field).toEqual({ path: String(path) });
    expect(JSON.parse(JSON.stringify(result)).field).toEqual({ path: String(path) });
    expect(fieldPathOf(result)).toBe(path);
    expect(fieldPathOf({ ...result })).toBe(path);
    expect(fieldPathOf({ message: 'x', severity: 'error', field: { path: 'a.b' } })).toBe(
      undefined,
    );
  });
});

describe('the command line (main.ts readArguments, settingsFromEnvironment)', () => {
  const usage = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const r = runDist('', args, env);
    return [r.status, r.stderr.split('\n')[0]];
  };
  it('names each usage error as the user wrote it', () => {
    expect(usage(['render', '--mode'])).toEqual([2, 'dbtls: --mode needs a value']);
    expect(usage(['render', 'a', 'b'])).toEqual([2, 'dbtls: unexpected argument b']);
    expect(usage(['render', '--nope=1'])).toEqual([2, 'dbtls: unknown flag --nope']);
    expect(usage(['render', 'examples/postgres'], { ARGOCD_ENV_DBTLS_MODE: 'bogus' })).toEqual([
      2,
      "dbtls: ARGOCD_ENV_DBTLS_MODE (DBTLS_MODE in the Application's plugin env) must be one of " +
        'standalone, operator, validate; got "bogus"',
    ]);
  });
});
