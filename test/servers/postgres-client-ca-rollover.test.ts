// Issue 28's client CA rollover on a real PostgreSQL: the server as dbtls renders it in standalone
// mode (clientAuthMode cert, `dbtls.dev/trust-bundle`), with its rendered tls-reloader, and an
// application wired with `dbtls.dev/connect-to` whose `psql` runs with exactly the rendered
// environment (verify-full; the server requires the client certificate). The procedure and its
// steps are client-ca-rollover.ts's; the application keeps connecting through the renewals in
// either order, and once the old CA is out of the bundle its certificates are refused both ways.
// Adaptations are connect-postgres.test.ts's: PGHOSTADDR=127.0.0.1 for cluster DNS, the test
// server's port for PGPORT.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appPsql, mountApp, type AppPod } from './app-pod.js';
import { createTestCA, issue } from './ca-issuer.js';
import {
  bundleMountOf,
  certificatesOf,
  type Rig,
  type Rollover,
  renderStep,
  runRollover,
  trustFileOf,
} from './client-ca-rollover.js';
import { SKIP, requireRoot, workDir } from './env.js';
import {
  freePort,
  initTemplate,
  localAccount,
  type Pod,
  postgresBin,
  psql,
  startPod,
} from './postgres-server.js';
import { issueAll, type Rendered } from './render.js';
import { serialOf, servedSerial, until } from './renewal.js';
import { assembleBundle } from './trust-manager.js';

const PASSWORD = 'Sup3r-secret';
const PERIOD = 1; // the watcher's period (DBTLS_WATCH_PERIOD_SECONDS)
/** How long a delivery may take to be taken up on a loaded machine (a wait, not a bound). */
const TAKE_UP_MS = 60_000;
const bin = postgresBin();
const VERSION = bin
  ? /(\d+(?:\.\d+)*)/.exec(execFileSync(join(bin, 'postgres'), ['--version']).toString())![1]
  : '15';

let work: { dir: string; cleanup: () => void };
let rollover: Rollover;
let account: { uid: number; gid: number };
let template: string;
const pods: Pod[] = [];

const APP = { uid: 65534, gid: 65534 };
const items = (issuerRef: object, annotations: Record<string, string>) => [
  {
    apiVersion: 'kubedb.com/v1',
    kind: 'Postgres',
    metadata: { name: 'pg', namespace: 'demo', annotations },
    spec: { version: VERSION, clientAuthMode: 'cert', tls: { issuerRef } },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'app',
      namespace: 'demo',
      annotations: { 'dbtls.dev/connect-to': 'Postgres/pg', 'dbtls.dev/connect-as': 'app' },
    },
    spec: {
      selector: { matchLabels: { app: 'app' } },
      template: {
        metadata: { labels: { app: 'app' } },
        spec: {
          securityContext: { runAsUser: APP.uid, runAsGroup: APP.gid, fsGroup: APP.gid },
          containers: [
            { name: 'app', image: 'example/app', env: [{ name: 'PGDATABASE', value: 'postgres' }] },
          ],
        },
      },
    },
  },
];

/** Starts the server and the application from the first step's rendering; the rig that drives them. */
async function startRig(
  name: string,
  r: Rendered,
  bundle: { name: string; data: Record<string, string> },
): Promise<Rig> {
  const dir = join(work.dir, name);
  const secrets = issueAll(rollover.oldCA, r.certificates, join(dir, 'secrets'));
  const port = await freePort();
  const pod = await startPod({
    rendered: r,
    configMaps: { [bundle.name]: bundle.data },
    ordinal: 0,
    secrets,
    work: dir,
    template,
    password: PASSWORD,
    account,
    port,
    primaryPort: port,
    readyTimeoutMs: 60_000,
  });
  pods.push(pod);
  pod.startReloader(PERIOD);
  const local = (sql: string) =>
    psql({ host: pod.socketDir, port, user: 'postgres', dbname: 'postgres' }, sql, {
      account,
      home: work.dir,
    });
  expect(await local('create role app login')).toMatchObject({ ok: true });
  const app: AppPod = mountApp(r, {
    root: join(dir, 'app'),
    secrets,
    configMaps: { [bundle.name]: bundle.data },
  });
  const { server: serverSpec, serverPod, app: appSecret } = certificatesOf(r);
  const trustFile = join(pod.root, trustFileOf(r));
  const loadTime = async () =>
    (await local('select extract(epoch from pg_conf_load_time()) * 1000')).out;
  let renewals = 0;
  const connect = () =>
    appPsql(
      app,
      "select ssl, current_user, coalesce(client_dn, '') from pg_stat_ssl where pid = pg_backend_pid()",
      { PGHOSTADDR: '127.0.0.1', PGPORT: String(port) },
    );
  return {
    async deliverBundle(cm, data) {
      pod.swapConfigMap(cm, data);
      // The server trusts exactly the bundle's CAs, and PostgreSQL reloaded after the watcher
      // wrote them (a session started after a reload reports its time; the TLS context is
      // reloaded with it) — not merely after some earlier renewal's reload.
      const trusted = () => assembleBundle([readFileSync(trustFile, 'utf8')]);
      expect((await until(trusted, data['ca.crt'], TAKE_UP_MS)).value).toBe(data['ca.crt']);
      const written = Math.floor(statSync(trustFile).mtimeMs);
      const reloaded = async () => Number(await loadTime()) >= written;
      expect((await until(reloaded, true, TAKE_UP_MS)).value).toBe(true);
      app.swapConfigMap(cm, data);
    },
    async renewServer(by, serverCertificateOnly) {
      let renewed: { tlsCrt: string } | undefined;
      for (const spec of serverCertificateOnly ? [serverSpec] : serverPod) {
        const issued = issue(by, spec, join(dir, 'renewals', `${spec.secretName}-${++renewals}`));
        pod.swap(spec.secretName, issued.dir);
        if (spec === serverSpec) renewed = issued;
      }
      const serial = await serialOf(renewed!.tlsCrt);
      const served = () => servedSerial(port, 'postgres', 'pg');
      expect((await until(served, serial, TAKE_UP_MS)).value).toBe(serial);
    },
    renewClient(by) {
      app.swapSecret(
        appSecret.secretName,
        issue(by, appSecret, join(dir, 'renewals', `client-${++renewals}`)).dir,
      );
    },
    async expectConnected() {
      expect(await connect()).toMatchObject({ ok: true, out: 't|app|/CN=app', err: '' });
    },
    async expectRefused(whose) {
      const a = await connect();
      expect(a.ok).toBe(false);
      // The server refuses a client certificate it cannot verify with a TLS alert; libpq refuses
      // a server certificate it cannot verify.
      expect(a.err).toMatch(
        whose === 'client' ? /SSL error: tlsv1 alert unknown ca/ : /certificate verify failed/,
      );
    },
  };
}

describe.skipIf(SKIP)(`PostgreSQL ${VERSION}: client CA rollover through a trust bundle`, () => {
  let first: ReturnType<typeof renderStep>;
  const rigs: Record<string, Rig> = {};
  beforeAll(async () => {
    requireRoot();
    if (!bin)
      throw new Error('no PostgreSQL server under /usr/lib/postgresql; run .ci/install-tools');
    work = workDir('pg-ca-rollover');
    account = localAccount('postgres');
    rollover = {
      items,
      kind: 'Postgres',
      oldCA: createTestCA(join(work.dir, 'old-ca'), 'dbtls root CA 2026'),
      newCA: createTestCA(join(work.dir, 'new-ca'), 'dbtls root CA 2027'),
    };
    template = join(work.dir, 'template', 'pgdata');
    initTemplate(template, PASSWORD, account);
    first = renderStep(rollover, 'old CA');
    const [a, b] = await Promise.all([
      startRig('server-first', first.rendered, first.bundle),
      startRig('client-first', first.rendered, first.bundle),
    ]);
    rigs['server-first'] = a;
    rigs['client-first'] = b;
  }, 180_000);
  afterAll(async () => {
    await Promise.all(pods.map((p) => p.stop()));
    work?.cleanup();
  });

  it("renders what trust-manager needs and what both pods read: the Bundle of the issuer's CA, mounted by the server and by the application", () => {
    expect(first.bundle.data['ca.crt']).toBe(
      assembleBundle([readFileSync(rollover.oldCA.cert, 'utf8')]),
    );
    const server = first.rendered.statefulSets[0].spec.template.spec;
    expect(bundleMountOf(server, 'postgres')).toBeDefined();
    expect(bundleMountOf(server, 'tls-reloader')).toBe(bundleMountOf(server, 'postgres'));
    const app = first.rendered.items.find((i) => i.kind === 'Deployment').spec.template.spec;
    const env = Object.fromEntries(app.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env.PGSSLMODE).toBe('verify-full');
    expect(env.PGSSLROOTCERT.startsWith(`${bundleMountOf(app, 'app')}/`)).toBe(true);
  });

  it('client CA rollover, server renewed first: psql keeps connecting (verify-full, client certificate required); the old CA is refused once removed', async () => {
    await runRollover(rollover, rigs['server-first'], first.rendered, ['server', 'client']);
  }, 300_000);

  it('client CA rollover, client renewed first: psql keeps connecting (verify-full, client certificate required); the old CA is refused once removed', async () => {
    await runRollover(rollover, rigs['client-first'], first.rendered, ['client', 'server']);
  }, 300_000);
});
