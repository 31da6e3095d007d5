// An application that connects, against a real PostgreSQL: the rendered Deployment's secret
// volume laid out by the kubelet stand-in, and `psql` run as the pod's user with exactly the
// rendered container's environment — no connection string of its own. Adaptations, and only
// these: container paths are remapped under a temporary root, PGHOSTADDR=127.0.0.1 stands in for
// cluster DNS (the host name `pg` is still what the server certificate is verified against), and
// PGPORT is the test server's port instead of 5432.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuer, postgres } from '../helpers.js';
import { createTestCA, type TestCA } from './ca-issuer.js';
import { SKIP, requireRoot, workDir } from './env.js';
import { appPsql, mountApp } from './app-pod.js';
import {
  type Attempt,
  freePort,
  initTemplate,
  localAccount,
  type Pod,
  postgresBin,
  psql,
  startPod,
} from './postgres-server.js';
import { issueAll, type Rendered, renderItems } from './render.js';

const PASSWORD = 'Sup3r-secret';
const APP_PASSWORD = 'App-Pass-7';
/** The application's pod runs as nobody, fsGroup nogroup: the key is 0440 root:nogroup. */
const APP = { uid: 65534, gid: 65534 };
const bin = postgresBin();
const VERSION = bin
  ? /(\d+(?:\.\d+)*)/.exec(execFileSync(join(bin, 'postgres'), ['--version']).toString())![1]
  : '15';

const app = (annotations: Record<string, string>) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'app', namespace: 'demo', annotations },
  spec: {
    selector: { matchLabels: { app: 'app' } },
    template: {
      metadata: { labels: { app: 'app' } },
      spec: {
        securityContext: {
          runAsUser: APP.uid,
          runAsGroup: APP.gid,
          fsGroup: APP.gid,
          runAsNonRoot: true,
        },
        containers: [
          { name: 'app', image: 'example/app', env: [{ name: 'PGDATABASE', value: 'postgres' }] },
        ],
      },
    },
  },
});

let work: { dir: string; cleanup: () => void };
let ca: TestCA;
let otherCA: TestCA;
let account: { uid: number; gid: number };
let template: string;
const pods: Pod[] = [];

interface Server {
  r: Rendered;
  pod: Pod;
  secrets: Record<string, string>;
}

async function serve(auth: 'scram' | 'cert'): Promise<Server> {
  const r = renderItems([
    issuer('ca'),
    postgres({ version: VERSION, clientAuthMode: auth }),
    app({ 'dbtls.dev/connect-to': 'Postgres/pg', 'dbtls.dev/connect-as': 'app' }),
  ]);
  const secrets = issueAll(ca, r.certificates, join(work.dir, auth, 'secrets'));
  const port = await freePort();
  const pod = await startPod({
    rendered: r,
    ordinal: 0,
    secrets,
    work: join(work.dir, auth),
    template,
    password: PASSWORD,
    account,
    port,
    primaryPort: port,
    readyTimeoutMs: 60_000,
  });
  pods.push(pod);
  const created = await psql(
    { host: pod.socketDir, port: pod.port, user: 'postgres', dbname: 'postgres' },
    `create role app login password '${APP_PASSWORD}'`,
    { account, home: work.dir },
  );
  expect(created).toMatchObject({ ok: true });
  return { r, pod, secrets };
}

/** psql as the application's pod: its volumes laid out by the kubelet stand-in, its environment. */
async function runApp(
  s: Server,
  name: string,
  secrets: Record<string, string>,
  extra: Record<string, string> = {},
): Promise<Attempt & { env: Record<string, string> }> {
  const app = mountApp(s.r, { root: join(work.dir, 'apps', name), secrets, container: 'app' });
  const sql =
    "select ssl, current_user, coalesce(client_dn, '') from pg_stat_ssl where pid = pg_backend_pid()";
  const adapted = { PGHOSTADDR: '127.0.0.1', PGPORT: String(s.pod.port), ...extra };
  return { ...(await appPsql(app, sql, adapted)), env: app.env };
}

/** The application's secret, with the CA of another issuer in its ca.crt. */
function withOtherCA(secrets: Record<string, string>, dir: string): Record<string, string> {
  const own = secrets['app-pg-client'];
  mkdirSync(dir, { recursive: true });
  for (const f of ['tls.crt', 'tls.key']) copyFileSync(join(own, f), join(dir, f));
  copyFileSync(otherCA.cert, join(dir, 'ca.crt'));
  return { ...secrets, 'app-pg-client': dir };
}

describe.skipIf(SKIP)(
  `an application connects to PostgreSQL ${VERSION} with the rendered settings`,
  () => {
    let scram: Server;
    let cert: Server;
    beforeAll(async () => {
      requireRoot();
      if (!bin)
        throw new Error('no PostgreSQL server under /usr/lib/postgresql; run .ci/install-tools');
      work = workDir('connect-pg');
      account = localAccount('postgres');
      ca = createTestCA(join(work.dir, 'ca'));
      otherCA = createTestCA(join(work.dir, 'other-ca'), 'some other CA');
      template = join(work.dir, 'template', 'pgdata');
      initTemplate(template, PASSWORD, account);
      [scram, cert] = await Promise.all([serve('scram'), serve('cert')]);
    }, 120_000);
    afterAll(async () => {
      await Promise.all(pods.map((p) => p.stop()));
      work?.cleanup();
    });

    it('by password (scram), verify-full against the host name pg', async () => {
      const a = await runApp(scram, 'scram', scram.secrets, { PGPASSWORD: APP_PASSWORD });
      expect(a.env.PGSSLMODE).toBe('verify-full');
      expect(a.env.PGHOST).toBe('pg');
      expect(a).toMatchObject({ ok: true, out: 't|app|/CN=app', err: '' });
    });

    it('under clientAuthMode cert, by the client certificate alone (no password)', async () => {
      const a = await runApp(cert, 'cert', cert.secrets);
      expect(a).toMatchObject({ ok: true, out: 't|app|/CN=app', err: '' });
    });

    it('refuses a server its ca.crt does not trust (another CA)', async () => {
      const a = await runApp(
        cert,
        'other-ca',
        withOtherCA(cert.secrets, join(work.dir, 'other-secret')),
      );
      expect(a.ok).toBe(false);
      expect(a.err).toContain('certificate verify failed');
    });

    it('the key as mounted (0440 root:fsGroup) is one libpq accepts; readable by others it is refused', async () => {
      const a = await runApp(cert, 'as-mounted', cert.secrets);
      expect(a.ok).toBe(true);
      // The same files with the key's mode 0444 (what a defaultMode of 0444 would give).
      const deployment = cert.r.items.find((i) => i.kind === 'Deployment');
      const volume = deployment.spec.template.spec.volumes.find((v: any) => v.secret);
      const key = volume.secret.items.find((i: any) => i.key === 'tls.key');
      expect(key.mode).toBe(0o440);
      key.mode = 0o444;
      try {
        const b = await runApp(cert, 'key-0444', cert.secrets);
        expect(b.ok).toBe(false);
        expect(b.err).toContain('has group or world access');
      } finally {
        key.mode = 0o440;
      }
    });
  },
);
