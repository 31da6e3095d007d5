// The repository stands alone: a clone with nothing beside it has every file its build and tests
// read, and the commands README gives are the ones CI runs.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

/** Every file of the project: tracked, and new files not ignored. */
export function projectFiles(): string[] {
  const r = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
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
      try {
        text = readFileSync(join(ROOT, file), 'utf8');
      } catch {
        continue;
      }
      for (const needle of outside) if (text.includes(needle)) offenders.push(`${file}: ${needle}`);
    }
    expect(offenders).toEqual([]);
  });

  it('every upstream CRD under test/data/crds has its provenance in the README beside it', () => {
    const dir = join(ROOT, 'test/data/crds');
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    const crds = readdirSync(dir).filter((f) => /\.yaml(\.gz)?$/.test(f));
    expect(crds.length).toBeGreaterThan(0);
    for (const crd of crds) {
      const row = readme.split('\n').find((l) => l.startsWith('|') && l.includes(`\`${crd}\``));
      expect(row, `${crd} has a row in test/data/crds/README.md`).toBeDefined();
      // repository | path | commit | licence
      expect(row).toMatch(
        /\[[\w-]+\/[\w-]+\]\(https:\/\/github\.com\/[\w-]+\/[\w-]+\) \| `[^`]+\/` \| `[0-9a-f]{40}`.* \| (Apache License 2\.0|AppsCode Community License 1\.0\.0)/,
      );
    }
  });

  it('the Kubernetes API schema under test/data/kubernetes has its provenance', () => {
    const dir = join(ROOT, 'test/data/kubernetes');
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files).toEqual(['admissionregistration.k8s.io_v1.json']);
    for (const file of files) {
      const row = readme.split('\n').find((l) => l.startsWith('|') && l.includes(`\`${file}\``));
      expect(row, `${file} has a row in test/data/kubernetes/README.md`).toBeDefined();
      // repository | path | commit | licence
      expect(row).toMatch(
        /\[kubernetes\/kubernetes\]\(https:\/\/github\.com\/kubernetes\/kubernetes\) \| `api\/openapi-spec\/v3\/` .*\| `[0-9a-f]{40}`.* \| Apache License 2\.0/,
      );
    }
    // The licence text the README points to.
    expect(readFileSync(join(ROOT, 'test/data/pod-security/LICENSE'), 'utf8')).toContain(
      'Apache License',
    );
  });

  it('the Pod Security test pods under test/data/pod-security have their provenance and licence', () => {
    const dir = join(ROOT, 'test/data/pod-security');
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(readFileSync(join(dir, 'LICENSE'), 'utf8')).toContain('Apache License');
    for (const level of ['baseline', 'restricted']) {
      const row = readme
        .split('\n')
        .find((l) => l.startsWith('|') && l.includes(`\`${level}/pass/*.yaml\``));
      expect(row, `${level} has a row in test/data/pod-security/README.md`).toBeDefined();
      // repository | path | commit | licence
      expect(row).toMatch(
        /\[kubernetes\/pod-security-admission\]\(https:\/\/github\.com\/kubernetes\/pod-security-admission\) \| `test\/testdata\/(baseline|restricted)\/v1\.\d+\/` \| `[0-9a-f]{40}`.* \| Apache License 2\.0/,
      );
      for (const kind of ['pass', 'fail'])
        expect(readdirSync(join(dir, level, kind)).length).toBeGreaterThan(0);
    }
  });
});

/** README's test command: the line of its first shell block that runs `npm test`, without its comment. */
export function readmeTestLine(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(readme)![1];
  const line = block.split('\n').find((l) => /\bnpm test\b/.test(l));
  expect(line, 'README has a test line').toBeDefined();
  return line!.replace(/\s+#.*$/, '').trim();
}

describe("README's test command is what CI runs", () => {
  const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8');
  const commands = ci.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));

  it('installs the tools the tests drive before installing and testing', () => {
    expect(readmeTestLine()).toBe('bash .ci/install-tools && npm ci && npm test');
  });

  it('.ci/run runs that exact line, in a fresh clone in an empty temporary directory', () => {
    const at = commands.indexOf(readmeTestLine());
    expect(at, ".ci/run has README's test line as a command of its own").toBeGreaterThan(-1);
    const before = commands.slice(0, at).join('\n');
    expect(before).toMatch(/work=\$\(mktemp -d\)/);
    // left private (0700), as a home directory may be: the tests must pass in a clone there
    expect(before).not.toMatch(/chmod/);
    expect(before).toMatch(/git clone .*"\$work\/dbtls"/);
    expect(before).toMatch(/cd "\$work\/dbtls"/);
  });

  it('.ci/install-tools installs every server and tool the tests name it for', () => {
    const install = readFileSync(join(ROOT, '.ci/install-tools'), 'utf8');
    for (const pkg of [
      'postgresql',
      'mariadb-server-core',
      'mariadb-client-core',
      'openssl',
      'busybox',
    ]) {
      expect(install).toContain(`need+=(${pkg})`);
    }
  });
});

describe('linter and formatter (Biome)', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const biome = JSON.parse(readFileSync(join(ROOT, 'biome.json'), 'utf8'));

  it('npm run lint and npm run format run Biome, with lines of at most 100 characters', () => {
    expect(pkg.scripts.lint).toBe('biome lint .');
    expect(pkg.scripts.format).toBe('biome format --write .');
    expect(biome.formatter.lineWidth).toBe(100);
    expect(Object.keys(pkg.devDependencies)).toContain('@biomejs/biome');
  });

  it('the configuration is valid and files formatted by it pass its check', () => {
    const bin = join(ROOT, 'node_modules/.bin/biome');
    const r = spawnSync(bin, ['format', 'fn/cli/krmignore.ts', 'test/repository.test.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });
});
