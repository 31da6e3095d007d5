// A real PostgreSQL server (Debian's package) configured exactly as the rendered workload says:
// the rendered postgresql.conf, pg_hba.conf and start.sh from the ConfigMap, certificates issued
// by a test CA for the rendered Certificates, all laid out as the kubelet would mount them.
//
// Adaptations, and only these: container paths are remapped under a temporary root; the server
// listens on 127.0.0.1 at a free port (command-line -c port/listen_addresses/
// unix_socket_directories); the pod's ids 999 (official image) map to Debian's postgres account,
// whose uid/gid differ; cluster DNS is stood in for by hostaddr=127.0.0.1 (PGHOSTADDR for the
// pods); the image's entrypoint is stood in for by a script that copies one initdb'd data
// directory. The rendered image tag may name another PostgreSQL version than the local server.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, issuer, postgres } from '../helpers.js';
import { createTestCA, issue, type TestCA } from './ca-issuer.js';
import { SKIP, requireRoot, workDir } from './env.js';
import {
  type Attempt,
  freePort,
  initTemplate,
  localAccount,
  type Pod,
  postgresBin,
  psql,
  startPod,
} from './postgres-server.js';
import { exampleItems, issueAll, type Rendered, renderItems } from './render.js';

const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
const AUTH_MODES = ['md5', 'scram', 'cert'] as const;
const PASSWORD = 'Sup3r-secret';
const bin = postgresBin();
const VERSION = bin
  ? /(\d+(?:\.\d+)*)/.exec(execFileSync(join(bin, 'postgres'), ['--version']).toString())![1]
  : '15';

let work: { dir: string; cleanup: () => void };
let ca: TestCA;
let otherCA: TestCA;
let account: { uid: number; gid: number };
let template: string;
const pods: Pod[] = [];
const combinations = new Map<string, Promise<{ r: Rendered; pod: Pod }>>();

/** Starts a pod of `r` and remembers it for cleanup. */
async function start(
  r: Rendered,
  name: string,
  secrets: Record<string, string>,
  ordinal = 0,
  primaryPort?: number,
  beforeStart?: Parameters<typeof startPod>[0]['beforeStart'],
): Promise<Pod> {
  const port = await freePort();
  const pod = await startPod({
    rendered: r,
    ordinal,
    secrets,
    work: join(work.dir, name),
    template,
    password: PASSWORD,
    account,
    port,
    primaryPort: primaryPort ?? port,
    beforeStart,
    readyTimeoutMs: 60_000,
  });
  pods.push(pod);
  return pod;
}

function client(pod: Pod) {
  const home = join(work.dir, 'home');
  return (
    conn: Record<string, string | number | undefined>,
    sql = 'select ssl, version from pg_stat_ssl where pid = pg_backend_pid()',
    password: string | undefined = PASSWORD,
  ): Promise<Attempt> =>
    psql(
      { hostaddr: '127.0.0.1', port: pod.port, user: 'postgres', dbname: 'postgres', ...conn },
      sql,
      { password, account, home },
    );
}

/** Runs SQL over the pod's unix socket (pg_hba `local all all trust`). */
function local(pod: Pod, sql: string): Promise<Attempt> {
  return psql({ host: pod.socketDir, port: pod.port, user: 'postgres', dbname: 'postgres' }, sql, {
    account,
    home: join(work.dir, 'home'),
  });
}

/** The rendered client certificate's subject as pg_stat_ssl.client_dn shows it (/O=…/OU=…/CN=…). */
function clientDN(r: Rendered): string {
  const spec = r.certificates.find(
    (c) => c.metadata.labels['dbtls.dev/certificate-alias'] === 'client',
  ).spec;
  const s = spec.subject ?? {};
  const parts: [string, string[] | undefined][] = [
    ['C', s.countries],
    ['ST', s.provinces],
    ['L', s.localities],
    ['O', s.organizations],
    ['OU', s.organizationalUnits],
    ['CN', [spec.commonName]],
  ];
  return parts.flatMap(([a, vs]) => (vs ?? []).map((v) => `/${a}=${v}`)).join('');
}

/** Every name a client may use for the server: non-wildcard DNS SANs, IP SANs, pod names under wildcards. */
function serverNames(r: Rendered): string[] {
  const spec = r.certificates.find(
    (c) => c.metadata.labels['dbtls.dev/certificate-alias'] === 'server',
  ).spec;
  const names: string[] = spec.dnsNames.filter((d: string) => !d.startsWith('*.'));
  for (const w of spec.dnsNames.filter((d: string) => d.startsWith('*.')))
    names.push(`pg-0${w.slice(1)}`);
  return [...names, ...(spec.ipAddresses ?? [])];
}

it('renders standbys of sslMode allow and prefer with sslmode=require (never plaintext replication)', () => {
  for (const sslMode of ['allow', 'prefer']) {
    const script = renderItems([issuer('ca'), postgres({ version: VERSION, replicas: 2, sslMode })])
      .configMaps['pg-server-config']['start.sh'];
    expect(script).toContain(
      '--dbname="host=pg port=5432 user=postgres sslmode=require sslrootcert=',
    );
  }
});

describe.skipIf(SKIP)(`PostgreSQL ${VERSION} with the rendered TLS`, () => {
  beforeAll(() => {
    requireRoot();
    if (!bin)
      throw new Error('no PostgreSQL server under /usr/lib/postgresql; run .ci/install-tools');
    work = workDir('pg');
    account = localAccount('postgres');
    ca = createTestCA(join(work.dir, 'ca'));
    otherCA = createTestCA(join(work.dir, 'other-ca'), 'some other CA');
    template = join(work.dir, 'template', 'pgdata');
    initTemplate(template, PASSWORD, account);
    // One server per combination, started side by side (their start-up waits overlap).
    for (const sslMode of SSL_MODES) {
      for (const auth of AUTH_MODES) {
        if (auth === 'cert' && sslMode === 'disable') continue;
        const dir = `${sslMode}-${auth}`;
        const db = postgres({ version: VERSION, sslMode, clientAuthMode: auth });
        if (sslMode === 'disable') delete (db.spec as Record<string, unknown>).tls; // disable means no spec.tls
        const r = renderItems([issuer('ca'), db]);
        const secrets = issueAll(ca, r.certificates, join(work.dir, dir, 'secrets'));
        const started = start(r, dir, secrets).then((pod) => ({ r, pod }));
        started.catch(() => undefined); // reported by the combination's own beforeAll
        combinations.set(dir, started);
      }
    }
  });
  afterAll(async () => {
    await Promise.all(pods.map((p) => p.stop()));
    work?.cleanup();
  });

  for (const sslMode of SSL_MODES) {
    for (const auth of AUTH_MODES) {
      if (auth === 'cert' && sslMode === 'disable') continue; // an error result, tested in postgres.test.ts
      const tls = sslMode !== 'disable';
      // With TLS the rendered pg_hba has only hostssl rules (hostnossl … reject), whatever the sslMode.
      const plaintextAccepted = !tls;
      describe(`sslMode ${sslMode}, clientAuthMode ${auth}`, () => {
        let r: Rendered;
        let pod: Pod;
        let connect: ReturnType<typeof client>;
        let certAuth: Record<string, string>;
        beforeAll(async () => {
          ({ r, pod } = await combinations.get(`${sslMode}-${auth}`)!);
          connect = client(pod);
          // The client certificate as mounted in the pod, used by a client running as the pod's user.
          certAuth =
            auth === 'cert'
              ? {
                  sslcert: join(pod.root, 'tls/certs/client/client.crt'),
                  sslkey: join(pod.root, 'tls/certs/client/client.key'),
                }
              : {};
        });

        if (tls) {
          it('accepts verify-full TLS under every name in the server certificate', async () => {
            const names = serverNames(r);
            expect(names.length).toBeGreaterThan(10);
            const got = await Promise.all(
              names.map(async (host) => ({
                host,
                ...(await connect({
                  host,
                  sslmode: 'verify-full',
                  sslrootcert: ca.cert,
                  ...certAuth,
                })),
              })),
            );
            expect(got.map(({ host, ok, out, err }) => ({ host, ok, out, err }))).toEqual(
              names.map((host) => ({ host, ok: true, out: 't|TLSv1.3', err: '' })),
            );
          });

          it('refuses a server certificate the client does not trust (another CA)', async () => {
            const a = await connect({
              host: 'pg',
              sslmode: 'verify-full',
              sslrootcert: otherCA.cert,
              ...certAuth,
            });
            expect(a.ok).toBe(false);
            expect(a.err).toContain('certificate verify failed');
          });

          it('refuses, under verify-full, a host name that is not in the certificate', async () => {
            const a = await connect({
              host: 'db.example.org',
              sslmode: 'verify-full',
              sslrootcert: ca.cert,
              ...certAuth,
            });
            expect(a.ok).toBe(false);
            expect(a.err).toMatch(
              /server certificate for "pg" \(and \d+ other names\) does not match host name "db\.example\.org"/,
            );
            // verify-ca checks the CA only: the same name is accepted.
            expect(
              await connect({
                host: 'db.example.org',
                sslmode: 'verify-ca',
                sslrootcert: ca.cert,
                ...certAuth,
              }),
            ).toMatchObject({ ok: true, out: 't|TLSv1.3' });
          });
        } else {
          it('serves no TLS: sslmode=require is refused', async () => {
            const a = await connect({ host: 'pg', sslmode: 'require' });
            expect(a.ok).toBe(false);
            expect(a.err).toContain('server does not support SSL, but SSL was required');
          });
        }

        if (plaintextAccepted) {
          it('accepts plaintext (pg_hba allows it)', async () => {
            expect(await connect({ host: 'pg', sslmode: 'disable' })).toMatchObject({
              ok: true,
              out: 'f|',
            });
          });
        } else {
          it('refuses plaintext (pg_hba rejects it)', async () => {
            const a = await connect({ host: 'pg', sslmode: 'disable', ...certAuth });
            expect(a.ok).toBe(false);
            expect(a.err).toContain(
              'pg_hba.conf rejects connection for host "127.0.0.1", user "postgres", database "postgres", no encryption',
            );
          });
        }

        if (auth === 'cert') {
          it('refuses a TLS connection without a client certificate, even with the password', async () => {
            const a = await connect({ host: 'pg', sslmode: 'verify-full', sslrootcert: ca.cert });
            expect(a.ok).toBe(false);
            expect(a.err).toContain('connection requires a valid client certificate');
          });

          it('accepts the rendered client certificate (CN postgres) without a password', async () => {
            const a = await connect(
              { host: 'pg', sslmode: 'verify-full', sslrootcert: ca.cert, ...certAuth },
              'select ssl, version, client_dn from pg_stat_ssl where pid = pg_backend_pid()',
              undefined,
            );
            expect(a).toMatchObject({ ok: true, out: `t|TLSv1.3|${clientDN(r)}` });
          });

          it('refuses the client certificate for another user, and one from another CA', async () => {
            const other = await connect(
              {
                host: 'pg',
                user: 'app',
                sslmode: 'verify-full',
                sslrootcert: ca.cert,
                ...certAuth,
              },
              'select 1',
              undefined,
            );
            expect(other.ok).toBe(false);
            expect(other.err).toContain('certificate authentication failed for user "app"');
            const foreign = issue(
              otherCA,
              { secretName: 'foreign', commonName: 'postgres', usages: ['client auth'] },
              join(pod.root, 'foreign'),
            );
            chownSync(foreign.tlsKey, account.uid, account.gid);
            const a = await connect(
              {
                host: 'pg',
                sslmode: 'verify-full',
                sslrootcert: ca.cert,
                sslcert: foreign.tlsCrt,
                sslkey: foreign.tlsKey,
              },
              'select 1',
              undefined,
            );
            expect(a.ok).toBe(false);
            expect(a.err).toMatch(/unknown ca|certificate verify failed/);
          });
        } else {
          it('refuses a wrong password', async () => {
            const a = await connect(
              { host: 'pg', sslmode: tls ? 'verify-full' : 'disable', sslrootcert: ca.cert },
              'select 1',
              'wrong',
            );
            expect(a.ok).toBe(false);
            expect(a.err).toContain('password authentication failed for user "postgres"');
          });

          it(`stores new passwords as ${auth === 'md5' ? 'md5' : 'SCRAM-SHA-256'} (rendered password_encryption) and accepts them`, async () => {
            const created = await local(
              pod,
              "create role app login password 'app-Pass-2'; select rolpassword from pg_authid where rolname = 'app'",
            );
            expect(created.ok).toBe(true);
            if (auth === 'md5')
              expect(created.out).toBe(
                `md5${createHash('md5').update('app-Pass-2app').digest('hex')}`,
              );
            else expect(created.out).toMatch(/^SCRAM-SHA-256\$4096:/);
            const a = await connect(
              {
                host: 'pg',
                user: 'app',
                sslmode: tls ? 'verify-full' : 'disable',
                sslrootcert: ca.cert,
              },
              'select current_user',
              'app-Pass-2',
            );
            expect(a).toMatchObject({ ok: true, out: 'app' });
          });
        }
      });
    }
  }

  describe('spec.tls.certificates overrides: PKCS8 keys, an extra DNS name, a client subject (verify-full, cert)', () => {
    let r: Rendered;
    let pod: Pod;
    beforeAll(async () => {
      const certificates = [
        { alias: 'server', dnsNames: ['db.example.com'], privateKey: { encoding: 'PKCS8' } },
        {
          alias: 'client',
          subject: { organizations: ['acme'], organizationalUnits: ['dba'] },
          privateKey: { encoding: 'PKCS8' },
        },
      ];
      r = renderItems([
        issuer('ca'),
        postgres({
          version: VERSION,
          clientAuthMode: 'cert',
          tls: {
            issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' },
            certificates,
          },
        }),
      ]);
      pod = await start(
        r,
        'overrides',
        issueAll(ca, r.certificates, join(work.dir, 'overrides', 'secrets')),
      );
    });

    it('serves a PKCS#8 key, is reachable under the added name, and authenticates the client by its PKCS#8 key', async () => {
      expect(readFileSync(join(pod.root, 'tls/certs/server/server.key'), 'utf8')).toMatch(
        /^-----BEGIN PRIVATE KEY-----\n/,
      );
      expect(clientDN(r)).toBe('/O=acme/OU=dba/CN=postgres');
      const a = await client(pod)(
        {
          host: 'db.example.com',
          sslmode: 'verify-full',
          sslrootcert: ca.cert,
          sslcert: join(pod.root, 'tls/certs/client/client.crt'),
          sslkey: join(pod.root, 'tls/certs/client/client.key'),
        },
        'select ssl, version, client_dn from pg_stat_ssl where pid = pg_backend_pid()',
        undefined,
      );
      expect(a).toMatchObject({ ok: true, out: 't|TLSv1.3|/O=acme/OU=dba/CN=postgres' });
    });
  });

  describe("a user configuration included (spec.configuration: the Secret's user.conf and inline)", () => {
    // The user's files turn TLS off and lower the protocol; dbtls's settings come after them.
    const secretConf = [
      'max_connections = 77',
      "shared_buffers = '24MB'",
      'ssl = off',
      "ssl_min_protocol_version = 'TLSv1'",
      "hba_file = '/nonexistent/pg_hba.conf'",
      '',
    ].join('\n');
    const inlineConf = ['max_connections = 123', "work_mem = '5MB'", 'ssl = false', ''].join('\n');
    let r: Rendered;
    let pod: Pod;
    beforeAll(async () => {
      r = renderItems([
        issuer('ca'),
        postgres({
          version: VERSION,
          configuration: { secretName: 'pg-configuration', inline: { 'user.conf': inlineConf } },
        }),
      ]);
      const dir = join(work.dir, 'user-config');
      const user = join(dir, 'pg-configuration');
      mkdirSync(user, { recursive: true });
      writeFileSync(join(user, 'user.conf'), secretConf);
      const secrets = issueAll(ca, r.certificates, join(dir, 'secrets'));
      pod = await start(r, 'user-config', { ...secrets, 'pg-configuration': user });
    });

    it("warns that dbtls's ssl wins over the inline ssl = false", () => {
      expect(r.warnings).toContain(
        "line 3: ssl = false conflicts with dbtls's TLS settings; dbtls's ssl = on comes after " +
          "the user's configuration and wins",
      );
    });

    it("runs with the user's settings (inline over the Secret's) and dbtls's TLS settings", async () => {
      const settings = await local(
        pod,
        "select name || '=' || setting || coalesce(unit, '') || ' ' || " +
          "coalesce(regexp_replace(sourcefile, '^.*/', ''), '-') from pg_settings where name in " +
          "('max_connections', 'shared_buffers', 'work_mem', 'ssl', 'ssl_min_protocol_version') " +
          'order by name',
      );
      expect(settings).toMatchObject({
        ok: true,
        out: [
          'max_connections=123 inline-user.conf',
          'shared_buffers=30728kB user.conf',
          // On the server's command line (no source file), where no file can override them.
          'ssl=on -',
          'ssl_min_protocol_version=TLSv1.2 -',
          'work_mem=5120kB inline-user.conf',
        ].join('\n'),
      });
      const hba = await local(pod, 'show hba_file');
      expect(hba.out).toMatch(/\/etc\/dbtls\/pg_hba\.conf$/);
    });

    it('still refuses plaintext, and accepts verify-full TLS', async () => {
      const connect = client(pod);
      const plain = await connect({ host: 'pg', sslmode: 'disable' });
      expect(plain.ok).toBe(false);
      expect(plain.err).toContain(
        'pg_hba.conf rejects connection for host "127.0.0.1", user "postgres", database "postgres", no encryption',
      );
      expect(await connect({ host: 'pg', sslmode: 'verify-full', sslrootcert: ca.cert })).toEqual({
        ok: true,
        out: 't|TLSv1.3',
        err: '',
      });
    });
  });

  describe('a hostile postgresql.auto.conf (ALTER SYSTEM, or an init container appending to it)', () => {
    // What the finding's init container wrote: TLS off and a pg_hba.conf of its own that trusts
    // every connection. The server's command line ranks above every file, auto.conf included.
    let pod: Pod;
    beforeAll(async () => {
      const r = renderItems([issuer('ca'), postgres({ version: VERSION })]);
      const dir = join(work.dir, 'hostile-auto');
      const hostile = join(dir, 'template', 'pgdata');
      mkdirSync(join(dir, 'template'), { recursive: true });
      execFileSync('cp', ['-a', template, hostile]);
      const trustAll = join(dir, 'trust_hba.conf');
      writeFileSync(trustAll, 'local all all trust\nhost all all all trust\n');
      chmodSync(trustAll, 0o644);
      writeFileSync(
        join(hostile, 'postgresql.auto.conf'),
        `ssl = off\nhba_file = '${trustAll}'\nssl_min_protocol_version = 'TLSv1'\n`,
        { flag: 'a' },
      );
      const secrets = issueAll(ca, r.certificates, join(dir, 'secrets'));
      const port = await freePort();
      pod = await startPod({
        rendered: r,
        ordinal: 0,
        secrets,
        work: dir,
        template: hostile,
        password: PASSWORD,
        account,
        port,
        primaryPort: port,
        readyTimeoutMs: 60_000,
      });
      pods.push(pod);
    });

    it('leaves SHOW ssl on, the rendered hba_file, and TLS 1.2 as the minimum', async () => {
      const settings = await local(
        pod,
        "select name || '=' || setting || ' ' || source from pg_settings where name in " +
          "('ssl', 'hba_file', 'ssl_min_protocol_version') order by name",
      );
      expect(settings.ok, settings.err).toBe(true);
      const rows = settings.out.split('\n');
      // PostgreSQL records hba_file as "override" once it has resolved it: the rendered one.
      expect(rows[0]).toMatch(/^hba_file=\/.*\/etc\/dbtls\/pg_hba\.conf override$/);
      expect(rows.slice(1)).toEqual([
        'ssl=on command line',
        'ssl_min_protocol_version=TLSv1.2 command line',
      ]);
    });

    it('serves the rendered pg_hba.conf: plaintext refused, verify-full TLS accepted', async () => {
      const connect = client(pod);
      const plain = await connect({ host: 'pg', sslmode: 'disable' });
      expect(plain.ok).toBe(false);
      expect(plain.err).toContain('no encryption');
      expect(await connect({ host: 'pg', sslmode: 'verify-full', sslrootcert: ca.cert })).toEqual({
        ok: true,
        out: 't|TLSv1.3',
        err: '',
      });
      const rules = await local(
        pod,
        "select count(*) from pg_hba_file_rules where auth_method = 'trust' and type = 'host'",
      );
      expect(rules.out).toBe('0');
    });
  });

  describe('key file permissions', () => {
    let r: Rendered;
    let secrets: Record<string, string>;
    beforeAll(() => {
      r = renderItems([issuer('ca'), postgres({ version: VERSION })]);
      secrets = issueAll(ca, r.certificates, join(work.dir, 'keys', 'secrets'));
    });

    const key = (pod: { files: { path: string }[] }) =>
      pod.files.find((f) => f.path.endsWith('/tls/certs/server/server.key'))!;

    it(`mounts the key root-owned, group fsGroup (999 in the image, mapped to the local postgres gid), mode 0640, and the server starts`, async () => {
      const pod = await start(r, 'keys-rendered', secrets);
      const k = key(pod);
      const st = statSync(realpathSync(k.path));
      expect({ uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 }).toEqual({
        uid: 0,
        gid: account.gid,
        mode: 0o640,
      });
      expect(r.statefulSets[0].spec.template.spec.securityContext.fsGroup).toBe(999);
      expect(
        await client(pod)({ host: 'pg', sslmode: 'verify-full', sslrootcert: ca.cert }),
      ).toMatchObject({ ok: true, out: 't|TLSv1.3' });
      expect(pod.log()).not.toMatch(/group or world access/);
    });

    for (const [what, breakKey] of [
      ['a world-readable key (0644)', (p: string) => chmodSync(p, 0o644)],
      [
        "a group-readable key owned by the server's own user (0640)",
        (p: string) => chownSync(p, account.uid, account.gid),
      ],
    ] as const) {
      it(`refuses to start with ${what}`, async () => {
        const err = await start(
          r,
          `keys-${what.replace(/\W+/g, '-')}`,
          secrets,
          0,
          undefined,
          (files) => breakKey(realpathSync(key({ files }).path)),
        ).then(
          () => undefined,
          (e: Error) => e,
        );
        expect(err?.message).toMatch(
          /private key file ".*\/tls\/certs\/server\/server\.key" has group or world access/,
        );
      });
    }
  });

  for (const variant of [
    {
      title: 'examples/postgres: replicas 3, verify-full, md5',
      dir: 'replicas-example',
      items: () => exampleItems(join(ROOT, 'examples/postgres')),
      auth: 'md5',
      replicas: 3,
    },
    {
      title: 'replicas 2, verify-ca, clientAuthMode cert (no password)',
      dir: 'replicas-cert',
      items: () => [
        issuer('ca'),
        postgres({ version: VERSION, replicas: 2, sslMode: 'verify-ca', clientAuthMode: 'cert' }),
      ],
      auth: 'cert',
      replicas: 2,
    },
    // libpq's sslmode=allow tries plaintext first: while pg_hba accepted plaintext under allow,
    // this standby streamed without TLS (pg_stat_ssl.ssl = f); start.sh now asks for require.
    {
      title: 'replicas 2, allow, md5',
      dir: 'replicas-allow',
      items: () => [
        issuer('ca'),
        postgres({ version: VERSION, replicas: 2, sslMode: 'allow', clientAuthMode: 'md5' }),
      ],
      auth: 'md5',
      replicas: 2,
    },
  ]) {
    describe(`standbys stream from the primary over TLS (${variant.title})`, () => {
      let r: Rendered;
      let primary: Pod;
      let standby: Pod;
      let certAuth: Record<string, string>;
      // The standby's sslmode as rendered in start.sh: allow (and prefer) become require.
      const sslMode =
        variant.dir === 'replicas-allow'
          ? 'require'
          : variant.auth === 'cert'
            ? 'verify-ca'
            : 'verify-full';
      beforeAll(async () => {
        r = renderItems(variant.items());
        expect(r.statefulSets[0].spec.replicas).toBe(variant.replicas);
        const secrets = issueAll(ca, r.certificates, join(work.dir, variant.dir, 'secrets'));
        primary = await start(r, variant.dir, secrets, 0);
        standby = await start(r, variant.dir, secrets, 1, primary.port);
        certAuth =
          variant.auth === 'cert'
            ? {
                sslcert: join(standby.root, 'tls/certs/client/client.crt'),
                sslkey: join(standby.root, 'tls/certs/client/client.key'),
              }
            : {};
      });

      it(`clones pod 1 with pg_basebackup over ${sslMode} TLS with the client certificate and starts it as a standby`, async () => {
        const pgdata = join(standby.root, 'var/lib/postgresql/pgdata');
        expect(existsSync(join(pgdata, 'standby.signal'))).toBe(true);
        const auto = readFileSync(join(pgdata, 'postgresql.auto.conf'), 'utf8');
        // pg_basebackup --write-recovery-conf keeps the rendered conninfo (values quoted by doubling).
        expect(auto).toMatch(
          new RegExp(
            `^primary_conninfo = '.* host=pg hostaddr=127\\.0\\.0\\.1 .*sslmode=(''${sslMode}''|${sslMode} )`,
            'm',
          ),
        );
        expect(auto).toContain(`sslcert=''${join(standby.root, 'tls/certs/client/client.crt')}''`);
        expect(await local(standby, 'select pg_is_in_recovery()')).toMatchObject({
          ok: true,
          out: 't',
        });
      });

      it("streams WAL over TLS as the client certificate's user, and the standby serves the data over verify-full TLS", async () => {
        let rep: Attempt = { ok: false, out: '', err: '' };
        for (let i = 0; i < 100 && rep.out === ''; i++) {
          rep = await local(
            primary,
            "select s.ssl, s.version, s.client_dn, r.state from pg_stat_replication r join pg_stat_ssl s using (pid) where r.state = 'streaming'",
          );
          if (rep.out === '') await new Promise((res) => setTimeout(res, 100));
        }
        expect(rep).toMatchObject({ ok: true, out: `t|TLSv1.3|${clientDN(r)}|streaming` });
        expect(
          await local(primary, 'create table t (x int); insert into t values (42)'),
        ).toMatchObject({ ok: true });
        const read = client(standby);
        let got: Attempt = { ok: false, out: '', err: '' };
        for (let i = 0; i < 100 && got.out !== '42'; i++) {
          got = await read(
            {
              host: 'pg-1.pg-pods.demo.svc',
              sslmode: 'verify-full',
              sslrootcert: ca.cert,
              ...certAuth,
            },
            'select x from t',
          );
          if (got.out !== '42') await new Promise((res) => setTimeout(res, 100));
        }
        expect(got).toMatchObject({ ok: true, out: '42' });
        expect(
          await read({
            host: 'pg-standby.demo.svc',
            sslmode: 'verify-full',
            sslrootcert: ca.cert,
            ...certAuth,
          }),
        ).toMatchObject({ ok: true, out: 't|TLSv1.3' });
      });
    });
  }
});
