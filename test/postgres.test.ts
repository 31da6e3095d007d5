// Postgres: every validation rule with its exact message and field path, and what is rendered.
import { describe, expect, it } from 'vitest';
import {
  errorsOf,
  issuer,
  itemsOf,
  postgres,
  resourceList,
  resultsOf,
  runFn,
  clusterIssuer,
} from './helpers.js';

const run = (db: unknown, ...more: unknown[]) => runFn(resourceList([issuer(), ...more, db]));
const tlsWith = (certificates: unknown[]) => ({
  issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' },
  certificates,
});

describe('Postgres validation', () => {
  it.each([
    [
      { sslMode: 'verify-ful' },
      'spec.sslMode',
      '"verify-ful" is not one of disable, allow, prefer, require, verify-ca, verify-full',
    ],
    [
      { clientAuthMode: 'password' },
      'spec.clientAuthMode',
      '"password" is not one of md5, scram, cert',
    ],
    [
      { sslMode: 7 },
      'spec.sslMode',
      'number 7 is not one of disable, allow, prefer, require, verify-ca, verify-full',
    ],
    [
      { tls: undefined, sslMode: 'require' },
      'spec.sslMode',
      'sslMode require needs TLS: set spec.tls.issuerRef, or set sslMode: disable',
    ],
    [
      { tls: undefined, sslMode: 'disable', clientAuthMode: 'cert' },
      'spec.clientAuthMode',
      'clientAuthMode cert authenticates clients by their TLS certificate and needs TLS: set spec.tls and an sslMode other than disable',
    ],
    [
      { version: undefined },
      'spec.version',
      'spec.version is required: the PostgreSQL version, e.g. "16.4"',
    ],
    [
      { version: 'timescaledb-2.14.2-pg16' },
      'spec.version',
      '"timescaledb-2.14.2-pg16" is PostgreSQL 16.2 of the TimescaleDB distribution (PostgresVersion "timescaledb-2.14.2-pg16" of KubeDB\'s published catalog (kubedb/installer@0c6e2459d95d), image docker.io/timescale/timescaledb:2.14.2-pg16-oss); standalone mode runs the upstream postgres image of the PostgreSQL version only: name an Official PostgresVersion, or use mode: operator',
    ],
    [
      { version: '17.9-percona' },
      'spec.version',
      '"17.9-percona" is PostgreSQL 17.9 of the Percona distribution (PostgresVersion "17.9-percona" of KubeDB\'s published catalog (kubedb/installer@0c6e2459d95d), image ghcr.io/appscode-images/postgres:17.9-percona); standalone mode runs the upstream postgres image of the PostgreSQL version only: name an Official PostgresVersion such as "17.9", or use mode: operator',
    ],
    [
      { version: 'corp-16' },
      'spec.version',
      "\"corp-16\" names no PostgresVersion dbtls knows (none in the input, the policy's versions or the published catalog) and follows none of KubeDB's naming schemes, so the PostgreSQL version cannot be known; standalone mode runs the upstream postgres image of the PostgreSQL version, so it needs one it can know: declare the PostgresVersion in the policy's versions, or use mode: operator",
    ],
    [
      { version: '16.1-custom' },
      'spec.version',
      '"16.1-custom" is PostgreSQL 16.1 of a distribution dbtls cannot tell from the name (no PostgresVersion of this name in the input, the policy\'s versions or the published catalog); standalone mode runs the upstream postgres image of the PostgreSQL version: declare it in the policy\'s versions, or use mode: operator',
    ],
    [
      { replicas: 0 },
      'spec.replicas',
      'spec.replicas must be an integer of at least 1, got number 0',
    ],
    [
      { tls: { certificates: [] } },
      'spec.tls.issuerRef',
      'spec.tls.issuerRef is required when spec.tls is set: name the cert-manager Issuer or ClusterIssuer that signs the certificates',
    ],
    [
      { tls: { issuerRef: { kind: 'Issuer', name: 'ca' }, ca: true } },
      'spec.tls.ca',
      'unknown field "ca"; spec.tls has issuerRef, certificates',
    ],
    [{ tls: 'yes' }, 'spec.tls', 'spec.tls must be a mapping, got the string "yes"'],
  ])('%j → %s', (spec, field, message) => {
    const r = run(postgres(spec as Record<string, unknown>));
    expect(r.status).toBe(1);
    expect(errorsOf(r)).toEqual([{ severity: 'error', field, message }]);
  });

  it.each([
    [
      { kind: 'Issuer', name: 'ca', apiGroup: 'cert-manager' },
      'spec.tls.issuerRef.apiGroup',
      'spec.tls.issuerRef.apiGroup must be "cert-manager.io", got the string "cert-manager": only cert-manager issuers are supported',
    ],
    [
      { kind: 'issuer', name: 'ca' },
      'spec.tls.issuerRef.kind',
      'spec.tls.issuerRef.kind must be Issuer or ClusterIssuer, got the string "issuer"',
    ],
    [
      { name: 'ca' },
      'spec.tls.issuerRef.kind',
      'spec.tls.issuerRef.kind is required: Issuer or ClusterIssuer',
    ],
    [{ kind: 'Issuer' }, 'spec.tls.issuerRef.name', 'spec.tls.issuerRef.name is required'],
    [
      { kind: 'Issuer', name: 'other' },
      'spec.tls.issuerRef.name',
      'Issuer "other" not found in namespace "demo"; add it to the input, or list it in externalIssuers if it exists only in the cluster',
    ],
    [
      { kind: 'ClusterIssuer', name: 'ca' },
      'spec.tls.issuerRef.kind',
      'ClusterIssuer "ca" not found in the input; an Issuer (namespaced) of that name exists: set kind: Issuer; add it to the input, or list it in externalIssuers if it exists only in the cluster',
    ],
  ])('issuerRef %j → %s', (issuerRef, field, message) => {
    const r = run(postgres({ tls: { issuerRef } }));
    expect(errorsOf(r)).toEqual([{ severity: 'error', field, message }]);
  });

  it('names the namespace where an Issuer of that name does exist', () => {
    const r = runFn(resourceList([issuer('ca', 'other'), postgres()]));
    expect(errorsOf(r)).toEqual([
      {
        severity: 'error',
        field: 'spec.tls.issuerRef.name',
        message:
          'Issuer "ca" not found in namespace "demo"; an Issuer of that name is in namespace "other", but an Issuer only signs for its own namespace; add it to the input, or list it in externalIssuers if it exists only in the cluster',
      },
    ]);
  });

  it('finds a ClusterIssuer from any namespace and accepts external issuers', () => {
    const cluster = {
      issuerRef: { apiGroup: 'cert-manager.io', kind: 'ClusterIssuer', name: 'cluster-ca' },
    };
    expect(
      runFn(resourceList([clusterIssuer(), postgres({ tls: cluster }, 'pg', 'prod')])).status,
    ).toBe(0);
    const external = {
      apiVersion: 'dbtls.dev/v1alpha1',
      kind: 'DatabaseTLSPolicy',
      metadata: { name: 'p' },
      spec: { externalIssuers: ['ClusterIssuer/cluster-ca', 'Issuer/demo/vault'] },
    };
    expect(runFn(resourceList([postgres({ tls: cluster })], external)).status).toBe(0);
    const vault = { issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'vault' } };
    expect(runFn(resourceList([postgres({ tls: vault })], external)).status).toBe(0);
    expect(
      errorsOf(runFn(resourceList([postgres({ tls: vault }, 'pg', 'prod')], external))),
    ).toHaveLength(1);
  });

  it.each([
    [
      [{ alias: 'server' }, { alias: 'server' }],
      'spec.tls.certificates[1].alias',
      'alias "server" is already customised by spec.tls.certificates[0]; give each alias once',
    ],
    [
      [{ secretName: 'x' }],
      'spec.tls.certificates[0].alias',
      'spec.tls.certificates[0].alias is required: one of server, client, metrics-exporter',
    ],
    [
      [{ alias: 'server', duration: '90d' }],
      'spec.tls.certificates[0].duration',
      '"90d" is not a Go duration as cert-manager requires (time: unknown unit "d" in duration "90d"); use hours, e.g. 2160h for 90 days',
    ],
    [
      [{ alias: 'client', renewBefore: 'soon' }],
      'spec.tls.certificates[0].renewBefore',
      '"soon" is not a Go duration as cert-manager requires (time: invalid duration "soon"); use hours, e.g. 2160h for 90 days',
    ],
    [
      [{ alias: 'server', dnsNames: 'a.example' }],
      'spec.tls.certificates[0].dnsNames',
      'spec.tls.certificates[0].dnsNames must be a list of strings, got the string "a.example"',
    ],
    [
      [{ alias: 'server', ipAddresses: [127001] }],
      'spec.tls.certificates[0].ipAddresses[0]',
      'spec.tls.certificates[0].ipAddresses[0] must be a string, got number 127001',
    ],
    [
      [{ alias: 'server', subject: { organisation: ['x'] } }],
      'spec.tls.certificates[0].subject.organisation',
      'unknown field "organisation"; subject has organizations, countries, organizationalUnits, localities, provinces, streetAddresses, postalCodes, serialNumber',
    ],
    [
      [{ alias: 'server', privateKey: { encoding: 'PEM' } }],
      'spec.tls.certificates[0].privateKey.encoding',
      'spec.tls.certificates[0].privateKey.encoding must be PKCS1 or PKCS8, got the string "PEM"',
    ],
    [
      [{ alias: 'server', commonName: 'x' }],
      'spec.tls.certificates[0].commonName',
      'unknown field "commonName"; a certificate entry has alias, issuerRef, secretName, subject, duration, renewBefore, dnsNames, ipAddresses, uris, emailAddresses, privateKey',
    ],
    [
      [{ alias: 'client', issuerRef: { kind: 'Issuer', name: 'nope' } }],
      'spec.tls.certificates[0].issuerRef.name',
      'Issuer "nope" not found in namespace "demo"; add it to the input, or list it in externalIssuers if it exists only in the cluster',
    ],
    [
      { alias: 'server' },
      'spec.tls.certificates',
      'spec.tls.certificates must be a list, got a mapping',
    ],
  ])('certificates %j → %s', (certificates, field, message) => {
    const r = run(postgres({ tls: tlsWith(certificates as unknown[]) }));
    expect(errorsOf(r)).toEqual([{ severity: 'error', field, message }]);
  });

  it('defaults sslMode from spec.tls and clientAuthMode from the major version', () => {
    const hba = (r: ReturnType<typeof run>) =>
      itemsOf(r, 'ConfigMap')[0].data['pg_hba.conf'] as string;
    expect(hba(run(postgres({ version: '17.2' })))).toContain('hostssl all all all md5\n');
    expect(hba(run(postgres({ version: '18.0' })))).toContain(
      'hostssl all all all scram-sha-256\n',
    );
    expect(hba(run(postgres({ version: '17.2' })))).toContain('hostnossl all all all reject\n');
    const plain = run(postgres({ tls: undefined }));
    expect(plain.status).toBe(0);
    expect(itemsOf(plain, 'Certificate')).toEqual([]);
    expect(hba(plain)).toContain('host all all all md5\n');
    expect(itemsOf(plain, 'ConfigMap')[0].data['postgresql.conf']).toContain('ssl = off\n');
  });

  it("refuses spec.tls with sslMode disable, as KubeDB's webhook does", () => {
    const r = run(postgres({ sslMode: 'disable' }));
    expect(r.status).toBe(1);
    expect(errorsOf(r)).toEqual([
      {
        severity: 'error',
        field: 'spec.sslMode',
        message:
          'sslMode disable with spec.tls set is refused by KubeDB (the certificates would never be used): remove spec.tls or choose an sslMode such as verify-full',
      },
    ]);
  });

  it('needs PostgreSQL 11 for scram, and defaults v1alpha2 to md5 as KubeDB does', () => {
    expect(errorsOf(run(postgres({ version: '10.23', clientAuthMode: 'scram' })))).toEqual([
      {
        severity: 'error',
        field: 'spec.clientAuthMode',
        message: 'scram needs PostgreSQL 11 or later; version "10.23" supports md5 or cert',
      },
    ]);
    const alpha = { ...postgres({ version: '18.1' }), apiVersion: 'kubedb.com/v1alpha2' };
    expect(itemsOf(run(alpha), 'ConfigMap')[0].data['pg_hba.conf']).toContain(
      'hostssl all all all md5\n',
    );
    // The deprecation warning says the md5 is the API's default, not the user's choice.
    expect(resultsOf(run(alpha))).toContainEqual({
      severity: 'warning',
      field: 'spec.clientAuthMode',
      message:
        "spec.clientAuthMode is not set, and kubedb.com/v1alpha2 defaults it to md5 (KubeDB's v1 " +
        'defaults to scram from PostgreSQL 18): md5 password authentication is deprecated from ' +
        'PostgreSQL 18; set clientAuthMode: scram',
    });
    // KubeDB's v1 defaults to scram from 18: no warning.
    const v1 = resultsOf(run(postgres({ version: '18.1' })));
    expect(v1.filter((r) => r.field === 'spec.clientAuthMode')).toEqual([]);
  });

  it('warns where a combination works but is unwise', () => {
    expect(resultsOf(run(postgres({ version: '18.1', clientAuthMode: 'md5' })))).toContainEqual({
      severity: 'warning',
      field: 'spec.clientAuthMode',
      message: 'md5 password authentication is deprecated from PostgreSQL 18; use scram',
    });
    // v1alpha2 defaults to md5 on every version: the warning says it is the default.
    const alpha = { ...postgres({ version: '18.1' }), apiVersion: 'kubedb.com/v1alpha2' };
    expect(resultsOf(run(alpha))).toContainEqual({
      severity: 'warning',
      field: 'spec.clientAuthMode',
      message:
        "spec.clientAuthMode is not set, and kubedb.com/v1alpha2 defaults it to md5 (KubeDB's v1 " +
        'defaults to scram from PostgreSQL 18): md5 password authentication is deprecated from ' +
        'PostgreSQL 18; set clientAuthMode: scram',
    });
  });

  it('warns about every setting standalone mode cannot honour', () => {
    const r = run(
      postgres({
        replicas: 2,
        monitor: { agent: 'prometheus.io/operator' },
        streamingMode: 'Synchronous',
      }),
    );
    expect(resultsOf(r).filter((x) => x.severity === 'warning')).toEqual([
      {
        severity: 'warning',
        field: 'spec.replicas',
        message:
          "pod 0 is the primary and the other 1 stream from it as standbys; standalone mode has no automatic failover (KubeDB's coordinator provides it)",
      },
      {
        severity: 'warning',
        field: 'spec.streamingMode',
        message:
          'standalone mode streams asynchronously; synchronous commit needs the KubeDB operator',
      },
      {
        // spec.monitor is rendered (test/monitor.test.ts); without a serviceMonitor, as in KubeDB,
        // no ServiceMonitor
        severity: 'warning',
        field: 'spec.monitor.prometheus.serviceMonitor',
        message:
          'spec.monitor.prometheus.serviceMonitor is not set: with agent prometheus.io/operator KubeDB creates no ServiceMonitor without it (its agent stops at "serviceMonitor spec is empty"), and neither does dbtls; set serviceMonitor.labels to those your Prometheus selects',
      },
    ]);
  });

  it('reports every problem, not only the first', () => {
    const r = run(
      postgres({
        sslMode: 'bogus',
        clientAuthMode: 'bogus',
        tls: tlsWith([{ alias: 7 }, { alias: 'server', duration: '1d' }]),
      }),
    );
    expect(errorsOf(r).map((e) => e.field)).toEqual([
      'spec.tls.certificates[0].alias',
      'spec.tls.certificates[1].duration',
      'spec.sslMode',
      'spec.clientAuthMode',
    ]);
    expect(itemsOf(r, 'Certificate')).toEqual([]);
  });
});

describe('Postgres rendering', () => {
  it('names certificates and secrets as KubeDB does, and merges overrides', () => {
    const r = run(
      postgres({
        tls: tlsWith([
          {
            alias: 'client',
            secretName: 'my-client',
            duration: '2160h',
            renewBefore: '360h',
            privateKey: { encoding: 'PKCS8' },
            subject: { organizations: ['acme'] },
            emailAddresses: ['dba@example.com'],
          },
        ]),
      }),
    );
    const certs = itemsOf(r, 'Certificate');
    expect(certs.map((c) => [c.metadata.name, c.spec.secretName])).toEqual([
      ['pg-server-cert', 'pg-server-cert'],
      ['pg-client-cert', 'my-client'],
      ['pg-metrics-exporter-cert', 'pg-metrics-exporter-cert'],
    ]);
    expect(certs[1].spec).toMatchObject({
      commonName: 'postgres',
      subject: { organizations: ['acme'] },
      duration: '2160h0m0s',
      renewBefore: '360h0m0s',
      privateKey: { encoding: 'PKCS8' },
      emailAddresses: ['dba@example.com'],
    });
    expect(certs[0].spec.subject).toBeUndefined(); // KubeDB sets no default subject for Postgres
  });

  it('covers every service name with the configured cluster domain', () => {
    const config = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'function-input' },
      data: { clusterDomain: 'corp.internal' },
    };
    const r = runFn(resourceList([issuer('ca', 'prod'), postgres({}, 'orders', 'prod')], config));
    const server = itemsOf(r, 'Certificate')[0];
    expect(server.spec.dnsNames).toEqual([
      'orders',
      'orders.prod',
      'orders.prod.svc',
      'orders.prod.svc.corp.internal',
      'orders-standby',
      'orders-standby.prod',
      'orders-standby.prod.svc',
      'orders-standby.prod.svc.corp.internal',
      'orders-pods',
      'orders-pods.prod',
      'orders-pods.prod.svc',
      'orders-pods.prod.svc.corp.internal',
      '*.orders-pods.prod.svc',
      '*.orders-pods.prod.svc.corp.internal',
      'localhost',
    ]);
    expect(server.spec.ipAddresses).toEqual(['127.0.0.1']);
    expect(itemsOf(r, 'Service').map((s) => s.metadata.name)).toEqual([
      'orders',
      'orders-standby',
      'orders-pods',
    ]);
  });

  it('mounts the server key readable by the server only and configures TLS', () => {
    const r = run(postgres({ clientAuthMode: 'cert' }));
    const sts = itemsOf(r, 'StatefulSet')[0];
    const pod = sts.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsUser: 999, fsGroup: 999, runAsNonRoot: true });
    const server = pod.volumes.find((v: any) => v.name === 'server-cert');
    expect(server.secret).toEqual({
      secretName: 'pg-server-cert',
      defaultMode: 0o640,
      items: [
        { key: 'ca.crt', path: 'ca.crt' },
        { key: 'tls.crt', path: 'server.crt' },
        { key: 'tls.key', path: 'server.key' },
      ],
    });
    expect(pod.containers[0].volumeMounts).toContainEqual({
      name: 'server-cert',
      mountPath: '/tls/certs/server',
      readOnly: true,
    });
    const data = itemsOf(r, 'ConfigMap')[0].data;
    expect(data['postgresql.conf']).toContain("ssl_key_file = '/tls/certs/server/server.key'\n");
    expect(data['pg_hba.conf']).toContain(
      'hostssl all all all cert clientcert=verify-full\nhostssl replication all all cert clientcert=verify-full\nhostnossl all all all reject\n',
    );
  });

  it('rejects connections without TLS whatever the sslMode, as KubeDB does (sslMode is for clients)', () => {
    const hba = itemsOf(
      run(postgres({ sslMode: 'prefer', clientAuthMode: 'scram' })),
      'ConfigMap',
    )[0].data['pg_hba.conf'];
    expect(hba).toContain(
      'hostssl all all all scram-sha-256\nhostssl replication all all scram-sha-256\nhostnossl all all all reject\nhostnossl replication all all reject\n',
    );
    const old = itemsOf(run(postgres({ version: '12.20', clientAuthMode: 'cert' })), 'ConfigMap')[0]
      .data['pg_hba.conf'];
    expect(old).toContain('hostssl all all all cert clientcert=1\n');
  });

  it('cuts long names as KubeDB does: <name>-<suffix> within 63 characters', () => {
    const long = 'a'.repeat(52); // the longest name whose StatefulSet pods the cluster accepts
    const r = runFn(resourceList([issuer(), postgres({}, long)]));
    expect(r.status).toBe(0);
    expect(itemsOf(r, 'Certificate').map((c) => c.metadata.name)).toEqual([
      `${'a'.repeat(51)}-server-cert`,
      `${'a'.repeat(51)}-client-cert`,
      `${'a'.repeat(41)}-metrics-exporter-cert`,
    ]);
    expect(itemsOf(r, 'Service').map((c) => c.metadata.name)).toEqual([
      long,
      `${long}-standby`,
      `${long}-pods`,
    ]);
    expect(itemsOf(r, 'ConfigMap')[0].metadata.name).toBe(`${'a'.repeat(49)}-server-config`);
  });

  it('streams standbys from the primary over TLS with the client certificate', () => {
    const script = itemsOf(run(postgres({ replicas: 3, sslMode: 'verify-ca' })), 'ConfigMap')[0]
      .data['start.sh'];
    expect(script).toContain(
      '--dbname="host=pg port=5432 user=postgres sslmode=verify-ca sslrootcert=/tls/trust/ca.crt sslcert=/tls/certs/client/client.crt sslkey=/tls/certs/client/client.key"',
    );
  });

  it('marks the database local-config in standalone mode and leaves it alone in operator mode', () => {
    const standalone = run(postgres());
    expect(itemsOf(standalone, 'Postgres')[0].metadata.annotations).toEqual({
      'config.kubernetes.io/local-config': 'true',
    });
    const marked = {
      severity: 'info',
      field: 'metadata.annotations.config.kubernetes.io/local-config',
      message:
        'metadata.annotations.config.kubernetes.io/local-config is set to "true", so that Postgres/demo/pg itself is not applied: standalone mode renders its Certificates and workload in its place (use mode: operator for a cluster that runs the KubeDB operator)',
    };
    expect(resultsOf(standalone).filter((r) => r.field === marked.field)).toEqual([marked]);
    expect(
      resultsOf(
        run({
          ...postgres(),
          metadata: {
            name: 'pg',
            namespace: 'demo',
            annotations: { 'config.kubernetes.io/local-config': 'false' },
          },
        }),
      ).filter((r) => r.field === marked.field),
    ).toEqual([marked]);
    const already = run({
      ...postgres(),
      metadata: {
        name: 'pg',
        namespace: 'demo',
        annotations: { 'config.kubernetes.io/local-config': 'true' },
      },
    });
    expect(resultsOf(already).filter((r) => r.field === marked.field)).toEqual([]);
    const db = postgres();
    const operator = runFn(
      resourceList([issuer(), db], {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'function-input' },
        data: { mode: 'operator' },
      }),
    );
    expect(operator.status).toBe(0);
    expect(itemsOf(operator, 'Postgres')[0]).toEqual(db);
    expect(itemsOf(operator).map((i) => i.kind)).toEqual([
      'Issuer',
      'Postgres',
      'Certificate',
      'Certificate',
      'Certificate',
    ]);
  });
});
