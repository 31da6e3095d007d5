// The Redis profile against Debian's redis-server (built with TLS): each pod runs the rendered
// start.sh as the pod's user, with the rendered redis.conf and the certificates as the kubelet
// mounts them. Adaptations: paths remapped under a per-pod root; the script's arguments (which it
// passes on to redis-server) give a free port on 127.0.0.1 and, for the replica, replicaof.
import { execFile, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { createTestCA, type TestCA } from './ca-issuer.js';
import { SKIP, requireRoot, workDir } from './env.js';
import { mountVolumes, type MountedFile } from './kubelet.js';
import { freePort, remapPaths } from './postgres-server.js';
import { supervise, type Supervised } from './process.js';
import { exampleItems, issueAll, type Rendered, renderItems } from './render.js';

const REDIS_SERVER = '/usr/bin/redis-server';
const PASSWORD = 'Redis-secret-1';
/** What redis-cli says when the server drops the connection (which word depends on timing). */
const DROPPED = /Error: (Connection reset by peer|Server closed the connection)$/;

interface Pod {
  port: number;
  root: string;
  files: MountedFile[];
  server: Supervised;
  certs: string;
}

let work: { dir: string; cleanup: () => void };
let ca: TestCA;
let otherCA: TestCA;
let r: Rendered;
let secrets: Record<string, string>;
const pods: Pod[] = [];

/** Pod `name` of the rendered StatefulSet: volumes mounted, the rendered start.sh run as the pod's user. */
async function startPod(name: string, ...args: string[]): Promise<Pod> {
  const podSpec = r.statefulSets[0].spec.template.spec;
  const container = podSpec.containers[0];
  const mountPaths: string[] = container.volumeMounts.map((m: any) => m.mountPath);
  const root = join(work.dir, name);
  const files = mountVolumes(podSpec, {
    root,
    secrets,
    configMaps: r.configMaps,
    claims: ['data'],
    transform: (_cm, _key, content) => remapPaths(content, mountPaths, root),
  });
  const sc = podSpec.securityContext;
  const data = join(root, '/data');
  mkdirSync(data, { recursive: true });
  // A persistent volume as the kubelet prepares it for fsGroup: group-owned, group-writable, setgid.
  chownSync(data, 0, sc.fsGroup);
  chmodSync(data, 0o2770);
  const port = await freePort();
  const env: Record<string, string> = { PATH: '/usr/bin:/bin', HOME: '/nonexistent' };
  for (const e of container.env ?? [])
    if (e.name === 'REDIS_PASSWORD') env.REDIS_PASSWORD = PASSWORD;
  const startSh = files.find((f) => f.path.endsWith('/start.sh'))!.path;
  const log = join(root, 'redis.log');
  const fd = openSync(log, 'a');
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
      String(port),
      '--bind',
      '127.0.0.1',
      ...args,
    ],
    { stdio: ['ignore', fd, fd], env, cwd: data },
  );
  const server = supervise('redis-server', proc, log, 'SIGTERM', 10_000);
  const pod: Pod = { port, root, files, server, certs: join(root, '/certs') };
  pods.push(pod);
  await server.waitUntilReady(
    async () => (await cli(pod, clientCert(pod), 'ping')).out === 'PONG',
    30_000,
  );
  return pod;
}

const clientCert = (p: Pod) => [
  '--tls',
  '--cacert',
  join(p.certs, 'client/ca.crt'),
  '--cert',
  join(p.certs, 'client/tls.crt'),
  '--key',
  join(p.certs, 'client/tls.key'),
];

/** redis-cli against `p` as root (the test reads the fsGroup-only keys), with the password. */
function cli(
  p: Pod,
  tls: string[],
  ...command: string[]
): Promise<{ ok: boolean; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      'redis-cli',
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(p.port),
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

describe.skipIf(SKIP)('Redis TLS settings on redis-server', () => {
  let primary: Pod;
  beforeAll(async () => {
    requireRoot();
    if (!existsSync(REDIS_SERVER))
      throw new Error(`${REDIS_SERVER} is missing; run .ci/install-tools`);
    work = workDir('redis');
    ca = createTestCA(join(work.dir, 'ca'));
    otherCA = createTestCA(join(work.dir, 'other-ca'), 'some other CA');
    r = renderItems(exampleItems(join(ROOT, 'examples/redis')));
    secrets = issueAll(ca, r.certificates, join(work.dir, 'secrets'));
    primary = await startPod('rd-tls-0');
  }, 120_000);
  afterAll(async () => {
    await Promise.all(pods.map((p) => p.server.stop()));
    work?.cleanup();
  });

  it('listens on TLS only (port 0), requiring client certificates, replicating over TLS', async () => {
    const conf = readFileSync(
      primary.files.find((f) => f.path.endsWith('/redis.conf'))!.path,
      'utf8',
    );
    expect(conf).toMatch(/^port 0$/m);
    const got = await cli(primary, clientCert(primary), 'config', 'get', 'tls-*');
    const settings = Object.fromEntries(
      got.out.split('\n').reduce<string[][]>((acc, v, i) => {
        if (i % 2) acc[acc.length - 1].push(v);
        else acc.push([v]);
        return acc;
      }, []),
    );
    expect(settings).toMatchObject({
      'tls-port': String(primary.port),
      'tls-auth-clients': 'yes',
      'tls-replication': 'yes',
      'tls-cert-file': join(primary.certs, 'server/tls.crt'),
    });
  });

  it('refuses plaintext', async () => {
    const plain = await cli(primary, [], 'ping');
    // The server drops the connection at the first plaintext byte; the client says so in either of two words.
    expect(plain).toMatchObject({ ok: false, out: '', err: expect.stringMatching(DROPPED) });
  });

  it('accepts a client with the rendered client certificate, verifying the server against the CA', async () => {
    expect(await cli(primary, clientCert(primary), 'set', 'k', 'v')).toMatchObject({
      ok: true,
      out: 'OK',
    });
  });

  it('refuses a client without a certificate, even with the password over TLS', async () => {
    const a = await cli(primary, ['--tls', '--cacert', ca.cert], 'ping');
    expect(a).toMatchObject({ ok: false, out: '', err: expect.stringMatching(DROPPED) });
    expect(primary.server.log()).toContain('peer did not return a certificate');
  });

  it('is refused by a client that trusts another CA, and refuses a client certificate from another CA', async () => {
    const wrongTrust = await cli(
      primary,
      [
        '--tls',
        '--cacert',
        otherCA.cert,
        '--cert',
        join(primary.certs, 'client/tls.crt'),
        '--key',
        join(primary.certs, 'client/tls.key'),
      ],
      'ping',
    );
    expect(wrongTrust).toEqual({
      ok: false,
      out: '',
      err: `Could not connect to Redis at 127.0.0.1:${primary.port}: SSL_connect failed: certificate verify failed`,
    });
    const other = join(work.dir, 'other-client');
    const { issue } = await import('./ca-issuer.js');
    const foreign = issue(
      otherCA,
      { secretName: 'x', commonName: 'default', usages: ['client auth'] } as any,
      other,
    );
    const foreignCert = await cli(
      primary,
      ['--tls', '--cacert', ca.cert, '--cert', foreign.tlsCrt, '--key', foreign.tlsKey],
      'ping',
    );
    expect(foreignCert).toMatchObject({ ok: false, out: '', err: expect.stringMatching(DROPPED) });
    expect(primary.server.log()).toMatch(/certificate verify failed|unknown ca/);
  });

  it('requires the password of the auth secret', async () => {
    const wrong = await new Promise<string>((resolve) =>
      execFile(
        'redis-cli',
        [
          '-h',
          '127.0.0.1',
          '-p',
          String(primary.port),
          '--no-auth-warning',
          '-a',
          'wrong',
          ...clientCert(primary),
          'get',
          'k',
        ],
        (_e, out, err) => resolve(out + err),
      ),
    );
    expect(wrong).toContain('WRONGPASS invalid username-password pair');
  });

  it('a replica started from the same rendered configuration replicates from the primary over TLS', async () => {
    const replica = await startPod('rd-tls-1', '--replicaof', '127.0.0.1', String(primary.port));
    await replica.server.waitUntilReady(
      async () => (await cli(replica, clientCert(replica), 'get', 'k')).out === 'v',
      30_000,
    );
    const info = (await cli(replica, clientCert(replica), 'info', 'replication')).out;
    expect(info).toMatch(/master_link_status:up/);
    expect(await cli(primary, clientCert(primary), 'set', 'k2', 'v2')).toMatchObject({ out: 'OK' });
    await replica.server.waitUntilReady(
      async () => (await cli(replica, clientCert(replica), 'get', 'k2')).out === 'v2',
      30_000,
    );
    // The primary sees the replica's connection as a TLS client authenticated with the server certificate.
    expect((await cli(primary, clientCert(primary), 'info', 'replication')).out).toMatch(
      /connected_slaves:1/,
    );
  }, 90_000);

  it('reads the key as the kubelet mounts it: root-owned, group fsGroup 999, 0440', () => {
    const key = primary.files.find((f) => f.path.endsWith('server/tls.key'))!;
    const st = statSync(realpathSync(key.path));
    expect({ uid: st.uid, gid: st.gid, mode: st.mode & 0o777 }).toEqual({
      uid: 0,
      gid: 999,
      mode: 0o440,
    });
  });
  describe("a user configuration included (spec.configuration: the Secret's redis.conf and inline)", () => {
    // The user's files open a plaintext port and stop asking for client certificates; dbtls's
    // redis.conf sets port 0 and tls-auth-clients yes after them.
    let pod: Pod;
    let plainPort: number;
    beforeAll(async () => {
      plainPort = await freePort();
      const user = join(work.dir, 'rd-configuration');
      mkdirSync(user, { recursive: true });
      writeFileSync(join(user, 'redis.conf'), 'maxclients 321\ndatabases 6\ntls-auth-clients no\n');
      const inline = `databases 7\nport ${plainPort}\ntls-auth-clients optional\n`;
      const items = exampleItems(join(ROOT, 'examples/redis')).map((i: any) =>
        i.kind === 'Redis'
          ? {
              ...i,
              spec: {
                ...i.spec,
                configuration: { secretName: 'rd-configuration', inline: { 'redis.conf': inline } },
              },
            }
          : i,
      );
      r = renderItems(items);
      secrets = {
        ...issueAll(ca, r.certificates, join(work.dir, 'user-config-secrets')),
        'rd-configuration': user,
      };
      pod = await startPod('rd-user-config-0');
    }, 60_000);

    it("warns that dbtls's port and tls-auth-clients win over the inline ones", () => {
      const tail = "comes after the user's configuration and wins";
      expect(r.warnings).toEqual(
        expect.arrayContaining([
          `line 2: port ${plainPort} conflicts with dbtls's TLS settings; dbtls's port 0 ${tail}`,
          "line 3: tls-auth-clients optional conflicts with dbtls's TLS settings; dbtls's " +
            `tls-auth-clients yes ${tail}`,
        ]),
      );
    });

    it("takes the user's settings (inline over the Secret's) and keeps TLS only with client certificates", async () => {
      const get = async (name: string) =>
        (await cli(pod, clientCert(pod), 'config', 'get', name)).out.split('\n')[1];
      expect({
        maxclients: await get('maxclients'),
        databases: await get('databases'),
        port: await get('port'),
        'tls-auth-clients': await get('tls-auth-clients'),
      }).toEqual({ maxclients: '321', databases: '7', port: '0', 'tls-auth-clients': 'yes' });
    });

    it('still refuses plaintext (no plaintext port) and a client without a certificate', async () => {
      expect(await cli(pod, [], 'ping')).toMatchObject({
        ok: false,
        err: expect.stringMatching(DROPPED),
      });
      const other = await cli({ ...pod, port: plainPort }, [], 'ping');
      expect(other.err).toMatch(
        /Could not connect to Redis at 127\.0\.0\.1:\d+: Connection refused/,
      );
      const noCert = await cli(
        pod,
        ['--tls', '--cacert', join(pod.certs, 'client/ca.crt')],
        'ping',
      );
      expect(noCert.out).not.toBe('PONG');
      expect(pod.server.log()).toContain('peer did not return a certificate');
    });
  });
});
