// Issue 20's shared pieces, pinned on their own: the one readString with its two rules for empty
// strings and null, the Reporter's named message shapes, field paths as values, and the command
// line's usage errors (main.ts in sections).
import { describe, expect, it } from 'vitest';
import { Reporter } from '../fn/io/results.js';
import type { KubeObject } from '../fn/io/objects.js';
import { readString } from '../fn/validate/fields.js';
import { FieldPath } from '../fn/validate/field-path.js';
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
    expect(readString({ v: null }, 'v', 'spec.v', r)).toBeUndefined();
    expect(readString({ v: '' }, 'v', 'spec.v', r)).toBeUndefined();
    expect(readString({ v: 'x' }, 'v', 'spec.v', r)).toBe('x');
    expect(messages(r)).toEqual(['spec.v: must be a non-empty string, got the string ""']);
  });

  it('any (spec.tls.certificates[]): "" is taken, null is refused', () => {
    const r = new Reporter(db);
    expect(readString({ v: '' }, 'v', 'spec.v', r, 'any')).toBe('');
    expect(readString({}, 'v', 'spec.v', r, 'any')).toBeUndefined();
    expect(readString({ v: null }, 'v', 'spec.v', r, 'any')).toBeUndefined();
    expect(messages(r)).toEqual(['spec.v: must be a string, got null']);
  });
});

describe('the Reporter’s named message shapes', () => {
  it('write the texts the rules always wrote', () => {
    const r = new Reporter(db);
    r.unknownField('spec.tls', 'extra', ['issuerRef', 'certificates']);
    r.unknownField('spec.tls.issuerRef', 'group', ['apiGroup', 'kind', 'name'], 'issuerRef');
    r.notMapping('spec.tls', 'yes');
    r.operatorOnly('spec.monitor', 'monitoring (spec.monitor)', 'KubeDB');
    r.operatorOnly('spec.unsealer', 'unsealing (spec.unsealer)', 'KubeVault');
    expect(messages(r)).toEqual([
      'spec.tls.extra: unknown field "extra"; spec.tls has issuerRef, certificates',
      'spec.tls.issuerRef.group: unknown field "group"; issuerRef has apiGroup, kind, name',
      'spec.tls: must be a mapping, got the string "yes"',
      'spec.monitor: monitoring (spec.monitor) is provided by the KubeDB operator only; ' +
        'standalone mode does not render it (use mode: operator to keep it)',
      'spec.unsealer: unsealing (spec.unsealer) is done by the KubeVault operator only; ' +
        'standalone mode does not render it (use mode: operator to keep it)',
    ]);
  });
});

describe('FieldPath', () => {
  it('prints as apimachinery does and reads back by parts', () => {
    const p = FieldPath.root('spec').child('ipAddresses').index(1);
    expect(String(p)).toBe('spec.ipAddresses[1]');
    expect([p.nameAt(1), p.indexAt(2), p.last]).toEqual(['ipAddresses', 1, undefined]);
    const k = FieldPath.root('spec').child('additionalOutputFormats').key('type');
    expect(String(k)).toBe('spec.additionalOutputFormats[type]');
    expect(FieldPath.root('spec').child('privateKey').child('encoding').last).toBe('encoding');
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
