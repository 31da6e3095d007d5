// The MySQL profile against Debian's MariaDB (MySQL itself is not in Debian): the rendered
// workload's [mysqld] options — ssl-ca, ssl-cert, ssl-key, require_secure_transport, options MySQL
// and MariaDB name alike — with the certificates as the kubelet mounts them. Nothing is left out.
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, issuer } from '../helpers.js';
import { createTestCA, type TestCA } from './ca-issuer.js';
import { SKIP, requireRoot, workDir } from './env.js';
import { type MariaDB, MARIADBD, mariadb, optionName } from './mariadb-server.js';
import { probeTLS } from './mysql-probe.js';
import {
  inPod,
  type ProfileOptions,
  serverNames,
  startProfile,
  type Started,
  subjectOf,
  tcp,
} from './mysql-profile.js';
import { exampleItems } from './render.js';

const NONE = () => false;
const my = (spec: Record<string, unknown>, name = 'my') => ({
  apiVersion: 'kubedb.com/v1',
  kind: 'MySQL',
  metadata: { name, namespace: 'demo' },
  spec: {
    version: '8.4.3',
    tls: { issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' } },
    ...spec,
  },
});
/** The guide's issuer and one of its databases. */
const example = (name: string) =>
  exampleItems(join(ROOT, 'examples/mysql')).filter(
    (i: any) => i.kind === 'Issuer' || i.metadata.name === name,
  );

let work: { dir: string; cleanup: () => void };
let ca: TestCA;
let otherCA: TestCA;
let opts: ProfileOptions;
const servers: MariaDB[] = [];

describe.skipIf(SKIP)('MySQL TLS settings on MariaDB', () => {
  beforeAll(() => {
    requireRoot();
    if (!existsSync(MARIADBD)) throw new Error(`${MARIADBD} is missing; run .ci/install-tools`);
    work = workDir('mysql');
    ca = createTestCA(join(work.dir, 'ca'));
    otherCA = createTestCA(join(work.dir, 'other-ca'), 'some other CA');
    opts = {
      ca,
      work: work.dir,
      sharedTemplate: join(work.dir, 'template'),
      notShared: NONE,
      servers,
    };
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    work?.cleanup();
  });

  describe('requireSSL: true (examples/mysql)', () => {
    let s: Started;
    beforeAll(async () => {
      s = await startProfile(example('some-mysql'), 'standalone', opts);
    }, 120_000);

    it('starts with the rendered TLS settings and nothing left out', async () => {
      expect(s.kept.map(([k]) => optionName(k))).toEqual([
        'ssl-ca',
        'ssl-cert',
        'ssl-key',
        'require-secure-transport',
      ]);
      expect(s.skipped).toEqual([]);
      expect(
        await mariadb([
          '-S',
          s.server.socket,
          '-uroot',
          '-e',
          'select @@have_ssl, @@require_secure_transport',
        ]),
      ).toMatchObject({ ok: true, out: 'YES\t1' });
    });

    it('refuses plaintext, and accepts the same account over TLS verified against the CA', async () => {
      const plain = await tcp(s.server, '--skip-ssl', '-e', 'select 1');
      expect(plain.ok).toBe(false);
      expect(plain.err).toContain(
        `Access denied for user 'root'@'127.0.0.1' (using password: YES)`,
      );
      expect(
        await tcp(
          s.server,
          `--ssl-ca=${ca.cert}`,
          '--ssl-verify-server-cert',
          '-e',
          "show status like 'Ssl_version'",
        ),
      ).toEqual({ ok: true, out: 'Ssl_version\tTLSv1.3', err: '' });
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
      expect(names).toEqual(
        expect.arrayContaining(['some-mysql.demo.svc.cluster.local', 'localhost', '127.0.0.1']),
      );
      const pem = readFileSync(ca.cert);
      const got = await Promise.all(
        names.map(async (host) => ({ host, ok: (await probeTLS(s.server.port, host, pem)).ok })),
      );
      expect(got).toEqual(names.map((host) => ({ host, ok: true })));
      expect(await probeTLS(s.server.port, 'db.example.org', pem)).toMatchObject({
        ok: false,
        error: expect.stringContaining('ERR_TLS_CERT_ALTNAME_INVALID'),
      });
    });

    it('enforces the client certificate for an account that asks for it: the in-pod client ([client] of my.cnf) gets in, a client without it does not', async () => {
      const myCnf = s.files.find((f) => f.path.endsWith('/my.cnf'))!.path;
      expect(
        await mariadb([
          '-S',
          s.server.socket,
          '-uroot',
          '-e',
          `create user 'x509'@'%' require subject '${subjectOf(s.r, 'client')}'`,
        ]),
      ).toMatchObject({ ok: true });
      expect(
        await inPod(
          s,
          'x509',
          `--defaults-file=${myCnf}`,
          '--ssl-verify-server-cert',
          '-e',
          "show status like 'Ssl_version'",
        ),
      ).toEqual({ ok: true, out: 'Ssl_version\tTLSv1.3', err: '' });
      const without = await inPod(
        s,
        'x509',
        '--no-defaults',
        `--ssl-ca=${ca.cert}`,
        '--ssl-verify-server-cert',
        '-e',
        'select 1',
      );
      expect(without.ok).toBe(false);
      expect(without.err).toContain("Access denied for user 'x509'@'127.0.0.1'");
    });

    it('reads the key as the kubelet mounts it: root-owned, group fsGroup 999, 0440', () => {
      const key = s.files.find((f) => f.path.endsWith('.key') && /server/.test(f.path))!;
      const st = statSync(realpathSync(key.path));
      expect({ uid: st.uid, gid: st.gid, mode: st.mode & 0o777 }).toEqual({
        uid: 0,
        gid: 999,
        mode: 0o440,
      });
    });
  });

  describe('requireSSL: false', () => {
    it('accepts plaintext and verified TLS', async () => {
      const s = await startProfile([issuer('ca'), my({ requireSSL: false })], 'optional', opts);
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
    }, 120_000);
  });
});
