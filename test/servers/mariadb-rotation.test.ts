// Certificate rotation for the MariaDB kind (examples/mariadb, one server) on Debian's MariaDB:
// the rendered tls-reloader container runs its tls-watch.sh beside mariadbd, and a renewal
// arrives as the kubelet delivers it (a new `..data` target). pxc-pod.ts lays out pod 0 of any
// rendered MySQL-family StatefulSet; the server here is the one the kind's image would run.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { createTestCA, issue, type TestCA } from './ca-issuer.js';
import { SKIP, requireRoot, workDir } from './env.js';
import { MARIADBD } from './mariadb-server.js';
import { type PxcPod, startPxcPod } from './pxc-pod.js';
import { exampleItems } from './render.js';

const PASSWORD = 'Md-secret-1';
const PERIOD = 1;

let work: { dir: string; cleanup: () => void };
let ca: TestCA;
let pod: PxcPod;

function openssl(args: string[], input?: string): Promise<string> {
  return new Promise((resolve) => {
    const p = execFile('openssl', args, { timeout: 10_000 }, (_err, out) => resolve(out.trim()));
    if (input !== undefined) p.stdin!.end(input);
  });
}
async function servedSerial(): Promise<string> {
  const address = `127.0.0.1:${pod.server.port}`;
  const hello = await openssl(['s_client', '-starttls', 'mysql', '-connect', address], '');
  return openssl(['x509', '-noout', '-serial'], hello);
}
const serverSpec = () =>
  pod.r.certificates.find((c) => c.metadata.labels['dbtls.dev/certificate-alias'] === 'server')
    .spec;

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
    const before = await servedSerial();
    expect(before).toMatch(/^serial=/);
    const renewed = issue(ca, serverSpec(), join(work.dir, 'renewals', '1'));
    const serial = await openssl(['x509', '-noout', '-serial', '-in', renewed.tlsCrt]);
    expect(serial).not.toBe(before);
    pod.swap(serverSpec().secretName, renewed.dir);
    const t0 = Date.now();
    let served = await servedSerial();
    while (served !== serial && Date.now() - t0 < 10_000) {
      await new Promise((r) => setTimeout(r, 100));
      served = await servedSerial();
    }
    expect(served).toBe(serial);
    expect(Date.now() - t0).toBeLessThan(PERIOD * 1000 + 3000);
    expect(pod.mysqldPid()).toBe(pid);
    expect(pod.server.log()).not.toMatch(/\[ERROR\]/);
    const log = readFileSync(join(pod.root, 'reloader.log'), 'utf8');
    expect(log).toMatch(/mysqld .*MariaDB.* reloads its TLS files \(FLUSH SSL\)/);
    expect(log).not.toContain('Galera');
  });
});
