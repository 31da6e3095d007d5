// The rendered Redis exporter sidecar against a real server: Debian's prometheus-redis-exporter
// runs with the rendered exporter container's arguments, password variable and mounted
// metrics-exporter certificate, as the container's user, beside redis-server started from the
// rendered start.sh and redis.conf (TLS only, client certificates required). Its /metrics says
// redis_up 1; with another CA it cannot verify the server and says redis_up 0.
//
// Adaptations: paths remapped under a per-pod root; the server listens on 127.0.0.1 at a free
// TLS port (start.sh's arguments, as in redis.test.ts) and the exporter's --redis.addr names it;
// the exporter listens on 127.0.0.1 at a free port; REDIS_PASSWORD, a secretKeyRef, is the test's.
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuer } from '../helpers.js';
import { createTestCA, type TestCA } from './ca-issuer.js';
import { SKIP, requireRoot, workDir } from './env.js';
import { mountVolumes } from './kubelet.js';
import { freePort, remapPaths } from './postgres-server.js';
import { supervise } from './process.js';
import { issueAll, type Rendered, renderItems } from './render.js';

const REDIS_SERVER = '/usr/bin/redis-server';
const EXPORTER = '/usr/bin/prometheus-redis-exporter';
const PASSWORD = 'Redis-secret-1';

let work: { dir: string; cleanup: () => void };
let ca: TestCA;
let r: Rendered;
let secrets: Record<string, string>;
let redisPort: number;
const stops: (() => Promise<void>)[] = [];

/** Pod 0's redis container: volumes mounted, the rendered start.sh run as the pod's user. */
async function startRedis(): Promise<void> {
  const podSpec = r.statefulSets[0].spec.template.spec;
  const c = podSpec.containers[0];
  const paths: string[] = c.volumeMounts.map((m: any) => m.mountPath);
  const root = join(work.dir, 'redis');
  const files = mountVolumes(podSpec, {
    root,
    secrets,
    configMaps: r.configMaps,
    claims: ['data'],
    transform: (_cm, _key, content) => remapPaths(content, paths, root),
  });
  const sc = podSpec.securityContext;
  const data = join(root, '/data');
  mkdirSync(data, { recursive: true });
  chownSync(data, 0, sc.fsGroup);
  chmodSync(data, 0o2770);
  redisPort = await freePort();
  const startSh = files.find((f) => f.path.endsWith('/start.sh'))!.path;
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
      String(redisPort),
      '--bind',
      '127.0.0.1',
    ],
    {
      stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')],
      env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent', REDIS_PASSWORD: PASSWORD },
      cwd: data,
    },
  );
  const s = supervise('redis-server', proc, log, 'SIGTERM', 10_000);
  stops.push(s.stop);
  await s.waitUntilReady(() => portOpen(redisPort), 30_000);
}

async function portOpen(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1', () => {
      sock.destroy();
      resolve(true);
    });
    sock.on('error', () => resolve(false));
  });
}

/** The rendered exporter container as a process; `edit` changes its arguments. */
async function startExporter(name: string, edit: (args: string[]) => string[] = (a) => a) {
  const podSpec = r.statefulSets[0].spec.template.spec;
  const c = podSpec.containers.find((x: any) => x.name === 'exporter');
  const root = join(work.dir, name);
  mkdirSync(root, { recursive: true });
  mountVolumes(podSpec, { root, secrets, configMaps: r.configMaps, container: 'exporter' });
  const paths: string[] = c.volumeMounts.map((m: any) => m.mountPath);
  const port = await freePort();
  const args = edit(
    (c.args as string[]).map((a) =>
      a.startsWith('--web.listen-address=')
        ? `--web.listen-address=127.0.0.1:${port}`
        : remapPaths(a, paths, root).replace('localhost:6379', `localhost:${redisPort}`),
    ),
  );
  expect(c.env).toEqual([
    {
      name: 'REDIS_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'rd-auth', key: 'password' } },
    },
  ]);
  const log = join(root, 'exporter.log');
  const proc = spawn(EXPORTER, args, {
    env: { PATH: '/usr/bin:/bin', HOME: root, REDIS_PASSWORD: PASSWORD },
    cwd: root,
    stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')],
    uid: c.securityContext.runAsUser,
    gid: c.securityContext.runAsGroup,
  });
  const s = supervise('redis_exporter', proc, log, 'SIGTERM', 5_000);
  stops.push(s.stop);
  await s.waitUntilReady(async () => (await metrics(port)) !== undefined, 20_000);
  return { port, args, log: s.log };
}

async function metrics(port: number): Promise<string | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    return res.ok ? await res.text() : undefined;
  } catch {
    return undefined;
  }
}

const redisUp = async (port: number) => /^redis_up (\S+)$/m.exec((await metrics(port)) ?? '')?.[1];

describe.skipIf(SKIP)('redis_exporter with the rendered Redis sidecar', () => {
  beforeAll(async () => {
    requireRoot();
    if (!existsSync(REDIS_SERVER)) throw new Error(`no ${REDIS_SERVER}; run .ci/install-tools`);
    if (!existsSync(EXPORTER)) throw new Error(`no ${EXPORTER}; run .ci/install-tools`);
    work = workDir('redis-exporter');
    ca = createTestCA(join(work.dir, 'ca'));
    r = renderItems([
      issuer('ca'),
      {
        apiVersion: 'kubedb.com/v1',
        kind: 'Redis',
        metadata: { name: 'rd', namespace: 'demo' },
        spec: {
          version: '7.2.4',
          authSecret: { name: 'rd-auth' },
          tls: { issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' } },
          monitor: { agent: 'prometheus.io/builtin' },
        },
      },
    ]);
    secrets = issueAll(ca, r.certificates, join(work.dir, 'secrets'));
    await startRedis();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(stops.map((s) => s()));
    work?.cleanup();
  });

  it('scrapes redis_up 1 over TLS with the metrics-exporter certificate', async () => {
    const e = await startExporter('exporter-tls');
    expect(
      e.args.filter((a) => a.startsWith('--tls-')).map((a) => a.replace(/=.*\//, '=…/')),
    ).toEqual([
      '--tls-client-cert-file=…/exporter.crt',
      '--tls-client-key-file=…/exporter.key',
      '--tls-ca-cert-file=…/ca.crt',
    ]);
    expect(await redisUp(e.port), e.log()).toBe('1');
  });

  it('without the client certificate the server refuses the exporter (redis_up 0)', async () => {
    const e = await startExporter('exporter-no-cert', (args) =>
      args.filter((a) => !a.startsWith('--tls-client-')),
    );
    expect(await redisUp(e.port)).toBe('0');
  });
});
