// Exactly as strict as KubeDB: what its CRDs and webhooks (kubedb/apimachinery, kubevault/
// apimachinery) accept is never an error in operator or validate mode. spec.version names a
// catalog object (fn/catalog/); an alias the operator does not issue is ignored by it, so a warning
// here; a rule the webhook does not have is at most a warning that says why.
import { describe, expect, it } from 'vitest';
import { KINDS } from '../fn/kinds/index.js';
import { errorsOf, issuer, itemsOf, resourceList, resultsOf, runFn } from './helpers.js';

const ISSUER = { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' };
const MODES = ['standalone', 'operator', 'validate'] as const;
const config = (mode: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'function-input' },
  data: { mode },
});
const db = (kind: string, spec: Record<string, unknown>, apiVersion = 'kubedb.com/v1') => ({
  apiVersion,
  kind,
  metadata: { name: 'db', namespace: 'demo' },
  spec,
});
const run = (items: unknown[], mode = 'standalone', functionConfig?: unknown) =>
  runFn(resourceList([issuer(), ...items], functionConfig ?? config(mode)));
const at = (r: ReturnType<typeof run>, field: string) =>
  resultsOf(r).filter((x) => x.field === field);
const certificateNames = (r: ReturnType<typeof run>) =>
  itemsOf(r, 'Certificate').map((c) => c.metadata.name);

describe('an alias the operator issues no certificate for is ignored, with a warning', () => {
  const kinds: [string, Record<string, unknown>, string, string][] = [
    ['Postgres', { version: '16.4' }, 'exporter', 'server, client, metrics-exporter'],
    ['MySQL', { version: '8.4.3' }, 'router', 'server, client, metrics-exporter'],
    ['Redis', { version: '7.4.1' }, 'ca', 'server, client, metrics-exporter'],
    [
      'PerconaXtraDB',
      { version: '8.0.40', replicas: 3 },
      'exporter',
      'server, client, metrics-exporter',
    ],
  ];
  for (const [kind, spec, alias, issued] of kinds) {
    it(`${kind} alias ${alias}, in every mode`, () => {
      for (const mode of MODES) {
        const tls = { issuerRef: ISSUER, certificates: [{ alias, secretName: 'x' }] };
        const r = run([db(kind, { ...spec, tls })], mode);
        expect(errorsOf(r), mode).toEqual([]);
        expect(at(r, 'spec.tls.certificates[0].alias')).toEqual([
          {
            severity: 'warning',
            field: 'spec.tls.certificates[0].alias',
            message: `alias "${alias}" is not a certificate this ${kind} issues: ${kind} issues ${issued}, and no other; KubeDB ignores the entry (the CRD takes any alias), and so does dbtls: remove it, or give one of those aliases`,
          },
        ]);
        // Validate mode renders nothing; the others issue exactly the kind's own aliases.
        const expected = mode === 'validate' ? [] : issued.split(', ').map((a) => `db-${a}-cert`);
        expect(certificateNames(r)).toEqual(expected);
      }
    });
  }

  it("MariaDB's archiver (the docs' older name of client): the reason is said", () => {
    const tls = { issuerRef: ISSUER, certificates: [{ alias: 'archiver' }] };
    const r = run([db('MariaDB', { version: '11.4.3', tls })], 'operator');
    expect(resultsOf(r)).toEqual([
      {
        severity: 'warning',
        field: 'spec.tls.certificates[0].alias',
        message:
          'alias "archiver" is not a certificate this MariaDB issues: archiver is KubeDB\'s older name of the client certificate (its docs still show it); current KubeDB issues server, client and metrics-exporter; KubeDB ignores the entry (the CRD takes any alias), and so does dbtls: remove it',
      },
    ]);
    expect(certificateNames(r)).toEqual([
      'db-server-cert',
      'db-client-cert',
      'db-metrics-exporter-cert',
    ]);
  });

  it('VaultServer ca: issued by KubeVault without issuerRef, ignored (a warning) with one', () => {
    const vault = (tls: unknown) =>
      db(
        'VaultServer',
        { version: '1.18.4', backend: { raft: {} }, tls },
        'kubevault.com/v1alpha2',
      );
    const own = run([vault({ certificates: [{ alias: 'ca' }] })], 'operator');
    expect(resultsOf(own).filter((x) => x.severity !== 'info')).toEqual([]);
    const withIssuer = run(
      [vault({ issuerRef: ISSUER, certificates: [{ alias: 'ca' }] })],
      'operator',
    );
    expect(errorsOf(withIssuer)).toEqual([]);
    expect(at(withIssuer, 'spec.tls.certificates[0].alias')).toEqual([
      expect.objectContaining({
        severity: 'warning',
        message: expect.stringContaining(
          'KubeVault creates a CA of its own only when spec.tls has no issuerRef; with one, the issuer is the CA',
        ),
      }),
    ]);
    expect(certificateNames(withIssuer)).toEqual([
      'db-server-certs',
      'db-client-certs',
      'db-storage-certs',
    ]);
  });

  it('MSSQLServer endpoint without an availability group: ignored, no endpoint certificate', () => {
    const ms = db(
      'MSSQLServer',
      {
        version: '2022-cu12',
        podTemplate: {
          spec: { containers: [{ name: 'mssql', env: [{ name: 'MSSQL_PID', value: 'Express' }] }] },
        },
        tls: { issuerRef: ISSUER, certificates: [{ alias: 'endpoint' }] },
      },
      'kubedb.com/v1alpha2',
    );
    const r = run([ms], 'operator');
    expect(errorsOf(r)).toEqual([]);
    expect(at(r, 'spec.tls.certificates[0].alias')[0].severity).toBe('warning');
    expect(certificateNames(r)).toEqual(['db-server-cert', 'db-client-cert']);
  });

  it('a non-string alias is still an error: the CRD types it a string', () => {
    const tls = { issuerRef: ISSUER, certificates: [{ alias: 1 }] };
    expect(errorsOf(run([db('Postgres', { version: '16.4', tls })], 'operator'))).toEqual([
      {
        severity: 'error',
        field: 'spec.tls.certificates[0].alias',
        message: 'spec.tls.certificates[0].alias must be a string, got number 1',
      },
    ]);
  });
});

describe('MongoDB: rules as the webhook has them', () => {
  const sharded = {
    version: '8.0.17',
    tls: { issuerRef: ISSUER },
    shardTopology: {
      shard: { shards: 2, replicas: 3 },
      configServer: { replicas: 3 },
      mongos: { replicas: 2 },
    },
  };

  it('spec.replicaSet beside spec.shardTopology: sharded, the replica set ignored (a warning)', () => {
    const r = run([db('MongoDB', { ...sharded, replicaSet: { name: 'rs0' } })], 'operator');
    expect(errorsOf(r)).toEqual([]);
    expect(at(r, 'spec.replicaSet')).toEqual([
      {
        severity: 'warning',
        field: 'spec.replicaSet',
        message:
          "spec.replicaSet is ignored beside spec.shardTopology: KubeDB runs a sharded cluster and names each shard's replica set itself (shard<N>, or spec.shardTopology.shard.prefix followed by N); remove spec.replicaSet",
      },
    ]);
    expect(certificateNames(r)).toContain('db-shard0-server-cert');
  });

  it('spec.replicas beside spec.shardTopology stays an error: the webhook refuses it', () => {
    const r = run([db('MongoDB', { ...sharded, replicas: 3 })], 'operator');
    expect(errorsOf(r).map((e) => e.field)).toEqual(['spec.replicas']);
  });
});

describe('spec.version names a catalog object', () => {
  const timescale = {
    apiVersion: 'catalog.kubedb.com/v1alpha1',
    kind: 'PostgresVersion',
    metadata: { name: 'corp-timescale' },
    spec: {
      version: '14.11',
      distribution: 'TimescaleDB',
      db: { image: 'timescale/timescaledb:2.14.2-pg14-oss' },
    },
  };
  const pg = (version: string, spec: Record<string, unknown> = {}) =>
    db('Postgres', { version, tls: { issuerRef: ISSUER }, ...spec });
  const imagesOf = (r: ReturnType<typeof run>) =>
    itemsOf(r, 'StatefulSet').flatMap((s) =>
      s.spec.template.spec.containers.map((c: any) => c.image),
    );

  it('KubeDB naming schemes and the published catalog: never an error in operator or validate mode', () => {
    for (const version of [
      'timescaledb-2.14.2-pg14',
      '18.3-ext',
      '16.13-bookworm-ext',
      '14-bullseye-postgis',
      '17.9-percona',
      '16.4-bookworm',
    ])
      for (const mode of ['operator', 'validate'])
        expect(resultsOf(run([pg(version)], mode)), `${version} ${mode}`).toEqual([]);
    for (const [kind, version] of [
      ['MySQL', '8.0.31-innodb'],
      ['Redis', 'valkey-8.1.1'],
      ['MariaDB', '10.5.23-debian'],
    ])
      expect(
        resultsOf(run([db(kind, { version, tls: { issuerRef: ISSUER } })], 'operator')),
      ).toEqual([]);
  });

  it('the engine version comes from the catalog: clientAuthMode defaults and checks by it', () => {
    // PostgreSQL 18 under KubeDB v1 defaults to scram; timescaledb-…-pg14 is PostgreSQL 14.11.
    const r = run([pg('timescaledb-2.14.2-pg14', { clientAuthMode: 'md5' })], 'operator');
    expect(resultsOf(r)).toEqual([]);
    const r18 = run([pg('18.3-ext', { clientAuthMode: 'md5' })], 'operator');
    expect(at(r18, 'spec.clientAuthMode')[0].severity).toBe('warning');
  });

  it('a catalog object in the input is read: its engine version and distribution', () => {
    const r = run([timescale, pg('corp-timescale')], 'operator');
    expect(resultsOf(r)).toEqual([]);
    const standalone = run([timescale, pg('corp-timescale')], 'standalone');
    expect(errorsOf(standalone)).toEqual([
      {
        severity: 'error',
        field: 'spec.version',
        message:
          '"corp-timescale" is PostgreSQL 14.11 of the TimescaleDB distribution (PostgresVersion "corp-timescale" in the input, image timescale/timescaledb:2.14.2-pg14-oss); standalone mode runs the upstream postgres image of the PostgreSQL version only: name an Official PostgresVersion, or use mode: operator',
      },
    ]);
    const official = { ...timescale, spec: { version: '16.4', distribution: 'Official' } };
    expect(imagesOf(run([official, pg('corp-timescale')]))).toContain('postgres:16.4');
  });

  it("a version the policy's versions declare", () => {
    const policy = {
      apiVersion: 'dbtls.dev/v1alpha1',
      kind: 'DatabaseTLSPolicy',
      metadata: { name: 'p' },
      spec: { versions: [{ kind: 'PostgresVersion', name: 'corp-16', version: '16.4' }] },
    };
    const r = run([pg('corp-16')], 'standalone', policy);
    expect(errorsOf(r)).toEqual([]);
    expect(imagesOf(r)).toContain('postgres:16.4');
  });

  it("the policy's versions take the catalog kinds of the kinds, and no other", () => {
    const policy = (kind: string) => ({
      apiVersion: 'dbtls.dev/v1alpha1',
      kind: 'DatabaseTLSPolicy',
      metadata: { name: 'p' },
      spec: { versions: [{ kind, name: 'corp-16', version: '16.4' }] },
    });
    // Redis and RedisSentinel both name a RedisVersion: the schema lists each catalog kind once.
    const catalogs = [...new Set(KINDS.map((k) => k.versionNaming?.catalogKind))];
    expect(catalogs).toContain('VaultServerVersion');
    for (const c of catalogs) expect(errorsOf(run([], 'operator', policy(c!)))).toEqual([]);
    const [refused] = errorsOf(run([], 'operator', policy('ElasticsearchVersion')));
    expect(refused.field).toBe('spec.versions[0].kind');
    expect(refused.message).toContain(catalogs.join(', '));
  });

  it('a name dbtls cannot read: a warning where a check depends on it, in operator mode', () => {
    expect(resultsOf(run([pg('corp-16')], 'operator'))).toEqual([
      {
        severity: 'warning',
        field: 'spec.version',
        message:
          "\"corp-16\" names no PostgresVersion dbtls knows (none in the input, the policy's versions or the published catalog) and follows none of KubeDB's naming schemes, so the PostgreSQL version cannot be known, and dbtls checks neither clientAuthMode's default nor scram's minimum version",
      },
    ]);
    // Nothing dbtls checks of a Singlestore depends on its version: no warning.
    const sdb = db(
      'Singlestore',
      { version: 'corp-8', tls: { issuerRef: ISSUER } },
      'kubedb.com/v1alpha2',
    );
    expect(resultsOf(run([sdb], 'operator')).filter((x) => x.field === 'spec.version')).toEqual([]);
  });

  it('a version the published catalog marks deprecated: a warning (the webhook refuses it)', () => {
    expect(at(run([pg('10.2')], 'operator'), 'spec.version')).toEqual([
      {
        severity: 'warning',
        field: 'spec.version',
        message:
          '"10.2" is deprecated: PostgresVersion "10.2" of KubeDB\'s published catalog (kubedb/installer@0c6e2459d95d) marks it so, and KubeDB\'s webhook refuses a Postgres of a deprecated PostgresVersion; choose a current one',
      },
    ]);
  });

  it('standalone mode runs the upstream image of an Official version, and refuses the others', () => {
    expect(imagesOf(run([pg('16.4-bookworm')]))).toContain('postgres:16.4');
    const valkey = run([db('Redis', { version: 'valkey-8.1.1', tls: { issuerRef: ISSUER } })]);
    expect(errorsOf(valkey)).toEqual([
      {
        severity: 'error',
        field: 'spec.version',
        message:
          '"valkey-8.1.1" is Redis 8.1.1 of the Valkey distribution (RedisVersion "valkey-8.1.1" of KubeDB\'s published catalog (kubedb/installer@0c6e2459d95d), image ghcr.io/appscode-images/valkey:8.1.1); standalone mode runs the upstream redis image of the Redis version only: name an Official RedisVersion, or use mode: operator',
      },
    ]);
  });
});

describe('a catalog object in the input', () => {
  const version = {
    apiVersion: 'catalog.kubedb.com/v1alpha1',
    kind: 'PostgresVersion',
    metadata: { name: 'corp-16' },
    spec: { version: '16.4', distribution: 'Official' },
  };
  const pg = db('Postgres', { version: 'corp-16', tls: { issuerRef: ISSUER } });
  const annotationsOf = (r: ReturnType<typeof run>) =>
    itemsOf(r, 'PostgresVersion')[0].metadata.annotations ?? {};

  it('standalone mode marks it local-config, as the database: no KubeDB, no such kind', () => {
    const r = run([version, pg]);
    expect(annotationsOf(r)['config.kubernetes.io/local-config']).toBe('true');
    expect(resultsOf(r)).toContainEqual({
      severity: 'info',
      field: 'metadata.annotations.config.kubernetes.io/local-config',
      message:
        'metadata.annotations.config.kubernetes.io/local-config is set to "true", so that PostgresVersion/corp-16 is not applied: standalone mode reads the version from it, and a cluster without KubeDB has no PostgresVersion kind',
    });
  });

  it('operator and validate mode pass it through unchanged', () => {
    for (const mode of ['operator', 'validate'])
      expect(annotationsOf(run([version, pg], mode))['config.kubernetes.io/local-config']).toBe(
        undefined,
      );
  });
});
