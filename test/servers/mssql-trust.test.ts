// MSSQLServer with clientTLS: the rendered trust-ca init step puts the CA into the operating
// system's trust store, so that the in-pod check of KubeDB's docs (sqlcmd -S localhost -N, whose
// ODBC driver verifies with OpenSSL's default paths) verifies the server. Run with real OpenSSL:
// the init script as the pod's non-root user on this machine's own /etc/ssl/certs (Debian's
// ca-certificates, the layout of Microsoft's Ubuntu image), then an OpenSSL client, as the server
// container's user, with the result mounted over /etc/ssl/certs (a private mount namespace), against
// an OpenSSL server presenting the rendered server certificate.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCA, issue, type TestCA } from './ca-issuer.js';
import { requireRoot, SKIP, workDir } from './env.js';
import { freePort } from './postgres-server.js';
import { exampleItems, renderItems } from './render.js';
import { ROOT } from '../helpers.js';

const EXAMPLE = join(ROOT, 'examples/mssqlserver');

describe.skipIf(SKIP)("MSSQLServer clientTLS: the CA in the pod's trust store", () => {
  const work = workDir('mssql-trust');
  let ca: TestCA;
  let other: TestCA;
  let trust: string;
  let server: ChildProcess | undefined;
  let port: number;
  let uid: number;
  let gid: number;
  let script: string;

  beforeAll(async () => {
    requireRoot();
    const items = exampleItems(EXAMPLE).filter((i: any) => i.metadata?.name !== 'mssql-ag');
    const r = renderItems(items);
    const sts = r.statefulSets[0];
    const pod = sts.spec.template.spec;
    ({ runAsUser: uid, fsGroup: gid } = pod.securityContext);
    const init = pod.initContainers.find((c: any) => c.name === 'trust-ca');
    script = init.command[2];
    ca = createTestCA(join(work.dir, 'ca'));
    other = createTestCA(join(work.dir, 'other'), 'another CA');
    const serverCert = r.certificates.find(
      (c: any) => c.metadata.labels['dbtls.dev/certificate-alias'] === 'server',
    );
    const secret = issue(ca, serverCert.spec, join(work.dir, 'server-secret'));
    // The projected tls volume as the kubelet lays it out: root-owned, group fsGroup, 0440.
    const tls = join(work.dir, 'tls');
    mkdirSync(tls);
    copyFileSync(secret.caCrt, join(tls, 'ca.crt'));
    chownSync(join(tls, 'ca.crt'), 0, gid);
    chmodSync(join(tls, 'ca.crt'), 0o440);
    // The emptyDir: group fsGroup, setgid, group-writable.
    trust = join(work.dir, 'trusted-certs');
    mkdirSync(trust);
    chownSync(trust, 0, gid);
    chmodSync(trust, 0o2775);
    const remapped = script
      .replaceAll('/var/opt/mssql/tls', tls)
      .replaceAll('/var/run/dbtls/trusted-certs', trust);
    const run = spawnSync(
      'setpriv',
      [`--reuid=${uid}`, `--regid=${gid}`, `--groups=${gid}`, '--', '/bin/sh', '-c', remapped],
      { env: { PATH: '/usr/bin:/bin' } },
    );
    expect({ status: run.status, stderr: run.stderr.toString() }).toEqual({
      status: 0,
      stderr: '',
    });
    port = await freePort();
    server = spawn(
      'openssl',
      [
        's_server',
        '-quiet',
        '-accept',
        `127.0.0.1:${port}`,
        '-cert',
        secret.tlsCrt,
        '-key',
        secret.tlsKey,
      ],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 50 && !accepts(port); i++) await new Promise((ok) => setTimeout(ok, 100));
  });

  afterAll(() => {
    server?.kill();
    work.cleanup();
  });

  /** OpenSSL's client as the pod's user, /etc/ssl/certs replaced by `mount` when given. */
  function connect(
    host: string,
    mount: string | undefined,
    env: Record<string, string> = {},
    args = '',
  ): { ok: boolean; out: string } {
    const client = `openssl s_client -connect 127.0.0.1:${port} -servername ${host} -verify_hostname ${host} -verify_return_error ${args} </dev/null`;
    const asUser = `setpriv --reuid=${uid} --regid=${gid} --groups=${gid} -- /bin/sh -c '${client}'`;
    const cmd = mount ? `mount --bind ${mount} /etc/ssl/certs && ${asUser}` : asUser;
    const r = spawnSync('unshare', ['-m', '--propagation', 'private', '/bin/sh', '-c', cmd], {
      env: { PATH: '/usr/bin:/bin:/usr/sbin:/sbin', ...env },
      timeout: 20_000,
    });
    const out = r.stdout.toString() + r.stderr.toString();
    return { ok: r.status === 0 && out.includes('Verify return code: 0 (ok)'), out };
  }

  it('renders the init step and the mount only with clientTLS', () => {
    const ag = renderItems(exampleItems(EXAMPLE)).statefulSets.find(
      (s: any) => s.metadata.name === 'mssql-ag',
    );
    expect(ag.spec.template.spec.initContainers).toBeUndefined();
  });

  it("keeps every entry of the image's trust store and adds the CA as a file, a hashed link and to the bundle", () => {
    const system = readdirSync('/etc/ssl/certs');
    const built = readdirSync(trust);
    expect(built).toEqual(expect.arrayContaining([...system, 'dbtls-ca.crt']));
    const hash = spawnSync('openssl', [
      'x509',
      '-hash',
      '-noout',
      '-in',
      join(trust, 'dbtls-ca.crt'),
    ])
      .stdout.toString()
      .trim();
    expect(existsSync(join(trust, `${hash}.0`))).toBe(true);
    const bundle = readFileSync(join(trust, 'ca-certificates.crt'), 'utf8');
    expect(bundle.startsWith(readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8'))).toBe(
      true,
    );
    expect(bundle.endsWith(readFileSync(ca.cert, 'utf8'))).toBe(true);
  });

  it('lets an OpenSSL client in the server container verify localhost by the default paths alone', () => {
    expect(connect('localhost', trust).ok).toBe(true);
    // and with the container's SSL_CERT_FILE and SSL_CERT_DIR (what go-sqlcmd reads)
    expect(
      connect('localhost', trust, {
        SSL_CERT_FILE: '/etc/ssl/certs/ca-certificates.crt',
        SSL_CERT_DIR: '/etc/ssl/certs',
      }).ok,
    ).toBe(true);
    // by the bundle alone, as Go's crypto/x509 reads /etc/ssl/certs/ca-certificates.crt first
    expect(
      connect('localhost', trust, {}, '-no-CApath -CAfile /etc/ssl/certs/ca-certificates.crt').ok,
    ).toBe(true);
    // and by the hashed links alone
    expect(connect('localhost', trust, {}, '-no-CAfile -CApath /etc/ssl/certs').ok).toBe(true);
  });

  it("fails without the step (the failure KubeDB's docs show), and for a name the certificate lacks", () => {
    const without = connect('localhost', undefined);
    expect(without.ok).toBe(false);
    expect(without.out).toMatch(/unable to get local issuer certificate|self-signed/);
    expect(connect('db.example.org', trust).ok).toBe(false);
  });

  it('is idempotent: a second run (a restarted pod) leaves one link and one copy of the CA', () => {
    const remapped = script
      .replaceAll('/var/opt/mssql/tls', join(work.dir, 'tls'))
      .replaceAll('/var/run/dbtls/trusted-certs', trust);
    const before = readdirSync(trust).sort();
    const run = spawnSync('setpriv', [
      `--reuid=${uid}`,
      `--regid=${gid}`,
      `--groups=${gid}`,
      '--',
      '/bin/sh',
      '-c',
      remapped,
    ]);
    expect(run.status).toBe(0);
    expect(readdirSync(trust).sort()).toEqual(before);
    const bundle = readFileSync(join(trust, 'ca-certificates.crt'), 'utf8');
    expect(bundle.split(readFileSync(ca.cert, 'utf8')).length).toBe(2);
    expect(readFileSync(other.cert, 'utf8')).not.toBe(readFileSync(ca.cert, 'utf8'));
  });
});

function accepts(port: number): boolean {
  return (
    spawnSync('/bin/sh', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`], { timeout: 2000 }).status ===
      0 ||
    spawnSync('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`], { timeout: 2000 }).status === 0
  );
}
