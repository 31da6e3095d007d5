import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, issuer } from '../helpers.js';
import { createTestCA, type TestCA } from './ca-issuer.js';
import { SKIP, requireRoot, workDir } from './env.js';
import { type MariaDB, MARIADBD, mariadb, optionName } from './mariadb-server.js';
import { probeTLS } from './mysql-probe.js';
import { inPod } from './mysql-profile.js';
import { type PxcPod, startPxcPod } from './pxc-pod.js';
import { exampleItems, type Rendered } from './render.js';

const PASSWORD = 'Pxc-secret-1';

const pxc = (spec: Record<string, unknown>, name = 'pxc') => ({
  apiVersion: 'kubedb.com/v1',
  kind: 'PerconaXtraDB',
  metadata: { name, namespace: 'demo' },
  spec: {
    version: '8.0.40',
    replicas: 3,
    tls: { issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' } },
    ...spec,
  },
});

let work: { dir: string; cleanup: () => void };
let ca: TestCA;
let otherCA: TestCA;
let template: string;
const servers: MariaDB[] = [];

type Started = PxcPod;

/** Renders `items`, issues its certificates, mounts pod 0's volumes and starts MariaDB with its [mysqld]. */
async function startFor(items: unknown[], dir: string): Promise<Started> {
  const pod = await startPxcPod({
    items,
    root: join(work.dir, dir),
    ca,
    template,
    password: PASSWORD,
  });
  servers.push(pod.server);
  return pod;
}

const tcp = (s: MariaDB, ...args: string[]) =>
  mariadb([
    '-h',
    '127.0.0.1',
    '-P',
    String(s.port),
    '--protocol=TCP',
    '-uroot',
    `-p${PASSWORD}`,
    ...args,
  ]);

/** A rendered certificate's subject as OpenSSL prints it one-line (/O=…/CN=…), for REQUIRE SUBJECT. */
function subjectOf(r: Rendered, alias: string): string {
  const spec = r.certificates.find(
    (c) => c.metadata.labels['dbtls.dev/certificate-alias'] === alias,
  ).spec;
  const sub = spec.subject ?? {};
  const parts: [string, string[] | undefined][] = [
    ['C', sub.countries],
    ['ST', sub.provinces],
    ['L', sub.localities],
    ['O', sub.organizations],
    ['OU', sub.organizationalUnits],
    ['CN', [spec.commonName]],
  ];
  return parts.flatMap(([a, vs]) => (vs ?? []).map((v) => `/${a}=${v}`)).join('');
}

function serverNames(r: Rendered): string[] {
  const spec = r.certificates.find(
    (c) => c.metadata.labels['dbtls.dev/certificate-alias'] === 'server',
  ).spec;
  const names: string[] = (spec.dnsNames ?? []).filter((d: string) => !d.startsWith('*.'));
  // One name under each wildcard (*.<db>-pods.<ns>.svc, *.<db>.<ns>.svc): what a pod is reached by.
  for (const w of (spec.dnsNames ?? []).filter((d: string) => d.startsWith('*.')))
    names.push(`node-0${w.slice(1)}`);
  return [...names, ...(spec.ipAddresses ?? [])];
}

describe.skipIf(SKIP)('PerconaXtraDB TLS settings on MariaDB', () => {
  beforeAll(() => {
    requireRoot();
    if (!existsSync(MARIADBD)) throw new Error(`${MARIADBD} is missing; run .ci/install-tools`);
    work = workDir('pxc');
    ca = createTestCA(join(work.dir, 'ca'));
    otherCA = createTestCA(join(work.dir, 'other-ca'), 'some other CA');
    template = join(work.dir, 'template');
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    work?.cleanup();
  });

  describe('requireSSL: true (examples/perconaxtradb)', () => {
    let s: Started;
    beforeAll(async () => {
      s = await startFor(exampleItems(join(ROOT, 'examples/perconaxtradb')), 'require');
      expect(s.r.items.find((i) => i.kind === 'PerconaXtraDB').spec.requireSSL).toBe(true);
    }, 120_000);

    it('starts with the rendered TLS settings (Galera-only options left out)', async () => {
      expect(s.kept.map(([k]) => optionName(k))).toEqual(
        expect.arrayContaining(['ssl-ca', 'ssl-cert', 'ssl-key', 'require-secure-transport']),
      );
      // Galera (wsrep_*) and PXC-only (pxc-*) options: MariaDB runs here as a single server.
      expect(s.skipped).toEqual([
        'wsrep_provider',
        'wsrep_cluster_name',
        'wsrep_cluster_address',
        'wsrep_sst_method',
        'pxc-encrypt-cluster-traffic',
        'wsrep_provider_options',
      ]);
      const vars = await mariadb([
        '-S',
        s.server.socket,
        '-uroot',
        '-e',
        'select @@have_ssl, @@require_secure_transport',
      ]);
      expect(vars).toMatchObject({ ok: true, out: 'YES\t1' });
    });

    it('refuses plaintext, and accepts the same account over TLS verified against the CA', async () => {
      const plain = await tcp(s.server, '--skip-ssl', '-e', 'select 1');
      expect(plain.ok).toBe(false);
      expect(plain.err).toContain(
        `Access denied for user 'root'@'127.0.0.1' (using password: YES)`,
      );
      const verified = await tcp(
        s.server,
        `--ssl-ca=${ca.cert}`,
        '--ssl-verify-server-cert',
        '-e',
        "show status like 'Ssl_version'",
      );
      expect(verified).toEqual({ ok: true, out: 'Ssl_version\tTLSv1.3', err: '' });
    });

    it('is refused by a client that trusts another CA', async () => {
      const a = await tcp(
        s.server,
        `--ssl-ca=${otherCA.cert}`,
        '--ssl-verify-server-cert',
        '-e',
        'select 1',
      );
      expect(a.ok).toBe(false);
      expect(a.err).toMatch(
        /TLS\/SSL error: .*(unable to get local issuer certificate|certificate verify failed|self-signed)/,
      );
    });

    it('presents a certificate that verifies under every name in the server certificate, and no other', async () => {
      const names = serverNames(s.r);
      expect(names.length).toBeGreaterThan(3);
      const pem = readFileSync(ca.cert);
      const got = await Promise.all(
        names.map(async (host) => ({ host, ...(await probeTLS(s.server.port, host, pem)) })),
      );
      expect(got.map(({ host, ok, error }) => ({ host, ok, error }))).toEqual(
        names.map((host) => ({ host, ok: true, error: undefined })),
      );
      expect(await probeTLS(s.server.port, 'db.example.org', pem)).toMatchObject({
        ok: false,
        error: expect.stringContaining('ERR_TLS_CERT_ALTNAME_INVALID'),
      });
      expect(await probeTLS(s.server.port, names[0], readFileSync(otherCA.cert))).toMatchObject({
        ok: false,
        error: 'SELF_SIGNED_CERT_IN_CHAIN self-signed certificate in certificate chain',
      });
    });

    it('lets the in-pod client ([client] in the rendered my.cnf) authenticate with the client certificate, verified against ssl-ca', async () => {
      const myCnf = s.files.find((f) => f.path.endsWith('/my.cnf'))!.path;
      const dn = subjectOf(s.r, 'client');
      expect(
        await mariadb([
          '-S',
          s.server.socket,
          '-uroot',
          '-e',
          `create user 'x509'@'%' require subject '${dn}'`,
        ]),
      ).toMatchObject({ ok: true });
      // As the pod's user (mysql-profile.ts inPod): the client key is readable by fsGroup only.
      const asX509 = (...args: string[]) => inPod(s, 'x509', ...args);
      expect(
        await asX509(
          `--defaults-file=${myCnf}`,
          '--ssl-verify-server-cert',
          '-e',
          "show status like 'Ssl_version'",
        ),
      ).toEqual({ ok: true, out: 'Ssl_version\tTLSv1.3', err: '' });
      const without = await asX509(
        '--no-defaults',
        `--ssl-ca=${ca.cert}`,
        '--ssl-verify-server-cert',
        '-e',
        'select 1',
      );
      expect(without.ok).toBe(false);
      expect(without.err).toContain("Access denied for user 'x509'@'127.0.0.1'");
    });

    it('reads the key the kubelet mounts: root-owned, group fsGroup, the rendered mode', () => {
      const key = s.files.find((f) => f.path.endsWith('.key') && /server/.test(f.path))!;
      const st = statSync(realpathSync(key.path));
      const sc = s.r.statefulSets[0].spec.template.spec.securityContext;
      const volume = s.r.statefulSets[0].spec.template.spec.volumes.find(
        (v: any) => v.name === key.volume,
      );
      // Pod ids are used as they are: mariadbd runs by number (no local account needed).
      expect({ uid: st.uid, gid: st.gid, mode: st.mode & 0o777 }).toEqual({
        uid: 0,
        gid: sc.fsGroup,
        mode: volume.secret.defaultMode | 0o440,
      });
      expect(st.mode & 0o007).toBe(0);
    });
  });

  describe('requireSSL: false', () => {
    let s: Started;
    beforeAll(async () => {
      s = await startFor([issuer('ca'), pxc({ requireSSL: false })], 'optional');
    }, 120_000);

    it('accepts plaintext and verified TLS', async () => {
      expect(await tcp(s.server, '--skip-ssl', '-e', "show status like 'Ssl_version'")).toEqual({
        ok: true,
        out: 'Ssl_version',
        err: '',
      });
      expect(
        await tcp(
          s.server,
          `--ssl-ca=${ca.cert}`,
          '--ssl-verify-server-cert',
          '-e',
          "show status like 'Ssl_version'",
        ),
      ).toMatchObject({ ok: true, out: 'Ssl_version\tTLSv1.3' });
    });
  });
});
