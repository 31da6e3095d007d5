// The rendered exporter sidecar against a real PostgreSQL: Debian's prometheus-postgres-exporter
// runs with exactly the rendered exporter container's arguments, environment and mounted files
// (the metrics-exporter certificate), as the container's user, beside a server started from the
// rendered TLS settings (postgres-server.ts). Its /metrics says pg_up 1, and the server shows
// the exporter's connection is TLS (and, under clientAuthMode cert, authenticated by the
// exporter certificate).
//
// Adaptations, besides those of postgres-server.ts: the exporter listens on 127.0.0.1 at a free
// port instead of the rendered :56790 (the pod's network namespace); its DATA_SOURCE_URI reaches
// the server's test port instead of 5432; DATA_SOURCE_PASS, a secretKeyRef, is the test's password.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuer, postgres } from '../helpers.js';
import { createTestCA, type TestCA } from './ca-issuer.js';
import { SKIP, requireRoot, workDir } from './env.js';
import { type MountedFile, mountVolumes } from './kubelet.js';
import {
  freePort,
  idMapFor,
  initTemplate,
  localAccount,
  type Pod,
  postgresBin,
  psql,
  remapPaths,
  startPod,
} from './postgres-server.js';
import { supervise } from './process.js';
import { issueAll, type Rendered, renderItems } from './render.js';

const EXPORTER = '/usr/bin/prometheus-postgres-exporter';
const PASSWORD = 'Sup3r-secret';
const bin = postgresBin();
const VERSION = bin
  ? /(\d+(?:\.\d+)*)/.exec(execFileSync(join(bin, 'postgres'), ['--version']).toString())![1]
  : '15';

let work: { dir: string; cleanup: () => void };
let ca: TestCA;
let account: { uid: number; gid: number };
let template: string;
const stops: (() => Promise<void>)[] = [];

interface Exporter {
  port: number;
  root: string;
  files: MountedFile[];
  env: Record<string, string>;
  log(): string;
}

/** The rendered exporter container of `pod` as a process, with `env` changed by `edit`. */
async function startExporter(
  r: Rendered,
  pod: Pod,
  secrets: Record<string, string>,
  edit: (env: Record<string, string>) => void = () => {},
): Promise<Exporter> {
  const podSpec = r.statefulSets[0].spec.template.spec;
  const c = podSpec.containers.find((x: any) => x.name === 'exporter');
  const ids = idMapFor(podSpec, account);
  const root = join(pod.root, `exporter-${stops.length}`);
  const files = mountVolumes(podSpec, {
    root,
    secrets,
    configMaps: r.configMaps,
    container: 'exporter',
    ids,
  });
  const paths: string[] = (c.volumeMounts ?? []).map((m: any) => m.mountPath);
  const env: Record<string, string> = { PATH: '/usr/bin:/bin', HOME: root };
  for (const e of c.env) {
    if (e.value !== undefined) env[e.name] = remapPaths(String(e.value), paths, root);
    else if (e.valueFrom?.secretKeyRef?.key === 'password') env[e.name] = PASSWORD;
  }
  env.DATA_SOURCE_URI = env.DATA_SOURCE_URI.replace('localhost:5432/', `localhost:${pod.port}/`);
  edit(env);
  const port = await freePort();
  const args = (c.args as string[]).map((a) =>
    a.startsWith('--web.listen-address=') ? `--web.listen-address=127.0.0.1:${port}` : a,
  );
  const logFile = join(root, 'exporter.log');
  const proc = spawn(EXPORTER, args, {
    env,
    cwd: root,
    stdio: ['ignore', openSync(logFile, 'a'), openSync(logFile, 'a')],
    uid: ids.uid(c.securityContext.runAsUser),
    gid: ids.gid(c.securityContext.runAsGroup),
  });
  const s = supervise('exporter', proc, logFile, 'SIGTERM', 5_000);
  stops.push(s.stop);
  await s.waitUntilReady(async () => (await metrics(port)) !== undefined, 20_000);
  return { port, root, files, env, log: s.log };
}

async function metrics(port: number): Promise<string | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    return res.ok ? await res.text() : undefined;
  } catch {
    return undefined;
  }
}

/** The value of a sample without labels, e.g. `pg_up 1` → "1". */
const sample = (text: string | undefined, name: string) =>
  new RegExp(`^${name} (\\S+)$`, 'm').exec(text ?? '')?.[1];

/**
 * The distinct TLS states (ssl, client certificate subject and serial) of the exporter's
 * connections, seen by the server: every client backend but the query's own, over the socket.
 */
async function tlsClients(pod: Pod): Promise<string[]> {
  const a = await psql(
    { host: pod.socketDir, port: pod.port, user: 'postgres', dbname: 'postgres' },
    "select distinct s.ssl, coalesce(s.client_dn, '-'), coalesce(s.client_serial::text, '-') " +
      'from pg_stat_ssl s join pg_stat_activity a using (pid) ' +
      "where a.backend_type = 'client backend' and pid <> pg_backend_pid()",
    { account, home: join(work.dir, 'home') },
  );
  if (!a.ok) throw new Error(a.err);
  return a.out.split('\n');
}

/** A certificate's serial number in decimal, as pg_stat_ssl shows it. */
function serialOf(certFile: string): string {
  const hex = execFileSync('openssl', ['x509', '-noout', '-serial', '-in', certFile])
    .toString()
    .trim()
    .replace(/^serial=/, '');
  return BigInt(`0x${hex}`).toString();
}

const monitor = {
  agent: 'prometheus.io/operator',
  prometheus: { serviceMonitor: { labels: { release: 'prometheus' } } },
};

describe.skipIf(SKIP)(`postgres_exporter with the rendered sidecar, PostgreSQL ${VERSION}`, () => {
  beforeAll(() => {
    requireRoot();
    if (!bin) throw new Error('no PostgreSQL under /usr/lib/postgresql; run .ci/install-tools');
    if (!existsSync(EXPORTER)) throw new Error(`no ${EXPORTER}; run .ci/install-tools`);
    work = workDir('pg-exporter');
    account = localAccount('postgres');
    ca = createTestCA(join(work.dir, 'ca'));
    template = join(work.dir, 'template', 'pgdata');
    initTemplate(template, PASSWORD, account);
  });
  afterAll(async () => {
    await Promise.all(stops.map((s) => s()));
    work?.cleanup();
  });

  async function pod(name: string, spec: Record<string, unknown>) {
    const r = renderItems([issuer('ca'), postgres({ version: VERSION, monitor, ...spec })]);
    const secrets = issueAll(ca, r.certificates, join(work.dir, name, 'secrets'));
    const port = await freePort();
    const p = await startPod({
      rendered: r,
      ordinal: 0,
      secrets,
      work: join(work.dir, name),
      template,
      password: PASSWORD,
      account,
      port,
      primaryPort: port,
      readyTimeoutMs: 60_000,
    });
    stops.push(p.stop);
    return { r, secrets, pod: p };
  }

  it("sslMode verify-full, scram: scrapes pg_up 1 over TLS, verifying the server by the exporter certificate's CA", async () => {
    const {
      r,
      secrets,
      pod: p,
    } = await pod('verify-full-scram', {
      sslMode: 'verify-full',
      clientAuthMode: 'scram',
    });
    const e = await startExporter(r, p, secrets);
    const text = await metrics(e.port);
    expect(sample(text, 'pg_up'), e.log()).toBe('1');
    expect(e.env.DATA_SOURCE_URI).toBe(
      `localhost:${p.port}/postgres?sslmode=verify-full&sslrootcert=${e.root}/tls/certs/exporter/ca.crt`,
    );
    expect(await tlsClients(p)).toEqual(['t|-|-']);
  });

  it('clientAuthMode cert: the exporter authenticates with the metrics-exporter certificate', async () => {
    const {
      r,
      secrets,
      pod: p,
    } = await pod('verify-full-cert', {
      sslMode: 'verify-full',
      clientAuthMode: 'cert',
    });
    const e = await startExporter(r, p, secrets);
    const text = await metrics(e.port);
    expect(sample(text, 'pg_up'), e.log()).toBe('1');
    const serial = serialOf(join(secrets['pg-metrics-exporter-cert'], 'tls.crt'));
    expect(serial).not.toBe(serialOf(join(secrets['pg-client-cert'], 'tls.crt')));
    expect(await tlsClients(p)).toEqual([`t|/CN=postgres|${serial}`]);
  });

  it('the same exporter without TLS is refused by the rendered pg_hba (pg_up 0)', async () => {
    const { r, secrets, pod: p } = await pod('plaintext-refused', { sslMode: 'verify-full' });
    const e = await startExporter(r, p, secrets, (env) => {
      env.DATA_SOURCE_URI = env.DATA_SOURCE_URI.replace(/\?.*$/, '?sslmode=disable');
    });
    expect(sample(await metrics(e.port), 'pg_up')).toBe('0');
    expect(e.log()).toContain('no encryption');
  });

  it("a server certificate from another CA fails the exporter's verification (pg_up 0)", async () => {
    const { r, secrets, pod: p } = await pod('other-ca', { sslMode: 'verify-full' });
    const other = createTestCA(join(work.dir, 'other-ca'), 'some other CA');
    const e = await startExporter(r, p, secrets, (env) => {
      env.DATA_SOURCE_URI = env.DATA_SOURCE_URI.replace(
        /sslrootcert=[^&]*/,
        `sslrootcert=${other.cert}`,
      );
    });
    expect(sample(await metrics(e.port), 'pg_up')).toBe('0');
    expect(e.log()).toContain('certificate signed by unknown authority');
  });
});
