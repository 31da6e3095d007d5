// Redis Sentinel against Debian's redis-server and redis-sentinel (built with TLS): the three data
// nodes and the three sentinels of examples/redis-sentinel run the rendered start.sh (and the data
// nodes' find-primary.sh) as the pod's user, with the rendered redis.conf and sentinel.conf and the
// certificates as the kubelet mounts them. The primary is killed; a replica must be promoted over
// TLS, the sentinels must name it over TLS, and a client that follows them reaches it over TLS.
// Adaptations: paths remapped under a per-pod root; each data node on a loopback address of its
// own (127.0.77.1x, in place of its DNS name, so that find-primary.sh can tell itself from the
// primary) and a free port, given in start.sh's arguments (bind, tls-port, replica-announce-ip);
// the sentinels on 127.0.0.1, each on a free port; the pods' DNS names and ports in find-primary.sh
// and sentinel.conf replaced by those addresses (the names do not resolve here).
import { execFile, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { createTestCA, type TestCA } from './ca-issuer.js';
import { SKIP, requireRoot, workDir } from './env.js';
import { mountVolumes } from './kubelet.js';
import { freePort, remapPaths } from './postgres-server.js';
import { supervise, type Supervised } from './process.js';
import { exampleItems, issueAll, type Rendered, renderItems } from './render.js';

const REDIS_SENTINEL = '/usr/bin/redis-sentinel';
const REDIS_PASSWORD = 'Redis-secret-1';
const SENTINEL_PASSWORD = 'Sentinel-secret-1';
const DB = 'rd-tls';
const SENTINEL = 'sen-tls';
const PODS = 3;
/** What redis-cli says when the server drops the connection (which word depends on timing). */
const DROPPED = /Error: (Connection reset by peer|Server closed the connection)$/;

interface Pod {
  name: string;
  host: string;
  port: number;
  root: string;
  mounted?: boolean;
  server?: Supervised;
}

let work: { dir: string; cleanup: () => void };
let ca: TestCA;
let r: Rendered;
let secrets: Record<string, string>;
const data: Pod[] = [];
const sentinels: Pod[] = [];

const setOf = (name: string) => r.statefulSets.find((s) => s.metadata.name === name);
const dnsName = (pod: string, set: string) => `${pod}.${set}-pods.demo.svc`;

/** The pods' DNS names and ports as this test runs them, in the rendered scripts and configs. */
function local(key: string, content: string, self: Pod): string {
  let out = content;
  if (key === 'find-primary.sh') {
    out = out.replace('SELF="$HOSTNAME.rd-tls-pods.$POD_NAMESPACE.svc"', `SELF=${self.host}`);
    out = out.replace(`PRIMARY=${dnsName(data[0].name, DB)}`, `PRIMARY=${data[0].host}`);
    out = out.replace('PORT=6379', `PORT=${data[0].port}`);
    for (const s of sentinels) out = out.replace(dnsName(s.name, SENTINEL), String(s.port));
    out = out.replace('-h "$s" -p 26379', '-h 127.0.0.1 -p "$s"');
  }
  if (key === 'sentinel.conf')
    out = out.replace(`${dnsName(data[0].name, DB)} 6379`, `${data[0].host} ${data[0].port}`);
  if (key === 'tls-watch.sh')
    out = out.replace(/-h 127\.0\.0\.1 -p 6379\b/g, `-h ${self.host} -p ${self.port}`);
  return out;
}

/** Pod `p` of StatefulSet `set`: its volumes mounted, the rendered start.sh run as the pod's user. */
async function start(p: Pod, set: string, env: Record<string, string>, args: string[]) {
  const podSpec = setOf(set).spec.template.spec;
  const container = podSpec.containers[0];
  const mountPaths: string[] = container.volumeMounts.map((m: any) => m.mountPath);
  // A restart keeps the pod's volumes (and its data), as a container restart does.
  if (!p.mounted)
    mountVolumes(podSpec, {
      root: p.root,
      secrets,
      configMaps: r.configMaps,
      claims: ['data'],
      transform: (_cm, key, content) => remapPaths(local(key, content, p), mountPaths, p.root),
    });
  p.mounted = true;
  const sc = podSpec.securityContext;
  const dir = join(p.root, '/data');
  mkdirSync(dir, { recursive: true });
  chownSync(dir, 0, sc.fsGroup);
  chmodSync(dir, 0o2770);
  const log = join(p.root, 'server.log');
  const fd = openSync(log, 'a');
  const startSh = join(p.root, container.command[1]);
  const proc = spawn(
    'setpriv',
    [`--reuid=${sc.runAsUser}`, `--regid=${sc.runAsGroup}`, `--groups=${sc.fsGroup}`, '--'].concat([
      '/bin/sh',
      startSh,
      ...args,
    ]),
    {
      stdio: ['ignore', fd, fd],
      env: {
        PATH: '/usr/bin:/bin',
        HOME: '/nonexistent',
        HOSTNAME: p.name,
        POD_NAMESPACE: 'demo',
        ...env,
      },
      cwd: dir,
    },
  );
  p.server = supervise(p.name, proc, log, 'SIGTERM', 10_000);
  await p.server.waitUntilReady(
    async () => (await cli(p, tlsOf(p), 'ping')).out === 'PONG',
    30_000,
  );
}

const startData = (p: Pod) =>
  start(p, DB, { REDIS_PASSWORD, SENTINEL_PASSWORD }, [
    '--bind',
    p.host,
    '--tls-port',
    String(p.port),
    '--replica-announce-ip',
    p.host,
  ]);

/** The client certificate of the pod's own kind, as mounted. */
function tlsOf(p: Pod): string[] {
  const dir = sentinels.includes(p)
    ? join(p.root, '/sentinel-certs/client')
    : join(p.root, '/certs/client');
  return [
    '--tls',
    '--cacert',
    join(dir, 'ca.crt'),
    '--cert',
    join(dir, 'tls.crt'),
    '--key',
    join(dir, 'tls.key'),
  ];
}

/** redis-cli against `p` as root, with the password of the pod's kind. */
function cli(
  p: Pod,
  tls: string[],
  ...command: string[]
): Promise<{ ok: boolean; out: string; err: string }> {
  const password = sentinels.includes(p) ? SENTINEL_PASSWORD : REDIS_PASSWORD;
  return new Promise((resolve) =>
    execFile(
      'redis-cli',
      ['-h', p.host, '-p', String(p.port), '--no-auth-warning', '-a', password, ...tls, ...command],
      { timeout: 10_000 },
      (e, out, err) => resolve({ ok: !e, out: out.trim(), err: err.trim() }),
    ),
  );
}

/** A field of INFO replication of data node `p`. */
async function replication(p: Pod, field: string): Promise<string | undefined> {
  const info = (await cli(p, tlsOf(p), 'info', 'replication')).out;
  return info.match(new RegExp(`^${field}:(.*)$`, 'm'))?.[1]?.trim();
}

async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((res) => setTimeout(res, 250));
  }
}

/** What a sentinel says the primary is, over TLS: `host port`. */
async function primaryBy(s: Pod): Promise<string> {
  return (await cli(s, tlsOf(s), 'sentinel', 'get-master-addr-by-name', DB)).out.replace('\n', ' ');
}

describe.skipIf(SKIP)('Redis Sentinel failover over TLS, redis-server and redis-sentinel', () => {
  beforeAll(async () => {
    requireRoot();
    if (!existsSync(REDIS_SENTINEL))
      throw new Error(`${REDIS_SENTINEL} is missing; run .ci/install-tools`);
    work = workDir('redis-sentinel');
    ca = createTestCA(join(work.dir, 'ca'));
    r = renderItems(exampleItems(join(ROOT, 'examples/redis-sentinel')));
    secrets = issueAll(ca, r.certificates, join(work.dir, 'secrets'));
    for (let i = 0; i < PODS; i++) {
      const name = `${DB}-${i}`;
      data.push({
        name,
        host: `127.0.77.${10 + i}`,
        port: await freePort(),
        root: join(work.dir, name),
      });
      const s = `${SENTINEL}-${i}`;
      sentinels.push({
        name: s,
        host: '127.0.0.1',
        port: await freePort(),
        root: join(work.dir, s),
      });
    }
    for (const p of data) await startData(p);
    for (const p of data.slice(1))
      await until(
        `${p.name} replicates`,
        async () => (await replication(p, 'master_link_status')) === 'up',
      );
    const env = { SENTINEL_PASSWORD, REDIS_PASSWORD_0: REDIS_PASSWORD };
    await Promise.all(
      sentinels.map((s) =>
        start(s, SENTINEL, env, ['--bind', s.host, '--tls-port', String(s.port)]),
      ),
    );
    await until('every sentinel knows the others and both replicas', async () => {
      for (const s of sentinels) {
        const m = (await cli(s, tlsOf(s), 'sentinel', 'master', DB)).out.split('\n');
        const field = (f: string) => m[m.indexOf(f) + 1];
        if (field('num-slaves') !== '2' || field('num-other-sentinels') !== '2') return false;
      }
      return true;
    });
  }, 180_000);
  afterAll(async () => {
    await Promise.all([...data, ...sentinels].map((p) => p.server?.stop()));
    work?.cleanup();
  });

  it('renders sentinel.conf TLS only, monitoring pod 0 by its DNS name', () => {
    const conf = r.configMaps[`${SENTINEL}-sentinel-config`]['sentinel.conf'];
    expect(conf).toMatch(/^port 0$/m);
    expect(conf).toMatch(/^tls-port 26379$/m);
    expect(conf).toMatch(/^tls-replication yes$/m);
    expect(conf).toContain(`sentinel monitor ${DB} ${dnsName(`${DB}-0`, DB)} 6379 2`);
  });

  it('names pod 0 the primary at first, over TLS, and refuses plaintext', async () => {
    for (const s of sentinels) expect(await primaryBy(s)).toBe(`${data[0].host} ${data[0].port}`);
    // Debian's redis-sentinel is redis-server's binary, in sentinel mode: start.sh runs it so.
    const info = await cli(sentinels[0], tlsOf(sentinels[0]), 'info', 'server');
    expect(info.out).toMatch(/^redis_mode:sentinel\r?$/m);
    const plain = await cli(sentinels[0], [], 'ping');
    expect(plain).toMatchObject({ ok: false, out: '', err: expect.stringMatching(DROPPED) });
    expect((await cli(data[1], [], 'ping')).out).not.toBe('PONG');
  });

  it('promotes a replica when the primary dies, and a client that follows the sentinels writes to it over TLS', async () => {
    expect((await cli(data[0], tlsOf(data[0]), 'set', 'before', '1')).out).toBe('OK');
    await data[0].server?.stop();
    let now = '';
    await until(
      'the sentinels name another primary',
      async () => {
        now = await primaryBy(sentinels[1]);
        return now !== '' && now !== `${data[0].host} ${data[0].port}`;
      },
      90_000,
    );
    const promoted = data.find((p) => `${p.host} ${p.port}` === now);
    expect(promoted).toBeDefined();
    await until(
      'the promoted replica is a primary',
      async () => (await replication(promoted!, 'role')) === 'master',
    );
    // A client that follows the sentinel: asks it over TLS, then connects where it says over TLS.
    const [host, port] = now.split(' ');
    const client = { name: 'client', host, port: Number(port), root: promoted!.root };
    expect((await cli(client, tlsOf(promoted!), 'get', 'before')).out).toBe('1');
    expect((await cli(client, tlsOf(promoted!), 'set', 'after', '2')).out).toBe('OK');
    expect((await cli(client, [], 'ping')).out).not.toBe('PONG');
    for (const s of sentinels)
      await until(`${s.name} agrees`, async () => (await primaryBy(s)) === now);
  }, 150_000);

  it('brings the old primary back as a replica of the new one (find-primary.sh asks the sentinels)', async () => {
    const now = await primaryBy(sentinels[0]);
    await startData(data[0]);
    await until('pod 0 replicates from the new primary', async () => {
      const [host, port] = now.split(' ');
      return (
        (await replication(data[0], 'role')) === 'slave' &&
        (await replication(data[0], 'master_host')) === host &&
        (await replication(data[0], 'master_port')) === port &&
        (await replication(data[0], 'master_link_status')) === 'up'
      );
    });
    expect((await cli(data[0], tlsOf(data[0]), 'get', 'after')).out).toBe('2');
  }, 120_000);
});
