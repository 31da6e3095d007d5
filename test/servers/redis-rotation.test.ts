// Certificate rotation for the Redis kind on Debian's redis-server: the rendered start.sh runs the
// server as the pod's user, the rendered tls-reloader container runs its tls-watch.sh beside it
// (as the pod's user, REDISCLI_AUTH from the auth secret), and a renewal arrives as the kubelet
// delivers it (a new `..data` target). Adaptations as in redis.test.ts: paths remapped under the
// pod's root, a free port on 127.0.0.1 (in start.sh's arguments and the watcher's redis-cli).
import { execFile, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { createTestCA, issue, type TestCA } from './ca-issuer.js';
import { SKIP, requireRoot, workDir } from './env.js';
import { type MountOptions, mountVolumes, swapSecret } from './kubelet.js';
import { freePort, remapPaths } from './postgres-server.js';
import { supervise, type Supervised } from './process.js';
import { exampleItems, issueAll, type Rendered, renderItems } from './render.js';

const REDIS_SERVER = '/usr/bin/redis-server';
const PASSWORD = 'Redis-secret-1';
const PERIOD = 1;

let work: { dir: string; cleanup: () => void };
let ca: TestCA;
let r: Rendered;
let root: string;
let port: number;
let mountOptions: MountOptions;
const procs: Supervised[] = [];
let renewals = 0;

function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve) => {
    const p = execFile(cmd, args, { timeout: 10_000 }, (_err, out) => resolve(out.trim()));
    if (input !== undefined) p.stdin!.end(input);
  });
}
const certs = () => join(root, '/certs');
const tlsArgs = () => [
  '--tls',
  '--cacert',
  join(certs(), 'client/ca.crt'),
  '--cert',
  join(certs(), 'client/tls.crt'),
  '--key',
  join(certs(), 'client/tls.key'),
];
const cli = (...command: string[]) =>
  run('redis-cli', [
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '--no-auth-warning',
    '-a',
    PASSWORD,
    ...tlsArgs(),
    ...command,
  ]);
const redisPid = async () => (await cli('info', 'server')).match(/^process_id:(\d+)/m)?.[1];
async function servedSerial(): Promise<string> {
  const hello = await run(
    'openssl',
    [
      's_client',
      '-connect',
      `127.0.0.1:${port}`,
      '-cert',
      join(certs(), 'client/tls.crt'),
      '-key',
      join(certs(), 'client/tls.key'),
    ],
    '',
  );
  return run('openssl', ['x509', '-noout', '-serial'], hello);
}
async function until(want: string, ms: number): Promise<{ value: string; ms: number }> {
  const t0 = Date.now();
  let value = await servedSerial();
  while (value !== want && Date.now() - t0 < ms) {
    await new Promise((res) => setTimeout(res, 100));
    value = await servedSerial();
  }
  return { value, ms: Date.now() - t0 };
}
const serverSpec = () =>
  r.certificates.find((c) => c.metadata.labels['dbtls.dev/certificate-alias'] === 'server').spec;
const renewServer = () => issue(ca, serverSpec(), join(work.dir, 'renewals', String(++renewals)));
const swapServer = (dir: string) => {
  mountOptions.secrets[serverSpec().secretName] = dir;
  swapSecret(r.statefulSets[0].spec.template.spec, mountOptions, serverSpec().secretName);
};

/** Runs a container of the rendered pod as the pod's user, its command's paths remapped. */
function runContainer(
  c: any,
  env: Record<string, string>,
  args: string[],
  log: string,
): Supervised {
  const sc = r.statefulSets[0].spec.template.spec.securityContext;
  const paths: string[] = c.volumeMounts.map((m: any) => m.mountPath);
  const command: string[] = c.command.map((a: string) => remapPaths(a, paths, root));
  const fd = openSync(join(root, log), 'a');
  const proc = spawn(
    'setpriv',
    [
      `--reuid=${sc.runAsUser}`,
      `--regid=${sc.runAsGroup}`,
      `--groups=${sc.fsGroup}`,
      '--',
      ...command,
      ...args,
    ],
    {
      stdio: ['ignore', fd, fd],
      env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent', ...env },
      cwd: root,
    },
  );
  const s = supervise(c.name, proc, join(root, log), 'SIGTERM', 10_000);
  procs.push(s);
  return s;
}

describe.skipIf(SKIP)('Redis kind: certificate rotation in place', () => {
  beforeAll(async () => {
    requireRoot();
    if (!existsSync(REDIS_SERVER)) {
      throw new Error(`${REDIS_SERVER} is missing; run .ci/install-tools`);
    }
    work = workDir('redis-rotation');
    ca = createTestCA(join(work.dir, 'ca'));
    r = renderItems(exampleItems(join(ROOT, 'examples/redis')));
    const podSpec = r.statefulSets[0].spec.template.spec;
    const [server, reloader] = podSpec.containers;
    root = join(work.dir, 'rd-tls-0');
    port = await freePort();
    const mountPaths: string[] = server.volumeMounts.map((m: any) => m.mountPath);
    mountOptions = {
      root,
      secrets: issueAll(ca, r.certificates, join(work.dir, 'secrets')),
      configMaps: r.configMaps,
      claims: ['data'],
      // The watcher reaches redis-server on the rendered port; here it listens elsewhere.
      transform: (_cm, key, content) => {
        const remapped = remapPaths(content, mountPaths, root);
        return key === 'tls-watch.sh' ? remapped.replace(/-p 6379\b/g, `-p ${port}`) : remapped;
      },
    };
    mountVolumes(podSpec, mountOptions);
    const data = join(root, '/data');
    mkdirSync(data, { recursive: true });
    chownSync(data, 0, podSpec.securityContext.fsGroup);
    chmodSync(data, 0o2770);
    const redis = runContainer(
      server,
      { REDIS_PASSWORD: PASSWORD },
      ['--tls-port', String(port), '--bind', '127.0.0.1'],
      'redis.log',
    );
    await redis.waitUntilReady(async () => (await cli('ping')) === 'PONG', 30_000);
    expect(reloader.name).toBe('tls-reloader');
    expect(reloader.env[0]).toEqual({ name: 'REDISCLI_AUTH', valueFrom: server.env[0].valueFrom });
    runContainer(
      reloader,
      { REDISCLI_AUTH: PASSWORD, DBTLS_WATCH_PERIOD_SECONDS: String(PERIOD) },
      [],
      'reloader.log',
    );
  }, 120_000);
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    work?.cleanup();
  });

  it('rotation: a new connection is served the renewed certificate, by the same redis-server', async () => {
    const pid = await redisPid();
    expect(pid).toMatch(/^\d+$/);
    const before = await servedSerial();
    expect(before).toMatch(/^serial=/);
    const renewed = renewServer();
    const serial = await run('openssl', ['x509', '-noout', '-serial', '-in', renewed.tlsCrt]);
    expect(serial).not.toBe(before);
    swapServer(renewed.dir);
    const served = await until(serial, 10_000);
    expect(served.value).toBe(serial);
    expect(served.ms).toBeLessThan(PERIOD * 1000 + 3000);
    expect(await redisPid()).toBe(pid);
    const log = readFileSync(join(root, 'reloader.log'), 'utf8');
    expect(log).toContain('redis-server reloads its TLS files (CONFIG SET tls-cert-file');
  });

  it('rotation: a key that does not match its certificate leaves the certificate in use served', async () => {
    const pid = await redisPid();
    const inUse = await servedSerial();
    const broken = renewServer();
    copyFileSync(renewServer().tlsKey, broken.tlsKey);
    swapServer(broken.dir);
    await new Promise((res) => setTimeout(res, PERIOD * 3000));
    expect(await servedSerial()).toBe(inUse);
    expect(readFileSync(join(root, 'reloader.log'), 'utf8')).toMatch(
      /the key .*server\/tls\.key does not match .*server\/tls\.crt/,
    );
    // Even told to reload, redis-server keeps its TLS context when the new files fail to load.
    expect(await cli('CONFIG', 'SET', 'tls-cert-file', join(certs(), 'server/tls.crt'))).toMatch(
      /ERR .*Unable to update TLS configuration/,
    );
    expect(await servedSerial()).toBe(inUse);
    expect(await redisPid()).toBe(pid);
    const good = renewServer();
    swapServer(good.dir);
    const serial = await run('openssl', ['x509', '-noout', '-serial', '-in', good.tlsCrt]);
    expect((await until(serial, 10_000)).value).toBe(serial);
  });

  describe('CA rollover', () => {
    const specOf = (alias: string) =>
      r.certificates.find((c) => c.metadata.labels['dbtls.dev/certificate-alias'] === alias).spec;
    const swap = (alias: string, dir: string) => {
      mountOptions.secrets[specOf(alias).secretName] = dir;
      swapSecret(r.statefulSets[0].spec.template.spec, mountOptions, specOf(alias).secretName);
    };
    const renew = (alias: string, by: TestCA) =>
      issue(by, specOf(alias), join(work.dir, 'rollover', `${alias}-${++renewals}`));
    /** PING with client certificate `client`, verifying the server with `root`. */
    const ping = (client: { tlsCrt: string; tlsKey: string }, root: string) =>
      run('redis-cli', [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '--no-auth-warning',
        '-a',
        PASSWORD,
        '--tls',
        '--cacert',
        root,
        '--cert',
        client.tlsCrt,
        '--key',
        client.tlsKey,
        'ping',
      ]);
    const bundled = () =>
      (readFileSync(join(certs(), 'trust/ca.crt'), 'utf8').match(/BEGIN CERTIFICATE/g) ?? [])
        .length;
    async function waitFor<T>(get: () => Promise<T> | T, want: T, ms: number): Promise<T> {
      const t0 = Date.now();
      let value = await get();
      while (value !== want && Date.now() - t0 < ms) {
        await new Promise((res) => setTimeout(res, 100));
        value = await get();
      }
      return value;
    }

    it('while the secrets carry two CAs both are trusted; once every secret has the new one, only it is', async () => {
      const newCA = createTestCA(join(work.dir, 'new-ca'), 'dbtls test CA 2');
      const oldClient = renew('client', ca);
      expect(await ping(oldClient, ca.cert)).toBe('PONG');
      expect(bundled()).toBe(1);

      // The issuer's CA changed; the server certificate is renewed first.
      swap('server', renew('server', newCA).dir);
      expect(await waitFor(bundled, 2, 10_000)).toBe(2);
      const newClient = renew('client', newCA);
      // Reloaded after the bundle: the new server certificate; clients of either CA accepted.
      expect(await waitFor(() => ping(newClient, newCA.cert), 'PONG', 10_000)).toBe('PONG');
      expect(await ping(oldClient, newCA.cert)).toBe('PONG');

      // The client secret is renewed by the new CA too: the old CA is no longer trusted.
      swap('client', renew('client', newCA).dir);
      expect(await waitFor(bundled, 1, 10_000)).toBe(1);
      const refused = await waitFor(() => ping(oldClient, newCA.cert), '', 10_000);
      expect(refused).not.toBe('PONG');
      expect(await ping(newClient, newCA.cert)).toBe('PONG');
      expect(readFileSync(join(root, 'reloader.log'), 'utf8')).not.toMatch(/CONFIG SET .*ERR/);
    });
  });
});
