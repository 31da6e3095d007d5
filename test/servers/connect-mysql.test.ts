// An application that connects to the PerconaXtraDB profile, and to the MariaDB kind (MariaDB with
// the rendered [mysqld] TLS settings, as in perconaxtradb.test.ts and mariadb.test.ts): the
// rendered Deployment's volumes laid out by the kubelet stand-in, and the `mariadb` client run as
// the pod's user with the rendered environment only (MYSQL_HOME → the rendered [client] option
// file). Adaptations, and only these: container paths remapped under a temporary root; cluster DNS
// stood in for by a private /etc/hosts naming the Service (`pxc` or `md` → 127.0.0.1, in the
// client's own mount namespace), so the server certificate is verified against the name the
// option file gives; `--port` for the test server's port.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuer } from '../helpers.js';
import { createTestCA, type TestCA } from './ca-issuer.js';
import { SKIP, requireRoot, workDir } from './env.js';
import { appMariadb, mountApp } from './app-pod.js';
import { type MariaDB, MARIADBD, mariadb } from './mariadb-server.js';
import { startPxcPod } from './pxc-pod.js';
import { issueAll, type Rendered } from './render.js';

const APP = { uid: 65534, gid: 65534 };

/** The databases connected to: the kind, the database's name, what its spec needs besides TLS. */
const TARGETS = [
  { kind: 'PerconaXtraDB', db: 'pxc', spec: { version: '8.0.40', replicas: 3 } },
  { kind: 'MariaDB', db: 'md', spec: { version: '11.4.3' } },
];
let target = TARGETS[0];

const items = () => [
  issuer('ca'),
  {
    apiVersion: 'kubedb.com/v1',
    kind: target.kind,
    metadata: { name: target.db, namespace: 'demo' },
    spec: {
      ...target.spec,
      requireSSL: true,
      tls: { issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' } },
    },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'app',
      namespace: 'demo',
      annotations: {
        'dbtls.dev/connect-to': `${target.kind}/${target.db}`,
        'dbtls.dev/connect-as': 'app',
      },
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

let work: { dir: string; cleanup: () => void };
let ca: TestCA;
let otherCA: TestCA;
let r: Rendered;
let secrets: Record<string, string>;
let server: MariaDB;

/** Pod 0 of the rendered database, as the PerconaXtraDB server test starts it (pxc-pod.ts). */
async function startServer(): Promise<MariaDB> {
  const pod = await startPxcPod({
    items: items(),
    root: join(work.dir, target.db),
    ca,
    template: join(work.dir, 'template'),
    password: 'root-password',
  });
  r = pod.r;
  secrets = issueAll(ca, r.certificates, join(work.dir, 'secrets'));
  return pod.server;
}

/** The mariadb client as the application's pod: its files, its environment, the Service's name. */
async function runApp(
  name: string,
  appSecrets: Record<string, string>,
  sql: string,
): Promise<{ ok: boolean; out: string; err: string; env: Record<string, string> }> {
  const app = mountApp(r, { root: join(work.dir, 'apps', name), secrets: appSecrets });
  return { ...(await appMariadb(app, target.db, server.port, sql)), env: app.env };
}

for (const t of TARGETS)
  describe.skipIf(SKIP)(
    `an application connects to the ${t.kind} profile (MariaDB) with the rendered option file`,
    () => {
      beforeAll(async () => {
        target = t;
        requireRoot();
        if (!existsSync(MARIADBD)) throw new Error(`${MARIADBD} is missing; run .ci/install-tools`);
        work = workDir(`connect-${t.db}`);
        ca = createTestCA(join(work.dir, 'ca'));
        otherCA = createTestCA(join(work.dir, 'other-ca'), 'some other CA');
        server = await startServer();
        // The application's account: authenticated by its certificate's subject alone.
        const made = await mariadb([
          '-S',
          server.socket,
          '-uroot',
          '-e',
          "create user 'app'@'%' require subject '/CN=app'",
        ]);
        expect(made).toMatchObject({ ok: true });
      }, 120_000);
      afterAll(async () => {
        await server?.stop();
        work?.cleanup();
      });

      it('renders a [client] option file read through MYSQL_HOME', () => {
        const file = r.configMaps[`app-${t.db}-client`]['my.cnf'];
        expect(file).toContain(
          `[client]\nhost=${t.db}\nport=3306\nuser=app\nssl-ca=/etc/dbtls/${t.db}/tls/ca.crt\n`,
        );
        expect(file).toContain(`ssl-key=/etc/dbtls/${t.db}/tls/tls.key\nssl-verify-server-cert\n`);
        expect(r.configMaps[`app-${t.db}-client`]['mysql-client.cnf']).toContain(
          `ssl-key=/etc/dbtls/${t.db}/tls/tls.key\nssl-mode=VERIFY_IDENTITY\n`,
        );
      });

      it(`connects over TLS to host ${t.db}, the server certificate verified, as the certificate's user`, async () => {
        const a = await runApp(
          'own',
          secrets,
          "select current_user(); show status like 'Ssl_version'",
        );
        expect(a.env).toEqual({
          MYSQL_HOME: join(work.dir, 'apps', 'own', `/etc/dbtls/${t.db}/config`),
        });
        expect(a).toMatchObject({ ok: true, out: 'app@%\nSsl_version\tTLSv1.3', err: '' });
      });

      it("is refused when its ca.crt is another CA's: the server certificate is verified", async () => {
        const dir = join(work.dir, 'other-secret');
        mkdirSync(dir, { recursive: true });
        for (const f of ['tls.crt', 'tls.key'])
          copyFileSync(join(secrets[`app-${t.db}-client`], f), join(dir, f));
        copyFileSync(otherCA.cert, join(dir, 'ca.crt'));
        const a = await runApp('other-ca', { ...secrets, [`app-${t.db}-client`]: dir }, 'select 1');
        expect(a.ok).toBe(false);
        expect(a.err).toMatch(
          /TLS\/SSL error: .*(unable to get local issuer certificate|certificate verify failed|self-signed)/,
        );
      });
    },
  );
