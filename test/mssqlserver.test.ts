// MSSQLServer: every validation rule with its exact message and field path, and what is rendered.
import { describe, expect, it } from 'vitest';
import { errorsOf, issuer, itemsOf, resourceList, resultsOf, runFn } from './helpers.js';

const ISSUER = { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' };
const ENV = [
  { name: 'ACCEPT_EULA', value: 'Y' },
  { name: 'MSSQL_PID', value: 'Developer' },
];
const podTemplate = (env: unknown[] = ENV) => ({ spec: { containers: [{ name: 'mssql', env }] } });

/** An MSSQLServer as KubeDB's guides write it; `spec` is merged over the defaults. */
function mssql(spec: Record<string, unknown> = {}, name = 'ms', namespace = 'demo') {
  return {
    apiVersion: 'kubedb.com/v1alpha2',
    kind: 'MSSQLServer',
    metadata: { name, namespace },
    spec: { version: '2022-cu12', tls: { issuerRef: ISSUER }, podTemplate: podTemplate(), ...spec },
  };
}
const ag = (spec: Record<string, unknown> = {}) =>
  mssql({ replicas: 3, topology: { mode: 'AvailabilityGroup' }, ...spec });
const run = (db: unknown, config?: unknown) => runFn(resourceList([issuer(), db], config));
const operator = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'function-input' },
  data: { mode: 'operator' },
};

describe('MSSQLServer validation', () => {
  it.each([
    [
      { tls: undefined },
      'spec.tls',
      'spec.tls is required: KubeDB refuses an MSSQLServer without spec.tls ("spec.tls is missing"); set spec.tls.issuerRef (clientTLS: false still issues the certificates but leaves encryption to the client)',
    ],
    [
      { tls: { clientTLS: true } },
      'spec.tls.issuerRef',
      'spec.tls.issuerRef is required when spec.tls is set: name the cert-manager Issuer or ClusterIssuer that signs the certificates',
    ],
    [
      { tls: { issuerRef: ISSUER, clientTLS: 'yes' } },
      'spec.tls.clientTLS',
      'spec.tls.clientTLS must be true or false, got the string "yes"',
    ],
    [
      { tls: { issuerRef: ISSUER, requireSSL: true } },
      'spec.tls.requireSSL',
      'unknown field "requireSSL"; spec.tls has issuerRef, certificates, clientTLS',
    ],
    [
      { version: undefined },
      'spec.version',
      'spec.version is required: a KubeDB MSSQLServerVersion such as "2022-cu12"',
    ],
    [
      { version: '2019-cu27' },
      'spec.version',
      '"2019-cu27" is not a KubeDB MSSQLServerVersion that standalone mode can map to Microsoft\'s image; use one such as "2022-cu12" or "2025-cu0" (YEAR-cuN for 2022 or 2025), or use mode: operator',
    ],
    [
      { replicas: 3 },
      'spec.replicas',
      'spec.replicas must be 1 for an MSSQLServer without spec.topology (KubeDB\'s webhook: "number of replicas for standalone must be one"), got 3; set spec.topology.mode: AvailabilityGroup for more',
    ],
    [
      { topology: {}, replicas: 3 },
      'spec.topology.mode',
      'spec.topology.mode is required when spec.topology is set: AvailabilityGroup or DistributedAG',
    ],
    [
      { topology: { mode: 'Cluster' }, replicas: 3 },
      'spec.topology.mode',
      '"Cluster" is not one of AvailabilityGroup, DistributedAG',
    ],
    [
      { topology: { mode: 'AvailabilityGroup' } },
      'spec.replicas',
      'spec.replicas is required with spec.topology: the number of availability-group replicas, at least 1',
    ],
    [
      { podTemplate: podTemplate([{ name: 'MSSQL_PID', value: 'Express' }]) },
      'spec.podTemplate.spec.containers[0]',
      'standalone mode runs Microsoft\'s image, which starts only after you accept the SQL Server EULA: add env ACCEPT_EULA with value "Y" to the mssql container, as KubeDB\'s examples do',
    ],
    [
      { podTemplate: podTemplate([...ENV, { name: 'MSSQL_SA_PASSWORD', value: 'x' }]) },
      'spec.podTemplate.spec.containers[0].env[2]',
      'environment variable MSSQL_SA_PASSWORD is forbidden in the mssql container: KubeDB (and dbtls) set it from spec.authSecret',
    ],
    [
      { topology: { mode: 'DistributedAG' }, replicas: 3 },
      'spec.topology.mode',
      'DistributedAG joins availability groups across clusters (spec.topology.distributedAG remote URLs), which only the KubeDB operator can set up; standalone mode cannot run it: use mode: operator',
    ],
  ])('%j → %s', (spec, field, message) => {
    const r = run(mssql(spec as Record<string, unknown>));
    expect(r.status).toBe(1);
    expect(errorsOf(r)).toEqual([{ severity: 'error', field, message }]);
  });

  it('needs MSSQL_PID (KubeDB) and, standalone, ACCEPT_EULA in the mssql container', () => {
    expect(errorsOf(run(mssql({ podTemplate: undefined })))).toEqual([
      {
        severity: 'error',
        field: 'spec.podTemplate.spec.containers',
        message:
          "environment variable MSSQL_PID must be provided in the mssql container (KubeDB's webhook requires it): the SQL Server edition, e.g. Developer, Express, Standard, Enterprise or a product key",
      },
      {
        severity: 'error',
        field: 'spec.podTemplate.spec.containers',
        message:
          'standalone mode runs Microsoft\'s image, which starts only after you accept the SQL Server EULA: add env ACCEPT_EULA with value "Y" to the mssql container, as KubeDB\'s examples do',
      },
    ]);
  });

  it('in operator mode still requires what KubeDB requires, but not what only standalone needs', () => {
    expect(errorsOf(run(mssql({ tls: undefined }), operator)).map((e) => e.field)).toEqual([
      'spec.tls',
    ]);
    const r = run(
      mssql({
        version: '2019-cu27',
        podTemplate: podTemplate([{ name: 'MSSQL_PID', value: 'Express' }]),
        topology: { mode: 'DistributedAG' },
        replicas: 3,
      }),
      operator,
    );
    expect(errorsOf(r)).toEqual([]);
    expect(r.status).toBe(0);
  });

  /** Every standalone MSSQLServer (spec.tls is required) restarts on renewal. */
  const RESTART_WARNING = {
    severity: 'warning',
    field: 'spec.tls',
    message:
      "SQL Server reads its certificate only when it starts, so standalone mode restarts it when cert-manager renews a certificate: the tls-reloader container of each pod ends SQL Server in that pod's own 120-second slot (DBTLS_RESTART_SLOT_SECONDS), one pod at a time, and the kubelet starts it again with the renewed files; each pod is unavailable for its restart once per renewal",
  };

  // The pod template's labels, nodeSelector and securityContext are applied (pod-template.ts).
  it('warns about what standalone mode leaves to the operator', () => {
    const r = run(
      mssql({
        monitor: { agent: 'prometheus.io/operator' },
        podTemplate: {
          metadata: { labels: { a: 'b' } },
          spec: {
            nodeSelector: { disk: 'ssd' },
            containers: [{ name: 'mssql', env: ENV, securityContext: {} }],
          },
        },
      }),
    );
    expect(resultsOf(r).filter((x) => x.severity === 'warning')).toEqual([
      {
        severity: 'warning',
        field: 'spec.monitor',
        message:
          'the mssql-exporter sidecar, whose connection to the server the operator configures (spec.monitor) is provided by the KubeDB operator only; standalone mode does not render it (use mode: operator to keep it)',
      },
      RESTART_WARNING,
    ]);
    const g = run(ag());
    expect(resultsOf(g).filter((x) => x.severity === 'warning')).toEqual([
      {
        severity: 'warning',
        field: 'spec.topology',
        message:
          'standalone mode runs 3 SQL Server instances with HADR enabled and the endpoint certificate mounted at /var/opt/mssql/endpoint-cert, service "ms" routes to pod 0, and service "ms-secondary" to pods labelled kubedb.com/role: secondary; creating the availability group, joining replicas, the mirroring endpoints and failover are done by the KubeDB operator (its coordinator) only: until you create them, the replicas are independent servers and the secondary service has no endpoints until you label the secondaries (use mode: operator for a managed group)',
      },
      RESTART_WARNING,
    ]);
  });
});

describe('MSSQLServer rendering', () => {
  it('names certificates as KubeDB does, with its default subject merged per list', () => {
    const r = run(
      mssql({
        tls: {
          issuerRef: ISSUER,
          certificates: [
            { alias: 'server', subject: { organizations: ['kubedb:server'], countries: ['US'] } },
            { alias: 'client', secretName: 'my-client' },
          ],
        },
      }),
    );
    const certs = itemsOf(r, 'Certificate');
    expect(certs.map((c) => [c.metadata.name, c.spec.secretName, c.spec.commonName])).toEqual([
      ['ms-server-cert', 'ms-server-cert', 'ms'],
      ['ms-client-cert', 'my-client', 'mssql'],
    ]);
    expect(certs[0].spec.subject).toEqual({
      organizations: ['kubedb:server'],
      organizationalUnits: ['server'],
      countries: ['US'],
    });
    expect(certs[1].spec.subject).toEqual({
      organizations: ['kubedb'],
      organizationalUnits: ['client'],
    });
    expect(certs[0].spec.dnsNames).toEqual([
      'ms',
      'ms.demo',
      'ms.demo.svc',
      'ms.demo.svc.cluster.local',
      'ms-pods',
      'ms-pods.demo',
      'ms-pods.demo.svc',
      'ms-pods.demo.svc.cluster.local',
      '*.ms-pods.demo.svc',
      '*.ms-pods.demo.svc.cluster.local',
      'localhost',
    ]);
  });

  it('issues the endpoint certificate only for AvailabilityGroup, with the secondary service in the SANs', () => {
    const r = run(ag());
    expect(itemsOf(r, 'Certificate').map((c) => c.metadata.name)).toEqual([
      'ms-server-cert',
      'ms-client-cert',
      'ms-endpoint-cert',
    ]);
    expect(itemsOf(r, 'Certificate')[0].spec.dnsNames).toContain('ms-secondary.demo.svc');
    const sts = itemsOf(r, 'StatefulSet')[0];
    const c = sts.spec.template.spec.containers[0];
    expect(c.env).toContainEqual({ name: 'MSSQL_ENABLE_HADR', value: '1' });
    expect(c.volumeMounts).toContainEqual({
      name: 'endpoint-cert',
      mountPath: '/var/opt/mssql/endpoint-cert',
      readOnly: true,
    });
    expect(sts.spec.replicas).toBe(3);
    expect(
      itemsOf(r, 'Service').map((s) => [
        s.metadata.name,
        s.spec.selector['statefulset.kubernetes.io/pod-name'],
      ]),
    ).toEqual([
      ['ms', 'ms-0'],
      ['ms-secondary', undefined],
      ['ms-pods', undefined],
    ]);
  });

  it("renders KubeDB's <db>-secondary Service for AvailabilityGroup, selecting the pods labelled secondary", () => {
    const secondary = itemsOf(run(ag()), 'Service').find((s) => s.metadata.name === 'ms-secondary');
    expect(secondary.spec).toEqual({
      type: 'ClusterIP',
      selector: {
        'app.kubernetes.io/name': 'mssqlservers.kubedb.com',
        'app.kubernetes.io/instance': 'ms',
        'kubedb.com/role': 'secondary',
      },
      ports: [{ name: 'secondary', port: 1433, targetPort: 1433, protocol: 'TCP' }],
    });
    expect(itemsOf(run(mssql()), 'Service').map((s) => s.metadata.name)).toEqual(['ms', 'ms-pods']);
  });

  it("with clientTLS puts the CA into the pod's trust store by an init step in the server's image", () => {
    const pod = (db: unknown) => itemsOf(run(db), 'StatefulSet')[0].spec.template.spec;
    expect(pod(mssql()).initContainers).toBeUndefined();
    const p = pod(mssql({ tls: { issuerRef: ISSUER, clientTLS: true } }));
    expect(
      p.initContainers.map((c: any) => [
        c.name,
        c.image,
        c.command.slice(0, 2),
        c.volumeMounts,
        c.securityContext,
      ]),
    ).toEqual([
      [
        'trust-ca',
        'mcr.microsoft.com/mssql/server:2022-CU12-ubuntu-22.04',
        ['/bin/sh', '-c'],
        [
          { name: 'tls', mountPath: '/var/opt/mssql/tls', readOnly: true },
          { name: 'trusted-certs', mountPath: '/var/run/dbtls/trusted-certs' },
        ],
        { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      ],
    ]);
    expect(p.volumes).toContainEqual({ name: 'trusted-certs', emptyDir: {} });
    const c = p.containers[0];
    expect(c.volumeMounts).toContainEqual({
      name: 'trusted-certs',
      mountPath: '/etc/ssl/certs',
      readOnly: true,
    });
    expect(c.env.slice(-2)).toEqual([
      { name: 'SSL_CERT_FILE', value: '/etc/ssl/certs/ca-certificates.crt' },
      { name: 'SSL_CERT_DIR', value: '/etc/ssl/certs' },
    ]);
  });

  it('writes mssql.conf with forceencryption following clientTLS (default false)', () => {
    const conf = (db: unknown) => itemsOf(run(db), 'ConfigMap')[0].data['mssql.conf'] as string;
    const body =
      '[network]\ntlscert = /var/opt/mssql/tls/server.crt\ntlskey = /var/opt/mssql/tls/server.key\ntlsprotocols = 1.2\nforceencryption = ';
    expect(conf(mssql())).toContain(`${body}0\n`);
    expect(conf(mssql({ tls: { issuerRef: ISSUER, clientTLS: true } }))).toContain(`${body}1\n`);
  });

  it("runs Microsoft's image as the mssql user with the certificates readable by it alone", () => {
    const r = run(mssql({ version: '2025-cu0', authSecret: { name: 'sa-secret' } }));
    const pod = itemsOf(r, 'StatefulSet')[0].spec.template.spec;
    expect(pod.securityContext).toEqual({
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const c = pod.containers[0];
    expect(c.image).toBe('mcr.microsoft.com/mssql/server:2025-RTM-ubuntu-22.04');
    expect(c.env).toEqual([
      ...ENV,
      {
        name: 'MSSQL_SA_PASSWORD',
        valueFrom: { secretKeyRef: { name: 'sa-secret', key: 'password' } },
      },
    ]);
    expect(c.volumeMounts).toContainEqual({
      name: 'config',
      mountPath: '/var/opt/mssql/mssql.conf',
      subPath: 'mssql.conf',
      readOnly: true,
    });
    const tls = pod.volumes.find((v: any) => v.name === 'tls');
    expect(tls.projected.defaultMode).toBe(0o440);
    expect(
      tls.projected.sources.map((s: any) => [
        s.secret.name,
        s.secret.items.map((i: any) => i.path),
      ]),
    ).toEqual([
      ['ms-server-cert', ['ca.crt', 'server.crt', 'server.key']],
      ['ms-client-cert', ['client.crt', 'client.key']],
    ]);
  });

  it('in operator mode emits the Certificates and passes the database through unchanged', () => {
    const db = ag();
    const r = run(db, operator);
    expect(r.status).toBe(0);
    expect(itemsOf(r).map((o) => o.kind)).toEqual([
      'Issuer',
      'MSSQLServer',
      'Certificate',
      'Certificate',
      'Certificate',
    ]);
    expect(itemsOf(r, 'MSSQLServer')[0]).toEqual(db);
  });

  it('is held to a minimum clientTLS by the connectionSecurity rule', () => {
    const policy = {
      apiVersion: 'dbtls.dev/v1alpha1',
      kind: 'DatabaseTLSPolicy',
      metadata: { name: 'p' },
      spec: { rules: { connectionSecurity: { minimum: { clientTLS: true } } } },
    };
    const r = run(mssql(), policy);
    expect(r.status).toBe(1);
    expect(errorsOf(r).map((e) => e.field)).toEqual(['spec.tls.clientTLS']);
    expect(run(mssql({ tls: { issuerRef: ISSUER, clientTLS: true } }), policy).status).toBe(0);
  });

  it("lets the tlsProtocols rule choose tlsprotocols in standalone mode, and checks KubeDB's otherwise", () => {
    const policy = (versions: string[], mode = 'standalone') => ({
      apiVersion: 'dbtls.dev/v1alpha1',
      kind: 'DatabaseTLSPolicy',
      metadata: { name: 'p' },
      spec: { mode, rules: { tlsProtocols: { versions } } },
    });
    const conf = (r: ReturnType<typeof run>) =>
      itemsOf(r, 'ConfigMap')[0].data['mssql.conf'] as string;
    expect(conf(run(mssql()))).toContain('tlsprotocols = 1.2\n');
    expect(conf(run(mssql(), policy(['1.0', '1.2', '1.1'])))).toContain(
      'tlsprotocols = 1.2,1.1,1.0\n',
    );
    const strict = policy(['1.2'], 'operator');
    expect(resultsOf(run(mssql(), strict))).toEqual([
      {
        severity: 'error',
        field: 'spec.configSecret',
        message:
          "policy rule tlsProtocols: KubeDB's operator writes tlsprotocols = 1.2,1.1,1.0 into mssql.conf, which allows TLS 1.1, 1.0; the policy allows only 1.2",
      },
    ]);
    expect(
      resultsOf(run(mssql(), { ...strict, spec: { ...strict.spec, mode: 'validate' } }))[0].field,
    ).toBe('spec.configSecret');
    expect(resultsOf(run(mssql({ configSecret: { name: 'my-conf' } }), strict))).toEqual([
      {
        severity: 'warning',
        field: 'spec.configSecret',
        message:
          "policy rule tlsProtocols: the tlsprotocols of the mssql.conf in this secret cannot be checked (KubeDB's own default is 1.2,1.1,1.0)",
      },
    ]);
    expect(resultsOf(run(mssql(), policy(['1.2', '1.1', '1.0'], 'operator')))).toEqual([]);
  });
});
