// Certificate rotation on a real PostgreSQL server, driven by what dbtls renders: the pod's
// rendered tls-reloader container (its command, its tls-watch.sh from the ConfigMap) runs beside
// the server, and the renewal arrives exactly as the kubelet delivers it (a new `..data` target,
// kubelet.ts swapSecret). The watcher's period is the rendered DBTLS_WATCH_PERIOD_SECONDS, set
// low here.
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chownSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuer, postgres } from '../helpers.js';
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
import { issueAll, type Rendered, renderItems } from './render.js';
import { serialOf, servedSerial, until } from './renewal.js';

const PASSWORD = 'Sup3r-secret';
const PERIOD = 1; // seconds between the watcher's looks
const bin = postgresBin();
const serverVersion = (b: string) => execFileSync(join(b, 'postgres'), ['--version']).toString();
const VERSION = bin ? /(\d+(?:\.\d+)*)/.exec(serverVersion(bin))![1] : '15';

let work: { dir: string; cleanup: () => void };
let ca: TestCA;
let account: { uid: number; gid: number };
let template: string;
const pods: Pod[] = [];
let renewals = 0;

async function start(
  r: Rendered,
  dir: string,
  secrets: Record<string, string>,
  ordinal = 0,
  primaryPort?: number,
): Promise<Pod> {
  const port = await freePort();
  const pod = await startPod({
    rendered: r,
    ordinal,
    secrets,
    work: join(work.dir, dir),
    template,
    password: PASSWORD,
    account,
    port,
    primaryPort: primaryPort ?? port,
    readyTimeoutMs: 60_000,
  });
  pods.push(pod);
  pod.startReloader(PERIOD);
  return pod;
}

const spec = (r: Rendered, alias: string) =>
  r.certificates.find((c) => c.metadata.labels['dbtls.dev/certificate-alias'] === alias).spec;

/** cert-manager's renewal of the `alias` certificate by `by`: a new key and certificate. */
function renew(r: Rendered, alias: string, by: TestCA) {
  return issue(by, spec(r, alias), join(work.dir, 'renewals', `${alias}-${++renewals}`));
}

/** The serial number of the certificate a new TLS connection to the pod is served. */
const servedTo = (pod: Pod) => servedSerial(pod.port, 'postgres', 'pg');

/** A psql session kept open: one query at a time over its stdin. */
function session(pod: Pod, conn: Record<string, string>) {
  const conninfo = Object.entries({
    hostaddr: '127.0.0.1',
    port: String(pod.port),
    user: 'postgres',
    dbname: 'postgres',
    ...conn,
  })
    .map(([k, v]) => `${k}='${v}'`)
    .join(' ');
  const p: ChildProcessWithoutNullStreams = spawn(
    join(bin!, 'psql'),
    ['-X', '-q', '-A', '-t', conninfo],
    {
      env: { PATH: '/usr/bin:/bin', HOME: work.dir, PGPASSWORD: PASSWORD },
      // In /, as a container starts: the clone may be in a private directory (0700) the account
      // cannot enter, and psql changes back into its working directory.
      cwd: '/',
      uid: account.uid,
      gid: account.gid,
    },
  );
  let out = '';
  p.stdout.on('data', (d) => {
    out += d;
  });
  p.stderr.on('data', (d) => {
    out += d;
  });
  return {
    async query(sql: string): Promise<string> {
      out = '';
      p.stdin.write(`${sql};\n`);
      for (let i = 0; i < 100 && !out.includes('\n'); i++)
        await new Promise((r) => setTimeout(r, 50));
      return out.trim();
    },
    close: () => p.kill(),
  };
}

const local = (pod: Pod, sql: string): Promise<Attempt> =>
  psql({ host: pod.socketDir, port: pod.port, user: 'postgres', dbname: 'postgres' }, sql, {
    account,
    home: work.dir,
  });

describe.skipIf(SKIP)(`PostgreSQL ${VERSION}: certificate rotation in place`, () => {
  beforeAll(() => {
    requireRoot();
    if (!bin)
      throw new Error('no PostgreSQL server under /usr/lib/postgresql; run .ci/install-tools');
    work = workDir('pg-rotation');
    account = localAccount('postgres');
    ca = createTestCA(join(work.dir, 'ca'));
    template = join(work.dir, 'template', 'pgdata');
    initTemplate(template, PASSWORD, account);
  });
  afterAll(async () => {
    await Promise.all(pods.map((p) => p.stop()));
    work?.cleanup();
  });

  describe('rotation of the server certificate (verify-full, md5)', () => {
    let r: Rendered;
    let pod: Pod;
    let a: string;
    beforeAll(async () => {
      r = renderItems([issuer('ca'), postgres({ version: VERSION })]);
      const secrets = issueAll(ca, r.certificates, join(work.dir, 'server', 'secrets'));
      a = await serialOf(join(secrets['pg-server-cert'], 'tls.crt'));
      pod = await start(r, 'server', secrets);
    });

    it('rotation: a new connection is served the renewed certificate within the period; the held connection and the postmaster stay', async () => {
      expect(await servedTo(pod)).toBe(a);
      const held = session(pod, { host: 'pg', sslmode: 'verify-full', sslrootcert: ca.cert });
      const before = await held.query('select pg_backend_pid()');
      expect(before).toMatch(/^\d+$/);
      const postmaster = pod.postmasterPid();

      const b = renew(r, 'server', ca);
      const serialB = await serialOf(b.tlsCrt);
      expect(serialB).not.toBe(a);
      pod.swap('pg-server-cert', b.dir);
      const served = await until(() => servedTo(pod), serialB, 10_000);
      expect(served.value).toBe(serialB);
      // one period to notice, plus the reload and a new TLS handshake
      expect(served.ms).toBeLessThan(PERIOD * 1000 + 2000);

      expect(await held.query('select pg_backend_pid()')).toBe(before);
      held.close();
      expect(pod.postmasterPid()).toBe(postmaster);
      expect(
        await psql(
          {
            hostaddr: '127.0.0.1',
            port: pod.port,
            host: 'pg',
            user: 'postgres',
            dbname: 'postgres',
            sslmode: 'verify-full',
            sslrootcert: ca.cert,
          },
          'select ssl from pg_stat_ssl where pid = pg_backend_pid()',
          { password: PASSWORD, account, home: work.dir },
        ),
      ).toMatchObject({ ok: true, out: 't' });
      expect(readFileSync(join(pod.root, 'reloader.log'), 'utf8')).toContain(
        'PostgreSQL reloads its TLS files (SIGHUP)',
      );
    });

    const reloaderLog = () => readFileSync(join(pod.root, 'reloader.log'), 'utf8');

    it('rotation: a key that does not match its certificate leaves the server serving the certificate in use, and nothing crashes', async () => {
      const inUse = await servedTo(pod);
      const postmaster = pod.postmasterPid();
      const logBefore = pod.log().length;
      const broken = renew(r, 'server', ca);
      copyFileSync(renew(r, 'server', ca).tlsKey, broken.tlsKey); // another renewal's key
      pod.swap('pg-server-cert', broken.dir);
      // The watcher's verdict, whenever the (loaded) machine lets it come.
      const refusal = /the key .*server\.key does not match .*server\.crt/;
      expect((await until(reloaderLog, (l: string) => refusal.test(l), 30_000)).value).toMatch(
        refusal,
      );
      // No crash, no restart of any server process, no shutdown.
      expect(pod.log().slice(logBefore)).not.toMatch(
        /PANIC|terminated by signal|was terminated|shutting down|FATAL/,
      );
      expect(await servedTo(pod)).toBe(inUse);
      // Even told to reload, PostgreSQL keeps its TLS context when the new files fail to load.
      process.kill(postmaster, 'SIGHUP');
      const mismatch = /private key does not match|key values mismatch/;
      expect((await until(pod.log, (l: string) => mismatch.test(l), 30_000)).value).toMatch(
        mismatch,
      );
      expect(await servedTo(pod)).toBe(inUse);
      expect(pod.postmasterPid()).toBe(postmaster);
      // The next good renewal is taken up.
      const good = renew(r, 'server', ca);
      pod.swap('pg-server-cert', good.dir);
      expect((await until(() => servedTo(pod), await serialOf(good.tlsCrt), 10_000)).value).toBe(
        await serialOf(good.tlsCrt),
      );
    });

    it('rotation: a half-written secret (an empty key) is refused the same way', async () => {
      const inUse = await servedTo(pod);
      const half = renew(r, 'server', ca);
      writeFileSync(half.tlsKey, '');
      pod.swap('pg-server-cert', half.dir);
      const refusal = /server\.key holds no private key/;
      expect((await until(reloaderLog, (l: string) => refusal.test(l), 30_000)).value).toMatch(
        refusal,
      );
      expect(await servedTo(pod)).toBe(inUse);
    });
  });

  describe("rotation of a standby's client certificate (replicas 2, verify-full, md5)", () => {
    let r: Rendered;
    let primary: Pod;
    let standby: Pod;
    beforeAll(async () => {
      r = renderItems([issuer('ca'), postgres({ version: VERSION, replicas: 2 })]);
      const secrets = issueAll(ca, r.certificates, join(work.dir, 'standby', 'secrets'));
      primary = await start(r, 'standby', secrets, 0);
      standby = await start(r, 'standby', secrets, 1, primary.port);
    });

    const streaming = async () =>
      (
        await local(
          primary,
          "select s.client_serial from pg_stat_replication r join pg_stat_ssl s using (pid) where r.state = 'streaming'",
        )
      ).out;

    it('rotation: the standby keeps streaming, and reconnects with the renewed client certificate', async () => {
      const first = (await until(streaming, (v: string) => /^\d+$/.test(v), 20_000)).value;
      expect(first).toMatch(/^\d+$/);
      const renewed = renew(r, 'client', ca);
      const serial = BigInt(
        `0x${(await serialOf(renewed.tlsCrt)).replace('serial=', '')}`,
      ).toString();
      standby.swap('pg-client-cert', renewed.dir);
      await new Promise((res) => setTimeout(res, PERIOD * 2000));
      // Still the same streaming connection, and WAL still arrives.
      expect(await streaming()).toBe(first);
      expect(
        await local(
          primary,
          'create table after_rotation (x int); insert into after_rotation values (7)',
        ),
      ).toMatchObject({ ok: true });
      const read = () => local(standby, 'select x from after_rotation').then((a) => a.out);
      expect((await until(read, '7', 10_000)).value).toBe('7');
      // A new replication connection presents the renewed certificate.
      expect(
        await local(primary, 'select pg_terminate_backend(pid) from pg_stat_replication'),
      ).toMatchObject({ ok: true });
      expect((await until(streaming, serial, 20_000)).value).toBe(serial);
      expect(standby.log()).not.toMatch(/FATAL:.*certificate/);
    });
  });

  describe('CA rollover (clientAuthMode cert)', () => {
    let r: Rendered;
    let pod: Pod;
    let newCA: TestCA;
    beforeAll(async () => {
      newCA = createTestCA(join(work.dir, 'new-ca'), 'dbtls test CA 2');
      r = renderItems([issuer('ca'), postgres({ version: VERSION, clientAuthMode: 'cert' })]);
      pod = await start(
        r,
        'rollover',
        issueAll(ca, r.certificates, join(work.dir, 'rollover', 'secrets')),
      );
    });

    /** Connects with the client certificate `client` (tls.crt/tls.key), verifying the server with `root`. */
    async function connect(client: { tlsCrt: string; tlsKey: string }, root: string) {
      chownSync(client.tlsKey, account.uid, account.gid);
      return psql(
        {
          hostaddr: '127.0.0.1',
          port: pod.port,
          host: 'pg',
          user: 'postgres',
          dbname: 'postgres',
          sslmode: 'verify-full',
          sslrootcert: root,
          sslcert: client.tlsCrt,
          sslkey: client.tlsKey,
        },
        'select client_dn from pg_stat_ssl where pid = pg_backend_pid()',
        { account, home: work.dir },
      );
    }

    it('rotation: while the secrets carry two CAs both are trusted; once every secret has the new CA only the new one is', async () => {
      const oldClient = renew(r, 'client', ca);
      expect(await connect(oldClient, ca.cert)).toMatchObject({ ok: true, out: '/CN=postgres' });

      // The issuer's CA changed; the server certificate is renewed first.
      const server = renew(r, 'server', newCA);
      pod.swap('pg-server-cert', server.dir);
      const serial = await serialOf(server.tlsCrt);
      expect((await until(() => servedTo(pod), serial, 10_000)).value).toBe(serial);
      const newClient = renew(r, 'client', newCA);
      expect(await connect(oldClient, newCA.cert)).toMatchObject({ ok: true, out: '/CN=postgres' });
      expect(await connect(newClient, newCA.cert)).toMatchObject({ ok: true, out: '/CN=postgres' });
      expect(
        readFileSync(join(pod.root, 'tls/trust/ca.crt'), 'utf8').match(/BEGIN CERTIFICATE/g),
      ).toHaveLength(2);

      // The client certificate is renewed by the new CA too: the old CA is no longer trusted.
      pod.swap('pg-client-cert', renew(r, 'client', newCA).dir);
      const one = async () =>
        (readFileSync(join(pod.root, 'tls/trust/ca.crt'), 'utf8').match(/BEGIN CERTIFICATE/g) ?? [])
          .length;
      expect((await until(one, 1, 10_000)).value).toBe(1);
      await new Promise((res) => setTimeout(res, 500)); // the reload after the bundle
      const refused = await connect(oldClient, newCA.cert);
      expect(refused.ok).toBe(false);
      expect(refused.err).toMatch(/unknown ca|certificate verify failed/);
      expect(await connect(newClient, newCA.cert)).toMatchObject({ ok: true, out: '/CN=postgres' });
    });
  });
});
