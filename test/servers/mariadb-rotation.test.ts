// Certificate rotation for the MariaDB kind (examples/mariadb, one server) on Debian's MariaDB:
// the rendered tls-reloader container runs its tls-watch.sh beside mariadbd, and a renewal
// arrives as the kubelet delivers it (a new `..data` target). pxc-pod.ts lays out pod 0 of any
// rendered MySQL-family StatefulSet; the server here is the one the kind's image would run.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { createTestCA, issue, type TestCA } from './ca-issuer.js';
import { SKIP, requireRoot, workDir } from './env.js';
import { MARIADBD, mariadb } from './mariadb-server.js';
import { subjectOf } from './mysql-profile.js';
import { type PxcPod, startPxcPod } from './pxc-pod.js';
import { exampleItems } from './render.js';
import { serialOf, servedSerial, until } from './renewal.js';

const PASSWORD = 'Md-secret-1';
const PERIOD = 1;

let work: { dir: string; cleanup: () => void };
let ca: TestCA;
let pod: PxcPod;

const servedNow = () => servedSerial(pod.server.port, 'mysql');
const specOf = (alias: string) =>
  pod.r.certificates.find((c) => c.metadata.labels['dbtls.dev/certificate-alias'] === alias).spec;
const serverSpec = () => specOf('server');
/** Certificates in the pod's CA bundle (tls-watch.sh writes it). */
const bundled = () =>
  (
    readFileSync(join(pod.root, 'etc/mysql/certs/trust/ca.crt'), 'utf8').match(
      /BEGIN CERTIFICATE/g,
    ) ?? []
  ).length;

describe.skipIf(SKIP)('MariaDB kind: certificate rotation in place', () => {
  beforeAll(async () => {
    requireRoot();
    if (!existsSync(MARIADBD)) throw new Error(`${MARIADBD} is missing; run .ci/install-tools`);
    work = workDir('md-rotation');
    ca = createTestCA(join(work.dir, 'ca'));
    const items = exampleItems(join(ROOT, 'examples/mariadb')).filter(
      (i: any) => i.kind === 'Issuer' || i.metadata.name === 'md-standalone-tls',
    );
    pod = await startPxcPod({
      items,
      root: join(work.dir, 'pod'),
      ca,
      template: join(work.dir, 'template'),
      password: PASSWORD,
    });
    pod.startReloader(PERIOD);
  }, 120_000);
  afterAll(async () => {
    await pod?.server.stop();
    work?.cleanup();
  });

  it('rotation: a new connection is served the renewed certificate, by the same mariadbd', async () => {
    expect(pod.r.statefulSets[0].spec.template.spec.containers.map((c: any) => c.name)).toEqual([
      'mariadb',
      'tls-reloader',
    ]);
    const pid = pod.mysqldPid();
    const before = await servedNow();
    expect(before).toMatch(/^serial=/);
    const renewed = issue(ca, serverSpec(), join(work.dir, 'renewals', '1'));
    const serial = await serialOf(renewed.tlsCrt);
    expect(serial).not.toBe(before);
    pod.swap(serverSpec().secretName, renewed.dir);
    const served = await until(servedNow, serial, 10_000);
    expect(served.value).toBe(serial);
    expect(served.ms).toBeLessThan(PERIOD * 1000 + 3000);
    expect(pod.mysqldPid()).toBe(pid);
    expect(pod.server.log()).not.toMatch(/\[ERROR\]/);
    const log = readFileSync(join(pod.root, 'reloader.log'), 'utf8');
    expect(log).toMatch(/mysqld .*MariaDB.* reloads its TLS files \(FLUSH SSL\)/);
    expect(log).not.toContain('Galera');
  });

  describe('CA rollover', () => {
    let newCA: TestCA;
    let renewals = 0;
    const renew = (alias: string, by: TestCA) =>
      issue(by, specOf(alias), join(work.dir, 'rollover', `${alias}-${++renewals}`));
    /** As the x509 user, which must present a client certificate the server verifies. */
    const connect = (client: { tlsCrt: string; tlsKey: string }, root: string) =>
      mariadb([
        '-h',
        '127.0.0.1',
        '-P',
        String(pod.server.port),
        '--protocol=TCP',
        '-ux509',
        `--ssl-ca=${root}`,
        `--ssl-cert=${client.tlsCrt}`,
        `--ssl-key=${client.tlsKey}`,
        '-e',
        "show status like 'Ssl_version'",
      ]);

    beforeAll(async () => {
      if (!pod) throw new Error('the rotation suite did not start the pod');
      newCA = createTestCA(join(work.dir, 'new-ca'), 'dbtls test CA 2');
      const subject = subjectOf(pod.r, 'client');
      const created = await mariadb([
        '-S',
        pod.server.socket,
        '-uroot',
        '-e',
        `create user 'x509'@'%' require subject '${subject}'`,
      ]);
      expect(created).toMatchObject({ ok: true, err: '' });
    });

    it('while the secrets carry two CAs both are trusted; once every secret has the new one, only it is', async () => {
      const oldClient = renew('client', ca);
      expect(await connect(oldClient, ca.cert)).toMatchObject({
        ok: true,
        out: 'Ssl_version\tTLSv1.3',
      });
      expect(bundled()).toBe(1);

      // The issuer's CA changed; the server certificate is renewed first.
      const server = renew('server', newCA);
      pod.swap(serverSpec().secretName, server.dir);
      expect((await until(bundled, 2, 10_000)).value).toBe(2);
      const newClient = renew('client', newCA);
      // Reloaded after the bundle: the new server certificate, clients of either CA accepted.
      const served = () => connect(newClient, newCA.cert).then((a) => a.ok);
      expect((await until(served, true, 10_000)).value).toBe(true);
      expect(await connect(oldClient, newCA.cert)).toMatchObject({ ok: true });

      // The client secret is renewed by the new CA too: the old CA is no longer trusted.
      pod.swap(specOf('client').secretName, renew('client', newCA).dir);
      expect((await until(bundled, 1, 10_000)).value).toBe(1);
      const refused = () => connect(oldClient, newCA.cert).then((a) => a.ok);
      expect((await until(refused, false, 10_000)).value).toBe(false);
      const denied = await connect(oldClient, newCA.cert);
      // mariadbd ends the TLS handshake on a client certificate it cannot verify: the client
      // sees the server's alert, or the connection closed, depending on when it reads.
      expect(denied.err).toMatch(
        /tlsv1 alert unknown ca|Lost connection to server at 'sending authentication information'/,
      );
      expect(await connect(newClient, newCA.cert)).toMatchObject({ ok: true });
      expect(pod.server.log()).not.toMatch(/\[ERROR\]/);
    });
  });
});
