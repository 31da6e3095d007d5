// Issue 28's client CA rollover on a real MariaDB: the MariaDB kind as dbtls renders it in
// standalone mode (requireSSL, `dbtls.dev/trust-bundle`), mariadbd on the rendered [mysqld]
// options with its rendered tls-reloader (pxc-pod.ts), and an application wired with
// `dbtls.dev/connect-to` whose `mariadb` client reads only the rendered option file
// (ssl-verify-server-cert against the Service name, its client certificate), as a user the
// server admits by that certificate alone (REQUIRE SUBJECT). The procedure and its steps are
// client-ca-rollover.ts's. Adaptations are connect-mysql.test.ts's: the Service name in a private
// /etc/hosts, `--port` for the test server's port.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppPod, appMariadb, mountApp } from './app-pod.js';
import { createTestCA, issue } from './ca-issuer.js';
import {
  bundleMountOf,
  certificatesOf,
  type Rig,
  type Rollover,
  renderStep,
  runRollover,
  stepItems,
  trustFileOf,
} from './client-ca-rollover.js';
import { SKIP, requireRoot, workDir } from './env.js';
import { MARIADBD, mariadb } from './mariadb-server.js';
import { type PxcPod, startPxcPod } from './pxc-pod.js';
import { issueAll, type Rendered } from './render.js';
import { serialOf, servedSerial, until } from './renewal.js';
import { assembleBundle } from './trust-manager.js';

const PERIOD = 1; // the watcher's period (DBTLS_WATCH_PERIOD_SECONDS)
/** How long a delivery may take to be taken up on a loaded machine (a wait, not a bound). */
const TAKE_UP_MS = 60_000;
const APP = { uid: 65534, gid: 65534 };

let work: { dir: string; cleanup: () => void };
let rollover: Rollover;
const pods: PxcPod[] = [];

const items = (issuerRef: object, annotations: Record<string, string>) => [
  {
    apiVersion: 'kubedb.com/v1',
    kind: 'MariaDB',
    metadata: { name: 'md', namespace: 'demo', annotations },
    spec: { version: '11.4.3', requireSSL: true, tls: { issuerRef } },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'app',
      namespace: 'demo',
      annotations: { 'dbtls.dev/connect-to': 'MariaDB/md', 'dbtls.dev/connect-as': 'app' },
    },
    spec: {
      template: {
        spec: {
          securityContext: { runAsUser: APP.uid, runAsGroup: APP.gid, fsGroup: APP.gid },
          containers: [{ name: 'app', image: 'example/app' }],
        },
      },
    },
  },
];

/**
 * Times the rendered watcher told mariadbd to reload (FLUSH SSL succeeded) right after it saw the
 * bundle's directory change: the reload that takes the bundle up, not an earlier renewal's.
 */
const bundleReloads = (pod: PxcPod) =>
  (
    readFileSync(join(pod.root, 'reloader.log'), 'utf8').match(
      /renewed certificates are mounted in [^\n]*\/trust-bundle [^\n]*\n[^\n]*reloads its TLS files/g,
    ) ?? []
  ).length;

/** Starts the server and the application from the first step's rendering; the rig that drives them. */
async function startRig(
  name: string,
  r: Rendered,
  bundle: { name: string; data: Record<string, string> },
): Promise<Rig> {
  const dir = join(work.dir, name);
  const pod = await startPxcPod({
    items: stepItems(rollover, 'old CA'),
    root: dir,
    ca: rollover.oldCA,
    template: join(work.dir, 'template'),
    password: 'root-password',
    configMaps: { [bundle.name]: bundle.data },
  });
  pods.push(pod);
  pod.startReloader(PERIOD);
  const port = pod.server.port;
  const app: AppPod = mountApp(r, {
    root: join(dir, 'app'),
    secrets: issueAll(rollover.oldCA, r.certificates, join(dir, 'app-secrets')),
    configMaps: { [bundle.name]: bundle.data },
  });
  const { server: serverSpec, serverPod, app: appSpec } = certificatesOf(r);
  // The application's account: admitted by its certificate's subject alone, no password.
  expect([appSpec.commonName, appSpec.subject]).toEqual(['app', undefined]);
  const made = await mariadb([
    '-S',
    pod.server.socket,
    '-uroot',
    '-e',
    "create user 'app'@'%' require subject '/CN=app'",
  ]);
  expect(made).toMatchObject({ ok: true, err: '' });
  const trustFile = join(pod.root, trustFileOf(r));
  let renewals = 0;
  const connect = () =>
    appMariadb(app, 'md', port, "select current_user(); show status like 'Ssl_version'");
  return {
    async deliverBundle(cm, data) {
      const before = bundleReloads(pod);
      pod.swapConfigMap(cm, data);
      // The server trusts exactly the bundle's CAs, and FLUSH SSL ran after they were written.
      const trusted = () => assembleBundle([readFileSync(trustFile, 'utf8')]);
      expect((await until(trusted, data['ca.crt'], TAKE_UP_MS)).value).toBe(data['ca.crt']);
      const reloaded = () => bundleReloads(pod);
      expect((await until(reloaded, (n) => n > before, TAKE_UP_MS)).value).toBe(before + 1);
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
      const served = () => servedSerial(port, 'mysql');
      expect((await until(served, serial, TAKE_UP_MS)).value).toBe(serial);
    },
    renewClient(by) {
      const renewed = issue(by, appSpec, join(dir, 'renewals', `client-${++renewals}`));
      app.swapSecret(appSpec.secretName, renewed.dir);
    },
    async expectConnected() {
      expect(await connect()).toMatchObject({
        ok: true,
        out: 'app@%\nSsl_version\tTLSv1.3',
        err: '',
      });
    },
    async expectRefused(whose) {
      const a = await connect();
      expect(a.ok).toBe(false);
      // mariadbd ends the handshake on a client certificate it cannot verify (the client sees
      // the alert, or the connection closed, depending on when it reads); the client refuses a
      // server certificate it cannot verify.
      expect(a.err).toMatch(
        whose === 'client'
          ? /tlsv1 alert unknown ca|Lost connection to server at 'sending authentication information'/
          : /TLS\/SSL error: .*(unable to get local issuer certificate|certificate verify failed|self-signed certificate in certificate chain)/,
      );
    },
  };
}

describe.skipIf(SKIP)('MariaDB: client CA rollover through a trust bundle', () => {
  let first: ReturnType<typeof renderStep>;
  const rigs: Record<string, Rig> = {};
  beforeAll(async () => {
    requireRoot();
    if (!existsSync(MARIADBD)) throw new Error(`${MARIADBD} is missing; run .ci/install-tools`);
    work = workDir('md-ca-rollover');
    rollover = {
      items,
      kind: 'MariaDB',
      oldCA: createTestCA(join(work.dir, 'old-ca'), 'dbtls root CA 2026'),
      newCA: createTestCA(join(work.dir, 'new-ca'), 'dbtls root CA 2027'),
    };
    first = renderStep(rollover, 'old CA');
    // One after the other: both would make the shared data directory template at once.
    rigs['server-first'] = await startRig('server-first', first.rendered, first.bundle);
    rigs['client-first'] = await startRig('client-first', first.rendered, first.bundle);
  }, 240_000);
  afterAll(async () => {
    await Promise.all(pods.map((p) => p.server.stop()));
    work?.cleanup();
  });

  it("renders what trust-manager needs and what both pods read: the Bundle of the issuer's CA, mounted by the server and by the application's option file", () => {
    expect(first.bundle.data['ca.crt']).toBe(
      assembleBundle([readFileSync(rollover.oldCA.cert, 'utf8')]),
    );
    const server = first.rendered.statefulSets[0].spec.template.spec;
    expect(bundleMountOf(server, 'mariadb')).toBeDefined();
    expect(bundleMountOf(server, 'tls-reloader')).toBe(bundleMountOf(server, 'mariadb'));
    const app = first.rendered.items.find((i) => i.kind === 'Deployment').spec.template.spec;
    const optionFile = first.rendered.configMaps['app-md-client']['my.cnf'];
    expect(optionFile).toContain(`\nssl-ca=${bundleMountOf(app, 'app')}/`);
    expect(optionFile).toContain('\nssl-verify-server-cert\n');
  });

  it('client CA rollover, server renewed first: the mariadb client keeps connecting (ssl-verify-server-cert, client certificate required); the old CA is refused once removed', async () => {
    await runRollover(rollover, rigs['server-first'], first.rendered, ['server', 'client']);
  }, 300_000);

  it('client CA rollover, client renewed first: the mariadb client keeps connecting (ssl-verify-server-cert, client certificate required); the old CA is refused once removed', async () => {
    await runRollover(rollover, rigs['client-first'], first.rendered, ['client', 'server']);
  }, 300_000);
});
