// Certificate rotation for the PerconaXtraDB profile on MariaDB: the rendered tls-reloader
// container (its tls-watch.sh from the ConfigMap, which picks FLUSH SSL for MariaDB and ALTER
// INSTANCE RELOAD TLS for Percona XtraDB Cluster by the server's version()) runs beside mariadbd,
// and renewals arrive as the kubelet delivers them (a new `..data` target).
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { createTestCA, issue, type TestCA } from './ca-issuer.js';
import { SKIP, requireRoot, workDir } from './env.js';
import { MARIADBD, mariadb } from './mariadb-server.js';
import { type PxcPod, startPxcPod } from './pxc-pod.js';
import { exampleItems } from './render.js';

const PASSWORD = 'Pxc-secret-1';
const PERIOD = 1;

let work: { dir: string; cleanup: () => void };
let ca: TestCA;
let pod: PxcPod;
let renewals = 0;

function openssl(args: string[], input?: string): Promise<string> {
  return new Promise((resolve) => {
    const p = execFile('openssl', args, { timeout: 10_000 }, (_err, out) => resolve(out.trim()));
    if (input !== undefined) p.stdin!.end(input);
  });
}
const serialOf = (certFile: string) => openssl(['x509', '-noout', '-serial', '-in', certFile]);
async function servedSerial(): Promise<string> {
  const hello = await openssl(
    ['s_client', '-starttls', 'mysql', '-connect', `127.0.0.1:${pod.server.port}`],
    '',
  );
  return openssl(['x509', '-noout', '-serial'], hello);
}
async function until(
  get: () => Promise<string>,
  want: string,
  ms: number,
): Promise<{ value: string; ms: number }> {
  const t0 = Date.now();
  let value = await get();
  while (value !== want && Date.now() - t0 < ms) {
    await new Promise((r) => setTimeout(r, 100));
    value = await get();
  }
  return { value, ms: Date.now() - t0 };
}
const serverSecret = (): string =>
  pod.r.certificates.find((c) => c.metadata.labels['dbtls.dev/certificate-alias'] === 'server').spec
    .secretName;
const renewServer = () =>
  issue(
    ca,
    pod.r.certificates.find((c) => c.metadata.labels['dbtls.dev/certificate-alias'] === 'server')
      .spec,
    join(work.dir, 'renewals', String(++renewals)),
  );

describe.skipIf(SKIP)('PerconaXtraDB profile on MariaDB: certificate rotation in place', () => {
  beforeAll(async () => {
    requireRoot();
    if (!existsSync(MARIADBD)) throw new Error(`${MARIADBD} is missing; run .ci/install-tools`);
    work = workDir('pxc-rotation');
    ca = createTestCA(join(work.dir, 'ca'));
    pod = await startPxcPod({
      items: exampleItems(join(ROOT, 'examples/perconaxtradb')),
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

  it('rotation: a new connection is served the renewed certificate within the period, by the same mysqld', async () => {
    const pid = pod.mysqldPid();
    const a = await servedSerial();
    expect(a).toMatch(/^serial=/);
    const b = renewServer();
    const serialB = await serialOf(b.tlsCrt);
    pod.swap(serverSecret(), b.dir);
    const served = await until(servedSerial, serialB, 10_000);
    expect(served.value).toBe(serialB);
    expect(served.ms).toBeLessThan(PERIOD * 1000 + 3000);
    expect(pod.mysqldPid()).toBe(pid);
    expect(pod.server.log()).not.toMatch(/\[ERROR\]/);
    expect(readFileSync(join(pod.root, 'reloader.log'), 'utf8')).toMatch(
      /mysqld .*MariaDB.* reloads its TLS files \(FLUSH SSL\)/,
    );
  });

  it('rotation: a key that does not match its certificate leaves the certificate in use served', async () => {
    const pid = pod.mysqldPid();
    const inUse = await servedSerial();
    const broken = renewServer();
    copyFileSync(renewServer().tlsKey, broken.tlsKey);
    pod.swap(serverSecret(), broken.dir);
    await new Promise((r) => setTimeout(r, PERIOD * 3000));
    expect(await servedSerial()).toBe(inUse);
    expect(readFileSync(join(pod.root, 'reloader.log'), 'utf8')).toMatch(
      /the key .*server\/tls\.key does not match .*server\/tls\.crt/,
    );
    // Even told to reload, MariaDB keeps its TLS context when the new files fail to load.
    const flush = await mariadb(['-S', pod.server.socket, '-uroot', '-e', 'FLUSH SSL']);
    expect(flush).toMatchObject({
      ok: false,
      err: expect.stringContaining('Failed to refresh SSL, error: Unable to get private key'),
    });
    expect(await servedSerial()).toBe(inUse);
    expect(pod.mysqldPid()).toBe(pid);
    const good = renewServer();
    pod.swap(serverSecret(), good.dir);
    expect((await until(servedSerial, await serialOf(good.tlsCrt), 10_000)).value).toBe(
      await serialOf(good.tlsCrt),
    );
  });
});
