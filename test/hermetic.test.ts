// Hermetic: in KRM mode and in `render`/`check DIR` the function makes no network call and
// writes no file. Proven three ways on a realistic input (every example database with its
// issuers, a Secret, unrelated resources), each compared with a normal run byte for byte:
//   1. in a network namespace with no network (`unshare -n`), as the unprivileged user nobody
//      (`setpriv`), with a read-only working directory, HOME and TMPDIR and a clean environment;
//   2. under a preload (`node --require`) that replaces every network entry point (net, tls,
//      dns, http, https, dgram), every file-writing entry point of fs and child processes by
//      ones that record the call and throw — nothing may be recorded;
//   3. `render DIR` and `check DIR` leave every file and folder under DIR as it was.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { KUBERNETES_SCHEMA } from '../fn/io/yaml.js';
import { DIST, ROOT, resourceList, runDist } from './helpers.js';

const PACKAGES = ['postgres', 'perconaxtradb', 'singlestore', 'mssqlserver', 'vaultserver'];
const docsOf = (dir: string) =>
  readdirSync(join(ROOT, 'examples', dir))
    .filter((f) => f.endsWith('.yaml'))
    .flatMap(
      (f) =>
        loadAll(readFileSync(join(ROOT, 'examples', dir, f), 'utf8'), {
          schema: KUBERNETES_SCHEMA,
        }) as any[],
    )
    .filter((d) => d && d.kind !== 'Kptfile');
const items = [
  ...PACKAGES.flatMap(docsOf),
  {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'pg-auth', namespace: 'demo' },
    stringData: { password: 'not-a-real-password' },
  },
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'app', namespace: 'demo' },
    data: { enabled: 'yes', mode: '0644' },
  },
];
const INPUT = resourceList(items);
const baseline = runDist(INPUT);

const work = mkdtempSync(join(tmpdir(), 'dbtls-hermetic-'));

describe('the realistic input', () => {
  it('renders every kind, with no error', () => {
    expect(baseline.status, baseline.stderr).toBe(0);
    const generated = baseline.output.items.filter(
      (i: any) => i.metadata?.annotations?.['dbtls.dev/generated-from'],
    );
    expect(
      new Set(
        generated.map((g: any) => g.metadata.annotations['dbtls.dev/generated-from'].split('/')[0]),
      ),
    ).toEqual(new Set(['Postgres', 'PerconaXtraDB', 'Singlestore', 'MSSQLServer', 'VaultServer']));
    expect(generated.map((g: any) => g.kind)).toContain('Certificate');
    expect(generated.map((g: any) => g.kind)).toContain('StatefulSet');
  });
});

// ---- 1. no network, unprivileged, read-only -----------------------------------------------

const canIsolate =
  process.getuid?.() === 0 &&
  spawnSync('unshare', ['-n', 'true']).status === 0 &&
  spawnSync('setpriv', ['--version']).status === 0;
if (!canIsolate)
  console.info(
    'hermetic: skipping the isolated run: it needs root, unshare -n and setpriv (unshare is not permitted here)',
  );

describe.skipIf(!canIsolate)(
  'in a network namespace without network, as nobody, in a read-only directory',
  () => {
    // Everything the run can see is owned by root and read-only to nobody: the bundle, the cwd, HOME, TMPDIR.
    const ro = join(work, 'readonly');
    mkdirSync(ro);
    // dist/ as the image holds it: the entry point and the files it loads.
    for (const f of readdirSync(dirname(DIST))) {
      copyFileSync(join(dirname(DIST), f), join(ro, f));
      chmodSync(join(ro, f), 0o444);
    }
    // The package too: the clone may be in a private directory (0700) nobody cannot enter.
    const pkg = join(ro, 'postgres');
    cpSync(join(ROOT, 'examples/postgres'), pkg, { recursive: true });
    chmodSync(ro, 0o555);
    chmodSync(work, 0o755);
    const isolated = (args: string[], input?: string) =>
      spawnSync(
        'unshare',
        [
          '-n',
          'setpriv',
          '--reuid=65534',
          '--regid=65534',
          '--clear-groups',
          'env',
          '-i',
          `PATH=${dirname(process.execPath)}:/usr/bin:/bin`,
          `HOME=${ro}`,
          `TMPDIR=${ro}`,
          process.execPath,
          ...args,
        ],
        { cwd: ro, input, maxBuffer: 1 << 26 },
      );

    it('the sandbox is real: no network interface but loopback, no route out, no writable directory, uid 65534', () => {
      const probe = isolated([
        '-e',
        `
      const fs = require('fs'), os = require('os');
      let write = 'allowed';
      try { fs.writeFileSync(process.cwd() + '/x', 'x'); } catch (e) { write = e.code; }
      let tmp = 'allowed';
      try { fs.writeFileSync(os.tmpdir() + '/x', 'x'); } catch (e) { tmp = e.code; }
      const net = require('net').connect({ host: '1.1.1.1', port: 53 });
      const interfaces = Object.keys(os.networkInterfaces()).filter((i) => i !== 'lo');
      net.on('error', (e) => { console.log(JSON.stringify({ uid: process.getuid(), interfaces, write, tmp, connect: e.code })); });
    `,
      ]);
      expect(JSON.parse(probe.stdout.toString())).toEqual({
        uid: 65534,
        interfaces: [],
        write: 'EACCES',
        tmp: 'EACCES',
        connect: 'ENETUNREACH',
      });
    });

    it('KRM mode gives the same bytes and exit code as a normal run', () => {
      const r = isolated([join(ro, 'dbtls.js')], INPUT);
      expect({
        status: r.status,
        stdout: r.stdout.toString(),
        stderr: r.stderr.toString(),
      }).toEqual({ status: baseline.status, stdout: baseline.stdout, stderr: baseline.stderr });
    });

    it('render and check over a read-only package give the same output as a normal run', () => {
      for (const command of ['render', 'check']) {
        const normal = runDist('', [command, pkg]);
        const r = isolated([join(ro, 'dbtls.js'), command, pkg]);
        expect({ status: r.status, stdout: r.stdout.toString() }).toEqual({
          status: normal.status,
          stdout: normal.stdout,
        });
      }
    });
  },
);

// ---- 2. every network and write entry point trapped ---------------------------------------

const hook = join(work, 'trap.cjs');
writeFileSync(
  hook,
  `
// Replaces network, file-writing and process entry points by traps that record the call and throw.
const calls = [];
const trap = (mod, name, obj, allow) => {
  const original = obj[name];
  if (typeof original !== 'function') return;
  obj[name] = function (...args) {
    if (allow && allow(args)) return original.apply(this, args);
    calls.push(mod + '.' + name + '(' + args.filter((a) => typeof a !== 'function').map((a) => { try { return JSON.stringify(a); } catch { return String(a); } }).join(', ').slice(0, 120) + ')');
    throw new Error('hermetic test: ' + mod + '.' + name + ' is not allowed');
  };
};
const writeFlag = (flags) => typeof flags === 'number' ? (flags & 3) !== 0 || (flags & 64) !== 0 : typeof flags === 'string' && /[wa+]/.test(flags);
const fs = require('fs');
for (const n of ['writeFile', 'writeFileSync', 'appendFile', 'appendFileSync', 'mkdir', 'mkdirSync', 'mkdtemp', 'mkdtempSync', 'rm', 'rmSync', 'rmdir', 'rmdirSync',
  'unlink', 'unlinkSync', 'rename', 'renameSync', 'copyFile', 'copyFileSync', 'cp', 'cpSync', 'symlink', 'symlinkSync', 'link', 'linkSync', 'truncate', 'truncateSync',
  'ftruncate', 'ftruncateSync', 'chmod', 'chmodSync', 'chown', 'chownSync', 'utimes', 'utimesSync', 'createWriteStream']) trap('fs', n, fs);
for (const n of ['open', 'openSync']) trap('fs', n, fs, (a) => !writeFlag(a[1]));
// writes to stdout and stderr are the function's output; any other descriptor is a file
for (const n of ['write', 'writeSync', 'writev', 'writevSync']) trap('fs', n, fs, (a) => a[0] === 1 || a[0] === 2);
for (const n of ['writeFile', 'appendFile', 'mkdir', 'mkdtemp', 'rm', 'rmdir', 'unlink', 'rename', 'copyFile', 'cp', 'symlink', 'link', 'truncate', 'chmod', 'chown', 'utimes']) trap('fs.promises', n, fs.promises);
trap('fs.promises', 'open', fs.promises, (a) => !writeFlag(a[1]));
const net = require('net');
for (const n of ['connect', 'createConnection', 'createServer']) trap('net', n, net);
trap('net.Socket.prototype', 'connect', net.Socket.prototype);
const tls = require('tls');
for (const n of ['connect', 'createServer']) trap('tls', n, tls);
for (const m of ['http', 'https', 'http2']) { const mod = require(m); for (const n of ['request', 'get', 'createServer', 'connect']) trap(m, n, mod); }
const dns = require('dns');
for (const n of Object.keys(dns).filter((k) => /^(lookup|resolve)/.test(k))) trap('dns', n, dns);
for (const n of Object.keys(dns.promises).filter((k) => /^(lookup|resolve)/.test(k))) trap('dns.promises', n, dns.promises);
trap('dgram', 'createSocket', require('dgram'));
const cp = require('child_process');
for (const n of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']) trap('child_process', n, cp);
if (typeof globalThis.fetch === 'function') { const f = globalThis.fetch; globalThis.fetch = (...a) => { calls.push('fetch(' + String(a[0]) + ')'); return Promise.reject(new Error('hermetic test: fetch')); }; void f; }
require('module').syncBuiltinESMExports();
process.on('exit', () => { if (calls.length) process.stderr.write('HERMETIC-TRAPPED ' + JSON.stringify(calls) + '\\n'); });
`,
);
const trapped = (args: string[], input?: string) => {
  const r = spawnSync(process.execPath, ['--require', hook, ...args], {
    input,
    maxBuffer: 1 << 26,
  });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
};

describe('with network and file-writing entry points trapped', () => {
  it('the traps catch what they should', () => {
    const r = trapped([
      '-e',
      `
      for (const f of [() => require('fs').writeFileSync('${join(work, 'nope')}', 'x'), () => require('fs').openSync('${join(work, 'nope')}', 'a'),
        () => require('net').connect(53, '1.1.1.1'), () => require('dns').lookup('example.com', () => {}), () => require('https').get('https://example.com'),
        () => require('fs').mkdirSync('${join(work, 'nope-dir')}'), () => require('child_process').execSync('true')]) { try { f(); } catch {} }
      require('fs').readFileSync('${hook}');
    `,
    ]);
    const calls = JSON.parse(/HERMETIC-TRAPPED (.*)/.exec(r.stderr)![1]);
    expect(calls.map((c: string) => c.slice(0, c.indexOf('(')))).toEqual([
      'fs.writeFileSync',
      'fs.openSync',
      'net.connect',
      'dns.lookup',
      'https.get',
      'fs.mkdirSync',
      'child_process.execSync',
    ]);
  });

  it('KRM mode calls none of them and gives the same bytes and exit code', () => {
    const r = trapped([DIST], INPUT);
    expect(r.stderr).not.toContain('HERMETIC-TRAPPED');
    expect(r).toEqual({
      status: baseline.status,
      stdout: baseline.stdout,
      stderr: baseline.stderr,
    });
  });

  it('a failing run (errors, a bad config) calls none of them either', () => {
    const bad = resourceList([
      ...items,
      {
        apiVersion: 'kubedb.com/v1',
        kind: 'Postgres',
        metadata: { name: 'broken', namespace: 'demo' },
        spec: {
          version: '16.4',
          sslMode: 'bogus',
          tls: { issuerRef: { kind: 'Issuer', name: 'nowhere' } },
        },
      },
    ]);
    const normal = runDist(bad);
    expect(normal.status).toBe(1);
    expect(trapped([DIST], bad)).toEqual({
      status: 1,
      stdout: normal.stdout,
      stderr: normal.stderr,
    });
    expect(trapped([DIST], 'not: [valid')).toEqual({
      status: 1,
      stdout: runDist('not: [valid').stdout,
      stderr: runDist('not: [valid').stderr,
    });
  });
});

// ---- 3. directory mode leaves the directory as it was --------------------------------------

/** Every path under dir with its type, mode, size, mtime and content hash. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const s = statSync(p);
      out[relative(dir, p)] =
        `${e.isDirectory() ? 'dir' : 'file'} ${s.mode.toString(8)} ${s.size} ${s.mtimeMs} ${e.isFile() ? createHash('sha256').update(readFileSync(p)).digest('hex') : ''}`;
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  out['.'] = `${statSync(dir).mtimeMs}`;
  return out;
}

describe('render DIR and check DIR write nothing', () => {
  it.each(['render', 'check'])(
    '%s leaves every file and folder as it was, also with writes trapped',
    (command) => {
      const pkg = join(work, `pkg-${command}`);
      for (const p of PACKAGES)
        cpSync(join(ROOT, 'examples', p), join(pkg, p), { recursive: true });
      writeFileSync(
        join(pkg, 'postgres', 'broken.yaml'),
        'apiVersion: kubedb.com/v1\nkind: Postgres\nmetadata: {name: broken, namespace: demo}\nspec: {version: "16.4", sslMode: bogus}\n',
      );
      const before = snapshot(pkg);
      expect(Object.keys(before).length).toBeGreaterThan(15);
      const normal = runDist('', [command, pkg]);
      expect(normal.status).toBe(1); // the broken file: errors must not make it write either
      expect(snapshot(pkg)).toEqual(before);
      const r = trapped([DIST, command, pkg]);
      expect(r.stderr).not.toContain('HERMETIC-TRAPPED');
      expect(r).toEqual({ status: normal.status, stdout: normal.stdout, stderr: normal.stderr });
      expect(snapshot(pkg)).toEqual(before);
    },
  );
});

// ---- supply chain: what the bundle can reach, and what it is built from ----------------------

describe('supply chain', () => {
  it('the bundle loads no process or worker module, and of net only its address helpers: fs, path, buffer, process, util, net', () => {
    const files = readdirSync(dirname(DIST)).filter((f) => f.endsWith('.js'));
    const bundle = files.map((f) => readFileSync(join(dirname(DIST), f), 'utf8')).join('\n');
    // calls, not the text of ajv's code templates ('require("ajv/dist/runtime/…")' inside a string)
    const calls = [...bundle.matchAll(/(?<!['"`])\brequire\("([^"]+)"\)/g)].map((m) => m[1]);
    // Besides Node's own modules, only the bundle's files, each by its name beside the requirer.
    const siblings = calls.filter((c) => c.startsWith('./'));
    expect(new Set(siblings.map((c) => c.slice(2)))).toEqual(
      new Set(files.filter((f) => f !== 'dbtls.js')),
    );
    const required = new Set(
      calls.filter((c) => !c.startsWith('./')).map((c) => c.replace(/^node:/, '')),
    );
    // util: isDeepStrictEqual, to compare a repository's policy rule with the platform's; net:
    // isIP and BlockList, to hold IP addresses to the policy's ranges (no socket: see below);
    // module and vm: the code cache hook at the top of dbtls.js (scripts/code-cache.cjs), which
    // compiles the bundle's own files with vm.Script and their cached data.
    expect([...required].sort()).toEqual([
      'buffer',
      'fs',
      'module',
      'net',
      'path',
      'process',
      'util',
      'vm',
    ]);
    expect(bundle).not.toMatch(/\bimport\(|process\.binding|fetch\(/);
  });

  it('takes nothing from node:net but isIP and BlockList, which open no socket', () => {
    // node:net is loaded on first use, in one module (fn/util/ip.ts), which reads two names of it.
    const files = readdirSync(join(ROOT, 'fn'), { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.ts'),
    );
    const naming = files.filter((f) =>
      readFileSync(join(ROOT, 'fn', f), 'utf8').includes("'node:net'"),
    );
    expect(naming).toEqual(['util/ip.ts']);
    const ip = readFileSync(join(ROOT, 'fn/util/ip.ts'), 'utf8');
    const taken = new Set(
      [...ip.matchAll(/load\(\)\.(\w+)|\(load\(\)\.(\w+)\)/g)].map((m) => m[1] ?? m[2]),
    );
    expect([...taken].sort()).toEqual(['BlockList', 'isIP']);
    expect(ip).not.toMatch(/from 'node:net'/);
  });

  it('package-lock.json locks every package by sha512 integrity, and the tree under test is the locked one', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
    expect(lock.lockfileVersion).toBe(3);
    expect(lock.packages[''].dependencies).toEqual(pkg.dependencies);
    expect(lock.packages[''].devDependencies).toEqual(pkg.devDependencies);
    const entries = Object.entries(lock.packages as Record<string, any>).filter(
      ([path, e]) => path !== '' && !e.link,
    );
    expect(
      entries.filter(([, e]) => !/^sha512-/.test(e.integrity ?? '')).map(([path]) => path),
    ).toEqual([]);
    for (const name of Object.keys(pkg.dependencies)) {
      const installed = JSON.parse(
        readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'),
      ).version;
      expect(`${name}@${installed}`).toBe(
        `${name}@${lock.packages[`node_modules/${name}`].version}`,
      );
    }
  });
});
