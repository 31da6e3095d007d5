// Golden outputs: every example under examples/ renders exactly what its .expected/ holds.
// Refresh after an intended change with: UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runDist } from './helpers.js';

const update = process.env.UPDATE_GOLDEN === '1';

/** Example packages: folders under examples/ that hold a .expected folder. */
export function examplePackages(dir = join(ROOT, 'examples')): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (existsSync(join(p, '.expected'))) out.push(p);
    else out.push(...examplePackages(p));
  }
  return out.sort();
}

function golden(file: string, actual: string): void {
  if (update || !existsSync(file)) {
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, actual);
    if (!update)
      throw new Error(`${relative(ROOT, file)} did not exist; written now — review and commit it`);
    return;
  }
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

describe('examples render their golden output', () => {
  const packages = examplePackages();
  it('has examples', () => expect(packages.length).toBeGreaterThan(0));
  for (const pkg of packages) {
    const name = relative(ROOT, pkg);
    it(name, () => {
      const render = runDist('', ['render', name]);
      const check = runDist('', ['check', name]);
      golden(join(pkg, '.expected/manifests.yaml'), render.stdout);
      golden(join(pkg, '.expected/check.txt'), check.stdout);
      // What a cluster with the full KubeDB is told: every check, nothing rendered.
      golden(
        join(pkg, '.expected/check-validate.txt'),
        runDist('', ['check', name, '--mode', 'validate']).stdout,
      );
      // The policy's admission objects (dbtls admission), where the package keeps them.
      if (existsSync(join(pkg, '.expected/admission.yaml'))) {
        const admission = runDist('', ['admission', '--policy', join(name, 'policy.yaml')]);
        expect(admission.status).toBe(0);
        golden(join(pkg, '.expected/admission.yaml'), admission.stdout);
      }
      const failing = /: error: /.test(check.stdout);
      expect(render.status).toBe(failing ? 1 : 0);
      expect(check.status).toBe(failing ? 1 : 0);
      expect(render.stderr).not.toMatch(/\n\s+at /); // never a stack trace
    });
  }
});
