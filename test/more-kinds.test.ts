// MariaDB, MySQL, Redis and MongoDB: what is rendered beyond the examples' goldens and the
// bad-input corpus — certificate names and subjects per topology, the Galera and Redis settings
// per option, and each kind's connection setting under the policy rule connectionSecurity.
import { describe, expect, it } from 'vitest';
import { errorsOf, issuer, itemsOf, resourceList, resultsOf, runFn } from './helpers.js';

const ISSUER = { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' };
const db = (kind: string, spec: Record<string, unknown>, name = 'db') => ({
  apiVersion: 'kubedb.com/v1',
  kind,
  metadata: { name, namespace: 'demo' },
  spec: { tls: { issuerRef: ISSUER }, ...spec },
});
const operator = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'function-input' },
  data: { mode: 'operator' },
};
const run = (item: unknown, config?: unknown) => runFn(resourceList([issuer(), item], config));
const certificates = (r: ReturnType<typeof run>) =>
  itemsOf(r, 'Certificate').map((c) => ({
    name: c.metadata.name,
    secretName: c.spec.secretName,
    commonName: c.spec.commonName,
    subject: c.spec.subject,
  }));
const policy = (minimum: Record<string, unknown>) => ({
  apiVersion: 'dbtls.dev/v1alpha1',
  kind: 'DatabaseTLSPolicy',
  metadata: { name: 'p' },
  spec: { mode: 'operator', rules: { connectionSecurity: { minimum } } },
});

describe('MongoDB certificates', () => {
  const subject = (ou: string) => ({ organizations: ['kubedb'], organizationalUnits: [ou] });

  it('a sharded cluster: one server certificate per PetSet, node prefixes included; client and exporter once', () => {
    const r = run(
      db(
        'MongoDB',
        {
          version: '8.0.17',
          shardTopology: {
            shard: { shards: 2, replicas: 3, prefix: 'a-' },
            configServer: { replicas: 3 },
            mongos: { replicas: 2, prefix: 'm-' },
          },
        },
        'mg',
      ),
      operator,
    );
    expect(errorsOf(r)).toEqual([]);
    expect(certificates(r).map((c) => c.name)).toEqual([
      'a-mg-shard0-server-cert',
      'a-mg-shard1-server-cert',
      'mg-configsvr-server-cert',
      'm-mg-mongos-server-cert',
      'mg-client-cert',
      'mg-metrics-exporter-cert',
    ]);
    const shard1 = itemsOf(r, 'Certificate')[1].spec;
    expect(shard1.dnsNames).toEqual(
      expect.arrayContaining([
        'a-mg-shard1-pods.demo.svc',
        '*.a-mg-shard1-pods.demo.svc.cluster.local',
        'mg.demo.svc',
      ]),
    );
  });

  it('a replica set with an arbiter: <db> and <db>-arbiter server certificates, both under <db>-pods', () => {
    const r = run(
      db(
        'MongoDB',
        { version: '8.0.17', replicas: 3, replicaSet: { name: 'rs0' }, arbiter: {} },
        'mg',
      ),
      operator,
    );
    expect(certificates(r).map((c) => c.name)).toEqual([
      'mg-server-cert',
      'mg-arbiter-server-cert',
      'mg-client-cert',
      'mg-metrics-exporter-cert',
    ]);
    expect(itemsOf(r, 'Certificate')[1].spec.dnsNames).toContain('*.mg-pods.demo.svc');
  });

  it("a replica set: KubeDB's default subjects, the user's list replacing a default one, secretName honoured", () => {
    const r = run(
      db(
        'MongoDB',
        {
          version: '8.0.17',
          replicas: 3,
          replicaSet: { name: 'rs0' },
          tls: {
            issuerRef: ISSUER,
            certificates: [
              { alias: 'server', secretName: 'mine', subject: { organizations: ['acme'] } },
            ],
          },
        },
        'mg',
      ),
      operator,
    );
    expect(certificates(r)).toEqual([
      {
        name: 'mg-server-cert',
        secretName: 'mine',
        commonName: 'mg',
        subject: { organizations: ['acme'], organizationalUnits: ['server'] },
      },
      {
        name: 'mg-client-cert',
        secretName: 'mg-client-cert',
        commonName: 'root',
        subject: subject('client'),
      },
      {
        name: 'mg-metrics-exporter-cert',
        secretName: 'mg-metrics-exporter-cert',
        commonName: 'root',
        subject: subject('metrics-exporter'),
      },
    ]);
  });

  it('clusterAuthMode defaults: x509 under requireSSL is accepted; keyFile on a standalone server is a warning only when set', () => {
    expect(
      run(db('MongoDB', { version: '8.0.17', replicas: 3, replicaSet: { name: 'rs0' } }), operator)
        .status,
    ).toBe(0);
    const r = run(db('MongoDB', { version: '8.0.17', clusterAuthMode: 'keyFile' }), operator);
    expect(resultsOf(r).filter((x) => x.severity === 'warning')).toEqual([
      {
        severity: 'warning',
        field: 'spec.clusterAuthMode',
        message:
          'spec.clusterAuthMode applies to members of a replica set or sharded cluster; a standalone MongoDB has none, so it has no effect',
      },
    ]);
  });
});

describe('MariaDB Galera and MySQL topologies', () => {
  it('MariaDB replicas 3 without a topology is a Galera cluster; mariabackup SST encrypts with encrypt=3', () => {
    const r = run(
      db(
        'MariaDB',
        { version: '11.4.3', replicas: 3, requireSSL: true, wsrepSSTMethod: 'mariabackup' },
        'md',
      ),
    );
    expect(errorsOf(r)).toEqual([]);
    const galera = itemsOf(r, 'ConfigMap')[0].data['galera.cnf'];
    expect(galera).toContain('wsrep_sst_method=mariabackup');
    expect(galera).toContain(
      '[sst]\nencrypt=3\ntca=/etc/mysql/certs/trust/ca.crt\ntcert=/etc/mysql/certs/server/tls.crt\ntkey=/etc/mysql/certs/server/tls.key\n',
    );
    expect(itemsOf(r, 'StatefulSet')[0].spec.replicas).toBe(3);
  });

  it('MariaDB without TLS: no certificates, no TLS options, require_secure_transport OFF', () => {
    const r = run(db('MariaDB', { version: '11.4.3', tls: undefined }, 'md'));
    expect(itemsOf(r, 'Certificate')).toEqual([]);
    expect(itemsOf(r, 'ConfigMap')[0].data['my.cnf']).toBe(
      '# Rendered by dbtls from the MariaDB resource: TLS for client connections.\n[mysqld]\nport=3306\nrequire_secure_transport=OFF\n',
    );
  });

  it('MySQL group replication in operator mode: certificates only, the server one with <db>-standby', () => {
    const r = run(
      db(
        'MySQL',
        {
          version: '8.4.3',
          topology: {
            mode: 'GroupReplication',
            group: { name: 'dc002fc3-c412-4d18-b1d4-66c1fbfbbc9b' },
          },
        },
        'my',
      ),
      operator,
    );
    expect(errorsOf(r)).toEqual([]);
    expect(itemsOf(r, 'StatefulSet')).toEqual([]);
    expect(itemsOf(r, 'Certificate')[0].spec.dnsNames).toContain('my-standby.demo.svc');
  });
});

describe('Redis', () => {
  it('disableAuth: no password file and no environment', () => {
    const r = run(db('Redis', { version: '7.4.1', disableAuth: true }, 'rd'));
    expect(errorsOf(r)).toEqual([]);
    expect(itemsOf(r, 'ConfigMap')[0].data['start.sh']).toBe(
      '#!/bin/sh\n# Rendered by dbtls.\nset -eu\n' +
        '# The CAs to trust, from the mounted secrets (renewals: tls-watch.sh).\n' +
        'sh /usr/local/etc/redis/tls-watch.sh bundle\n' +
        'exec redis-server /usr/local/etc/redis/redis.conf "$@"\n',
    );
    expect(itemsOf(r, 'StatefulSet')[0].spec.template.spec.containers[0].env).toBeUndefined();
  });

  it('without TLS: a plaintext port and a warning that anyone who reaches it may connect', () => {
    const r = run(db('Redis', { version: '7.4.1', tls: undefined }, 'rd'));
    expect(itemsOf(r, 'ConfigMap')[0].data['redis.conf']).toContain('\nport 6379\n');
    expect(resultsOf(r).filter((x) => x.severity === 'warning')).toEqual([
      {
        severity: 'warning',
        field: 'spec.tls',
        message:
          'spec.tls is not set: the server accepts plaintext connections from anyone who can reach it',
      },
    ]);
  });
});

describe('connectionSecurity', () => {
  it.each([
    [
      'MariaDB',
      { version: '11.4.3' },
      'requireSSL',
      true,
      'spec.requireSSL',
      'requireSSL is false; the policy requires at least true',
    ],
    [
      'MySQL',
      { version: '8.4.3' },
      'requireSSL',
      true,
      'spec.requireSSL',
      'requireSSL is false; the policy requires at least true',
    ],
    [
      'MongoDB',
      { version: '8.0.17', sslMode: 'preferSSL' },
      'mongodbSSLMode',
      'requireSSL',
      'spec.sslMode',
      'mongodbSSLMode is "preferSSL"; the policy requires at least "requireSSL"',
    ],
  ])('%s: %s below the minimum is refused', (kind, spec, key, minimum, field, message) => {
    const r = run(db(kind, spec), policy({ [key]: minimum }));
    expect(errorsOf(r)).toEqual([
      { severity: 'error', field, message: `policy rule connectionSecurity: ${message}` },
    ]);
  });

  it("MongoDB's default with TLS (requireSSL) meets the strictest minimum", () => {
    expect(
      run(db('MongoDB', { version: '8.0.17' }), policy({ mongodbSSLMode: 'requireSSL' })).status,
    ).toBe(0);
  });
});

describe('spec.version of the kinds that run the upstream image (readUpstreamVersion)', () => {
  it.each([
    ['MariaDB', 'mariadb', '11.4.3'],
    ['MySQL', 'mysql', '8.4.3'],
    ['Redis', 'redis', '7.4.1'],
  ])(
    '%s: required, and in standalone mode one whose engine version is known',
    (kind, image, example) => {
      const missing = errorsOf(run(db(kind, {})));
      expect(missing).toContainEqual(
        expect.objectContaining({
          field: 'spec.version',
          message: `spec.version is required: the ${kind} version, e.g. "${example}"`,
        }),
      );
      const unknown = errorsOf(run(db(kind, { version: 'corp-build' })));
      expect(unknown).toContainEqual(
        expect.objectContaining({
          field: 'spec.version',
          message: `"corp-build" names no ${kind}Version dbtls knows (none in the input, the policy's versions or the published catalog) and follows none of KubeDB's naming schemes, so the ${kind} version cannot be known; standalone mode runs the upstream ${image} image of the ${kind} version, so it needs one it can know: declare the ${kind}Version in the policy's versions, or use mode: operator`,
        }),
      );
      // operator mode: KubeDB looks the name up itself; dbtls warns what it cannot check
      const inOperator = resultsOf(run(db(kind, { version: 'corp-build' }), operator));
      expect(inOperator.filter((e) => e.field === 'spec.version')).toEqual([
        expect.objectContaining({ severity: 'warning' }),
      ]);
      // a base-image suffix of KubeDB's Official builds runs the upstream image of that version
      const named = run(db(kind, { version: `${example}-bookworm` }));
      expect(errorsOf(named).filter((e) => e.field === 'spec.version')).toEqual([]);
      const images = itemsOf(named, 'StatefulSet').flatMap((s: any) =>
        s.spec.template.spec.containers.map((c: any) => c.image),
      );
      expect(images).toContain(`${image}:${example}`);
    },
  );
});
