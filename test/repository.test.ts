// The repository stands alone: a clone with nothing beside it has every file its build and tests
// read, and the commands README gives are the ones CI runs.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

/** Every file of the project: tracked, and new files not ignored. */
export function projectFiles(): string[] {
  const r = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\0').filter((f) => f !== '');
}

describe('the repository is self-contained', () => {
  it('no project file refers to the reference folder beside the repository', () => {
    // Built from pieces so that this file does not match itself.
    const word = ['sha', 'red'].join('');
    const outside = [`../${word}`, `/work/${word}`, `'..', '${word}'`];
    const offenders: string[] = [];
    for (const file of projectFiles()) {
      let text: string;
      try { text = readFileSync(join(ROOT, file), 'utf8'); } catch { continue; }
      for (const needle of outside) if (text.includes(needle)) offenders.push(`${file}: ${needle}`);
    }
    expect(offenders).toEqual([]);
  });

  it('every upstream CRD under test/data/crds has its provenance in the README beside it', () => {
    const dir = join(ROOT, 'test/data/crds');
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    const crds = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(crds.length).toBeGreaterThan(0);
    for (const crd of crds) {
      const row = readme.split('\n').find((l) => l.startsWith('|') && l.includes(`\`${crd}\``));
      expect(row, `${crd} has a row in test/data/crds/README.md`).toBeDefined();
      // repository | path | commit | licence
      expect(row).toMatch(/\[[\w-]+\/[\w-]+\]\(https:\/\/github\.com\/[\w-]+\/[\w-]+\) \| `[^`]+\/` \| `[0-9a-f]{40}`.* \| (Apache License 2\.0|AppsCode Community License 1\.0\.0)/);
    }
  });
});
