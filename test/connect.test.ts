// Applications that connect (fn/connect/): what a workload gets, each check's exact message, and
// the two properties of the issue over generated workloads of every kind: rendering again adds
// nothing, and removing dbtls.dev/connect-to gives back the workload as it was, byte for byte.
import fc from 'fast-check';
import { dump, load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { runKrm } from '../fn/cli/krm.js';
import { KUBERNETES_SCHEMA } from '../fn/io/yaml.js';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { KINDS } from '../fn/kinds/index.js';
import { clusterIssuer, issuer, postgres, resourceList, ROOT } from './helpers.js';
import { exampleItems } from './servers/render.js';

type Obj = Record<string, any>;
const parse = (text: string): any => load(text, { schema: KUBERNETES_SCHEMA });

function run(input: string): { text: string; items: Obj[]; results: Obj[]; exitCode: number } {
  const out = runKrm(Buffer.from(input));
  const doc = parse(out.stdout);
  return {
    text: out.stdout,
    items: doc.items ?? [],
    results: doc.results ?? [],
    exitCode: out.exitCode,
  };
}

/** The results about workloads (not the databases' own standalone-mode notes). */
const simple = (results: Obj[]) =>
  results
    .filter((r) => !KINDS.some((k) => k.kind === r.resourceRef?.kind))
    .map((r) => ({
      severity: r.severity,
      message: r.message,
      ...(r.field ? { field: r.field.path } : {}),
    }));

function deployment(
  annotations: Record<string, string>,
  pod: Obj = {},
  name = 'app',
  namespace = 'demo',
): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, annotations },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          securityContext: { fsGroup: 10001 },
          containers: [{ name: 'app', image: 'example/app' }],
          ...pod,
        },
      },
    },
  };
}

const workloadOf = (items: Obj[], kind = 'Deployment', name = 'app') =>
  items.find((i) => i.kind === kind && i.metadata.name === name)!;
const envOf = (w: Obj, container = 0) =>
  Object.fromEntries(
    (w.spec.template.spec.containers[container].env ?? []).map((e: Obj) => [e.name, e.value]),
  );

describe('a workload that connects to a Postgres', () => {
  it('gets a client Certificate, the files mounted with modes libpq accepts, and the libpq variables', () => {
    const r = run(
      resourceList([
        issuer('ca'),
        postgres({ clientAuthMode: 'cert' }),
        deployment({ 'dbtls.dev/connect-to': 'Postgres/pg', 'dbtls.dev/connect-as': 'app' }),
      ]),
    );
    expect(simple(r.results)).toEqual([]);
    const cert = r.items.find(
      (i) => i.kind === 'Certificate' && i.metadata.name === 'app-pg-client',
    )!;
    expect(cert.metadata.annotations['dbtls.dev/generated-from']).toBe('Deployment/demo/app');
    expect(cert.spec).toEqual({
      secretName: 'app-pg-client',
      issuerRef: { group: 'cert-manager.io', kind: 'Issuer', name: 'ca' },
      commonName: 'app',
      usages: ['digital signature', 'key encipherment', 'client auth'],
    });
    const w = workloadOf(r.items);
    expect(envOf(w)).toEqual({
      PGHOST: 'pg',
      PGPORT: '5432',
      PGSSLMODE: 'verify-full',
      PGUSER: 'app',
      PGSSLROOTCERT: '/etc/dbtls/pg/tls/ca.crt',
      PGSSLCERT: '/etc/dbtls/pg/tls/tls.crt',
      PGSSLKEY: '/etc/dbtls/pg/tls/tls.key',
    });
    expect(w.spec.template.spec.volumes).toEqual([
      {
        name: 'dbtls-pg-tls',
        secret: {
          secretName: 'app-pg-client',
          items: [
            { key: 'ca.crt', path: 'ca.crt', mode: 0o444 },
            { key: 'tls.crt', path: 'tls.crt', mode: 0o444 },
            { key: 'tls.key', path: 'tls.key', mode: 0o440 },
          ],
        },
      },
    ]);
  });

  it('across namespaces reaches the Service by <name>.<namespace>.svc, with a ClusterIssuer', () => {
    const db = postgres(
      {
        tls: {
          issuerRef: { apiGroup: 'cert-manager.io', kind: 'ClusterIssuer', name: 'cluster-ca' },
        },
      },
      'pg',
      'db',
    );
    const r = run(
      resourceList([
        clusterIssuer('cluster-ca'),
        db,
        deployment({ 'dbtls.dev/connect-to': 'Postgres/db/pg' }, {}, 'app', 'apps'),
      ]),
    );
    expect(simple(r.results)).toEqual([]);
    expect(envOf(workloadOf(r.items))).toMatchObject({
      PGHOST: 'pg.db.svc',
      PGUSER: 'postgres',
      PGSSLROOTCERT: '/etc/dbtls/db-pg/tls/ca.crt',
    });
    const cert = r.items.find((i) => i.kind === 'Certificate' && i.metadata.namespace === 'apps')!;
    expect(cert.metadata.name).toBe('app-db-pg-client');
    expect(cert.spec.issuerRef).toEqual({
      group: 'cert-manager.io',
      kind: 'ClusterIssuer',
      name: 'cluster-ca',
    });
  });

  it("across namespaces with an Issuer of the same CA in the workload's namespace (connect-issuer)", () => {
    const r = run(
      resourceList([
        issuer('ca', 'db'),
        issuer('shop-ca', 'apps'),
        postgres({}, 'pg', 'db'),
        deployment(
          {
            'dbtls.dev/connect-to': 'Postgres/db/pg',
            'dbtls.dev/connect-issuer': 'Issuer/shop-ca',
          },
          {},
          'app',
          'apps',
        ),
      ]),
    );
    expect(simple(r.results)).toEqual([]);
    const cert = r.items.find((i) => i.kind === 'Certificate' && i.metadata.namespace === 'apps')!;
    expect(cert.spec.issuerRef).toEqual({
      group: 'cert-manager.io',
      kind: 'Issuer',
      name: 'shop-ca',
    });
  });

  it('a secret a Certificate of the input already writes is an error, and the workload is left as it is', () => {
    const mine = {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'mine', namespace: 'demo' },
      spec: { secretName: 'app-pg-client', issuerRef: { name: 'ca' }, commonName: 'x' },
    };
    const w = deployment({ 'dbtls.dev/connect-to': 'Postgres/pg' });
    const r = run(resourceList([issuer('ca'), postgres(), mine, w]));
    expect(simple(r.results)).toEqual([
      {
        severity: 'error',
        field: 'metadata.annotations.dbtls.dev/connect-to',
        message:
          'the client certificate of Deployment/demo/app for Postgres/demo/pg is written to secret "app-pg-client", which Certificate/demo/mine also writes; cert-manager issues only one Certificate per secret: rename the workload, or give Certificate/demo/mine another secret',
      },
    ]);
    expect(workloadOf(r.items)).toEqual(w);
  });

  it('never sets over what the container sets itself: a warning instead', () => {
    const pod = {
      containers: [{ name: 'app', image: 'a', env: [{ name: 'PGSSLMODE', value: 'require' }] }],
    };
    const r = run(
      resourceList([
        issuer('ca'),
        postgres(),
        deployment({ 'dbtls.dev/connect-to': 'Postgres/pg' }, pod),
      ]),
    );
    expect(simple(r.results)).toEqual([
      {
        severity: 'warning',
        field: 'metadata.annotations.dbtls.dev/connect-to',
        message:
          'container "app" sets PGSSLMODE to "require" itself; dbtls leaves it as it is (for Postgres/demo/pg it would be "verify-full")',
      },
    ]);
    expect(envOf(workloadOf(r.items)).PGSSLMODE).toBe('require');
  });

  it('only the containers named by dbtls.dev/containers, init containers too', () => {
    const pod = {
      initContainers: [{ name: 'migrate', image: 'm' }],
      containers: [
        { name: 'app', image: 'a' },
        { name: 'proxy', image: 'p' },
      ],
    };
    const r = run(
      resourceList([
        issuer('ca'),
        postgres(),
        deployment(
          { 'dbtls.dev/connect-to': 'Postgres/pg', 'dbtls.dev/containers': 'migrate, app' },
          pod,
        ),
      ]),
    );
    expect(simple(r.results)).toEqual([]);
    const spec = workloadOf(r.items).spec.template.spec;
    expect(spec.initContainers[0].env.map((e: Obj) => e.name)).toContain('PGHOST');
    expect(spec.containers[0].env.map((e: Obj) => e.name)).toContain('PGHOST');
    expect(spec.containers[1].env).toBeUndefined();
  });

  it('works in operator mode too: the same Service names', () => {
    const policy = {
      apiVersion: 'dbtls.dev/v1alpha1',
      kind: 'DatabaseTLSPolicy',
      metadata: { name: 'p' },
      spec: { mode: 'operator' },
    };
    const r = run(
      resourceList(
        [issuer('ca'), postgres(), deployment({ 'dbtls.dev/connect-to': 'Postgres/pg' })],
        policy,
      ),
    );
    expect(simple(r.results)).toEqual([]);
    expect(envOf(workloadOf(r.items)).PGHOST).toBe('pg');
  });
});

describe("each kind's client settings", () => {
  const example = (dir: string) => exampleItems(join(ROOT, 'examples', dir)) as Obj[];
  const connect = (dir: string, to: string, extra: Record<string, string> = {}) =>
    run(resourceList([...example(dir), deployment({ 'dbtls.dev/connect-to': to, ...extra })]));

  it('PerconaXtraDB: a [client] option file for MariaDB (MYSQL_HOME) and one for MySQL 8', () => {
    const r = connect('perconaxtradb', 'PerconaXtraDB/sample-pxc', {
      'dbtls.dev/connect-as': 'app',
    });
    expect(simple(r.results)).toEqual([]);
    const w = workloadOf(r.items);
    expect(envOf(w)).toEqual({ MYSQL_HOME: '/etc/dbtls/sample-pxc/config' });
    expect(w.spec.template.spec.containers[0].volumeMounts).toEqual([
      { name: 'dbtls-sample-pxc-tls', mountPath: '/etc/dbtls/sample-pxc/tls', readOnly: true },
      {
        name: 'dbtls-sample-pxc-config',
        mountPath: '/etc/dbtls/sample-pxc/config',
        readOnly: true,
      },
    ]);
    const cm = r.items.find(
      (i) => i.kind === 'ConfigMap' && i.metadata.name === 'app-sample-pxc-client',
    )!;
    expect(cm.metadata.annotations['dbtls.dev/generated-from']).toBe('Deployment/demo/app');
    const common =
      '[client]\nhost=sample-pxc\nport=3306\nuser=app\nssl-ca=/etc/dbtls/sample-pxc/tls/ca.crt\nssl-cert=/etc/dbtls/sample-pxc/tls/tls.crt\nssl-key=/etc/dbtls/sample-pxc/tls/tls.key\n';
    expect(cm.data['my.cnf']).toBe(
      `# Rendered by dbtls: the client side of PerconaXtraDB demo/sample-pxc, read by MariaDB clients through MYSQL_HOME.\n${common}ssl-verify-server-cert\n`,
    );
    expect(cm.data['mysql-client.cnf']).toBe(
      `# Rendered by dbtls: the client side of PerconaXtraDB demo/sample-pxc, for MySQL clients: --defaults-extra-file=/etc/dbtls/sample-pxc/config/mysql-client.cnf.\n${common}ssl-mode=VERIFY_IDENTITY\n`,
    );
  });

  it('Singlestore: the same option files, user root by default', () => {
    const r = connect('singlestore', 'Singlestore/sdb-tls');
    expect(simple(r.results).filter((x) => x.severity === 'error')).toEqual([]);
    const cm = r.items.find(
      (i) => i.kind === 'ConfigMap' && i.metadata.name === 'app-sdb-tls-client',
    )!;
    expect(cm.data['my.cnf']).toContain('host=sdb-tls\nport=3306\nuser=root\n');
  });

  it('MariaDB and MySQL: the same option files as PerconaXtraDB, user root by default', () => {
    for (const [dir, to, db] of [
      ['mariadb', 'MariaDB/md-standalone-tls', 'MariaDB demo/md-standalone-tls'],
      ['mysql', 'MySQL/some-mysql', 'MySQL demo/some-mysql'],
    ]) {
      const r = connect(dir, to);
      expect(simple(r.results)).toEqual([]);
      expect(r.exitCode).toBe(0);
      const name = to.split('/')[1];
      expect(envOf(workloadOf(r.items))).toEqual({ MYSQL_HOME: `/etc/dbtls/${name}/config` });
      const cm = r.items.find(
        (i) => i.kind === 'ConfigMap' && i.metadata.name === `app-${name}-client`,
      )!;
      const common =
        `[client]\nhost=${name}\nport=3306\nuser=root\nssl-ca=/etc/dbtls/${name}/tls/ca.crt\n` +
        `ssl-cert=/etc/dbtls/${name}/tls/tls.crt\nssl-key=/etc/dbtls/${name}/tls/tls.key\n`;
      expect(cm.data['my.cnf']).toBe(
        `# Rendered by dbtls: the client side of ${db}, read by MariaDB ` +
          `clients through MYSQL_HOME.\n${common}ssl-verify-server-cert\n`,
      );
      expect(cm.data['mysql-client.cnf']).toContain(`${common}ssl-mode=VERIFY_IDENTITY\n`);
      const cert = r.items.find(
        (i) => i.kind === 'Certificate' && i.metadata.name === `app-${name}-client`,
      )!;
      expect(cert.spec).toMatchObject({
        commonName: 'root',
        usages: ['digital signature', 'key encipherment', 'client auth'],
      });
    }
  });

  it("VaultServer: VAULT_ADDR over https and the CLI's certificate variables; the workload's name as common name", () => {
    const r = connect('vaultserver', 'VaultServer/vault');
    expect(simple(r.results).filter((x) => x.severity === 'error')).toEqual([]);
    expect(envOf(workloadOf(r.items))).toEqual({
      VAULT_ADDR: 'https://vault:8200',
      VAULT_CACERT: '/etc/dbtls/vault/tls/ca.crt',
      VAULT_CLIENT_CERT: '/etc/dbtls/vault/tls/tls.crt',
      VAULT_CLIENT_KEY: '/etc/dbtls/vault/tls/tls.key',
    });
    expect(
      r.items.find((i) => i.kind === 'Certificate' && i.metadata.name === 'app-vault-client')!.spec
        .commonName,
    ).toBe('app');
  });

  it('MSSQLServer: the CA and certificate mounted, no variables; clientTLS false is refused', () => {
    const ok = connect('mssqlserver', 'MSSQLServer/mssql-standalone-tls');
    expect(simple(ok.results).filter((x) => x.severity === 'error')).toEqual([]);
    const w = workloadOf(ok.items);
    expect(w.spec.template.spec.containers[0].env).toBeUndefined();
    expect(w.spec.template.spec.containers[0].volumeMounts).toEqual([
      {
        name: 'dbtls-mssql-standalone-tls-tls',
        mountPath: '/etc/dbtls/mssql-standalone-tls/tls',
        readOnly: true,
      },
    ]);
    const weak = connect('mssqlserver', 'MSSQLServer/mssql-ag');
    expect(simple(weak.results).filter((x) => x.severity === 'error')).toEqual([
      {
        severity: 'error',
        field: 'metadata.annotations.dbtls.dev/connect-to',
        message:
          "MSSQLServer/demo/mssql-ag has clientTLS false (spec.tls.clientTLS), which lets clients skip verifying the server's certificate; set spec.tls.clientTLS: true",
      },
    ]);
  });

  it('warns when the key would be readable by root only, and when the issuer puts no ca.crt in the secret', () => {
    const acme = {
      apiVersion: 'cert-manager.io/v1',
      kind: 'ClusterIssuer',
      metadata: { name: 'le' },
      spec: {
        acme: {
          server: 'https://acme.example/dir',
          privateKeySecretRef: { name: 'le' },
          solvers: [],
        },
      },
    };
    const db = postgres({
      tls: { issuerRef: { apiGroup: 'cert-manager.io', kind: 'ClusterIssuer', name: 'le' } },
    });
    const w = deployment({ 'dbtls.dev/connect-to': 'Postgres/pg' });
    delete w.spec.template.spec.securityContext;
    const r = run(resourceList([acme, db, w]));
    expect(simple(r.results)).toEqual([
      {
        severity: 'warning',
        field: 'metadata.annotations.dbtls.dev/connect-to',
        message:
          'ClusterIssuer "le" is an ACME issuer, which puts no ca.crt in the secret: the file /etc/dbtls/pg/tls/ca.crt will be missing; make the CA reach the application another way (e.g. a trust-manager Bundle mounted there)',
      },
      {
        severity: 'warning',
        field: 'spec.template.spec.securityContext.fsGroup',
        message:
          "spec.template.spec.securityContext.fsGroup is not set: the client key is mounted 0440 and owned by root, so only a container running as root can read it; set fsGroup to a group of the container's user (client libraries refuse a key that others may read)",
      },
    ]);
  });
});

describe('checks, with their exact messages', () => {
  const field = 'metadata.annotations.dbtls.dev/connect-to';
  const cases: [string, Obj[], Obj[]][] = [
    [
      'a database not in the input',
      [issuer('ca'), deployment({ 'dbtls.dev/connect-to': 'Postgres/other' })],
      [
        {
          severity: 'error',
          field,
          message:
            "Postgres/demo/other is not in the input: dbtls reads the database's TLS settings, services and issuer to connect an application; add the Postgres to the input, or, if it exists only in the cluster, list Postgres/demo/other in externalDatabases and name its issuer in dbtls.dev/connect-issuer",
        },
      ],
    ],
    [
      'a database without TLS',
      [
        (() => {
          const db = postgres({ sslMode: 'disable' });
          delete (db.spec as Obj).tls;
          return db;
        })(),
        deployment({ 'dbtls.dev/connect-to': 'Postgres/pg' }),
      ],
      [
        {
          severity: 'error',
          field,
          message:
            'Postgres/demo/pg has no TLS (no spec.tls.issuerRef): there is no server certificate to verify; set spec.tls on the Postgres first',
        },
      ],
    ],
    [
      'an sslMode that lets clients skip verification',
      [
        issuer('ca'),
        postgres({ sslMode: 'require' }),
        deployment({ 'dbtls.dev/connect-to': 'Postgres/pg' }),
      ],
      [
        {
          severity: 'error',
          field,
          message:
            "Postgres/demo/pg has sslMode require (spec.sslMode), which lets clients skip verifying the server's certificate; set spec.sslMode to verify-full",
        },
      ],
    ],
    [
      'a user pg_hba would refuse under clientAuthMode cert',
      [
        issuer('ca'),
        postgres({ clientAuthMode: 'cert' }),
        deployment({
          'dbtls.dev/connect-to': 'Postgres/pg',
          'dbtls.dev/connect-as': 'u'.repeat(64),
        }),
      ],
      [
        {
          severity: 'error',
          field: 'metadata.annotations.dbtls.dev/connect-as',
          message: `Postgres/demo/pg has spec.clientAuthMode cert: PostgreSQL cuts user names to 63 bytes and pg_hba's cert method compares the whole common name, so user "${'u'.repeat(64)}" (64 bytes) would be refused; set dbtls.dev/connect-as to a shorter user`,
        },
      ],
    ],
    [
      'a namespaced Issuer for a workload in another namespace',
      [
        issuer('ca', 'db'),
        postgres({}, 'pg', 'db'),
        deployment({ 'dbtls.dev/connect-to': 'Postgres/db/pg' }, {}, 'app', 'apps'),
      ],
      [
        {
          severity: 'error',
          field,
          message:
            'Postgres/db/pg is issued by Issuer "ca" of namespace "db", which cannot sign the client certificate in namespace "apps": use a ClusterIssuer for the Postgres, or an Issuer of the same CA in namespace "apps" named by dbtls.dev/connect-issuer: Issuer/<name>',
        },
      ],
    ],
    [
      'two workloads writing one secret',
      [
        issuer('ca'),
        postgres(),
        deployment({ 'dbtls.dev/connect-to': 'Postgres/pg' }),
        {
          ...deployment({ 'dbtls.dev/connect-to': 'Postgres/pg' }),
          apiVersion: 'batch/v1',
          kind: 'Job',
        },
      ],
      [
        {
          severity: 'error',
          field,
          message:
            'the client certificate of Job/demo/app for Postgres/demo/pg is written to secret "app-pg-client", which the client certificate of Deployment/demo/app also writes; cert-manager issues only one Certificate per secret: rename one of the two workloads',
        },
      ],
    ],
    [
      'a kind dbtls does not connect to',
      [deployment({ 'dbtls.dev/connect-to': 'Redis/cache' })],
      [
        {
          severity: 'error',
          field,
          message:
            '"Redis/cache": dbtls connects applications to Postgres, PerconaXtraDB, Singlestore, MSSQLServer, VaultServer, MariaDB, MySQL; Redis is not one of them',
        },
      ],
    ],
    [
      'requireSSL false on a MariaDB',
      [
        issuer('ca'),
        {
          apiVersion: 'kubedb.com/v1',
          kind: 'MariaDB',
          metadata: { name: 'md', namespace: 'demo' },
          spec: {
            version: '11.4.3',
            tls: { issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' } },
          },
        },
        deployment({ 'dbtls.dev/connect-to': 'MariaDB/md' }),
      ],
      [
        {
          severity: 'error',
          field,
          message:
            "MariaDB/demo/md has requireSSL false (spec.requireSSL), which lets clients skip verifying the server's certificate; set spec.requireSSL: true",
        },
      ],
    ],
    [
      'requireSSL false on a PerconaXtraDB',
      [
        issuer('ca'),
        {
          apiVersion: 'kubedb.com/v1',
          kind: 'PerconaXtraDB',
          metadata: { name: 'pxc', namespace: 'demo' },
          spec: {
            version: '8.0.40',
            replicas: 3,
            tls: { issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' } },
          },
        },
        deployment({ 'dbtls.dev/connect-to': 'PerconaXtraDB/pxc' }),
      ],
      [
        {
          severity: 'error',
          field,
          message:
            "PerconaXtraDB/demo/pxc has requireSSL false (spec.requireSSL), which lets clients skip verifying the server's certificate; set spec.requireSSL: true",
        },
      ],
    ],
    [
      'a connect-issuer that is not in the input',
      [
        issuer('ca', 'db'),
        postgres({}, 'pg', 'db'),
        deployment(
          { 'dbtls.dev/connect-to': 'Postgres/db/pg', 'dbtls.dev/connect-issuer': 'Issuer/ca' },
          {},
          'app',
          'apps',
        ),
      ],
      [
        {
          severity: 'error',
          field: 'metadata.annotations.dbtls.dev/connect-issuer',
          message:
            'Issuer "ca" not found in namespace "apps"; an Issuer of that name is in namespace "db", but an Issuer only signs for its own namespace; add it to the input, or list it in externalIssuers if it exists only in the cluster',
        },
      ],
    ],
    [
      'an entry that is no reference',
      [deployment({ 'dbtls.dev/connect-to': 'pg' })],
      [
        {
          severity: 'error',
          field,
          message:
            '"pg" is not <Kind>/<name> or <Kind>/<namespace>/<name> (several are separated by commas)',
        },
      ],
    ],
    [
      'a container that is not there',
      [
        issuer('ca'),
        postgres(),
        deployment({ 'dbtls.dev/connect-to': 'Postgres/pg', 'dbtls.dev/containers': 'web' }),
      ],
      [
        {
          severity: 'error',
          field: 'metadata.annotations.dbtls.dev/containers',
          message:
            'metadata.annotations.dbtls.dev/containers names container "web", which the pod template does not have; its containers are "app"',
        },
      ],
    ],
  ];
  for (const [name, items, expected] of cases) {
    it(name, () => {
      const r = run(resourceList(items));
      expect(
        simple(r.results).filter((x) => x.field?.startsWith('metadata.annotations.dbtls.dev/')),
      ).toEqual(expected);
      expect(r.exitCode).toBe(1);
    });
  }
});

describe('a database declared in externalDatabases (only in the cluster)', () => {
  const field = 'metadata.annotations.dbtls.dev/connect-to';
  const policy = (externalDatabases: string[]) => ({
    apiVersion: 'dbtls.dev/v1alpha1',
    kind: 'DatabaseTLSPolicy',
    metadata: { name: 'p' },
    spec: { externalDatabases, externalIssuers: ['ClusterIssuer/corp-ca'] },
  });
  const viaIssuer = { 'dbtls.dev/connect-issuer': 'ClusterIssuer/corp-ca' };

  it("Kind/name: the Service <db> in the workload's namespace, the default port, verify-full, the connect-issuer", () => {
    const r = run(
      resourceList(
        [deployment({ 'dbtls.dev/connect-to': 'Postgres/orders', ...viaIssuer })],
        policy(['Postgres/orders']),
      ),
    );
    expect(simple(r.results)).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(envOf(workloadOf(r.items))).toEqual({
      PGHOST: 'orders',
      PGPORT: '5432',
      PGSSLMODE: 'verify-full',
      PGUSER: 'postgres',
      PGSSLROOTCERT: '/etc/dbtls/orders/tls/ca.crt',
      PGSSLCERT: '/etc/dbtls/orders/tls/tls.crt',
      PGSSLKEY: '/etc/dbtls/orders/tls/tls.key',
    });
    const cert = r.items.find((i) => i.kind === 'Certificate')!;
    expect(cert.metadata).toMatchObject({ name: 'app-orders-client', namespace: 'demo' });
    expect(cert.spec).toEqual({
      secretName: 'app-orders-client',
      issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'corp-ca' },
      commonName: 'postgres',
      usages: ['digital signature', 'key encipherment', 'client auth'],
    });
  });

  it('Kind/namespace/name across namespaces: <db>.<namespace>.svc; each kind its default port and strictest verification', () => {
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x' },
      data: {
        externalDatabases: 'Postgres/db/orders, PerconaXtraDB/db/pxc,VaultServer/db/vault',
        externalIssuers: 'ClusterIssuer/corp-ca',
      },
    };
    const to = {
      'dbtls.dev/connect-to': 'Postgres/db/orders,PerconaXtraDB/db/pxc,VaultServer/db/vault',
      ...viaIssuer,
    };
    const r = run(resourceList([deployment(to, {}, 'app', 'apps')], cm));
    expect(simple(r.results).filter((x) => x.severity === 'error')).toEqual([]);
    const env = envOf(workloadOf(r.items));
    expect(env).toMatchObject({
      PGHOST: 'orders.db.svc',
      PGPORT: '5432',
      PGSSLMODE: 'verify-full',
      VAULT_ADDR: 'https://vault.db.svc:8200',
      MYSQL_HOME: '/etc/dbtls/db-pxc/config',
    });
    const cnf = r.items.find(
      (i) => i.kind === 'ConfigMap' && i.metadata.name === 'app-db-pxc-client',
    )!;
    expect(cnf.data['my.cnf']).toContain('host=pxc.db.svc\nport=3306\nuser=root\n');
    expect(cnf.data['my.cnf']).toContain('ssl-verify-server-cert\n');
    expect(cnf.data['mysql-client.cnf']).toContain('ssl-mode=VERIFY_IDENTITY\n');
  });

  it("MariaDB and MySQL: the Service <db>.<namespace>.svc on 3306, verifying the server's name", () => {
    const to = { 'dbtls.dev/connect-to': 'MariaDB/db/md,MySQL/db/my', ...viaIssuer };
    const r = run(
      resourceList([deployment(to, {}, 'app', 'apps')], policy(['MariaDB/db/md', 'MySQL/db/my'])),
    );
    // One MYSQL_HOME per container: the first database's.
    expect(simple(r.results)).toEqual([
      {
        severity: 'warning',
        field: 'metadata.annotations.dbtls.dev/connect-to',
        message:
          'container "app" connects to MariaDB/db/md and MySQL/db/my: MYSQL_HOME is set for MariaDB/db/md; the files for MySQL/db/my are in /etc/dbtls/db-my',
      },
    ]);
    for (const db of ['md', 'my']) {
      const cnf = r.items.find(
        (i) => i.kind === 'ConfigMap' && i.metadata.name === `app-db-${db}-client`,
      )!;
      expect(cnf.data['my.cnf']).toContain(`host=${db}.db.svc\nport=3306\nuser=root\n`);
      expect(cnf.data['my.cnf']).toContain('ssl-verify-server-cert\n');
      expect(cnf.data['mysql-client.cnf']).toContain('ssl-mode=VERIFY_IDENTITY\n');
    }
  });

  it('Singlestore: port 3306 in the option files; MSSQLServer: the files mounted', () => {
    const to = { 'dbtls.dev/connect-to': 'Singlestore/db/sdb,MSSQLServer/db/mssql', ...viaIssuer };
    const r = run(
      resourceList(
        [deployment(to, {}, 'app', 'apps')],
        policy(['Singlestore/db/sdb', 'MSSQLServer/db/mssql']),
      ),
    );
    expect(simple(r.results)).toEqual([]);
    const cnf = r.items.find(
      (i) => i.kind === 'ConfigMap' && i.metadata.name === 'app-db-sdb-client',
    )!;
    expect(cnf.data['my.cnf']).toContain('host=sdb.db.svc\nport=3306\nuser=root\n');
    const volumes = workloadOf(r.items).spec.template.spec.volumes.map((v: Obj) => v.name);
    expect(volumes).toEqual(['dbtls-db-sdb-tls', 'dbtls-db-sdb-config', 'dbtls-db-mssql-tls']);
  });

  it('a database in the input is read from the input even when declared', () => {
    const r = run(
      resourceList(
        [
          issuer('ca'),
          postgres({ sslMode: 'verify-ca' }),
          deployment({ 'dbtls.dev/connect-to': 'Postgres/pg' }),
        ],
        policy(['Postgres/pg']),
      ),
    );
    expect(simple(r.results)).toEqual([]);
    expect(envOf(workloadOf(r.items)).PGSSLMODE).toBe('verify-ca');
  });

  const cases: [string, Obj[], string[], Obj[]][] = [
    [
      'without dbtls.dev/connect-issuer',
      [deployment({ 'dbtls.dev/connect-to': 'Postgres/orders' })],
      ['Postgres/orders'],
      [
        {
          severity: 'error',
          field,
          message:
            'Postgres/demo/orders is declared in externalDatabases, so dbtls cannot read which issuer signs its certificates: add the annotation dbtls.dev/connect-issuer: Issuer/<name> or ClusterIssuer/<name>, naming an issuer of the database\'s CA that signs in namespace "demo"',
        },
      ],
    ],
    [
      "Kind/name is in the workload's namespace, not another",
      [deployment({ 'dbtls.dev/connect-to': 'Postgres/db/orders', ...viaIssuer })],
      ['Postgres/orders'],
      [
        {
          severity: 'error',
          field,
          message:
            "Postgres/db/orders is not in the input: dbtls reads the database's TLS settings, services and issuer to connect an application; add the Postgres to the input, or, if it exists only in the cluster, list Postgres/db/orders in externalDatabases and name its issuer in dbtls.dev/connect-issuer",
        },
      ],
    ],
    [
      'another kind of the same name',
      [deployment({ 'dbtls.dev/connect-to': 'Singlestore/orders', ...viaIssuer })],
      ['Postgres/orders'],
      [
        {
          severity: 'error',
          field,
          message:
            "Singlestore/demo/orders is not in the input: dbtls reads the database's TLS settings, services and issuer to connect an application; add the Singlestore to the input, or, if it exists only in the cluster, list Singlestore/demo/orders in externalDatabases and name its issuer in dbtls.dev/connect-issuer",
        },
      ],
    ],
  ];
  for (const [name, items, declared, expected] of cases) {
    it(name, () => {
      const r = run(resourceList(items, policy(declared)));
      expect(simple(r.results)).toEqual(expected);
      expect(r.exitCode).toBe(1);
    });
  }

  it('an entry that is not KIND/NAME or KIND/NAMESPACE/NAME of a connectable kind is refused where it is written', () => {
    const words =
      'is not valid here: must be KIND/NAME or KIND/NAMESPACE/NAME, KIND one of Postgres, PerconaXtraDB, Singlestore, MSSQLServer, VaultServer, MariaDB, MySQL, each name of lowercase letters, digits, "-" and ".", starting and ending with a letter or digit';
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x' },
      data: { externalDatabases: 'Postgres/orders,Redis/cache' },
    };
    expect(run(resourceList([], cm)).results).toEqual([
      {
        severity: 'error',
        message: `"Redis/cache" ${words}`,
        resourceRef: { apiVersion: 'v1', kind: 'ConfigMap', name: 'x' },
        field: { path: 'data.externalDatabases' },
      },
    ]);
    const r = run(resourceList([], policy(['orders'])));
    expect(r.results.map((x) => [x.field.path, x.message])).toEqual([
      ['spec.externalDatabases[0]', `"orders" ${words}`],
    ]);
  });

  it("the schema's kinds are exactly the kinds dbtls connects to", () => {
    const schema = JSON.parse(
      readFileSync(join(ROOT, 'fn/generated/database-tls-policy.schema.json'), 'utf8'),
    );
    const pattern: string = schema.definitions.settings.properties.externalDatabases.items.pattern;
    expect(/^\^\(([A-Za-z|]+)\)\//.exec(pattern)![1].split('|')).toEqual(
      KINDS.filter((k) => k.client).map((k) => k.kind),
    );
  });
});

// Generated workloads: every kind, containers with and without env and mounts, comments and
// flow style in the text, other annotations around ours.
const name = fc.constantFrom('app', 'worker', 'web');
const envEntry = fc.record({
  name: fc.constantFrom('A', 'B', 'PGDATABASE', 'PGAPPNAME'),
  value: fc.constantFrom('1', 'x y', 'yes'),
});
const container = fc.record({
  name,
  image: fc.constant('example/app:1'),
  env: fc.option(
    fc.uniqueArray(envEntry, { selector: (e) => e.name, minLength: 1, maxLength: 3 }),
    { nil: undefined },
  ),
  volumeMounts: fc.option(fc.constant([{ name: 'cache', mountPath: '/cache' }]), {
    nil: undefined,
  }),
});
const workloadArb = fc.record({
  kind: fc.constantFrom('Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'),
  containers: fc.uniqueArray(container, { selector: (c) => c.name, minLength: 1, maxLength: 3 }),
  volumes: fc.boolean(),
  otherAnnotation: fc.boolean(),
  connectAs: fc.boolean(),
  containersAnnotation: fc.boolean(),
  indentSequences: fc.boolean(),
  to: fc.constantFrom('Postgres/pg', 'Postgres/pg, PerconaXtraDB/pxc', 'PerconaXtraDB/pxc'),
  comments: fc.boolean(),
});

type Workload = typeof workloadArb extends fc.Arbitrary<infer T> ? T : never;

function workloadText(w: Workload, withConnect: boolean): string {
  const pod: Obj = {
    securityContext: { fsGroup: 1000 },
    containers: w.containers.map((c) => JSON.parse(JSON.stringify(c))),
  };
  if (w.volumes || w.containers.some((c) => c.volumeMounts))
    pod.volumes = [{ name: 'cache', emptyDir: {} }];
  const template = { metadata: { labels: { app: 'x' } }, spec: pod };
  const apiVersion = w.kind === 'Job' || w.kind === 'CronJob' ? 'batch/v1' : 'apps/v1';
  const spec =
    w.kind === 'CronJob'
      ? { schedule: '@daily', jobTemplate: { spec: { template } } }
      : { template };
  const annotations: Obj = {};
  if (w.otherAnnotation) annotations['example.com/owner'] = 'team-a';
  if (withConnect) {
    annotations['dbtls.dev/connect-to'] = w.to;
    if (w.connectAs) annotations['dbtls.dev/connect-as'] = 'app';
    if (w.containersAnnotation) annotations['dbtls.dev/containers'] = w.containers[0].name;
  }
  const metadata: Obj = { name: 'wl', namespace: 'demo' };
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  const text = dump({ apiVersion, kind: w.kind, metadata, spec }, {
    lineWidth: -1,
    noArrayIndent: !w.indentSequences,
  } as Parameters<typeof dump>[1]);
  // Comments where people put them: after a key that opens a list, at the end of an entry's line.
  return w.comments
    ? text
        .replace(/^( *)(containers|env):\n/gm, '$1$2: # ours\n')
        .replace(/^( *- name: [A-Z]+)$/gm, '$1 # set by the team')
    : text;
}

/** A ResourceList text holding `items` texts as entries of `items:`. */
function listText(items: string[]): string {
  const entries = items.map((t) =>
    t
      .replace(/\n$/, '')
      .split('\n')
      .map((l, i) => (i === 0 ? `- ${l}` : l === '' ? l : `  ${l}`))
      .join('\n'),
  );
  return `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${entries.join('\n')}\n`;
}

const PXC = {
  apiVersion: 'kubedb.com/v1',
  kind: 'PerconaXtraDB',
  metadata: { name: 'pxc', namespace: 'demo' },
  spec: {
    version: '8.0.40',
    replicas: 3,
    requireSSL: true,
    tls: { issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' } },
  },
};
const DB_TEXTS = [dump(issuer('ca')), dump(postgres()), dump(PXC)];

/** The workload's entry in a ResourceList output text. */
function workloadEntry(text: string): string {
  const entries = text.slice(text.indexOf('\nitems:\n') + 8).split(/\n(?=- )/);
  return entries.find((e) =>
    /\n {2}kind: (Deployment|StatefulSet|DaemonSet|Job|CronJob)\n/.test(
      `\n${e}`.replace('\n- ', '\n  '),
    ),
  )!;
}

describe('properties over generated workloads', () => {
  it('rendering the output again changes nothing', () => {
    fc.assert(
      fc.property(workloadArb, (w) => {
        const input = workloadText(w, true);
        const once = run(listText([...DB_TEXTS, input]));
        expect(simple(once.results).filter((r) => r.severity === 'error')).toEqual([]);
        // An exact edit: every line of the workload as written is still there, in order.
        const out = workloadEntry(once.text).split('\n');
        let at = 0;
        for (const line of listText([input]).split('\n').slice(3, -1)) {
          at = out.indexOf(line, at);
          expect(at, line).toBeGreaterThanOrEqual(0);
        }
        const items = once.text.slice(once.text.indexOf('\nitems:\n') + 1);
        const again = run(
          `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n${items.replace(/\nresults:[\s\S]*$/, '\n')}`,
        );
        expect(again.items).toEqual(once.items);
        expect(workloadEntry(again.text)).toBe(workloadEntry(once.text));
      }),
      { numRuns: 60 },
    );
  });

  it('removing dbtls.dev/connect-to gives back the workload as it was before dbtls touched it', () => {
    fc.assert(
      fc.property(workloadArb, (w) => {
        const once = run(listText([...DB_TEXTS, workloadText(w, true)]));
        // The user deletes the lines of the connect annotations, and nothing else.
        const edited = once.text.replace(
          /^ *dbtls\.dev\/(connect-to|connect-as|containers):.*\n/gm,
          '',
        );
        const after = run(edited.replace(/\nresults:[\s\S]*$/, '\n'));
        const before = run(listText([...DB_TEXTS, workloadText(w, false)]));
        expect(after.items).toEqual(before.items);
        const expected = workloadEntry(before.text);
        // Annotations that were only ours leave `annotations:` with nothing under it: that line goes too.
        expect(workloadEntry(after.text).replace(/\n {4}annotations: \{\}/, '')).toBe(expected);
      }),
      { numRuns: 60 },
    );
  });
});
