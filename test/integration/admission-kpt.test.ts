// The admission generator as a kpt function: `kpt fn eval --exec dbtls` with a
// DatabaseTLSAdmission function config adds the policy's admission objects to the package, in
// one file beside the policy, and leaves every other file as it was.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { copyExample, missing, run } from './tools.js';

const skip = missing('kpt') !== undefined;

describe.skipIf(skip)('kpt fn eval with a DatabaseTLSAdmission function config', () => {
  it('writes dbtls-admission.yaml from the package policy, and says what is not enforced', () => {
    const dir = copyExample('admission');
    const before = readFileSync(join(dir, 'postgres.yaml'), 'utf8');
    const config = join(dir, '..', 'admission-fn.yaml');
    writeFileSync(
      config,
      'apiVersion: dbtls.dev/v1alpha1\nkind: DatabaseTLSAdmission\nmetadata:\n  name: admission\nspec:\n  mode: validate\n',
    );
    const r = run('kpt', ['fn', 'eval', dir, '--exec', 'dbtls', '--fn-config', config]);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stderr + r.stdout).toContain('not enforced at admission (render time only)');
    const file = join(dir, 'dbtls-admission.yaml');
    expect(existsSync(file)).toBe(true);
    const kinds = (loadAll(readFileSync(file, 'utf8')) as { kind: string }[]).map((o) => o.kind);
    expect(new Set(kinds)).toEqual(
      new Set(['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']),
    );
    expect(kinds.length).toBe(12);
    expect(readFileSync(join(dir, 'postgres.yaml'), 'utf8')).toBe(before);
  });
});
