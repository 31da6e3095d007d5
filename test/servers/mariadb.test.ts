import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, issuer } from '../helpers.js';
import { createTestCA, type TestCA } from './ca-issuer.js';
import { SKIP, requireRoot, workDir } from './env.js';
import { type MariaDB, MARIADBD, mariadb, optionName } from './mariadb-server.js';
import { type ProfileOptions, startProfile, type Started, tcp } from './mysql-profile.js';
import { requiredTLSChecks } from './mysql-tls-checks.js';
import { exampleItems } from './render.js';
import { freePort } from './postgres-server.js';

const GALERA = (key: string) => /^wsrep/.test(optionName(key).replace(/-/g, '_'));
const md = (spec: Record<string, unknown>, name = 'md') => ({
  apiVersion: 'kubedb.com/v1',
  kind: 'MariaDB',
  metadata: { name, namespace: 'demo' },
  spec: {
    version: '11.4.3',
    tls: { issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' } },
    ...spec,
  },
});
/** The guide's issuer and one of its databases. */
const example = (name: string) =>
  exampleItems(join(ROOT, 'examples/mariadb')).filter(
    (i: any) => i.kind === 'Issuer' || i.metadata.name === name,
  );

let work: { dir: string; cleanup: () => void };
let ca: TestCA;
let otherCA: TestCA;
let opts: ProfileOptions;
const servers: MariaDB[] = [];

describe.skipIf(SKIP)('MariaDB TLS settings on MariaDB', () => {
  beforeAll(() => {
    requireRoot();
    if (!existsSync(MARIADBD)) throw new Error(`${MARIADBD} is missing; run .ci/install-tools`);
    work = workDir('mariadb');
    ca = createTestCA(join(work.dir, 'ca'));
    otherCA = createTestCA(join(work.dir, 'other-ca'), 'some other CA');
    opts = {
      ca,
      work: work.dir,
      sharedTemplate: join(work.dir, 'template'),
      notShared: GALERA,
      servers,
    };
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    work?.cleanup();
  });

  describe('requireSSL: true (examples/mariadb, tls-standalone.yaml)', () => {
    let s: Started;
    beforeAll(async () => {
      s = await startProfile(example('md-standalone-tls'), 'standalone', opts);
    }, 120_000);

    requiredTLSChecks({
      started: () => s,
      ca: () => ca,
      otherCA: () => otherCA,
      host: 'md-standalone-tls.demo.svc.cluster.local',
    });
  });

  describe('Galera pod 0 (examples/mariadb, tls-cluster.yaml)', () => {
    let s: Started;
    beforeAll(async () => {
      s = await startProfile(example('md-cluster-tls'), 'cluster', opts);
    }, 120_000);

    it('keeps the client TLS settings; leaves out only the Galera options', async () => {
      expect(s.kept.map(([k]) => optionName(k))).toEqual([
        'ssl-ca',
        'ssl-cert',
        'ssl-key',
        'require-secure-transport',
        'binlog-format',
        'default-storage-engine',
        'innodb-autoinc-lock-mode',
      ]);
      expect(s.skipped).toEqual([
        'wsrep_on',
        'wsrep_provider',
        'wsrep_cluster_name',
        'wsrep_cluster_address',
        'wsrep_sst_method',
        'wsrep_provider_options',
      ]);
      expect((await tcp(s.server, '--skip-ssl', '-e', 'select 1')).ok).toBe(false);
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

  describe('Galera replication between two pods over TLS (examples/mariadb, tls-cluster.yaml)', () => {
    // Adaptations: peers on 127.0.0.1 at free ports instead of the pods' DNS names (gmcast and IST
    // listen addresses added to the rendered wsrep_provider_options, wsrep_node_address
    // 127.0.0.1); pod 0 bootstraps with an empty gcomm:// as the rendered start.sh's
    // --wsrep-new-cluster does. Pod 1 starts empty and receives pod 0's data by the rendered SST
    // (rsync through stunnel with the [sst] tca/tcert/tkey), received at a free port.
    const ports = { gcomm: [0, 0, 0], ist: [0, 0, 0], sst: [0, 0, 0] };
    let node0: Started;
    let node1: Started;
    const adaptFor =
      (ordinal: number) =>
      (options: [string, string | undefined][]): [string, string | undefined][] =>
        options
          .map(([k, v]): [string, string | undefined] => {
            if (k === 'wsrep_cluster_address')
              return [k, ordinal === 0 ? 'gcomm://' : `gcomm://127.0.0.1:${ports.gcomm[0]}`];
            if (k === 'wsrep_provider_options')
              return [
                k,
                `"${v};gmcast.listen_addr=tcp://127.0.0.1:${ports.gcomm[ordinal]};ist.recv_addr=127.0.0.1:${ports.ist[ordinal]}"`,
              ];
            return [k, v];
          })
          .concat([
            ['wsrep_node_address', '127.0.0.1'],
            ['wsrep_sst_receive_address', `127.0.0.1:${ports.sst[ordinal]}`],
          ]);
    const status = async (s: Started, name: string) =>
      (
        await mariadb(['-S', s.server.socket, '-uroot', '-e', `show status like '${name}'`])
      ).out.split('\t')[1];

    beforeAll(async () => {
      for (const i of [0, 1])
        for (const k of ['gcomm', 'ist', 'sst'] as const) ports[k][i] = await freePort();
      const cluster = example('md-cluster-tls');
      node0 = await startProfile(cluster, 'galera', {
        ...opts,
        notShared: () => false,
        adapt: adaptFor(0),
        ordinal: 0,
      });
      expect(
        await mariadb([
          '-S',
          node0.server.socket,
          '-uroot',
          '-e',
          "create database galera; create table galera.t (id int primary key, v text); insert into galera.t values (1, 'before pod 1 joined')",
        ]),
      ).toMatchObject({ ok: true });
      node1 = await startProfile(cluster, 'galera', {
        ...opts,
        notShared: () => false,
        adapt: adaptFor(1),
        ordinal: 1,
        createRoot: false,
      });
    }, 180_000);

    it('pod 1 joins pod 0 and receives what was written before (SST) and after, over TLS with the server certificate', async () => {
      expect(await status(node0, 'wsrep_cluster_size')).toBe('2');
      expect(await status(node1, 'wsrep_local_state_comment')).toBe('Synced');
      expect(
        await mariadb([
          '-S',
          node0.server.socket,
          '-uroot',
          '-e',
          "insert into galera.t values (2, 'after')",
        ]),
      ).toMatchObject({ ok: true });
      const rows = async () =>
        (
          await mariadb([
            '-S',
            node1.server.socket,
            '-uroot',
            '-e',
            'select id, v from galera.t order by id',
          ])
        ).out;
      for (let i = 0; i < 50 && (await rows()) !== '1\tbefore pod 1 joined\n2\tafter'; i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(await rows()).toBe('1\tbefore pod 1 joined\n2\tafter');
      // Galera listens on ssl:// and both ends log a TLS handshake with the rendered certificates.
      const donor = node0.server.log();
      expect(donor).toContain(`listening at ssl://127.0.0.1:${ports.gcomm[0]}`);
      expect(donor).toMatch(
        new RegExp(`connection established to \\S+ ssl://127\\.0\\.0\\.1:${ports.gcomm[1]}`),
      );
      // State transfer: IST over Galera's TLS socket, SST by rsync through stunnel with the [sst] files.
      expect(donor).toContain(`async IST sender starting to serve ssl://127.0.0.1:${ports.ist[1]}`);
      expect(donor).toContain('Verifying peer certificate chain for ssl-mode=VERIFY_CA');
      expect(donor).toMatch(
        /Using stunnel for SSL encryption: CA: '\S+\/etc\/mysql\/certs\/trust\/ca\.crt'/,
      );
      expect(donor).toContain('rsync SST completed on donor');
      console.log(
        'NODE1LOG',
        node1.server
          .log()
          .split('\n')
          .filter((l) => /SST|sst|stunnel|IST|ssl|SSL|TLS/.test(l))
          .join('\n'),
      );
    });
    it('refuses a pod whose certificates come from another CA', async () => {
      ports.gcomm[2] = await freePort();
      ports.ist[2] = await freePort();
      ports.sst[2] = await freePort();
      const joining = startProfile(example('md-cluster-tls'), 'galera-other-ca', {
        ...opts,
        ca: otherCA,
        notShared: () => false,
        adapt: adaptFor(2),
        ordinal: 2,
        createRoot: false,
      });
      await expect(joining).rejects.toThrow(/mariadbd exited/);
      // The TLS handshake between pod 0 and the foreign pod fails: neither trusts the other's CA.
      expect(node0.server.log()).toContain(
        'Failed to establish connection: tlsv1 alert unknown ca',
      );
      expect(await status(node0, 'wsrep_cluster_size')).toBe('2');
    }, 120_000);
  });

  describe("a user configuration included (spec.configuration: the Secret's *.cnf and inline)", () => {
    // The user's files turn require_secure_transport off and name another certificate; dbtls's
    // my.cnf is included after them.
    const secretCnf = [
      '[mysqld]',
      'max_connections = 77',
      'max_allowed_packet = 8M',
      'require_secure_transport = OFF',
      '',
    ].join('\n');
    const inlineCnf = [
      '[mysqld]',
      'max_connections = 123',
      'require_secure_transport=OFF',
      'ssl_cert = /nonexistent/tls.crt',
      '',
    ].join('\n');
    let s: Started;
    beforeAll(async () => {
      const user = join(work.dir, 'user-config-secret');
      mkdirSync(user, { recursive: true });
      writeFileSync(join(user, 'md-config.cnf'), secretCnf);
      const db = md({
        requireSSL: true,
        configuration: { secretName: 'md-configuration', inline: { 'md.cnf': inlineCnf } },
      });
      s = await startProfile([issuer('ca'), db], 'user-config', {
        ...opts,
        secrets: { 'md-configuration': user },
      });
    }, 120_000);

    it("warns that dbtls's require_secure_transport and ssl_cert win over the inline ones", () => {
      const tail = "comes after the user's configuration and wins";
      expect(s.r.warnings).toEqual(
        expect.arrayContaining([
          "line 3: require_secure_transport=OFF conflicts with dbtls's TLS settings; dbtls's " +
            `require_secure_transport=ON ${tail}`,
          "line 4: ssl_cert=/nonexistent/tls.crt conflicts with dbtls's TLS settings; dbtls's " +
            `ssl_cert=/etc/mysql/certs/server/tls.crt ${tail}`,
        ]),
      );
    });

    it("runs with the user's settings (inline over the Secret's) and dbtls's TLS settings", async () => {
      expect(
        await mariadb([
          '-S',
          s.server.socket,
          '-uroot',
          '-e',
          'select @@max_connections, @@max_allowed_packet, @@require_secure_transport, ' +
            '@@have_ssl, @@ssl_cert',
        ]),
      ).toMatchObject({
        ok: true,
        out: `123\t8388608\t1\tYES\t${s.root}/etc/mysql/certs/server/tls.crt`,
      });
    });

    it('still refuses plaintext, and accepts TLS verified against the CA', async () => {
      const plain = await tcp(s.server, '--skip-ssl', '-e', 'select 1');
      expect(plain.ok).toBe(false);
      expect(plain.err).toContain("Access denied for user 'root'@'127.0.0.1'");
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

  describe('requireSSL: false', () => {
    it('accepts plaintext and verified TLS', async () => {
      const s = await startProfile([issuer('ca'), md({ requireSSL: false })], 'optional', opts);
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
