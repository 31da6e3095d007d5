// PerconaXtraDB: every validation rule with its exact message and field path, and what is rendered.
import { describe, expect, it } from 'vitest';
import { errorsOf, issuer, itemsOf, resourceList, resultsOf, runFn } from './helpers.js';

const ISSUER = { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' };

/** A PerconaXtraDB with TLS from Issuer `ca`; `spec` is merged over the defaults. */
function pxc(
  spec: Record<string, unknown> = {},
  name = 'pxc',
  namespace = 'demo',
  apiVersion = 'kubedb.com/v1',
) {
  return {
    apiVersion,
    kind: 'PerconaXtraDB',
    metadata: { name, namespace },
    spec: { version: '8.0.39', replicas: 3, tls: { issuerRef: ISSUER }, ...spec },
  };
}
const run = (db: unknown, config?: unknown) => runFn(resourceList([issuer(), db], config));
const operator = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'function-input' },
  data: { mode: 'operator' },
};
const configOf = (r: ReturnType<typeof run>) =>
  itemsOf(r, 'ConfigMap')[0].data as Record<string, string>;

describe('PerconaXtraDB validation', () => {
  it.each([
    [
      { requireSSL: true, tls: undefined },
      'spec.requireSSL',
      'requireSSL: true needs TLS: set spec.tls.issuerRef, or remove requireSSL',
    ],
    [
      { requireSSL: 'true' },
      'spec.requireSSL',
      'spec.requireSSL must be true or false, got the string "true"',
    ],
    [{ requireSSL: 1 }, 'spec.requireSSL', 'spec.requireSSL must be true or false, got number 1'],
    [
      { version: undefined },
      'spec.version',
      'spec.version is required: the Percona XtraDB Cluster version, e.g. "8.0.39"',
    ],
    [{ version: 8 }, 'spec.version', 'spec.version must be a non-empty string, got number 8'],
    [
      { version: '8.0.39-kubedb' },
      'spec.version',
      '"8.0.39-kubedb" is Percona XtraDB Cluster 8.0.39 of a distribution dbtls cannot tell from the name (no PerconaXtraDBVersion of this name in the input, the policy\'s versions or the published catalog); standalone mode runs the upstream percona/percona-xtradb-cluster image of the Percona XtraDB Cluster version: declare it in the policy\'s versions, or use mode: operator',
    ],
    [
      { replicas: 1 },
      'spec.replicas',
      '1 is too few: a Percona XtraDB Cluster has at least 3 nodes (KubeDB refuses fewer)',
    ],
    [
      { replicas: 0 },
      'spec.replicas',
      'spec.replicas must be an integer of at least 1, got number 0',
    ],
    [
      { replicas: '3' },
      'spec.replicas',
      'spec.replicas must be an integer of at least 1, got the string "3"',
    ],
    [
      { tls: { certificates: [] } },
      'spec.tls.issuerRef',
      'spec.tls.issuerRef is required when spec.tls is set: name the cert-manager Issuer or ClusterIssuer that signs the certificates',
    ],
    [
      { tls: { issuerRef: ISSUER, requireSSL: true } },
      'spec.tls.requireSSL',
      'unknown field "requireSSL"; spec.tls has issuerRef, certificates',
    ],
    [
      { tls: { issuerRef: { ...ISSUER, name: 'nope' } } },
      'spec.tls.issuerRef.name',
      'Issuer "nope" not found in namespace "demo"; add it to the input, or list it in externalIssuers if it exists only in the cluster',
    ],
  ])('%j → %s', (spec, field, message) => {
    const r = run(pxc(spec as Record<string, unknown>));
    expect(r.status).toBe(1);
    expect(errorsOf(r)).toEqual([{ severity: 'error', field, message }]);
    expect(itemsOf(r, 'StatefulSet')).toEqual([]);
  });

  it('reports requireSSL once when spec.tls lacks its issuerRef', () => {
    const r = run(pxc({ requireSSL: true, tls: {} }));
    expect(errorsOf(r)).toEqual([
      {
        severity: 'error',
        field: 'spec.tls.issuerRef',
        message:
          'spec.tls.issuerRef is required when spec.tls is set: name the cert-manager Issuer or ClusterIssuer that signs the certificates',
      },
    ]);
  });

  it('limits the name to the 32 characters of a Galera cluster name', () => {
    const name = 'p'.repeat(33);
    expect(errorsOf(run(pxc({}, name)))).toEqual([
      {
        severity: 'error',
        field: 'metadata.name',
        message: `"${name}" is 33 characters; KubeDB uses it as the Galera cluster name, which may have at most 32`,
      },
    ]);
    expect(run(pxc({}, 'p'.repeat(32))).status).toBe(0);
  });

  it('accepts a KubeDB version name in operator mode and serves v1alpha2', () => {
    expect(run(pxc({ version: '8.0.39-kubedb' }), operator).status).toBe(0);
    const alpha = run(pxc({}, 'pxc', 'demo', 'kubedb.com/v1alpha2'));
    expect(alpha.status).toBe(0);
    expect(itemsOf(alpha, 'Certificate')).toHaveLength(3);
    expect(errorsOf(run(pxc({}, 'pxc', 'demo', 'kubedb.com/v1alpha1')))).toEqual([
      {
        severity: 'error',
        field: 'apiVersion',
        message:
          'kubedb.com/v1alpha1 is not a served version of PerconaXtraDB; use kubedb.com/v1 or kubedb.com/v1alpha2',
      },
    ]);
  });

  it('warns about every setting standalone mode cannot honour, and says when TLS is optional', () => {
    const r = run(
      pxc({
        monitor: { agent: 'prometheus.io/operator' },
        configSecret: { name: 'my-config' },
        deletionPolicy: 'WipeOut',
      }),
    );
    expect(r.status).toBe(0);
    expect(resultsOf(r)).toEqual([
      {
        severity: 'warning',
        field: 'spec.deletionPolicy',
        message:
          'the deletion policy (spec.deletionPolicy) is provided by the KubeDB operator only; standalone mode does not render it (use mode: operator to keep it)',
      },
      {
        severity: 'info',
        field: 'spec.requireSSL',
        message:
          'the server offers TLS but also accepts connections without it; set requireSSL: true to refuse them',
      },
      {
        severity: 'info',
        field: 'spec.authSecret',
        message:
          'the workload reads the root password from Secret "pxc-auth" (key password), which standalone mode does not create',
      },
      {
        // spec.monitor is rendered (test/monitor.test.ts); without a serviceMonitor, as in KubeDB,
        // no ServiceMonitor
        severity: 'warning',
        field: 'spec.monitor.prometheus.serviceMonitor',
        message:
          'spec.monitor.prometheus.serviceMonitor is not set: with agent prometheus.io/operator KubeDB creates no ServiceMonitor without it (its agent stops at "serviceMonitor spec is empty"), and neither does dbtls; set serviceMonitor.labels to those your Prometheus selects',
      },
      {
        // spec.configSecret is honoured (test/user-config.test.ts): the Secret is not checked.
        severity: 'info',
        field: 'spec.configSecret.name',
        message:
          'the server reads the *.cnf files (!includedir /etc/mysql/custom.conf.d) of Secret "my-config" before dbtls\'s settings; dbtls cannot see the Secret, so its content is not checked, and dbtls\'s TLS settings (ssl_ca, ssl_cert, ssl_key, require_secure_transport, wsrep_provider_options) come after it and take precedence',
      },
      {
        severity: 'info',
        field: 'metadata.annotations.config.kubernetes.io/local-config',
        message:
          'metadata.annotations.config.kubernetes.io/local-config is set to "true", so that PerconaXtraDB/demo/pxc itself is not applied: standalone mode renders its Certificates and workload in its place (use mode: operator for a cluster that runs the KubeDB operator)',
      },
    ]);
    expect(resultsOf(run(pxc({ monitor: { agent: 'prometheus.io/operator' } }), operator))).toEqual(
      [],
    );
  });

  it('lets the connectionSecurity rule require requireSSL', () => {
    const policy = {
      apiVersion: 'dbtls.dev/v1alpha1',
      kind: 'DatabaseTLSPolicy',
      metadata: { name: 'p' },
      spec: { rules: { connectionSecurity: { minimum: { requireSSL: true } } } },
    };
    const r = run(pxc({ requireSSL: false }), policy);
    expect(errorsOf(r)).toEqual([
      {
        severity: 'error',
        field: 'spec.requireSSL',
        message:
          'policy rule connectionSecurity: requireSSL is false; the policy requires at least true',
      },
    ]);
    expect(run(pxc({ requireSSL: true }), policy).status).toBe(0);
  });
});

describe('PerconaXtraDB rendering', () => {
  it("issues KubeDB's three certificates with the overrides merged", () => {
    const r = run(
      pxc(
        {
          requireSSL: true,
          tls: {
            issuerRef: ISSUER,
            certificates: [{ alias: 'client', secretName: 'my-client', duration: '2160h' }],
          },
        },
        'sample-pxc',
      ),
    );
    const certs = itemsOf(r, 'Certificate');
    expect(certs.map((c) => [c.metadata.name, c.spec.secretName, c.spec.commonName])).toEqual([
      ['sample-pxc-server-cert', 'sample-pxc-server-cert', 'sample-pxc.demo.svc'],
      ['sample-pxc-client-cert', 'my-client', 'root'],
      ['sample-pxc-metrics-exporter-cert', 'sample-pxc-metrics-exporter-cert', 'monitor'],
    ]);
    expect(certs[1].spec.duration).toBe('2160h0m0s');
    expect(certs[0].spec.subject).toBeUndefined(); // KubeDB sets no default subject
    // Galera peers authenticate each other with the server certificate.
    expect(certs[0].spec.usages).toEqual([
      'digital signature',
      'key encipherment',
      'server auth',
      'client auth',
    ]);
    expect(certs[1].spec.usages).toEqual(['digital signature', 'key encipherment', 'client auth']);
  });

  it('says when the server common name <db>.<ns>.svc is too long for the namespace', () => {
    // 63 characters, the longest namespace the API server takes.
    const long = 'a-namespace-name-of-sixty-three-characters-is-the-longest-you-g';
    const r = runFn(
      resourceList([issuer('ca', 'prod'), pxc({}, 'orders', 'prod'), pxc({}, 'orders', long)], {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'x' },
        data: { mode: 'operator', externalIssuers: `Issuer/${long}/ca` },
      }),
    );
    expect(resultsOf(r)).toEqual([
      {
        severity: 'error',
        field: 'metadata.name',
        message: `cert-manager's webhook would reject the generated Certificate "orders-server-cert": spec.commonName: Too long: may not be more than 64 bytes; the server certificate's commonName "orders.${long}.svc" (74 bytes) is derived from the database's name and namespace, and namespace "${long}" leaves no room for a name: use a shorter namespace`,
      },
    ]);
    const mid = 'a-namespace-of-fifty-characters-is-quite-long-too';
    const r2 = runFn(
      resourceList([pxc({}, 'orders-of-the-day', mid)], {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'x' },
        data: { mode: 'operator', externalIssuers: `Issuer/${mid}/ca` },
      }),
    );
    expect(resultsOf(r2)).toEqual([
      {
        severity: 'error',
        field: 'metadata.name',
        message: `cert-manager's webhook would reject the generated Certificate "orders-of-the-day-server-cert": spec.commonName: Too long: may not be more than 64 bytes; the server certificate's commonName "orders-of-the-day.${mid}.svc" (71 bytes) is derived from the database's name and namespace: choose a metadata.name of at most 10 bytes in this namespace`,
      },
    ]);
  });

  it('covers the service, the governing service and every pod, with the configured cluster domain', () => {
    const config = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'function-input' },
      data: { clusterDomain: 'corp.internal' },
    };
    const r = runFn(resourceList([issuer('ca', 'prod'), pxc({}, 'orders', 'prod')], config));
    expect(itemsOf(r, 'Certificate')[0].spec.dnsNames).toEqual([
      'orders',
      'orders.prod',
      'orders.prod.svc',
      'orders.prod.svc.corp.internal',
      'orders-pods',
      'orders-pods.prod',
      'orders-pods.prod.svc',
      'orders-pods.prod.svc.corp.internal',
      '*.orders-pods.prod.svc',
      '*.orders-pods.prod.svc.corp.internal',
      'localhost',
      '*.orders.prod.svc',
      '*.orders.prod.svc.corp.internal',
    ]);
    // KubeDB's common name for the server certificate (kubedb/docs reconfigure-tls/cluster).
    expect(itemsOf(r, 'Certificate')[0].spec.commonName).toBe('orders.prod.svc');
    expect(itemsOf(r, 'Service').map((s) => [s.metadata.name, s.spec.clusterIP])).toEqual([
      ['orders', undefined],
      ['orders-pods', 'None'],
    ]);
    expect(configOf(r)['wsrep.cnf']).toContain(
      'wsrep_cluster_address=gcomm://orders-0.orders-pods.prod.svc.corp.internal,orders-1.orders-pods.prod.svc.corp.internal,orders-2.orders-pods.prod.svc.corp.internal\n',
    );
  });

  it('configures client connections with the server certificate and require_secure_transport from requireSSL', () => {
    const strict = configOf(run(pxc({ requireSSL: true })))['my.cnf'];
    expect(strict).toBe(
      [
        '# Rendered by dbtls from the PerconaXtraDB resource: TLS for client connections.',
        '[mysqld]',
        'port=3306',
        'ssl-ca=/etc/mysql/certs/trust/ca.crt',
        'ssl-cert=/etc/mysql/certs/server/tls.crt',
        'ssl-key=/etc/mysql/certs/server/tls.key',
        'require_secure_transport=ON',
        '',
        '[client]',
        'ssl-ca=/etc/mysql/certs/trust/ca.crt',
        'ssl-cert=/etc/mysql/certs/client/tls.crt',
        'ssl-key=/etc/mysql/certs/client/tls.key',
        '',
      ].join('\n'),
    );
    expect(configOf(run(pxc({ requireSSL: false })))['my.cnf']).toContain(
      'require_secure_transport=OFF\n',
    );
    const plain = run(pxc({ tls: undefined }));
    expect(plain.status).toBe(0);
    expect(itemsOf(plain, 'Certificate')).toEqual([]);
    expect(configOf(plain)['my.cnf']).toBe(
      '# Rendered by dbtls from the PerconaXtraDB resource: TLS for client connections.\n[mysqld]\nport=3306\nrequire_secure_transport=OFF\n',
    );
    expect(configOf(plain)['wsrep.cnf']).toContain('pxc-encrypt-cluster-traffic=OFF\n');
    expect(
      itemsOf(plain, 'StatefulSet')[0].spec.template.spec.volumes.map((v: any) => v.name),
    ).toEqual(['config']);
  });

  it('encrypts Galera replication and state transfers with the server certificate', () => {
    const wsrep = configOf(run(pxc({ requireSSL: true })))['wsrep.cnf'];
    expect(wsrep).toContain('pxc-encrypt-cluster-traffic=ON\n');
    expect(wsrep).toContain(
      'wsrep_provider_options="socket.ssl=yes;socket.ssl_ca=/etc/mysql/certs/trust/ca.crt;socket.ssl_cert=/etc/mysql/certs/server/tls.crt;socket.ssl_key=/etc/mysql/certs/server/tls.key"\n',
    );
    expect(wsrep).toContain(
      '[sst]\nencrypt=4\nssl-ca=/etc/mysql/certs/trust/ca.crt\nssl-cert=/etc/mysql/certs/server/tls.crt\nssl-key=/etc/mysql/certs/server/tls.key\n',
    );
    expect(wsrep).toContain('wsrep_cluster_name=pxc\n');
  });

  it('mounts each certificate where KubeDB does, readable by the mysql group only', () => {
    const r = run(
      pxc({
        replicas: 5,
        tls: { issuerRef: ISSUER, certificates: [{ alias: 'server', secretName: 'pxc-tls' }] },
      }),
    );
    const sts = itemsOf(r, 'StatefulSet')[0];
    expect(sts.spec.replicas).toBe(5);
    const pod = sts.spec.template.spec;
    expect(pod.securityContext).toEqual({
      runAsUser: 1001,
      runAsGroup: 1001,
      fsGroup: 1001,
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const files = [
      { key: 'ca.crt', path: 'ca.crt' },
      { key: 'tls.crt', path: 'tls.crt' },
      { key: 'tls.key', path: 'tls.key' },
    ];
    expect(pod.volumes.filter((v: any) => v.secret)).toEqual([
      {
        name: 'tls-server-config',
        secret: { secretName: 'pxc-tls', defaultMode: 0o440, items: files },
      },
      {
        name: 'tls-client-config',
        secret: { secretName: 'pxc-client-cert', defaultMode: 0o440, items: files },
      },
    ]);
    const c = pod.containers[0];
    expect(c.image).toBe('percona/percona-xtradb-cluster:8.0.39');
    expect(c.volumeMounts).toEqual([
      { name: 'data', mountPath: '/var/lib/mysql' },
      { name: 'config', mountPath: '/etc/mysql/dbtls', readOnly: true },
      { name: 'tls-server-config', mountPath: '/etc/mysql/certs/server', readOnly: true },
      { name: 'tls-client-config', mountPath: '/etc/mysql/certs/client', readOnly: true },
      { name: 'tls-trust', mountPath: '/etc/mysql/certs/trust' },
    ]);
    expect(pod.volumes.find((v: any) => v.name === 'tls-trust')).toEqual({
      name: 'tls-trust',
      emptyDir: { medium: 'Memory', sizeLimit: '1Mi' },
    });
    expect(c.env[0]).toEqual({
      name: 'MYSQL_ROOT_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'pxc-auth', key: 'password' } },
    });
    const data = configOf(r);
    expect(data['server.cnf']).toContain(
      '!include /etc/mysql/dbtls/my.cnf\n!include /etc/mysql/dbtls/wsrep.cnf\n',
    );
    expect(data['start.sh']).toContain(
      // The TLS options after the option files, where no file overrides them.
      'exec /entrypoint.sh mysqld --defaults-extra-file=/etc/mysql/dbtls/server.cnf ' +
        '--ssl-ca=/etc/mysql/certs/trust/ca.crt --ssl-cert=/etc/mysql/certs/server/tls.crt ' +
        '--ssl-key=/etc/mysql/certs/server/tls.key $bootstrap\n',
    );
  });

  it('uses the named auth secret and passes the database through in operator mode', () => {
    const named = run(pxc({ authSecret: { name: 'pxc-root' } }));
    expect(
      itemsOf(named, 'StatefulSet')[0].spec.template.spec.containers[0].env[0].valueFrom
        .secretKeyRef.name,
    ).toBe('pxc-root');
    const db = pxc({ requireSSL: true });
    const r = run(db, operator);
    expect(r.status).toBe(0);
    expect(itemsOf(r, 'PerconaXtraDB')[0]).toEqual(db);
    expect(itemsOf(r).map((i) => i.kind)).toEqual([
      'Issuer',
      'PerconaXtraDB',
      'Certificate',
      'Certificate',
      'Certificate',
    ]);
  });
});
