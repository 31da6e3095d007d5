// TLS settings no file can override, Redis: the rendered start.sh gives redis-server the TLS-only
// settings on its command line after redis.conf and the password's include, where redis-server
// gives them the last word. Checked with Debian's real redis-server, run by the rendered start.sh
// as the pod's user (as test/servers/redis.test.ts does; its arguments give a free TLS port and
// bind 127.0.0.1): a hostile spec.configuration (`port`, `tls-port 0`, `tls-auth-clients no` and
// an `include` of a file that sets them too) leaves only the TLS port listening; so does the same
// file read after every line of dbtls's redis.conf, which the file order alone does not survive
// (shown by the same start.sh without the arguments).
import { execFile, execFileSync, spawn } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { createTestCA, type TestCA } from './ca-issuer.js';
import { requireRoot, SKIP, workDir } from './env.js';
import { mountVolumes } from './kubelet.js';
import { freePort, remapPaths } from './postgres-server.js';
import { type Supervised, supervise } from './process.js';
import { exampleItems, issueAll, type Rendered, renderItems } from './render.js';

const REDIS_SERVER = '/usr/bin/redis-server';
const PASSWORD = 'Redis-secret-1';
/** The arguments start.sh gives redis-server after its files, as rendered. */
const PINNED = [
  '--port',
  '0',
  '--tls-port',
  '6379',
  '--tls-cert-file',
  '/certs/server/tls.crt',
  '--tls-key-file',
  '/certs/server/tls.key',
  '--tls-ca-cert-file',
  '/certs/trust/ca.crt',
  '--tls-auth-clients',
  'yes',
  '--tls-replication',
  'yes',
];

interface Server {
  tlsPort: number;
  certs: string;
  process: Supervised;
}

let work: { dir: string; cleanup: () => void };
let ca: TestCA;
const servers: Server[] = [];

/** The hostile user file: plaintext on `port`, no TLS port, no client certificates. */
function hostileFile(name: string, port: number): string {
  const file = join(work.dir, `${name}.conf`);
  writeFileSync(
    file,
    `port ${port}\ntls-port 0\ntls-auth-clients no\ntls-replication no\nprotected-mode no\n`,
  );
  chmodSync(file, 0o644);
  return file;
}

/** The example Redis with `inline` as its spec.configuration, rendered. */
function render(inline?: string): Rendered {
  const items = exampleItems(join(ROOT, 'examples/redis')) as any[];
  const db = items.find((i) => i.kind === 'Redis');
  if (inline !== undefined) db.spec.configuration = { inline: { 'redis.conf': inline } };
  return renderItems(items);
}

/**
 * Pod `name`: volumes mounted as the kubelet does, `edit` applied to the mounted files, the
 * rendered start.sh run as the pod's user with a free TLS port.
 */
async function startPod(
  r: Rendered,
  name: string,
  edit: (files: { redisConf: string; startSh: string }) => void = () => {},
): Promise<Server> {
  const podSpec = r.statefulSets[0].spec.template.spec;
  const container = podSpec.containers[0];
  const mountPaths: string[] = container.volumeMounts.map((m: any) => m.mountPath);
  const root = join(work.dir, name);
  const secrets = issueAll(ca, r.certificates, join(root, 'secrets'));
  const files = mountVolumes(podSpec, {
    root,
    secrets,
    configMaps: r.configMaps,
    claims: ['data'],
    transform: (_cm, _key, content) => remapPaths(content, mountPaths, root),
  });
  const startSh = files.find((f) => f.path.endsWith('/start.sh'))!.path;
  edit({ redisConf: files.find((f) => f.path.endsWith('/redis.conf'))!.path, startSh });
  const sc = podSpec.securityContext;
  const data = join(root, '/data');
  mkdirSync(data, { recursive: true });
  chownSync(data, 0, sc.fsGroup);
  chmodSync(data, 0o2770);
  const tlsPort = await freePort();
  const log = join(root, 'redis.log');
  const proc = spawn(
    'setpriv',
    [
      `--reuid=${sc.runAsUser}`,
      `--regid=${sc.runAsGroup}`,
      `--groups=${sc.fsGroup}`,
      '--',
      '/bin/sh',
      startSh,
      '--tls-port',
      String(tlsPort),
      '--bind',
      '127.0.0.1',
    ],
    {
      stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')],
      env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent', REDIS_PASSWORD: PASSWORD },
      cwd: data,
    },
  );
  const server: Server = {
    tlsPort,
    certs: join(root, '/certs'),
    process: supervise('redis-server', proc, log, 'SIGTERM', 10_000),
  };
  servers.push(server);
  await server.process.waitUntilReady(
    async () => (await cli(tlsPort, clientCert(server), 'ping')).out === 'PONG',
    30_000,
  );
  return server;
}

const clientCert = (s: Server) => [
  '--tls',
  '--cacert',
  join(s.certs, 'client/ca.crt'),
  '--cert',
  join(s.certs, 'client/tls.crt'),
  '--key',
  join(s.certs, 'client/tls.key'),
];

function cli(port: number, tls: string[], ...command: string[]) {
  return new Promise<{ ok: boolean; out: string; err: string }>((resolve) => {
    execFile(
      'redis-cli',
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '--no-auth-warning',
        '-a',
        PASSWORD,
        ...tls,
        ...command,
      ],
      { timeout: 10_000 },
      (err, out, e) => resolve({ ok: !err, out: out.trim(), err: e.trim() }),
    );
  });
}

/** CONFIG GET `name` over TLS with the client certificate. */
async function configGet(s: Server, name: string): Promise<string> {
  const got = await cli(s.tlsPort, clientCert(s), 'config', 'get', name);
  return got.out.split('\n')[1];
}

/** Only the TLS port answers: the plaintext port is closed, and the TLS port drops plaintext. */
async function expectTlsOnly(s: Server, plainPort: number): Promise<void> {
  expect(await configGet(s, 'port')).toBe('0');
  expect(await configGet(s, 'tls-auth-clients')).toBe('yes');
  expect(await configGet(s, 'tls-replication')).toBe('yes');
  expect(await cli(plainPort, [], 'ping')).toEqual({
    ok: false,
    out: '',
    err: `Could not connect to Redis at 127.0.0.1:${plainPort}: Connection refused`,
  });
  const plainOnTls = await cli(s.tlsPort, [], 'ping');
  expect(plainOnTls.out).not.toBe('PONG');
  // Without a client certificate, over TLS: refused too.
  const noCert = await cli(
    s.tlsPort,
    ['--tls', '--cacert', join(s.certs, 'client/ca.crt')],
    'ping',
  );
  expect(noCert.out).not.toBe('PONG');
}

describe.skipIf(SKIP)('Redis: TLS settings on the command line, over every file', () => {
  beforeAll(() => {
    requireRoot();
    if (!existsSync(REDIS_SERVER))
      throw new Error(`${REDIS_SERVER} is missing; run .ci/install-tools`);
    work = workDir('redis-pinned');
    ca = createTestCA(join(work.dir, 'ca'));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.process.stop()));
    work?.cleanup();
  });

  it('start.sh hands redis-server the TLS-only settings after redis.conf and the password, as sh reads it', () => {
    const startSh = Object.values(render().configMaps).find((d) => d['start.sh'])!['start.sh'];
    const exec = startSh.split('\n').find((l: string) => l.startsWith('exec redis-server '))!;
    const words = execFileSync('sh', [
      '-c',
      `set -- --from-the-container; printf '%s\\n' ${exec.replace(/^exec redis-server /, '')}`,
    ])
      .toString()
      .split('\n')
      .filter(Boolean);
    expect(words).toEqual([
      '/usr/local/etc/redis/redis.conf',
      '--include',
      '/data/dbtls-auth.conf',
      ...PINNED,
      '--from-the-container',
    ]);
  });

  it('a hostile spec.configuration, and a file it includes, leave only the TLS port listening', async () => {
    const plainPort = await freePort();
    const included = hostileFile('included', plainPort);
    const r = render(
      `port ${plainPort}\ntls-port 0\ntls-auth-clients no\ntls-replication no\ninclude ${included}\n`,
    );
    expect(r.warnings.join('\n')).toContain(
      `port ${plainPort} conflicts with dbtls's TLS settings`,
    );
    const s = await startPod(r, 'hostile-configuration');
    await expectTlsOnly(s, plainPort);
  }, 60_000);

  it('a hostile file read after every line of redis.conf leaves only the TLS port listening', async () => {
    const plainPort = await freePort();
    const hostile = hostileFile('after', plainPort);
    const s = await startPod(render(), 'hostile-after', ({ redisConf }) =>
      appendFileSync(redisConf, `include ${hostile}\n`),
    );
    await expectTlsOnly(s, plainPort);
  }, 60_000);

  it('without the arguments the same file turns plaintext on (what they are there for)', async () => {
    const plainPort = await freePort();
    const hostile = hostileFile('unpinned', plainPort);
    const s = await startPod(render(), 'hostile-unpinned', ({ redisConf, startSh }) => {
      appendFileSync(redisConf, `include ${hostile}\n`);
      expect(readFileSync(startSh, 'utf8')).toContain('--tls-auth-clients yes');
      execFileSync('sed', ['-i', 's/ --port 0 .* --tls-replication yes / /', startSh]);
      expect(readFileSync(startSh, 'utf8')).not.toContain('--tls-auth-clients');
    });
    expect(await configGet(s, 'port')).toBe(String(plainPort));
    expect(await configGet(s, 'tls-auth-clients')).toBe('no');
    expect(await cli(plainPort, [], 'ping')).toMatchObject({ ok: true, out: 'PONG' });
  }, 60_000);
});
