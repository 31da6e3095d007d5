// Redis Cluster mode against Debian's redis-server (built with TLS): the six pods of
// examples/redis-cluster (3 shards × 2) run the rendered start.sh as the pod's user with the
// rendered redis.conf and certificates as the kubelet mounts them, and the rendered
// cluster-create.sh of shard 0's pod 0 forms the cluster. Adaptations: paths remapped under a
// per-pod root; each pod on 127.0.0.1 with its own port (its cluster bus on port + 10000, Redis's
// default), given in start.sh's arguments and in place of the pods' DNS names in cluster-create.sh;
// the announced hostname is `localhost` (the pods' DNS names do not resolve here: the server
// certificate's coverage of them is checked with openssl instead).
import { execFile, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { createTestCA, issue, type TestCA } from './ca-issuer.js';
import { SKIP, requireRoot, workDir } from './env.js';
import { type MountOptions, mountVolumes, swapSecret } from './kubelet.js';
import { remapPaths } from './postgres-server.js';
import { supervise, type Supervised } from './process.js';
import { exampleItems, issueAll, type Rendered, renderItems } from './render.js';

const REDIS_SERVER = '/usr/bin/redis-server';
const PASSWORD = 'Redis-secret-1';
const DB = 'rd-tls';
const SHARDS = 3;
const PER_SHARD = 2;
const BUS_OFFSET = 10_000;

interface Pod {
  name: string;
  shard: number;
  ordinal: number;
  port: number;
  root: string;
  mount?: MountOptions;
  server?: Supervised;
}

let work: { dir: string; cleanup: () => void };
let ca: TestCA;
let otherCA: TestCA;
let r: Rendered;
let secrets: Record<string, string>;
const pods: Pod[] = [];
const scripts: { pid: number; log: string }[] = [];
const taken = new Set<number>();
let runs = 0;

const isFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

/** A port whose cluster bus port (+ 10000) is free too, none handed out twice. */
async function clusterPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if (taken.has(port) || taken.has(port + BUS_OFFSET) || taken.has(port - BUS_OFFSET)) continue;
    if ((await isFree(port)) && (await isFree(port + BUS_OFFSET))) {
      taken.add(port);
      return port;
    }
  }
}

const shardSet = (shard: number) =>
  r.statefulSets.find((s) => s.metadata.name === `${DB}-shard${shard}`);
const hostOf = (pod: string) => `${pod}.${DB}-pods.$POD_NAMESPACE.svc`;

/** cluster-create.sh's node list with each pod's DNS name and port 6379 as the test runs them. */
function localNodes(content: string): string {
  let out = content;
  for (const p of pods) out = out.replace(`${hostOf(p.name)} 6379`, `127.0.0.1 ${p.port}`);
  return out;
}

function mount(p: Pod): void {
  const podSpec = shardSet(p.shard).spec.template.spec;
  const mountPaths: string[] = podSpec.containers[0].volumeMounts.map((m: any) => m.mountPath);
  const local = (key: string, content: string) =>
    key === 'cluster-create.sh'
      ? localNodes(content)
      : key === 'tls-watch.sh'
        ? content.replace(/-p 6379\b/g, `-p ${p.port}`)
        : content;
  p.mount = {
    root: p.root,
    secrets: { ...secrets },
    configMaps: r.configMaps,
    claims: ['data'],
    transform: (_cm, key, content) => remapPaths(local(key, content), mountPaths, p.root),
  };
  mountVolumes(podSpec, p.mount);
  const data = join(p.root, '/data');
  mkdirSync(data, { recursive: true });
  const sc = podSpec.securityContext;
  chownSync(data, 0, sc.fsGroup);
  chmodSync(data, 0o2770);
}

/** As the pod's user, with the pod's HOSTNAME (its name, as in Kubernetes). */
function asPod(p: Pod, args: string[], env: Record<string, string>, log: string, detached = false) {
  const sc = shardSet(p.shard).spec.template.spec.securityContext;
  return spawn(
    'setpriv',
    [
      `--reuid=${sc.runAsUser}`,
      `--regid=${sc.runAsGroup}`,
      `--groups=${sc.fsGroup}`,
      '--',
      ...args,
    ],
    {
      stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')],
      // POD_NAMESPACE: what the downward API gives the rendered containers.
      env: {
        PATH: '/usr/bin:/bin',
        HOME: '/nonexistent',
        HOSTNAME: p.name,
        POD_NAMESPACE: 'demo',
        ...env,
      },
      cwd: join(p.root, '/data'),
      detached,
    },
  );
}

async function startServer(p: Pod): Promise<void> {
  const log = join(p.root, 'redis.log');
  const proc = asPod(
    p,
    [
      '/bin/sh',
      join(p.root, '/usr/local/etc/redis/start.sh'),
      '--tls-port',
      String(p.port),
      '--bind',
      '127.0.0.1',
      '--cluster-announce-hostname',
      'localhost',
    ],
    { REDIS_PASSWORD: PASSWORD },
    log,
  );
  p.server = supervise(p.name, proc, log, 'SIGTERM', 10_000);
  await p.server.waitUntilReady(
    async () => (await cli(p, clientTLS(p), 'ping')).out === 'PONG',
    30_000,
  );
}

/** The rendered cluster-create.sh of shard 0's pod 0; resolves when its log says `until`. */
async function runCreate(
  until: string,
  script = join(pods[0].root, '/usr/local/etc/redis/cluster-create.sh'),
  env: Record<string, string> = {},
): Promise<string> {
  const p = pods[0];
  const log = join(p.root, `cluster-create-${++runs}.log`);
  const proc = asPod(p, ['/bin/sh', script], { REDISCLI_AUTH: PASSWORD, ...env }, log, true);
  scripts.push({ pid: proc.pid!, log });
  const deadline = Date.now() + 90_000;
  for (;;) {
    const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
    if (text.includes(until)) return text;
    if (proc.exitCode !== null || Date.now() > deadline)
      throw new Error(`cluster-create.sh did not log "${until}":\n${text}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

const clientTLS = (p: Pod) => {
  const dir = join(p.root, '/certs/client');
  return [
    '--tls',
    '--cacert',
    join(dir, 'ca.crt'),
    '--cert',
    join(dir, 'tls.crt'),
    '--key',
    join(dir, 'tls.key'),
  ];
};

function run(cmd: string, args: string[]): Promise<{ ok: boolean; out: string; err: string }> {
  return new Promise((resolve) =>
    execFile(cmd, args, { timeout: 15_000 }, (e, out, err) =>
      resolve({ ok: !e, out: out.trim(), err: err.trim() }),
    ),
  );
}

const cli = (p: Pod, tls: string[], ...command: string[]) =>
  run('redis-cli', [
    '-h',
    '127.0.0.1',
    '-p',
    String(p.port),
    '--no-auth-warning',
    '-a',
    PASSWORD,
    ...tls,
    ...command,
  ]);

const pod = (shard: number, ordinal: number) =>
  pods.find((p) => p.shard === shard && p.ordinal === ordinal)!;

describe.skipIf(SKIP)(
  'Redis Cluster mode on redis-server: 3 shards × 2, TLS between the nodes',
  () => {
    beforeAll(async () => {
      requireRoot();
      if (!existsSync(REDIS_SERVER))
        throw new Error(`${REDIS_SERVER} is missing; run .ci/install-tools`);
      work = workDir('redis-cluster');
      ca = createTestCA(join(work.dir, 'ca'));
      otherCA = createTestCA(join(work.dir, 'other-ca'), 'some other CA');
      r = renderItems(exampleItems(join(ROOT, 'examples/redis-cluster')));
      secrets = issueAll(ca, r.certificates, join(work.dir, 'secrets'));
      taken.clear();
      for (let shard = 0; shard < SHARDS; shard++)
        for (let ordinal = 0; ordinal < PER_SHARD; ordinal++) {
          const name = `${DB}-shard${shard}-${ordinal}`;
          pods.push({
            name,
            shard,
            ordinal,
            port: await clusterPort(taken),
            root: join(work.dir, name),
          });
        }
      for (const p of pods) mount(p);
      await Promise.all(pods.map(startServer));
    }, 120_000);
    afterAll(async () => {
      for (const s of scripts)
        try {
          process.kill(-s.pid, 'SIGKILL');
        } catch {}
      await Promise.all(pods.map((p) => p.server?.stop()));
      work?.cleanup();
    });

    it('renders one StatefulSet per shard, spec.cluster.replicas pods each, the bootstrap in shard 0 only', () => {
      expect(r.statefulSets.map((s) => [s.metadata.name, s.spec.replicas])).toEqual([
        ['rd-tls-shard0', 2],
        ['rd-tls-shard1', 2],
        ['rd-tls-shard2', 2],
      ]);
      const containers = r.statefulSets.map((s) =>
        s.spec.template.spec.containers.map((c: any) => c.name),
      );
      expect(containers).toEqual([
        ['redis', 'tls-reloader', 'cluster-create'],
        ['redis', 'tls-reloader'],
        ['redis', 'tls-reloader'],
      ]);
      // The bootstrap mounts nothing the server container does not: the test runs it in that root.
      const [server, , create] = r.statefulSets[0].spec.template.spec.containers;
      for (const m of create.volumeMounts) expect(server.volumeMounts).toContainEqual(m);
    });

    it('forms the cluster with the rendered cluster-create.sh: state ok, 3 primaries each with a replica', async () => {
      const log = await runCreate('the cluster is formed');
      expect(log).toContain('all 6 nodes answer');
      const info = (await cli(pods[0], clientTLS(pods[0]), 'cluster', 'info')).out;
      expect(info).toMatch(/^cluster_state:ok\r?$/m);
      expect(info).toMatch(/^cluster_slots_assigned:16384\r?$/m);
      expect(info).toMatch(/^cluster_known_nodes:6\r?$/m);
      expect(info).toMatch(/^cluster_size:3\r?$/m);
      for (let shard = 0; shard < SHARDS; shard++) {
        const primary = pod(shard, 0);
        const replica = pod(shard, 1);
        expect((await cli(primary, clientTLS(primary), 'role')).out.split('\n')[0]).toBe('master');
        const role = (await cli(replica, clientTLS(replica), 'role')).out.split('\n');
        expect(role.slice(0, 3)).toEqual(['slave', '127.0.0.1', String(primary.port)]);
      }
    }, 120_000);

    it('runs once: started again, cluster-create.sh finds the cluster formed and changes nothing', async () => {
      // Pod 0 learns a replica's primary by gossip, a moment after the replica is made one: the
      // view to compare with is the one where every replica names its primary.
      const nodes = async () => (await cli(pods[0], clientTLS(pods[0]), 'cluster', 'nodes')).out;
      const settled = (t: string) => !t.split('\n').some((l) => / slave - /.test(l));
      let before = await nodes();
      for (const t0 = Date.now(); !settled(before) && Date.now() - t0 < 30_000; ) {
        await new Promise((res) => setTimeout(res, 200));
        before = await nodes();
      }
      expect(settled(before)).toBe(true);
      const log = await runCreate('the cluster is formed already');
      expect(log).not.toContain('creating the cluster');
      const after = (await cli(pods[0], clientTLS(pods[0]), 'cluster', 'nodes')).out;
      // Each node's id, role and primary (flags such as a passing `fail?` left out).
      const roles = (t: string) =>
        t
          .split('\n')
          .map((l) => {
            const [id, , flags, primary] = l.split(' ');
            return `${id} ${flags.includes('master') ? 'master' : 'slave'} ${primary}`;
          })
          .sort();
      expect(roles(after)).toEqual(roles(before));
    }, 120_000);

    it('a client with a certificate from the CA writes and reads keys across the shards (-c), redirected to the announced hostname', async () => {
      const p = pods[0];
      for (let i = 0; i < 30; i++)
        expect((await cli(p, clientTLS(p), '-c', 'set', `key-${i}`, `value-${i}`)).out).toBe('OK');
      for (let i = 0; i < 30; i++)
        expect((await cli(pods[5], clientTLS(pods[5]), '-c', 'get', `key-${i}`)).out).toBe(
          `value-${i}`,
        );
      // Every primary holds some of the keys.
      for (let shard = 0; shard < SHARDS; shard++) {
        const primary = pod(shard, 0);
        expect(Number((await cli(primary, clientTLS(primary), 'dbsize')).out)).toBeGreaterThan(0);
      }
      // Without -c, a key of another shard is a redirection to that node's announced hostname.
      const moved = await Promise.all(
        Array.from({ length: 30 }, (_, i) => cli(p, clientTLS(p), 'get', `key-${i}`)),
      );
      const redirect = moved.map((m) => m.out).find((o) => o.startsWith('MOVED'));
      expect(redirect).toMatch(/^MOVED \d+ localhost:\d+$/);
    }, 60_000);

    it('runs the cluster bus over TLS: plaintext refused on a bus port, a TLS peer needs a certificate from the CA', async () => {
      const p = pod(1, 0);
      const bus = String(p.port + BUS_OFFSET);
      // No plaintext client port (port 0): plaintext to the TLS port is dropped.
      const plainClient = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(p.port), 'ping']);
      expect(plainClient.ok && plainClient.out === 'PONG').toBe(false);
      const plain = await run('redis-cli', ['-h', '127.0.0.1', '-p', bus, 'ping']);
      expect(plain.ok && plain.out === 'PONG').toBe(false);
      expect(plain.out + plain.err).toMatch(
        /Connection reset by peer|Server closed the connection|Error/,
      );
      const server = join(p.root, '/certs/server');
      const hello = (extra: string[]) =>
        new Promise<string>((resolve) => {
          const c = execFile(
            'openssl',
            [
              's_client',
              '-connect',
              `127.0.0.1:${bus}`,
              '-CAfile',
              join(server, 'ca.crt'),
              ...extra,
            ],
            { timeout: 10_000 },
            (_e, out, err) => resolve(out + err),
          );
          c.stdin!.end('');
        });
      // The server certificate (client auth among its usages) is accepted as a peer's.
      const peer = await hello(['-cert', join(server, 'tls.crt'), '-key', join(server, 'tls.key')]);
      expect(peer).toContain('Verify return code: 0 (ok)');
      expect(peer).not.toMatch(/alert/);
      // Without a certificate the bus refuses the handshake (TLS 1.2, where the refusal is part of
      // the handshake; in TLS 1.3 it comes after, as an alert the client may not wait for).
      const anonymous = await hello(['-tls1_2']);
      expect(anonymous).toMatch(/alert handshake failure/);
      expect(anonymous).not.toContain('Verify return code: 0 (ok)\n---\nDONE');
      expect(
        await hello(['-tls1_2', '-cert', join(server, 'tls.crt'), '-key', join(server, 'tls.key')]),
      ).not.toMatch(/alert/);
    }, 30_000);

    it('refuses a client that trusts another CA, and a client certificate from another CA', async () => {
      const p = pod(2, 0);
      const dir = join(p.root, '/certs/client');
      const wrongTrust = await cli(
        p,
        [
          '--tls',
          '--cacert',
          otherCA.cert,
          '--cert',
          join(dir, 'tls.crt'),
          '--key',
          join(dir, 'tls.key'),
        ],
        'ping',
      );
      expect(wrongTrust).toEqual({
        ok: false,
        out: '',
        err: `Could not connect to Redis at 127.0.0.1:${p.port}: SSL_connect failed: certificate verify failed`,
      });
      const foreign = issue(
        otherCA,
        { secretName: 'x', commonName: 'default', usages: ['client auth'] } as any,
        join(work.dir, 'foreign-client'),
      );
      const foreignCert = await cli(
        p,
        ['--tls', '--cacert', ca.cert, '--cert', foreign.tlsCrt, '--key', foreign.tlsKey],
        'ping',
      );
      expect(foreignCert.ok && foreignCert.out === 'PONG').toBe(false);
      expect(p.server!.log()).toMatch(/certificate verify failed|unknown ca/);
    });

    it("renewal: the rendered tls-reloader has a shard's primary serve the renewed certificate on its client port and its cluster bus, the cluster staying ok", async () => {
      const p = pod(1, 0);
      const server = join(p.root, '/certs/server');
      const serialAt = async (port: number) => {
        const hello = await new Promise<string>((resolve) => {
          const c = execFile(
            'openssl',
            [
              's_client',
              '-connect',
              `127.0.0.1:${port}`,
              '-cert',
              join(server, 'tls.crt'),
              '-key',
              join(server, 'tls.key'),
            ],
            { timeout: 10_000 },
            (_e, out) => resolve(out),
          );
          c.stdin!.end('');
        });
        return new Promise<string>((resolve) => {
          const c = execFile('openssl', ['x509', '-noout', '-serial'], (_e, out) =>
            resolve(out.trim()),
          );
          c.stdin!.end(hello);
        });
      };
      const bus = p.port + BUS_OFFSET;
      const before = await serialAt(bus);
      expect(before).toMatch(/^serial=/);
      expect(await serialAt(p.port)).toBe(before);
      const podSpec = shardSet(1).spec.template.spec;
      const reloader = podSpec.containers.find((c: any) => c.name === 'tls-reloader');
      const log = join(p.root, 'reloader.log');
      const proc = asPod(
        p,
        ['/bin/sh', join(p.root, reloader.command[1])],
        { REDISCLI_AUTH: PASSWORD, DBTLS_WATCH_PERIOD_SECONDS: '1' },
        log,
        true,
      );
      scripts.push({ pid: proc.pid!, log });
      await new Promise((res) => setTimeout(res, 1500));
      const spec = r.certificates.find((c) => c.spec.secretName === `${DB}-server-cert`).spec;
      const renewed = issue(ca, spec, join(work.dir, 'renewed-server'));
      const serial = await new Promise<string>((resolve) =>
        execFile('openssl', ['x509', '-noout', '-serial', '-in', renewed.tlsCrt], (_e, out) =>
          resolve(out.trim()),
        ),
      );
      expect(serial).not.toBe(before);
      p.mount!.secrets[spec.secretName] = renewed.dir;
      swapSecret(podSpec, p.mount!, spec.secretName);
      const deadline = Date.now() + 10_000;
      while ((await serialAt(bus)) !== serial && Date.now() < deadline)
        await new Promise((res) => setTimeout(res, 200));
      expect(await serialAt(bus)).toBe(serial);
      expect(await serialAt(p.port)).toBe(serial);
      expect(readFileSync(log, 'utf8')).toContain('redis-server reloads its TLS files');
      // New bus connections use the renewed certificate; the cluster carries on.
      expect((await cli(p, clientTLS(p), 'cluster', 'info')).out).toMatch(/^cluster_state:ok\r?$/m);
      expect((await cli(pods[0], clientTLS(pods[0]), '-c', 'set', 'after-renewal', 'v')).out).toBe(
        'OK',
      );
      expect((await cli(pods[3], clientTLS(pods[3]), '-c', 'get', 'after-renewal')).out).toBe('v');
    }, 60_000);

    it("the server certificate covers every pod's announced DNS name, and the governing wildcard", async () => {
      const cert = join(secrets[`${DB}-server-cert`], 'tls.crt');
      for (const p of pods) {
        const v = await run('openssl', [
          'verify',
          '-CAfile',
          ca.cert,
          '-verify_hostname',
          // The name the pod announces: POD_NAMESPACE is the pod's namespace, demo.
          hostOf(p.name).replace('$POD_NAMESPACE', 'demo'),
          cert,
        ]);
        expect(v).toMatchObject({ ok: true, out: `${cert}: OK` });
      }
      const start = readFileSync(join(pods[0].root, '/usr/local/etc/redis/start.sh'), 'utf8');
      expect(start).toContain(
        '--cluster-announce-hostname "$HOSTNAME.rd-tls-pods.$POD_NAMESPACE.svc"',
      );
      const other = await run('openssl', [
        'verify',
        '-CAfile',
        ca.cert,
        '-verify_hostname',
        'rd-tls-shard0-0.elsewhere.demo.svc',
        cert,
      ]);
      expect(other.ok).toBe(false);
    });

    it('after every pod restarts at a new address, the bootstrap meets them again and the cluster heals', async () => {
      for (const sc of scripts.splice(0))
        try {
          process.kill(-sc.pid, 'SIGKILL');
        } catch {}
      await Promise.all(pods.map((p) => p.server!.stop()));
      for (const p of pods) p.port = await clusterPort(taken);
      await Promise.all(pods.map(startServer));
      // The rendered script with the pods' new addresses, as DNS answers them after a restart.
      const podSpec = shardSet(0).spec.template.spec;
      const mountPaths: string[] = podSpec.containers[0].volumeMounts.map((m: any) => m.mountPath);
      const rendered = r.configMaps[`${DB}-server-config`]['cluster-create.sh'];
      const script = join(pods[0].root, 'cluster-create-restarted.sh');
      writeFileSync(script, remapPaths(localNodes(rendered), mountPaths, pods[0].root), {
        mode: 0o644,
      });
      // Right after the restart each node still counts the others as reachable (none has timed
      // out yet): the script may find the cluster formed; its address check meets the pods.
      const log = await runCreate('meeting pod', script, { DBTLS_CLUSTER_CHECK_SECONDS: '1' });
      expect(log).not.toContain('creating the cluster');
      const deadline = Date.now() + 60_000;
      for (const p of pods) {
        const state = async () => (await cli(p, clientTLS(p), 'cluster', 'info')).out;
        const nodes = async () => (await cli(p, clientTLS(p), 'cluster', 'nodes')).out;
        const healed = async () => {
          const known = await nodes();
          return (
            /^cluster_state:ok\r?$/m.test(await state()) &&
            pods.every((q) => known.includes(`127.0.0.1:${q.port}@`))
          );
        };
        while (!(await healed()) && Date.now() < deadline)
          await new Promise((res) => setTimeout(res, 250));
        expect(await state()).toMatch(/^cluster_state:ok\r?$/m);
        const known = await nodes();
        for (const q of pods) expect(known).toContain(`127.0.0.1:${q.port}@`);
      }
      expect(readFileSync(join(pods[0].root, `cluster-create-${runs}.log`), 'utf8')).toMatch(
        /meeting pod \d of shard \d at 127\.0\.0\.1:\d+: OK/,
      );
      // The data of before the restart, across the shards.
      for (let i = 0; i < 30; i++)
        expect((await cli(pods[4], clientTLS(pods[4]), '-c', 'get', `key-${i}`)).out).toBe(
          `value-${i}`,
        );
    }, 180_000);
  },
);
