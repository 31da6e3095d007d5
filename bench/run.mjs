// The benchmark (`npm run bench`; `npm run bench -- --write` also writes bench/results.md).
//
// For N = 1, 100, 1,000 and 5,000 databases (with their Issuers, among 4N unrelated resources;
// bench/generate.mjs) it runs `node dist/dbtls.js` as a whole process, stdin from a file and
// stdout to a file, as kpt would, and reports median wall time and peak RSS per size. Beside it,
// in the same rounds, it runs what dbtls is compared with: bare `node -e 0` (cold start), an
// identity function on the same YAML library (the floor for any function in this stack) and an
// identity function on the kpt-functions SDK (the peer). Every round runs every command once, in
// a rotating order, so machine noise hits all of them; each ratio is taken within a round and
// the median of those ratios is reported.
//
// Flags: --write (bench/results.md), --quick (3 rounds, 2 at N=5,000), --rounds=K, --sizes=1,100
// (a subset: ratios whose sizes are missing are skipped).
//
// Wall time is from spawn to exit, as seen by this process. Peak RSS is the child's own
// ru_maxrss, reported on exit by bench/peak-rss.cjs, which every command (bare node included)
// preloads alike. The benchmark is not a test: nothing here runs in `npm test`.
import { spawn, execFileSync } from 'node:child_process';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { build } from 'esbuild';
import { load } from 'js-yaml';
import { generate } from './generate.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PRELOAD = join(ROOT, 'bench/peak-rss.cjs');
const DIST = join(ROOT, 'dist/dbtls.js');

const argv = process.argv.slice(2);
const flag = (name) => argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
const value = (name) => flag(name)?.split('=')[1];
for (const a of argv) {
  if (!/^--(write|quick|rounds=\d+|sizes=[\d,]+)$/.test(a)) {
    process.stderr.write(
      `bench: unknown argument ${a}\nusage: node bench/run.mjs [--write] [--quick] [--rounds=K] [--sizes=1,100,1000,5000]\n`,
    );
    process.exit(2);
  }
}
const WRITE = Boolean(flag('write'));
const QUICK = Boolean(flag('quick'));
const ROUNDS = value('rounds') ? Number(value('rounds')) : undefined;
const SIZES = value('sizes') ? value('sizes').split(',').map(Number) : [1, 100, 1000, 5000];
const BIG = 5000;

const roundsFor = (n) => ROUNDS ?? (QUICK ? (n >= BIG ? 2 : 3) : n >= BIG ? 5 : 7);

/**
 * dbtls runs as a user runs it from PATH (npm install -g, kpt's exec functions): the file itself,
 * whose launcher line starts node with the options the image's ENTRYPOINT has too. Every other
 * command is `node ARGS`. The peak-RSS preload reaches the launcher's node through NODE_OPTIONS.
 */
const COMMANDS = {
  dbtls: { label: 'dbtls', file: DIST, args: [], verify: 'function' },
  bare: { label: '`node -e 0`', args: ['-e', '0'], verify: 'none' },
  jsyaml: {
    label: 'identity, js-yaml 5 (same schema and dump options)',
    args: [join(ROOT, 'bench/identity-js-yaml.mjs')],
    verify: 'identity',
  },
  kpt: {
    label: 'identity, kpt-functions 0.16 SDK',
    args: [join(ROOT, 'bench/identity-kpt-functions.js')],
    verify: 'identity',
  },
  own: {
    label: "identity on dbtls's own read and write path (for reference)",
    args: [],
    verify: 'identity',
  },
  // What `kpt fn render` sends the second time: the package after the first render, i.e. dbtls's
  // own output (without its results), generated objects included, to be rendered again.
  rerender: {
    label: "dbtls again on its own output (kpt's second render)",
    file: DIST,
    args: [],
    verify: 'rerender',
  },
};

const dir = mkdtempSync(join(tmpdir(), 'dbtls-bench-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

// dbtls's own I/O path, bundled the way dist/dbtls.js is.
await build({
  entryPoints: [join(ROOT, 'bench/identity-dbtls-io.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  outfile: join(dir, 'identity-dbtls-io.js'),
  logLevel: 'warning',
  alias: { 'js-yaml': createRequire(import.meta.url).resolve('js-yaml') }, // as scripts/build.mjs bundles it
});
COMMANDS.own.args = [join(dir, 'identity-dbtls-io.js')];

/** One timed run: stdin from `input`, stdout and stderr to files, peak RSS from fd 3. */
function runOnce(command, input, tag) {
  return new Promise((resolve, reject) => {
    const out = join(dir, `${tag}.out`);
    const err = join(dir, `${tag}.err`);
    const fds = [openSync(input, 'r'), openSync(out, 'w'), openSync(err, 'w')];
    let rss = '';
    let ms;
    const start = process.hrtime.bigint();
    const child = command.file
      ? spawn(command.file, command.args, {
          cwd: ROOT,
          stdio: [fds[0], fds[1], fds[2], 'pipe'],
          env: { ...process.env, NODE_OPTIONS: `--require=${PRELOAD}` },
        })
      : spawn(process.execPath, ['--require', PRELOAD, ...command.args], {
          cwd: ROOT,
          stdio: [fds[0], fds[1], fds[2], 'pipe'],
        });
    child.stdio[3].on('data', (d) => {
      rss += d;
    });
    child.on('error', reject);
    child.on('exit', () => {
      ms = Number(process.hrtime.bigint() - start) / 1e6;
    });
    child.on('close', (code, signal) => {
      for (const fd of fds) closeSync(fd);
      resolve({ ms, rssMiB: Number(rss.trim()) / 1024, code, signal, out, err });
    });
  });
}

/** The item lines of a ResourceList as written (block style): "- " at the items' indentation. */
function countItems(text) {
  const start = text.search(/^items:\n/m);
  if (start < 0) return 0;
  const body = text.slice(start + 'items:\n'.length);
  const end = body.search(/^[^\s#-]/m);
  const items = end < 0 ? body : body.slice(0, end);
  const indent = /^( *)- /.exec(items)?.[1] ?? '';
  return (items.match(new RegExp(`^${indent}- `, 'gm')) ?? []).length;
}

/** Fails the benchmark loudly unless the run did its job: the function's results, the identities' items. */
function verify(command, job, run) {
  const fail = (why) => {
    const stderr = readFileSync(run.err, 'utf8');
    throw new Error(
      `${command.label} at N=${job.n}: ${why}${stderr ? `\nstderr (end):\n${stderr.slice(-2000)}` : ''}`,
    );
  };
  if (run.code !== 0) fail(`exit ${run.code ?? run.signal}`);
  if (!Number.isFinite(run.rssMiB) || run.rssMiB <= 0) fail('no peak RSS reported on fd 3');
  if (command.verify === 'none') return;
  const text = readFileSync(run.out, 'utf8');
  const items = countItems(text);
  job.outItems = items;
  job.outMiB = text.length / 2 ** 20;
  if (command.verify === 'identity') {
    if (items !== job.input.items) fail(`wrote ${items} items for ${job.input.items}`);
    return;
  }
  if (command.verify === 'rerender' && items !== job.input.items) {
    fail(
      `wrote ${items} items for ${job.input.items}: a second render must replace what it generated, not add to it`,
    );
  }
  const at = text.search(/^results:\n/m);
  const results = at < 0 ? [] : (load(text.slice(at)).results ?? []);
  const errors = results.filter((r) => r.severity === 'error');
  if (errors.length) fail(`${errors.length} error results, the first: ${errors[0].message}`);
  if (command.verify === 'function' && items <= job.input.items)
    fail(`wrote ${items} items for ${job.input.items} input items: nothing generated`);
  job.results = results.length;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// Inputs.
const inputs = new Map();
for (const n of SIZES) {
  const path = join(dir, `n${n}.yaml`);
  const text = generate(n);
  writeFileSync(path, text);
  inputs.set(n, { n, path, bytes: statSync(path).size, items: countItems(text) });
}

// Jobs: what runs at which size.
const jobs = [];
const add = (n, key) => {
  if (inputs.has(n)) jobs.push({ n, key, command: COMMANDS[key], input: inputs.get(n), runs: [] });
};
for (const n of SIZES) add(n, 'dbtls');
add(1, 'bare');
add(BIG, 'jsyaml');
add(BIG, 'kpt');
add(BIG, 'own');
const jobName = (j) => `${j.key}@${j.n}`;
const find = (key, n) => jobs.find((j) => j.key === key && j.n === n);

const machine = `${cpus()[0]?.model.trim() ?? 'unknown CPU'} × ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${release()}, Node.js ${process.version}`;
let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
    cwd: ROOT,
    encoding: 'utf8',
  }).trim();
  if (
    execFileSync(
      'git',
      ['status', '--porcelain', '--', 'fn', 'scripts', 'bench', ':!bench/results.md'],
      { cwd: ROOT, encoding: 'utf8' },
    ).trim()
  )
    commit += ' (with local changes)';
} catch {
  /* not a git checkout */
}
process.stderr.write(
  `bench: ${machine}\nbench: commit ${commit}; ${jobs.length} commands, ${Math.max(...jobs.map((j) => roundsFor(j.n)))} rounds\n`,
);

// Warm-up: one untimed run of each, checked.
for (const job of jobs) {
  const run = await runOnce(job.command, job.input.path, `warm-${jobName(job)}`);
  verify(job.command, job, run);
  process.stderr.write(
    `bench: checked ${job.command.label} at N=${job.n}${job.results !== undefined ? ` (${job.results} results, no errors)` : ''}\n`,
  );
  if (job.key === 'dbtls' && job.n === BIG) {
    // The second render's input: this run's output up to its results.
    const text = readFileSync(run.out, 'utf8');
    const path = join(dir, `rerender${BIG}.yaml`);
    const results = text.search(/^results:\n/m);
    writeFileSync(path, results < 0 ? text : text.slice(0, results));
    jobs.push({
      n: BIG,
      key: 'rerender',
      command: COMMANDS.rerender,
      input: { n: BIG, path, bytes: statSync(path).size, items: countItems(text) },
      runs: [],
    });
  }
}

// Timed rounds, round-robin in a rotating order. The two cold-start commands take ~0.1 s and
// are the most exposed to noise: each round runs them PAIRS times, back to back, alternating.
const PAIRS = 3;
const loadBefore = loadavg()[0];
const maxRounds = Math.max(...jobs.map((j) => roundsFor(j.n)));
const timed = async (job, tag) => {
  const run = await runOnce(job.command, job.input.path, tag);
  if (run.code !== 0) verify(job.command, job, run);
  job.runs.push(run);
  rmSync(run.out, { force: true });
};
for (let round = 0; round < maxRounds; round++) {
  const active = jobs.filter((j) => round < roundsFor(j.n) && j.key !== 'bare');
  const order = active.map((_, i) => active[(i + round) % active.length]);
  for (const job of order) {
    const bare = job.key === 'dbtls' && job.n === 1 ? find('bare', 1) : undefined;
    for (let k = 0; k < (bare ? PAIRS : 1); k++) {
      const pair = bare ? (k % 2 ? [bare, job] : [job, bare]) : [job];
      for (const j of pair) await timed(j, `r${round}.${k}-${jobName(j)}`);
    }
  }
  process.stderr.write(`bench: round ${round + 1}/${maxRounds} done\n`);
}
const loadAfter = loadavg()[0];

// Report.
const fmt = (x, d = 0) =>
  x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const rows = [];
rows.push(
  '| command | N | items in | input MiB | items out | output MiB | median ms | peak RSS MiB (median, max) |',
);
rows.push('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const job of jobs) {
  const runs = job.runs;
  const ms = median(runs.map((r) => r.ms));
  const rss = runs.map((r) => r.rssMiB);
  const isBare = job.key === 'bare';
  rows.push(
    `| ${job.command.label} | ${isBare ? '' : fmt(job.n)} | ${isBare ? '' : fmt(job.input.items)} | ${isBare ? '' : fmt(job.input.bytes / 2 ** 20, 2)} | ${job.outItems !== undefined ? fmt(job.outItems) : ''} | ${job.outMiB !== undefined ? fmt(job.outMiB, 2) : ''} | ${fmt(ms)} | ${fmt(median(rss))}, ${fmt(Math.max(...rss))} |`,
  );
}

/** The median of a/b over their runs, the i-th run of each taken in the same round (or pair). */
function ratio(a, b) {
  if (!a || !b) return undefined;
  const rs = [];
  for (let r = 0; r < Math.min(a.runs.length, b.runs.length); r++)
    rs.push(a.runs[r].ms / b.runs[r].ms);
  return rs.length ? median(rs) : undefined;
}
const targets = [
  {
    name: 'cold start: dbtls at N=1 / bare `node -e 0`',
    value: ratio(find('dbtls', 1), find('bare', 1)),
    max: 1.6,
    unit: '×',
  },
  {
    name: 'throughput: dbtls at N=5,000 / js-yaml identity',
    value: ratio(find('dbtls', BIG), find('jsyaml', BIG)),
    max: 1.5,
    unit: '×',
  },
  {
    name: 'peer: dbtls at N=5,000 / kpt-functions identity',
    value: ratio(find('dbtls', BIG), find('kpt', BIG)),
    max: 1.0,
    unit: '×',
  },
  {
    name: 'scaling: dbtls time(N=5,000) / time(N=1,000)',
    value: ratio(find('dbtls', BIG), find('dbtls', 1000)),
    max: 5.5,
    unit: '×',
  },
  {
    name: 're-render: dbtls on its own N=5,000 output / its first render',
    value: ratio(find('rerender', BIG), find('dbtls', BIG)),
    max: 1.5,
    unit: '×',
  },
  {
    name: 'peak RSS of dbtls at N=5,000 (median)',
    value: find('dbtls', BIG) ? median(find('dbtls', BIG).runs.map((r) => r.rssMiB)) : undefined,
    max: 250,
    unit: ' MiB',
  },
];
const ratioRows = ['| measure | median | target | |', '|---|---:|---:|---|'];
if (loadBefore > cpus().length || loadAfter > cpus().length)
  ratioRows.unshift(
    `The machine was busy (load average above its ${cpus().length} CPUs): the figures are noisier than usual.`,
    '',
  );
for (const t of targets) {
  if (t.value === undefined) continue;
  const shown = t.unit === '×' ? `${t.value.toFixed(2)}×` : `${fmt(t.value)} MiB`;
  ratioRows.push(
    `| ${t.name} | ${shown} | ≤ ${t.unit === '×' ? `${t.max}×` : `${t.max} MiB`} | ${t.value <= t.max ? 'pass' : '**FAIL**'} |`,
  );
}

const rounds = [...new Set(jobs.map((j) => roundsFor(j.n)))].sort((a, b) => b - a);
const report = [
  `Machine: ${machine}; load average ${loadBefore.toFixed(1)} at the start, ${loadAfter.toFixed(1)} at the end. Commit ${commit}. ${rounds.length > 1 ? `${rounds[0]} rounds (${rounds.slice(1).join(', ')} at N=5,000)` : `${rounds[0]} rounds`}, every command once per round in a rotating order (dbtls at N=1 and \`node -e 0\` ${PAIRS} times each, alternating); median wall time (spawn to exit, stdin from a file, stdout to a file) and peak RSS (the process's ru_maxrss).`,
  '',
  ...rows,
  '',
  'Ratios: each taken within one round, median over the rounds.',
  '',
  ...ratioRows,
  '',
].join('\n');
process.stdout.write(`\n${report}`);

if (WRITE) {
  const md = [
    '# Benchmark results',
    '',
    'Written by `npm run bench -- --write` (bench/run.mjs); see bench/README.md for what is measured.',
    `Inputs from bench/generate.mjs: N databases of the five supported kinds, one Issuer per ten databases' namespace, 4N unrelated resources, every item with the annotations \`kpt fn render\` sends. ${new Date().toISOString().slice(0, 10)}.`,
    '',
    report,
  ].join('\n');
  writeFileSync(join(ROOT, 'bench/results.md'), md);
  process.stderr.write('bench: wrote bench/results.md\n');
}
