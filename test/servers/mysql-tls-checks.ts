// The TLS checks every MySQL-protocol profile on Debian's MariaDB shares (MariaDB and MySQL kinds,
// requireSSL: true): rendered settings kept whole, plaintext refused, verified TLS accepted,
// another CA refused, every server name verifying, client certificates enforced, the key as the
// kubelet mounts it. Each kind's test file names its started server and its host name.
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { expect, it } from 'vitest';
import type { TestCA } from './ca-issuer.js';
import { mariadb, optionName } from './mariadb-server.js';
import { probeTLS } from './mysql-probe.js';
import { inPod, serverNames, type Started, subjectOf, tcp } from './mysql-profile.js';

export interface RequiredTLS {
  /** The server, started in the caller's beforeAll. */
  started: () => Started;
  ca: () => TestCA;
  otherCA: () => TestCA;
  /** A name the server certificate must hold: the Service's fully qualified name. */
  host: string;
}

export function requiredTLSChecks(c: RequiredTLS): void {
  it('starts with the rendered TLS settings and nothing left out', async () => {
    const s = c.started();
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
    const s = c.started();
    const plain = await tcp(s.server, '--skip-ssl', '-e', 'select 1');
    expect(plain.ok).toBe(false);
    expect(plain.err).toContain(`Access denied for user 'root'@'127.0.0.1' (using password: YES)`);
    expect(
      await tcp(
        s.server,
        `--ssl-ca=${c.ca().cert}`,
        '--ssl-verify-server-cert',
        '-e',
        "show status like 'Ssl_version'",
      ),
    ).toEqual({ ok: true, out: 'Ssl_version\tTLSv1.3', err: '' });
  });

  it('is refused by a client that trusts another CA', async () => {
    const s = c.started();
    const a = await tcp(
      s.server,
      `--ssl-ca=${c.otherCA().cert}`,
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
    const s = c.started();
    const names = serverNames(s.r);
    expect(names).toEqual(expect.arrayContaining([c.host, 'localhost', '127.0.0.1']));
    const pem = readFileSync(c.ca().cert);
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
    const s = c.started();
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
      `--ssl-ca=${c.ca().cert}`,
      '--ssl-verify-server-cert',
      '-e',
      'select 1',
    );
    expect(without.ok).toBe(false);
    expect(without.err).toContain("Access denied for user 'x509'@'127.0.0.1'");
  });

  it('reads the key as the kubelet mounts it: root-owned, group fsGroup 999, 0440', () => {
    const s = c.started();
    const key = s.files.find((f) => f.path.endsWith('.key') && /server/.test(f.path))!;
    const st = statSync(realpathSync(key.path));
    expect({ uid: st.uid, gid: st.gid, mode: st.mode & 0o777 }).toEqual({
      uid: 0,
      gid: 999,
      mode: 0o440,
    });
  });
}
