// Every command README.md and the docs give, run as written from the root of a clone (a copy of
// the repository), with what each is said to print; and the clone is as it was afterwards, so
// the tests still pass after a newcomer has tried them. `sh` blocks run; `console` blocks need
// what the test machines lack (a Docker engine, a cluster, minutes of benchmark) and are listed
// below, so a new one cannot slip in untested.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { containerSkip, ensureImage } from './container.js';
import {
  BIN,
  changedFiles,
  golden,
  ids,
  parseDocs,
  repositoryCopy,
  ROOT,
  snapshot,
} from './tools.js';

/** README.md and the docs this test holds to its rule (others' docs test their own lines). */
const DOCS = [
  'README.md',
  ...[
    'cli',
    'kinds',
    'modes',
    'standalone',
    'rotation',
    'connections',
    'policy',
    'integrations',
    'image',
    'results',
    'performance',
    'development',
  ].map((d) => `docs/${d}.md`),
];
const blocks = (lang: string) =>
  DOCS.flatMap((file) =>
    [
      ...readFileSync(join(ROOT, file), 'utf8').matchAll(
        new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\``, 'gm'),
      ),
    ].map((m) => ({ file, text: m[1] })),
  );

/** Commands that need a Docker engine, a cluster, or minutes of CPU. */
const NOT_RUN = [
  'docker build -t ghcr.io/dbtls/dbtls:v0.1.0 .\n',
  'npm run bench:image   # build the image, then time its start-up beside node -e 0 in the same image\n',
  "npm run bench                # build, then time dbtls at N = 1, 100, 1,000, 5,000 databases,\n                             # and dbtls again on its own N=5,000 output (kpt's second render)\nnpm run bench -- --write     # … and write bench/results.md (--quick: fewer rounds)\n",
];

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const GOLDEN = readFileSync(join(ROOT, 'examples/postgres/.expected/manifests.yaml'), 'utf8');
const skip = containerSkip();

/** What a build adds to a clone, which git ignores. */
const BUILT = ['node_modules', 'dist', 'fn/generated'];

/** Runs a block with bash in a fresh copy of the repository, PATH as the user's (no test/bin). */
function runBlock(text: string) {
  const repo = repositoryCopy();
  symlinkSync(join(ROOT, 'node_modules'), join(repo, 'node_modules'));
  const before = snapshot(repo, BUILT);
  const path = (process.env.PATH ?? '')
    .split(':')
    .filter((d) => d !== BIN)
    .join(':');
  const r = spawnSync('bash', ['-euo', 'pipefail', '-c', text], {
    cwd: repo,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    timeout: 20 * 60_000,
    env: { ...process.env, PATH: path },
  });
  const changed = changedFiles(before, snapshot(repo, BUILT));
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, changed };
}

/** Stdout after what npm prints of the script it runs (`> dbtls@0.1.0 build` …). */
const afterNpm = (stdout: string) => stdout.replace(/^\n?(> .*\n)+\n?/, '');

/** What a block must print, by its first command (its first line). */
const EXPECT: Record<string, (r: ReturnType<typeof runBlock>) => void> = {
  'npm ci && npm start': () => {
    throw new Error('the set-up block is run by its own test');
  },
  'npm run build && node dist/dbtls.js < examples/resource-list.yaml': (r) =>
    expect(afterNpm(r.stdout)).toBe(golden('resource-list.out.yaml', afterNpm(r.stdout))),
  'npm run build': (r) => {
    expect(r.stdout).toContain('kind: ResourceList');
    expect(r.stdout).toContain(GOLDEN);
    expect(r.stdout).toContain('examples/postgres/postgres.yaml:8:1: info: the workload reads');
    expect(r.stdout).toContain('dbtls help | --help | --version');
  },
  'npm run build && node dist/dbtls.js admission': (r) => {
    expect(afterNpm(r.stdout)).toBe(
      readFileSync(join(ROOT, 'examples/admission/.expected/admission.yaml'), 'utf8'),
    );
    expect(r.stderr).toContain('dbtls admission: not enforced at admission (render time only)');
  },
  'bash scripts/build-image.sh': (r) =>
    expect(r.stdout + r.stderr).toContain('Successfully tagged ghcr.io/dbtls/dbtls:v0.1.0'),
  'bash scripts/build-image.sh\nexport KPT_FN_RUNTIME=podman': (r) => {
    // Each kpt command prints a ResourceList: the rendered package, the operator-mode eval.
    const lists = r.stdout.split(/^(?=apiVersion: config\.kubernetes\.io\/v1$)/m).slice(1);
    expect(lists.length).toBeGreaterThan(0);
    expect(ids(parseDocs(lists[0])[0].items)).toContain('StatefulSet/demo/pg');
  },
  'export PATH="$PWD/test/bin:$PATH" CONTAINERS_CONF="$PWD/.ci/containers.conf"': (r) =>
    expect(r.stdout).toBe(golden('kustomize-generator.yaml', r.stdout)),
  'podman run --rm --network none --user 999 --read-only': (r) => expect(r.stdout).toBe(GOLDEN),
  'export PATH="$PWD/test/bin:$PATH"': (r) =>
    expect(r.stderr).toMatch(
      /^dbtls: rendered examples\/postgres into \/.*\/deploy\/postgres\/manifests\.yaml$/m,
    ),
  'npm run build && export PATH="$PWD/test/bin:$PATH"': (r) => {
    expect(r.stderr).toContain('[PASS] "dbtls"');
    expect(ids(parseDocs(afterNpm(r.stdout))[0].items)).toContain(
      'Certificate/demo/pg-server-cert',
    );
  },
};
const expectationFor = (text: string) =>
  Object.entries(EXPECT)
    .filter(([first]) => text.startsWith(first))
    .sort((a, b) => b[0].length - a[0].length)[0]?.[1];

describe('the commands in README.md and the docs', () => {
  it('every console block is one the tests cannot run here, listed above', () => {
    for (const b of blocks('console')) expect(NOT_RUN, b.file).toContain(b.text);
  });

  it('every sh block has what it prints pinned here', () => {
    for (const b of blocks('sh'))
      expect(expectationFor(b.text), `${b.file}:\n${b.text}`).toBeDefined();
  });

  it("README's set-up line renders the example: the golden manifests, the notes on stderr", () => {
    const setUp = blocks('sh')
      .find((b) => b.file === 'README.md')!
      .text.split('\n')[0];
    expect(setUp).toMatch(/^npm ci && npm start +#/);
    // npm ci is what CI runs; here the clone has this checkout's node_modules.
    const r = runBlock('npm start --silent');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(GOLDEN);
    expect(r.stderr).toContain(
      'info: the workload reads the postgres password from Secret "pg-auth" (key password), which standalone mode does not create (Postgres/demo/pg, spec.authSecret)',
    );
    // README quotes what it prints on stderr, line for line.
    for (const line of r.stderr.trim().split('\n')) expect(README).toContain(line);
    expect(r.changed).toEqual([]);
  });

  describe.skipIf(skip)('run as written', () => {
    beforeAll(() => ensureImage(), 30 * 60_000);
    const runnable = blocks('sh').filter((b) => !b.text.startsWith('npm ci && npm start'));
    for (const b of runnable) {
      it(
        `${b.file}: ${b.text.split('\n')[0]}`,
        () => {
          const r = runBlock(b.text);
          expect(r.status, r.stderr).toBe(0);
          expectationFor(b.text)!(r);
          expect(r.changed, 'the clone is as it was').toEqual([]);
        },
        20 * 60_000,
      );
    }
  });
});

describe('lines that drift', () => {
  const modes = /must be one of ([a-z, ]+); got/.exec(
    spawnSync(process.execPath, [join(ROOT, 'dist/dbtls.js'), 'render', '.', '--mode', 'x'], {
      encoding: 'utf8',
    }).stderr,
  )![1];

  it('every list of the modes names all three', () => {
    expect(modes).toBe('standalone, operator, validate');
    const all = [...DOCS, 'examples/argocd/README.md'].map((f) =>
      readFileSync(join(ROOT, f), 'utf8'),
    );
    for (const text of all) expect(text).not.toMatch(/standalone, operator[;`"]/);
    const argo = readFileSync(join(ROOT, 'examples/argocd/README.md'), 'utf8');
    const row = argo.split('\n').find((l) => l.startsWith('| `DBTLS_MODE` |'))!;
    for (const mode of modes.split(', ')) expect(row).toContain(`\`${mode}\``);
  });

  it('every doc under docs/ is linked from README.md and from docs/README.md', () => {
    const index = readFileSync(join(ROOT, 'docs/README.md'), 'utf8');
    for (const f of readdirSync(join(ROOT, 'docs')).filter(
      (f) => f.endsWith('.md') && f !== 'README.md',
    )) {
      expect(README, f).toContain(`](docs/${f}`);
      if (DOCS.includes(`docs/${f}`)) expect(index, f).toContain(`](${f})`);
    }
  });

  it('README keeps the heading under which the docs are linked, and stays short', () => {
    expect(README).toMatch(/^## Documentation$/m);
    expect(README.length).toBeLessThan(12_000);
  });

  it('every relative link in README.md and the docs names a file that exists', () => {
    for (const file of [...DOCS, 'docs/README.md', 'examples/argocd/README.md']) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)#:]+)(#[^)]*)?\)/g))
        expect(existsSync(join(ROOT, file, '..', target)), `${file}: ${target}`).toBe(true);
    }
  });
});
