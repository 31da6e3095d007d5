// Names the user declares in spec.serviceTemplates (loadBalancerIP, externalIPs, external-dns's
// hostname annotation) join the server certificate of every kind; a LoadBalancer with no declared
// name gets a warning in operator mode, where dbtls writes the certificate KubeDB would extend.
// In standalone mode each template is applied to the Service of its alias, as KubeDB applies it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  errorsOf,
  issuer,
  itemsOf,
  postgres,
  ROOT,
  resourceList,
  resultsOf,
  runFn,
} from './helpers.js';

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
/** The kinds whose standalone workload has only a primary Service: rendered in standalone mode. */
const STANDALONE_ONLY: Record<string, (templates: unknown) => Record<string, unknown>> = {
  MariaDB: (t) => ({
    apiVersion: 'kubedb.com/v1',
    kind: 'MariaDB',
    metadata: { name: 'db', namespace: 'demo' },
    spec: { version: '11.4.3', requireSSL: true, tls: { issuerRef: ISSUER }, serviceTemplates: t },
  }),
  MySQL: (t) => ({
    apiVersion: 'kubedb.com/v1',
    kind: 'MySQL',
    metadata: { name: 'db', namespace: 'demo' },
    spec: { version: '9.7.1', requireSSL: true, tls: { issuerRef: ISSUER }, serviceTemplates: t },
  }),
  Redis: (t) => ({
    apiVersion: 'kubedb.com/v1',
    kind: 'Redis',
    metadata: { name: 'db', namespace: 'demo' },
    spec: { version: '8.2.2', tls: { issuerRef: ISSUER }, serviceTemplates: t },
  }),
};
/** The template alias of each kind's primary client Service. */
const PRIMARY: Record<string, string> = {
  Postgres: 'primary',
  PerconaXtraDB: 'primary',
  Singlestore: 'primary',
  MSSQLServer: 'primary',
  VaultServer: 'vault',
  MariaDB: 'primary',
  MySQL: 'primary',
  Redis: 'primary',
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
  for (const [kind, make] of Object.entries({ ...KINDS, ...STANDALONE_ONLY })) {
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

  it("VaultServer: the internal Service's external-dns names join the certificate too", () => {
    const t = [
      { alias: 'internal', metadata: { annotations: { [HOSTNAME]: 'vault.example.com' } } },
    ];
    const r = runFn(resourceList([issuer(), KINDS.VaultServer(t)], operator));
    expect(resultsOf(r).filter((x) => x.severity !== 'info')).toEqual([]);
    expect(serverCert(r).spec.dnsNames).toContain('vault.example.com');
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
      'spec.serviceTemplates must be a list of service templates, got a mapping',
    ],
    [
      'an entry that is no mapping',
      ['primary'],
      'spec.serviceTemplates[0]',
      'spec.serviceTemplates[0] must be a mapping with alias, metadata and spec, got the string "primary"',
    ],
    [
      'a spec that is no mapping',
      [{ alias: 'primary', spec: 'LoadBalancer' }],
      'spec.serviceTemplates[0].spec',
      'spec.serviceTemplates[0].spec must be a mapping, got the string "LoadBalancer"',
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
      'spec.serviceTemplates[0].spec.externalIPs must be a list of IP addresses, got the string "1.2.3.4"',
    ],
    [
      'a hostname annotation that is no string',
      [{ alias: 'primary', metadata: { annotations: { [HOSTNAME]: ['a.example.com'] } } }],
      `spec.serviceTemplates[0].metadata.annotations.${HOSTNAME}`,
      `spec.serviceTemplates[0].metadata.annotations.${HOSTNAME} must be a comma-separated string of host names, got a list`,
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

// Standalone mode applies each template to the Service the kind renders for its alias, as the
// operators do (fn/render/service-templates.ts has the upstream references).
const STANDALONE = { ...KINDS, ...STANDALONE_ONLY };
const standalone = (db: Record<string, unknown>) => runFn(resourceList([issuer(), db]));
const services = (r: ReturnType<typeof runFn>) => itemsOf(r, 'Service');
const named = (r: ReturnType<typeof runFn>, name: string) =>
  services(r).find((s) => s.metadata.name === name);
/** The results of a run that are about spec.serviceTemplates. */
const templateResults = (r: ReturnType<typeof runFn>) =>
  resultsOf(r).filter((x) => x.field?.startsWith('spec.serviceTemplates'));
const GENERATED = ['Certificate', 'ConfigMap', 'Service', 'StatefulSet'];
const LB_SPEC = {
  type: 'LoadBalancer',
  loadBalancerSourceRanges: ['203.0.113.0/24'],
  externalTrafficPolicy: 'Local',
};

describe('spec.serviceTemplates in standalone mode: applied to the rendered Services', () => {
  for (const [kind, make] of Object.entries(STANDALONE)) {
    const alias = PRIMARY[kind];
    it(`${kind}: the ${alias} template makes Service "db" a LoadBalancer; nothing else changes`, () => {
      const plain = standalone(make(undefined));
      const labels = kind === 'VaultServer' ? {} : { exposure: 'internet' };
      const templates = [
        {
          alias,
          metadata: { annotations: { 'example.com/lb': 'internal' }, labels },
          spec: LB_SPEC,
        },
      ];
      const templated = standalone(make(templates));
      expect(resultsOf(templated)).toEqual(resultsOf(plain));
      const before = named(plain, 'db');
      expect(named(templated, 'db')).toEqual({
        ...before,
        metadata: {
          ...before.metadata,
          labels: { ...before.metadata.labels, ...labels },
          annotations: { ...before.metadata.annotations, 'example.com/lb': 'internal' },
        },
        spec: { ...before.spec, ...LB_SPEC },
      });
      // Every other generated object, the headless governing Service among them, is as without
      // templates (the database itself differs by its serviceTemplates only).
      const others = (r: ReturnType<typeof runFn>) =>
        itemsOf(r).filter(
          (o) => GENERATED.includes(o.kind) && !(o.kind === 'Service' && o.metadata.name === 'db'),
        );
      expect(others(plain).length).toBeGreaterThan(2);
      expect(others(templated)).toEqual(others(plain));
    });
  }

  it('Postgres: a NodePort standby, its port matched by name as KubeDB matches it', () => {
    const r = standalone(
      KINDS.Postgres([
        {
          alias: 'standby',
          spec: { type: 'NodePort', ports: [{ name: 'standby', port: 15432, nodePort: 30432 }] },
        },
      ]),
    );
    expect(templateResults(r)).toEqual([]);
    expect(named(r, 'db-standby').spec).toEqual({
      type: 'NodePort',
      selector: {
        'app.kubernetes.io/name': 'postgreses.kubedb.com',
        'app.kubernetes.io/instance': 'db',
      },
      ports: [{ name: 'standby', port: 15432, targetPort: 5432, protocol: 'TCP', nodePort: 30432 }],
    });
    expect(named(r, 'db').spec.type).toBe('ClusterIP');
  });

  it('MSSQLServer: the secondary template reaches db-secondary', () => {
    const r = standalone(
      KINDS.MSSQLServer([
        { alias: 'secondary', spec: { type: 'NodePort', clusterIP: '10.96.0.20' } },
      ]),
    );
    expect(templateResults(r)).toEqual([]);
    expect(named(r, 'db-secondary').spec).toMatchObject({
      type: 'NodePort',
      clusterIP: '10.96.0.20',
    });
  });

  it('a port the Service does not have, or one without a name, is ignored with a warning', () => {
    const r = standalone(
      KINDS.Postgres([
        {
          alias: 'primary',
          spec: {
            type: 'NodePort',
            ports: [
              { name: 'postgres', port: 5432, nodePort: 30001 },
              { port: 5432, nodePort: 30002 },
            ],
          },
        },
      ]),
    );
    expect(r.status).toBe(0);
    expect(templateResults(r)).toEqual([
      {
        severity: 'warning',
        field: 'spec.serviceTemplates[0].spec.ports[0].name',
        message:
          'service "db" has no port "postgres" (its ports: primary); KubeDB ignores a template port it cannot match by name, and so does dbtls',
      },
      {
        severity: 'warning',
        field: 'spec.serviceTemplates[0].spec.ports[1]',
        message:
          "spec.serviceTemplates[0].spec.ports[1] has no name: KubeDB matches a template's ports to the Service's by name (primary) and ignores this one",
      },
    ]);
    expect(named(r, 'db').spec.ports).toEqual([
      { name: 'primary', port: 5432, targetPort: 5432, protocol: 'TCP' },
    ]);
  });

  it.each([
    [
      'a nodePort on a ClusterIP Service',
      { ports: [{ name: 'primary', port: 5432, nodePort: 30001 }] },
      'spec.serviceTemplates[0].spec.ports[0].nodePort',
      'spec.serviceTemplates[0].spec.ports[0].nodePort may not be used when type is ClusterIP: the API server would refuse the Service; set type NodePort or LoadBalancer, or remove the nodePort',
    ],
    [
      'loadBalancerSourceRanges on a NodePort Service',
      { type: 'NodePort', loadBalancerSourceRanges: ['10.0.0.0/8'] },
      'spec.serviceTemplates[0].spec.loadBalancerSourceRanges',
      "spec.serviceTemplates[0].spec.loadBalancerSourceRanges may only be used when type is LoadBalancer (the template's type is NodePort): the API server would refuse the Service",
    ],
    [
      'a source range that is no IP range',
      { type: 'LoadBalancer', loadBalancerSourceRanges: ['10.0.0.0/8', '10.0.0.1'] },
      'spec.serviceTemplates[0].spec.loadBalancerSourceRanges[1]',
      '"10.0.0.1" is not an IP range such as 10.0.0.0/8',
    ],
    [
      'externalTrafficPolicy on a ClusterIP Service',
      { externalTrafficPolicy: 'Local' },
      'spec.serviceTemplates[0].spec.externalTrafficPolicy',
      'spec.serviceTemplates[0].spec.externalTrafficPolicy may only be set for a Service reachable from outside the cluster (type NodePort or LoadBalancer, or externalIPs): the API server would refuse it on this ClusterIP Service',
    ],
    [
      'an externalTrafficPolicy of another spelling',
      { type: 'LoadBalancer', externalTrafficPolicy: 'local' },
      'spec.serviceTemplates[0].spec.externalTrafficPolicy',
      'spec.serviceTemplates[0].spec.externalTrafficPolicy must be "Cluster" or "Local", got the string "local"',
    ],
    [
      'healthCheckNodePort without externalTrafficPolicy Local',
      { type: 'LoadBalancer', healthCheckNodePort: 30100 },
      'spec.serviceTemplates[0].spec.healthCheckNodePort',
      'spec.serviceTemplates[0].spec.healthCheckNodePort may only be set when type is LoadBalancer and externalTrafficPolicy is Local: the API server would refuse the Service',
    ],
    [
      'type ExternalName',
      { type: 'ExternalName' },
      'spec.serviceTemplates[0].spec.type',
      'ExternalName makes the Service a DNS alias for spec.externalName, which a service template cannot set: the API server would refuse it, and it would no longer reach the database; use ClusterIP, NodePort or LoadBalancer',
    ],
    [
      'a type that does not exist',
      // no second error for the ranges: they were meant for the LoadBalancer misspelt
      { type: 'Loadbalancer', loadBalancerSourceRanges: ['10.0.0.0/8'] },
      'spec.serviceTemplates[0].spec.type',
      'spec.serviceTemplates[0].spec.type must be one of "ClusterIP", "NodePort", "LoadBalancer", "ExternalName", got the string "Loadbalancer"',
    ],
    [
      'a headless LoadBalancer',
      { type: 'LoadBalancer', clusterIP: 'None' },
      'spec.serviceTemplates[0].spec.clusterIP',
      'spec.serviceTemplates[0].spec.clusterIP may not be "None" when type is LoadBalancer: the API server refuses a headless LoadBalancer Service',
    ],
    [
      'a nodePort out of range',
      { type: 'NodePort', ports: [{ name: 'primary', port: 5432, nodePort: 70000 }] },
      'spec.serviceTemplates[0].spec.ports[0].nodePort',
      'spec.serviceTemplates[0].spec.ports[0].nodePort must be a port number (1-65535), got number 70000',
    ],
  ])('standalone mode refuses %s, naming the field', (_what, spec, field, message) => {
    const r = standalone(KINDS.Postgres([{ alias: 'primary', spec }]));
    expect(r.status).toBe(1);
    expect(errorsOf(r)).toEqual([{ severity: 'error', field, message }]);
    // The same database in operator mode: the operator, not dbtls, writes the Services.
    expect(
      errorsOf(
        runFn(resourceList([issuer(), KINDS.Postgres([{ alias: 'primary', spec }])], operator)),
      ),
    ).toEqual([]);
  });

  it.each([
    [
      'a template for a Service standalone mode does not render',
      { alias: 'stats', spec: { type: 'LoadBalancer' } },
      'spec.serviceTemplates[0].alias',
      'standalone mode renders no Service of alias "stats", so this template is not applied; the templates it applies are for primary (db), standby (db-standby)',
    ],
    [
      'sessionAffinityConfig',
      { alias: 'primary', spec: { sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } } },
      'spec.serviceTemplates[0].spec.sessionAffinityConfig',
      'spec.serviceTemplates[0].spec.sessionAffinityConfig is not applied: the KubeDB operator does not copy it to the Service (a template has no sessionAffinity for it to configure)',
    ],
    [
      'a field service templates do not have',
      { alias: 'primary', spec: { ipFamilyPolicy: 'PreferDualStack' } },
      'spec.serviceTemplates[0].spec.ipFamilyPolicy',
      'spec.serviceTemplates[0].spec.ipFamilyPolicy is not a field of a KubeDB service template (only type, clusterIP, ports, externalIPs, loadBalancerIP, loadBalancerSourceRanges, externalTrafficPolicy, healthCheckNodePort, sessionAffinityConfig): the API server drops it from the Postgres, and dbtls does not apply it',
    ],
    [
      'a label in the kubedb.com domain',
      { alias: 'primary', metadata: { labels: { 'kubedb.com/role': 'primary' } } },
      'spec.serviceTemplates[0].metadata.labels.kubedb.com/role',
      'spec.serviceTemplates[0].metadata.labels.kubedb.com/role is a label KubeDB sets on its Services itself and never takes from a template; it is not applied',
    ],
    [
      'a label KubeDB keeps for itself',
      { alias: 'primary', metadata: { labels: { 'app.kubernetes.io/instance': 'other' } } },
      'spec.serviceTemplates[0].metadata.labels.app.kubernetes.io/instance',
      'spec.serviceTemplates[0].metadata.labels.app.kubernetes.io/instance is a label KubeDB sets on its Services itself and never takes from a template; it is not applied',
    ],
  ])(
    'a warning for %s, and the Service as KubeDB would have it',
    (_what, template, field, message) => {
      const r = standalone(KINDS.Postgres([template]));
      expect(r.status).toBe(0);
      expect(templateResults(r)).toEqual([{ severity: 'warning', field, message }]);
      expect(services(r)).toEqual(services(standalone(KINDS.Postgres(undefined))));
    },
  );

  it('a loadBalancerIP on a ClusterIP Service: set as KubeDB sets it, with a warning that it does nothing', () => {
    const r = standalone(
      KINDS.Postgres([{ alias: 'primary', spec: { loadBalancerIP: '203.0.113.5' } }]),
    );
    expect(templateResults(r)).toEqual([
      {
        severity: 'warning',
        field: 'spec.serviceTemplates[0].spec.loadBalancerIP',
        message:
          'spec.serviceTemplates[0].spec.loadBalancerIP applies to a Service of type LoadBalancer only; the API server accepts it on type ClusterIP and ignores it',
      },
    ]);
    expect(named(r, 'db').spec).toMatchObject({ type: 'ClusterIP', loadBalancerIP: '203.0.113.5' });
  });

  it('VaultServer: the primary template with exposePrimary, whose Service only KubeVault renders', () => {
    const vault = KINDS.VaultServer([{ alias: 'primary', spec: { type: 'LoadBalancer' } }]);
    (vault.spec as Record<string, unknown>).exposePrimary = true;
    const r = standalone(vault);
    expect(templateResults(r)).toEqual([
      {
        severity: 'warning',
        field: 'spec.serviceTemplates[0].alias',
        message:
          'standalone mode does not render the primary Service "db-primary", so this template is not applied; the templates it applies are for vault (db), internal (db-internal)',
      },
    ]);
  });

  it('a node port given twice is an error at the second', () => {
    const port = (name: string) => ({ name, port: 5432, nodePort: 30432 });
    const r = standalone(
      KINDS.Postgres([
        { alias: 'primary', spec: { type: 'NodePort', ports: [port('primary')] } },
        { alias: 'standby', spec: { type: 'NodePort', ports: [port('standby')] } },
      ]),
    );
    expect(errorsOf(r)).toEqual([
      {
        severity: 'error',
        field: 'spec.serviceTemplates[1].spec.ports[0].nodePort',
        message:
          'node port 30432 is also given at spec.serviceTemplates[0].spec.ports[0].nodePort: a node port serves one Service port of the whole cluster, and the API server would refuse it for the second Service',
      },
    ]);
  });

  it('labels and annotations the API server would refuse are errors naming the key', () => {
    const metadata = {
      labels: { tier: 'front end', 'Example.com/team': 'db' },
      annotations: { 'a/b/c': 'x', ['x'.repeat(64)]: 'y' },
    };
    const r = standalone(KINDS.Postgres([{ alias: 'primary', metadata }]));
    const refused = 'the API server would refuse the Service';
    const at = 'spec.serviceTemplates[0].metadata';
    const name =
      "1-63 letters, digits, '-', '_' or '.', beginning and ending with a letter or digit";
    expect(errorsOf(r)).toEqual([
      {
        severity: 'error',
        field: `${at}.annotations.a/b/c`,
        message: `${at}.annotations.a/b/c is not a key: a key is a name with at most one prefix ('prefix/name'): ${refused}`,
      },
      {
        severity: 'error',
        field: `${at}.annotations.${'x'.repeat(64)}`,
        message: `${at}.annotations.${'x'.repeat(64)} has the name "${'x'.repeat(64)}", not ${name}: ${refused}`,
      },
      {
        severity: 'error',
        field: `${at}.labels.tier`,
        message: `${at}.labels.tier has the value "front end", not empty nor ${name}: ${refused}`,
      },
      {
        severity: 'error',
        field: `${at}.labels.Example.com/team`,
        message: `${at}.labels.Example.com/team has the prefix "Example.com", which is no DNS subdomain (lowercase letters, digits, '-', '.'): ${refused}`,
      },
    ]);
  });

  it('an alias given twice, and a kpt annotation in a template, are errors', () => {
    const r = standalone(
      KINDS.Postgres([
        {
          alias: 'primary',
          metadata: { annotations: { 'config.kubernetes.io/local-config': 'true' } },
        },
        { alias: 'primary', spec: { type: 'NodePort' } },
      ]),
    );
    expect(errorsOf(r)).toEqual([
      {
        severity: 'error',
        field: 'spec.serviceTemplates[0].metadata.annotations.config.kubernetes.io/local-config',
        message:
          'spec.serviceTemplates[0].metadata.annotations.config.kubernetes.io/local-config is an annotation kpt or dbtls reads from the objects dbtls generates; on a Service it would change how the package is rendered: remove it from the template',
      },
      {
        severity: 'error',
        field: 'spec.serviceTemplates[1].alias',
        message:
          'alias "primary" already has the template spec.serviceTemplates[0]; the operator would apply only one of them: give each alias one template',
      },
    ]);
  });

  it("VaultServer: internal gives the headless Service its annotations only; ports and labels are not KubeVault's", () => {
    const r = standalone(
      KINDS.VaultServer([
        {
          alias: 'internal',
          metadata: { annotations: { 'example.com/a': 'b' } },
          spec: { type: 'NodePort' },
        },
        {
          alias: 'vault',
          metadata: { labels: { team: 'x' } },
          spec: { ports: [{ name: 'client', port: 8200, nodePort: 30820 }] },
        },
      ]),
    );
    expect(templateResults(r)).toEqual([
      {
        severity: 'warning',
        field: 'spec.serviceTemplates[0].spec',
        message:
          'service "db-internal" is the headless governing Service: the KubeVault operator applies only the template\'s annotations to it, so type is not applied',
      },
      {
        severity: 'warning',
        field: 'spec.serviceTemplates[1].metadata.labels',
        message:
          "the KubeVault operator does not apply a service template's labels, so neither does standalone mode",
      },
      {
        severity: 'warning',
        field: 'spec.serviceTemplates[1].spec.ports',
        message:
          "the KubeVault operator does not apply a service template's ports, so neither does standalone mode",
      },
    ]);
    const plain = standalone(KINDS.VaultServer(undefined));
    const internal = named(plain, 'db-internal');
    expect(named(r, 'db-internal')).toEqual({
      ...internal,
      metadata: {
        ...internal.metadata,
        annotations: { ...internal.metadata.annotations, 'example.com/a': 'b' },
      },
    });
    expect(named(r, 'db')).toEqual(named(plain, 'db'));
  });

  it('every standalone kind keeps serviceTemplates out of its operator-only warnings', () => {
    for (const make of Object.values(STANDALONE)) {
      const r = standalone(make([{ alias: 'primary', metadata: { annotations: { a: 'b' } } }]));
      expect(resultsOf(r).filter((x) => x.field === 'spec.serviceTemplates')).toEqual([]);
    }
  });
});

describe("docs/kinds.md's alias table is what standalone mode templates", () => {
  const readme = readFileSync(join(ROOT, 'docs/kinds.md'), 'utf8');
  const start = readme.indexOf('| kind | alias → Service |');
  const rows = readme
    .slice(start)
    .split('\n')
    .slice(2)
    .filter(
      (line, i, all) => line.startsWith('|') && all.slice(0, i).every((l) => l.startsWith('|')),
    );
  const table = rows.map((row) => {
    const [kinds, pairs] = row.split('|').slice(1, 3);
    return {
      kinds: [...kinds.matchAll(/`(\w+)`/g)].map((m) => m[1]),
      pairs: [...pairs.matchAll(/`(\w+)` → `([^`]+)`/g)].map((m) => [m[1], m[2]] as const),
    };
  });

  it('lists every standalone kind once', () => {
    expect(table.flatMap((r) => r.kinds).sort()).toEqual(Object.keys(STANDALONE).sort());
  });

  for (const { kinds, pairs } of table) {
    for (const kind of kinds) {
      it(`${kind}: ${pairs.map(([a, s]) => `${a} → ${s}`).join(', ')}; stats is not rendered`, () => {
        const templates = [...pairs.map(([alias]) => alias), 'stats'].map((alias) => ({
          alias,
          metadata: { annotations: { 'example.com/alias': alias } },
        }));
        const r = standalone(STANDALONE[kind](templates));
        for (const [alias, service] of pairs) {
          const name = service.replace(/<db>|<name>/, 'db');
          expect(named(r, name).metadata.annotations['example.com/alias']).toBe(alias);
        }
        expect(templateResults(r).filter((x) => x.field?.endsWith('.alias'))).toEqual([
          expect.objectContaining({
            severity: 'warning',
            field: `spec.serviceTemplates[${pairs.length}].alias`,
            message: expect.stringContaining('renders no Service of alias "stats"'),
          }),
        ]);
      });
    }
  }
});

describe('generated service templates', () => {
  /** The API server's rules for a Service's type-dependent fields (pkg/apis/core/validation). */
  const refusals = (svc: any): string[] => {
    const s = svc.spec;
    const out: string[] = [];
    const nodePorts = s.ports.filter((p: any) => p.nodePort !== undefined);
    const accessible = s.type !== 'ClusterIP' || (s.externalIPs ?? []).length > 0;
    if (s.type === 'ClusterIP' && nodePorts.length > 0) out.push('nodePort on ClusterIP');
    if (s.type !== 'LoadBalancer' && s.loadBalancerSourceRanges) out.push('source ranges');
    if (!accessible && s.externalTrafficPolicy) out.push('externalTrafficPolicy');
    if (
      s.healthCheckNodePort &&
      !(s.type === 'LoadBalancer' && s.externalTrafficPolicy === 'Local')
    )
      out.push('healthCheckNodePort');
    if (s.clusterIP === 'None' && s.type !== 'ClusterIP') out.push(`headless ${s.type}`);
    if (!['ClusterIP', 'NodePort', 'LoadBalancer'].includes(s.type)) out.push('type');
    return out;
  };

  // Of 300 runs about a third render (measured once: 105 rendered, 195 refused).
  it('either render Services the API server accepts, or fail naming a template field', () => {
    const spec = fc.record(
      {
        type: fc.constantFrom('ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName', 'Other'),
        clusterIP: fc.constantFrom('None', '10.96.0.9', 'nope'),
        externalIPs: fc.constantFrom([], ['198.51.100.7']),
        loadBalancerSourceRanges: fc.constantFrom(['10.0.0.0/8'], ['10.0.0.1']),
        externalTrafficPolicy: fc.constantFrom('Cluster', 'Local', 'local'),
        healthCheckNodePort: fc.constantFrom(30100, 0, 70000),
        ports: fc.array(
          fc.record(
            {
              name: fc.constantFrom('primary', 'standby', 'other'),
              port: fc.constantFrom(5432, 15432),
              nodePort: fc.constantFrom(30001, 30002, 0),
            },
            { requiredKeys: ['port'] },
          ),
          { maxLength: 2 },
        ),
      },
      { requiredKeys: [] },
    );
    const template = fc.record({ alias: fc.constantFrom('primary', 'standby'), spec });
    fc.assert(
      fc.property(fc.array(template, { maxLength: 2 }), (templates) => {
        const r = standalone(KINDS.Postgres(templates));
        if (r.status !== 0) {
          const errors = errorsOf(r);
          expect(errors.length).toBeGreaterThan(0);
          for (const e of errors) expect(e.field).toMatch(/^spec\.serviceTemplates\[\d\]\./);
          expect(services(r)).toEqual([]);
          return;
        }
        const all = services(r);
        expect(all.map((s) => s.metadata.name)).toEqual(['db', 'db-standby', 'db-pods']);
        for (const svc of all)
          expect([svc.metadata.name, refusals(svc)]).toEqual([svc.metadata.name, []]);
        const nodePorts = all.flatMap((s) => [
          ...s.spec.ports.map((p: any) => p.nodePort).filter(Boolean),
          ...(s.spec.healthCheckNodePort ? [s.spec.healthCheckNodePort] : []),
        ]);
        expect(new Set(nodePorts).size).toBe(nodePorts.length);
      }),
      { numRuns: 300 },
    );
  });
});
