// Names the user declares in spec.serviceTemplates (loadBalancerIP, externalIPs, external-dns's
// hostname annotation) join the server certificate of every kind; a LoadBalancer with no declared
// name gets a warning in operator mode, where dbtls writes the certificate KubeDB would extend.
import { describe, expect, it } from 'vitest';
import { issuer, itemsOf, postgres, resourceList, resultsOf, runFn } from './helpers.js';

const ISSUER = { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' };
const ENV = [
  { name: 'ACCEPT_EULA', value: 'Y' },
  { name: 'MSSQL_PID', value: 'Developer' },
];
const HOSTNAME = 'external-dns.alpha.kubernetes.io/hostname';
const config = (mode: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'function-input' },
  data: { mode },
});
const operator = config('operator');

/** One database of each kind, named db in namespace demo, with `serviceTemplates`. */
const KINDS: Record<string, (templates: unknown) => Record<string, unknown>> = {
  Postgres: (t) => postgres({ serviceTemplates: t }, 'db'),
  PerconaXtraDB: (t) => ({
    apiVersion: 'kubedb.com/v1',
    kind: 'PerconaXtraDB',
    metadata: { name: 'db', namespace: 'demo' },
    spec: { version: '8.0.40', replicas: 3, tls: { issuerRef: ISSUER }, serviceTemplates: t },
  }),
  Singlestore: (t) => ({
    apiVersion: 'kubedb.com/v1alpha2',
    kind: 'Singlestore',
    metadata: { name: 'db', namespace: 'demo' },
    spec: {
      version: '8.9.3',
      licenseSecret: { name: 'license' },
      tls: { issuerRef: ISSUER },
      serviceTemplates: t,
    },
  }),
  MSSQLServer: (t) => ({
    apiVersion: 'kubedb.com/v1alpha2',
    kind: 'MSSQLServer',
    metadata: { name: 'db', namespace: 'demo' },
    spec: {
      version: '2022-cu12',
      replicas: 3,
      topology: { mode: 'AvailabilityGroup' },
      tls: { issuerRef: ISSUER },
      podTemplate: { spec: { containers: [{ name: 'mssql', env: ENV }] } },
      serviceTemplates: t,
    },
  }),
  VaultServer: (t) => ({
    apiVersion: 'kubevault.com/v1alpha2',
    kind: 'VaultServer',
    metadata: { name: 'db', namespace: 'demo' },
    spec: {
      version: '1.18.4',
      replicas: 3,
      backend: { raft: {} },
      tls: { issuerRef: ISSUER },
      serviceTemplates: t,
    },
  }),
};
/** The template alias of each kind's primary client Service. */
const PRIMARY: Record<string, string> = {
  Postgres: 'primary',
  PerconaXtraDB: 'primary',
  Singlestore: 'primary',
  MSSQLServer: 'primary',
  VaultServer: 'vault',
};

const serverCert = (r: ReturnType<typeof runFn>) =>
  itemsOf(r, 'Certificate').find(
    (c) => c.metadata.labels['dbtls.dev/certificate-alias'] === 'server',
  );
const lbWarning = (i: number, service: string) => ({
  severity: 'warning',
  field: `spec.serviceTemplates[${i}].spec.type`,
  message: `service "${service}" is a LoadBalancer with no declared address: KubeDB would add the address the cloud assigns to the server certificate at run time, but in operator mode dbtls writes that certificate before the address exists, so clients that connect by it fail verification; add the name (or address) clients use to spec.tls.certificates[].dnsNames (or ipAddresses) of alias server, or declare it here with spec.loadBalancerIP or the ${HOSTNAME} annotation`,
});

describe('spec.serviceTemplates: declared names in the server certificate', () => {
  for (const [kind, make] of Object.entries(KINDS)) {
    it(`${kind}: loadBalancerIP, externalIPs and the external-dns hostnames of the ${PRIMARY[kind]} Service`, () => {
      const templates = [
        {
          alias: PRIMARY[kind],
          metadata: { annotations: { [HOSTNAME]: 'db.example.com., db-alt.example.com' } },
          spec: {
            type: 'LoadBalancer',
            loadBalancerIP: '203.0.113.10',
            externalIPs: ['198.51.100.7'],
          },
        },
        // a metrics Service serves no database clients: its names stay out
        {
          alias: 'stats',
          metadata: { annotations: { [HOSTNAME]: 'metrics.example.com' } },
          spec: { type: 'LoadBalancer', loadBalancerIP: '203.0.113.99' },
        },
      ];
      const r = runFn(resourceList([issuer(), make(templates)], operator));
      expect(resultsOf(r).filter((x) => x.severity !== 'info')).toEqual([]);
      const spec = serverCert(r).spec;
      expect(spec.dnsNames.slice(-2)).toEqual(['db.example.com', 'db-alt.example.com']);
      expect(spec.ipAddresses).toEqual(['127.0.0.1', '203.0.113.10', '198.51.100.7']);
      expect(spec.dnsNames).not.toContain('metrics.example.com');
      for (const c of itemsOf(r, 'Certificate').filter((x) => x !== serverCert(r))) {
        expect(c.spec.dnsNames ?? []).not.toContain('db.example.com');
      }
    });

    it(`${kind}: a LoadBalancer with no declared name is a warning in operator mode only`, () => {
      const templates = [{ alias: PRIMARY[kind], spec: { type: 'LoadBalancer' } }];
      expect(resultsOf(runFn(resourceList([issuer(), make(templates)], operator)))).toContainEqual(
        lbWarning(0, 'db'),
      );
      for (const mode of ['standalone', 'validate']) {
        const results = resultsOf(runFn(resourceList([issuer(), make(templates)], config(mode))));
        expect(results.filter((x) => x.field === 'spec.serviceTemplates[0].spec.type')).toEqual([]);
      }
    });
  }

  it('takes the standby (Postgres) and secondary (MSSQLServer) Services too', () => {
    const pg = runFn(
      resourceList(
        [
          issuer(),
          KINDS.Postgres([
            { alias: 'standby', spec: { type: 'LoadBalancer', loadBalancerIP: '203.0.113.11' } },
            { alias: 'primary', spec: { type: 'LoadBalancer' } },
          ]),
        ],
        operator,
      ),
    );
    expect(serverCert(pg).spec.ipAddresses).toEqual(['127.0.0.1', '203.0.113.11']);
    expect(resultsOf(pg)).toEqual([lbWarning(1, 'db')]);
    const ms = runFn(
      resourceList(
        [issuer(), KINDS.MSSQLServer([{ alias: 'secondary', spec: { type: 'LoadBalancer' } }])],
        operator,
      ),
    );
    expect(resultsOf(ms)).toEqual([lbWarning(0, 'db-secondary')]);
  });

  it('VaultServer: the primary alias counts only with exposePrimary', () => {
    const t = [
      { alias: 'primary', spec: { type: 'LoadBalancer', loadBalancerIP: '203.0.113.12' } },
    ];
    const plain = runFn(resourceList([issuer(), KINDS.VaultServer(t)], operator));
    expect(serverCert(plain).spec.ipAddresses).toEqual(['127.0.0.1']);
    const exposed = KINDS.VaultServer(t);
    (exposed.spec as Record<string, unknown>).exposePrimary = true;
    expect(serverCert(runFn(resourceList([issuer(), exposed], operator))).spec.ipAddresses).toEqual(
      ['127.0.0.1', '203.0.113.12'],
    );
  });

  it('the names are the same in every mode: the certificate does not depend on the mode', () => {
    const t = [{ alias: 'primary', metadata: { annotations: { [HOSTNAME]: 'pg.example.com' } } }];
    const standalone = runFn(resourceList([issuer(), KINDS.Postgres(t)]));
    expect(serverCert(standalone).spec.dnsNames).toContain('pg.example.com');
    expect(serverCert(standalone).spec).toEqual(
      serverCert(runFn(resourceList([issuer(), KINDS.Postgres(t)], operator))).spec,
    );
  });

  it.each([
    [
      'not a list',
      { primary: {} },
      'spec.serviceTemplates',
      'must be a list of service templates, got a mapping',
    ],
    [
      'an entry that is no mapping',
      ['primary'],
      'spec.serviceTemplates[0]',
      'must be a mapping with alias, metadata and spec, got the string "primary"',
    ],
    [
      'a spec that is no mapping',
      [{ alias: 'primary', spec: 'LoadBalancer' }],
      'spec.serviceTemplates[0].spec',
      'must be a mapping, got the string "LoadBalancer"',
    ],
    [
      'a loadBalancerIP that is no IP',
      [{ alias: 'primary', spec: { loadBalancerIP: '10.0.0.010' } }],
      'spec.serviceTemplates[0].spec.loadBalancerIP',
      '"10.0.0.010" is not an IP address (as Go and cert-manager read them), so it cannot go into the server certificate',
    ],
    [
      'externalIPs that are no list',
      [{ alias: 'primary', spec: { externalIPs: '1.2.3.4' } }],
      'spec.serviceTemplates[0].spec.externalIPs',
      'must be a list of IP addresses, got the string "1.2.3.4"',
    ],
    [
      'a hostname annotation that is no string',
      [{ alias: 'primary', metadata: { annotations: { [HOSTNAME]: ['a.example.com'] } } }],
      `spec.serviceTemplates[0].metadata.annotations.${HOSTNAME}`,
      'must be a comma-separated string of host names, got a list',
    ],
    [
      'a host name that is no DNS name',
      [
        {
          alias: 'primary',
          metadata: { annotations: { [HOSTNAME]: 'ok.example.com,bad_name.example.com' } },
        },
      ],
      `spec.serviceTemplates[0].metadata.annotations.${HOSTNAME}`,
      'host name "bad_name.example.com" has the label "bad_name": letters, digits and \'-\' only, not starting or ending with \'-\', so it cannot go into the server certificate',
    ],
  ])('reports %s', (_what, templates, field, message) => {
    const r = runFn(resourceList([issuer(), KINDS.Postgres(templates)], operator));
    expect(r.status).toBe(1);
    expect(resultsOf(r)).toEqual([{ severity: 'error', field, message }]);
  });
});
