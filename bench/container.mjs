// Container cold start (`npm run bench:image`; `-- --write` also writes its section of
// bench/results.md): the image built from the Dockerfile (scripts/build-image.sh, under the
// tests' container storage, test/integration/container.ts), measured two ways, every command once
// per round in a rotating order, medians over the rounds:
//
// - inside one container (`inside.cjs`, mounted read-only): wall and CPU time of the ENTRYPOINT
//   on a one-database ResourceList and on an empty one, of the ENTRYPOINT's options on the same
//   files without their code caches (the build's dist/, mounted), and of `node -e 0`, each a
//   fresh node process of the image;
// - whole `podman run -i --network none --user nobody --read-only` of the ENTRYPOINT and of
//   `node -e 0`, from the host: what kpt and kustomize pay per function call.
//
// Not a test: nothing here runs in `npm test`.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './generate.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const IMAGE = 'ghcr.io/dbtls/dbtls:v0.1.0';
const WRITE = process.argv.includes('--write');
const ROUNDS = Number(/--rounds=(\d+)/.exec(process.argv.join(' '))?.[1] ?? 21);
const STATE = join(ROOT, '.test-tmp/containers');
const env = {
  ...process.env,
  CONTAINERS_CONF: join(ROOT, '.ci/containers.conf'),
  CONTAINERS_STORAGE_CONF: join(STATE, 'storage.conf'),
};

const sh = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 1 << 26, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r;
};

const t0 = Date.now();
sh('bash', [join(ROOT, 'scripts/build-image.sh'), IMAGE], { stdio: 'ignore' });
const buildSeconds = (Date.now() - t0) / 1000;
const entrypoint = JSON.parse(
  sh('podman', ['image', 'inspect', IMAGE, '--format', '{{json .Config.Entrypoint}}']).stdout,
);

const dir = mkdtempSync(join(tmpdir(), 'dbtls-bench-image-'));
chmodSync(dir, 0o755); // the container's nobody reads it
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'n1.yaml'), generate(1));
writeFileSync(
  join(dir, 'empty.yaml'),
  'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n',
);
writeFileSync(join(dir, 'inside.cjs'), readFileSync(join(ROOT, 'bench/inside.cjs')));

// The same files without their caches (the build's dist/, which the image's files are built
// from by the same sources), so that no hook finds one: the ENTRYPOINT's options on them.
mkdirSync(join(dir, 'nocache'));
for (const f of readdirSync(join(ROOT, 'dist')).filter((f) => f.endsWith('.js')))
  writeFileSync(join(dir, 'nocache', f), readFileSync(join(ROOT, 'dist', f)));
const uncached = entrypoint.map((a) => (a === '/dbtls.js' ? '/b/nocache/dbtls.js' : a));
const inside = {
  'ENTRYPOINT, N=1': [...entrypoint, '<', '/b/n1.yaml'],
  'ENTRYPOINT, empty list': [...entrypoint, '<', '/b/empty.yaml'],
  'ENTRYPOINT without the code cache, N=1': [...uncached, '<', '/b/n1.yaml'],
  '`node -e 0`': ['node', '-e', '0', '<', '/b/empty.yaml'],
};
const measured = JSON.parse(
  sh('podman', [
    'run',
    '--rm',
    '--network',
    'none',
    '--user',
    'nobody',
    '--read-only',
    '-v',
    `${dir}:/b:ro`,
    '--entrypoint',
    'node',
    IMAGE,
    '/b/inside.cjs',
    String(ROUNDS),
    JSON.stringify(inside),
  ]).stdout,
);

const podmanRun = (args, input) => {
  const start = process.hrtime.bigint();
  sh(
    'podman',
    ['run', '--rm', '-i', '--network', 'none', '--user', 'nobody', '--read-only', ...args],
    {
      input: readFileSync(join(dir, input)),
    },
  );
  return Number(process.hrtime.bigint() - start) / 1e6;
};
const whole = { entry: [], bare: [] };
for (let r = 0; r < Math.max(5, Math.round(ROUNDS / 3)); r++) {
  whole.entry.push(podmanRun([IMAGE], 'n1.yaml'));
  whole.bare.push(podmanRun(['--entrypoint', 'node', IMAGE, '-e', '0'], 'empty.yaml'));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const lines = [
  '## Container cold start',
  '',
  `Written by \`npm run bench:image -- --write\` (bench/container.mjs). ${new Date().toISOString().slice(0, 10)}; load average ${loadavg()[0].toFixed(1)} at the end; ${ROUNDS} rounds. The image: \`${IMAGE}\` built from the Dockerfile by scripts/build-image.sh (${buildSeconds.toFixed(0)} s now, with cached layers; see bench/README.md for a build from nothing), Node.js ${measured.node} in the image, ENTRYPOINT \`${JSON.stringify(entrypoint)}\`.`,
  '',
  'Inside one container, each command a fresh node process of the image; the ratio is taken within each round against `node -e 0`, median over the rounds (CPU: user + system time of the child):',
  '',
  '| command | median wall ms | ratio to `node -e 0` | mean CPU ms |',
  '|---|---:|---:|---:|',
  ...Object.entries(measured.results).map(
    ([label, m]) =>
      `| ${label} | ${m.wall.toFixed(1)} | ${m.ratio.toFixed(2)}× | ${m.cpu.toFixed(1)} |`,
  ),
  '',
  (() => {
    const ratio = measured.results['ENTRYPOINT, empty list'].ratio;
    return `Start-up, the ENTRYPOINT on an empty list / \`node -e 0\`: ${ratio.toFixed(2)}× (target ≤ 1.2×: ${ratio <= 1.2 ? 'pass' : '**FAIL**'}).`;
  })(),
  '',
  `Whole \`podman run -i --network none --user nobody --read-only\` from the host (what kpt and kustomize pay per call): the ENTRYPOINT at N=1 ${median(whole.entry).toFixed(0)} ms, \`node -e 0\` ${median(whole.bare).toFixed(0)} ms (medians of ${whole.entry.length}).`,
  '',
];
process.stdout.write(`${lines.join('\n')}\n`);
if (WRITE) {
  const file = join(ROOT, 'bench/results.md');
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf('## Container cold start');
  writeFileSync(file, `${(at < 0 ? text : text.slice(0, at)).trimEnd()}\n\n${lines.join('\n')}`);
}
