// Singlestore: every validation rule with its exact message and field path, and what is rendered
// for the standalone form and for spec.topology.
import { describe, expect, it } from 'vitest';
import { errorsOf, issuer, itemsOf, resourceList, resultsOf, runFn } from './helpers.js';

const ISSUER = { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' };
const TOPOLOGY = {
  aggregator: { replicas: 2, storage: { resources: { requests: { storage: '1Gi' } } } },
  leaf: { replicas: 3, storage: { resources: { requests: { storage: '10Gi' } } } },
};

/** A Singlestore with TLS from Issuer `ca` and a license secret; `spec` is merged over the defaults. */
function sdb(spec: Record<string, unknown> = {}, name = 'sdb', namespace = 'demo') {
  return {
    apiVersion: 'kubedb.com/v1alpha2',
    kind: 'Singlestore',
    metadata: { name, namespace },
    spec: {
      version: '8.9.3',
      licenseSecret: { kind: 'Secret', name: 'license-secret' },
      tls: { issuerRef: ISSUER },
      ...spec,
    },
  };
}
const run = (db: unknown, config?: unknown) => runFn(resourceList([issuer(), db], config));
const operator = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'function-input' },
  data: { mode: 'operator' },
};
const TOPOLOGY_WARNING =
  "standalone mode renders the aggregator and leaf nodes with TLS, but not the cluster bootstrap: electing the master aggregator and registering the other aggregators and the leaves (ADD AGGREGATOR, ADD LEAF) is done by KubeDB's coordinator; run those yourself or use mode: operator";
const NODE_WARNING =
  "standalone mode renders the node with TLS, but creating and starting it (memsqlctl create-node, start-node) is done by KubeDB's singlestore-init and coordinator containers; run those yourself or use mode: operator";

describe('Singlestore validation', () => {
  it.each([
    [
      { licenseSecret: undefined },
      'spec.licenseSecret',
      'spec.licenseSecret is required: the Secret with the SingleStore license (key password), which dbtls references and never reads',
    ],
    [
      { licenseSecret: 'license-secret' },
      'spec.licenseSecret',
      'spec.licenseSecret must be a mapping with name, got the string "license-secret"',
    ],
    [
      { licenseSecret: { kind: 'Secret' } },
      'spec.licenseSecret.name',
      'spec.licenseSecret.name is required',
    ],
    [
      { licenseSecret: { name: '' } },
      'spec.licenseSecret.name',
      'spec.licenseSecret.name must be a non-empty string, got the string ""',
    ],
    [
      { version: undefined },
      'spec.version',
      'spec.version is required: the SingleStore version, e.g. "8.9.3"',
    ],
    [
      { version: '8.9.99' },
      'spec.version',
      '"8.9.99" is not a SinglestoreVersion dbtls knows the node image of (8.1.32, 8.5.7, 8.5.30, 8.7.10, 8.7.21, 8.9.3); use one of these, or mode: operator',
    ],
    [
      { topology: [] },
      'spec.topology',
      'spec.topology must be a mapping with aggregator and leaf, got a list',
    ],
    [
      { topology: { aggregator: {} } },
      'spec.topology.leaf',
      'spec.topology.leaf is required with spec.topology: a SingleStore cluster has leaves',
    ],
    [
      { topology: { leaf: {} } },
      'spec.topology.aggregator',
      'spec.topology.aggregator is required with spec.topology: a SingleStore cluster has aggregators',
    ],
    [
      { topology: { ...TOPOLOGY, master: {} } },
      'spec.topology.master',
      'unknown field "master"; spec.topology has aggregator, leaf',
    ],
    [
      { topology: { ...TOPOLOGY, leaf: { replicas: 0 } } },
      'spec.topology.leaf.replicas',
      'spec.topology.leaf.replicas must be an integer of at least 1, got number 0',
    ],
    [
      { topology: { ...TOPOLOGY, aggregator: 'three' } },
      'spec.topology.aggregator',
      'spec.topology.aggregator must be a mapping, got the string "three"',
    ],
    [
      { tls: { certificates: [] } },
      'spec.tls.issuerRef',
      'spec.tls.issuerRef is required when spec.tls is set: name the cert-manager Issuer or ClusterIssuer that signs the certificates',
    ],
  ])('%j → %s', (spec, field, message) => {
    const r = run(sdb(spec as Record<string, unknown>));
    expect(r.status).toBe(1);
    expect(errorsOf(r)).toEqual([{ severity: 'error', field, message }]);
    expect(itemsOf(r, 'StatefulSet')).toEqual([]);
  });

  it('accepts any version in operator mode, and only v1alpha2', () => {
    expect(run(sdb({ version: '8.9.99' }), operator).status).toBe(0);
    expect(errorsOf(run({ ...sdb(), apiVersion: 'kubedb.com/v1' }))).toEqual([
      {
        severity: 'error',
        field: 'apiVersion',
        message: 'kubedb.com/v1 is not a served version of Singlestore; use kubedb.com/v1alpha2',
      },
    ]);
  });

  it('says what standalone mode leaves to the operator', () => {
    expect(resultsOf(run(sdb({ monitor: { agent: 'prometheus.io/operator' } })))).toEqual([
      {
        severity: 'warning',
        field: 'spec.monitor',
        message:
          "SingleStore's built-in metrics exporter, which the operator configures inside each node (spec.monitor) is provided by the KubeDB operator only; standalone mode does not render it (use mode: operator to keep it)",
      },
      { severity: 'warning', field: 'spec', message: NODE_WARNING },
      {
        severity: 'info',
        field: 'spec.authSecret',
        message:
          'the workload reads the root password from Secret "sdb-auth" (key password), which standalone mode does not create',
      },
      {
        severity: 'info',
        field: 'metadata.annotations.config.kubernetes.io/local-config',
        message:
          'metadata.annotations.config.kubernetes.io/local-config is set to "true", so that Singlestore/demo/sdb itself is not applied: standalone mode renders its Certificates and workload in its place (use mode: operator for a cluster that runs the KubeDB operator)',
      },
    ]);
    const withPodTemplate = {
      ...TOPOLOGY,
      leaf: { ...TOPOLOGY.leaf, podTemplate: { spec: { containers: [{ name: 'singlestore' }] } } },
    };
    expect(
      resultsOf(
        run(
          sdb({
            topology: withPodTemplate,
            storage: { resources: {} },
            authSecret: { name: 'root' },
          }),
        ),
      ),
    ).toEqual([
      {
        severity: 'warning',
        field: 'spec.storage',
        message:
          'spec.storage is not used with spec.topology: each group has its own storage (spec.topology.aggregator.storage, spec.topology.leaf.storage)',
      },
      { severity: 'warning', field: 'spec.topology', message: TOPOLOGY_WARNING },
      {
        severity: 'info',
        field: 'metadata.annotations.config.kubernetes.io/local-config',
        message:
          'metadata.annotations.config.kubernetes.io/local-config is set to "true", so that Singlestore/demo/sdb itself is not applied: standalone mode renders its Certificates and workload in its place (use mode: operator for a cluster that runs the KubeDB operator)',
      },
    ]);
    expect(resultsOf(run(sdb({ topology: TOPOLOGY }), operator))).toEqual([]);
  });
});

describe('Singlestore rendering', () => {
  it("issues KubeDB's server and client certificates", () => {
    const r = run(
      sdb(
        {
          tls: {
            issuerRef: ISSUER,
            certificates: [
              {
                alias: 'server',
                subject: { organizations: ['kubedb:server'] },
                dnsNames: ['localhost'],
              },
            ],
          },
        },
        'sdb-tls',
      ),
    );
    const certs = itemsOf(r, 'Certificate');
    expect(certs.map((c) => [c.metadata.name, c.spec.secretName, c.spec.commonName])).toEqual([
      ['sdb-tls-server-cert', 'sdb-tls-server-cert', 'sdb-tls'],
      ['sdb-tls-client-cert', 'sdb-tls-client-cert', 'root'],
    ]);
    expect(certs[0].spec.subject).toEqual({ organizations: ['kubedb:server'] });
    expect(certs[1].spec.subject).toBeUndefined();
  });

  it('renders one StatefulSet per group under the governing service, and SANs that cover every pod', () => {
    const config = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'function-input' },
      data: { clusterDomain: 'corp.internal' },
    };
    const r = runFn(
      resourceList([issuer('ca', 'prod'), sdb({ topology: TOPOLOGY }, 'mem', 'prod')], config),
    );
    expect(r.status).toBe(0);
    expect(itemsOf(r, 'Certificate')[0].spec.dnsNames).toEqual([
      'mem',
      'mem.prod',
      'mem.prod.svc',
      'mem.prod.svc.corp.internal',
      'mem-pods',
      'mem-pods.prod',
      'mem-pods.prod.svc',
      'mem-pods.prod.svc.corp.internal',
      '*.mem-pods.prod.svc',
      '*.mem-pods.prod.svc.corp.internal',
      'localhost',
      // As KubeDB issues it (kubedb/docs singlestore/reconfigure-tls/cluster: *.<db>.<ns>.svc).
      '*.mem.prod.svc',
      '*.mem.prod.svc.corp.internal',
    ]);
    const sets = itemsOf(r, 'StatefulSet');
    expect(
      sets.map((s) => [
        s.metadata.name,
        s.spec.replicas,
        s.spec.serviceName,
        s.spec.selector.matchLabels['app.kubernetes.io/component'],
      ]),
    ).toEqual([
      ['mem-aggregator', 2, 'mem-pods', 'aggregator'],
      ['mem-leaf', 3, 'mem-pods', 'leaf'],
    ]);
    expect(sets.map((s) => s.spec.template.metadata.labels['app.kubernetes.io/component'])).toEqual(
      ['aggregator', 'leaf'],
    );
    expect(sets.map((s) => s.spec.volumeClaimTemplates[0].spec.resources.requests.storage)).toEqual(
      ['1Gi', '10Gi'],
    );
    const services = itemsOf(r, 'Service');
    expect(services.map((s) => s.metadata.name)).toEqual(['mem', 'mem-pods']);
    expect(services[0].spec.selector['app.kubernetes.io/component']).toBe('aggregator'); // clients reach aggregators
    expect(services[1].spec.selector['app.kubernetes.io/component']).toBeUndefined(); // every group's pods
  });

  it('defaults the group sizes as KubeDB does and appends group suffixes', () => {
    const r = run(sdb({ topology: { aggregator: { suffix: 'east' }, leaf: {} } }));
    expect(itemsOf(r, 'StatefulSet').map((s) => [s.metadata.name, s.spec.replicas])).toEqual([
      ['sdb-east-aggregator', 3],
      ['sdb-leaf', 2],
    ]);
  });

  it('mounts both certificates in one directory and points memsql.cnf at them', () => {
    const r = run(
      sdb({
        tls: { issuerRef: ISSUER, certificates: [{ alias: 'client', secretName: 'app-client' }] },
      }),
    );
    const sts = itemsOf(r, 'StatefulSet');
    expect(sts.map((s) => s.metadata.name)).toEqual(['sdb']);
    const pod = sts[0].spec.template.spec;
    expect(pod.volumes.find((v: any) => v.name === 'tls-volume')).toEqual({
      name: 'tls-volume',
      projected: {
        defaultMode: 0o440,
        sources: [
          {
            secret: {
              name: 'sdb-server-cert',
              items: [
                { key: 'ca.crt', path: 'ca.crt' },
                { key: 'tls.crt', path: 'server.crt' },
                { key: 'tls.key', path: 'server.key' },
              ],
            },
          },
          {
            secret: {
              name: 'app-client',
              items: [
                { key: 'tls.crt', path: 'client.crt' },
                { key: 'tls.key', path: 'client.key' },
              ],
            },
          },
        ],
      },
    });
    const c = pod.containers[0];
    expect(c.image).toBe('ghcr.io/appscode-images/singlestore-node:alma-8.9.3-bfa36a984a');
    expect(c.volumeMounts).toEqual([
      { name: 'data', mountPath: '/var/lib/memsql' },
      { name: 'custom-config', mountPath: '/etc/memsql/conf.d', readOnly: true },
      { name: 'tls-volume', mountPath: '/etc/memsql/certs', readOnly: true },
    ]);
    expect(itemsOf(r, 'ConfigMap')[0].data['memsql.cnf']).toBe(
      '# Rendered by dbtls from the Singlestore resource.\n[server]\nssl_ca = /etc/memsql/certs/ca.crt\nssl_cert = /etc/memsql/certs/server.crt\nssl_key = /etc/memsql/certs/server.key\n',
    );
  });

  it('references the license secret and never reads it', () => {
    const license = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'license-secret', namespace: 'demo' },
      data: { password: 'c2VjcmV0' },
    };
    const r = runFn(resourceList([issuer(), license, sdb()]));
    expect(r.status).toBe(0);
    const env = itemsOf(r, 'StatefulSet')[0].spec.template.spec.containers[0].env;
    expect(env).toContainEqual({
      name: 'LICENSE_KEY',
      valueFrom: { secretKeyRef: { name: 'license-secret', key: 'password' } },
    });
    expect(itemsOf(r, 'Secret')).toEqual([license]); // passed through untouched
    expect(JSON.stringify(itemsOf(r, 'StatefulSet'))).not.toContain('c2VjcmV0');
  });

  it('renders no TLS without spec.tls, and only Certificates in operator mode', () => {
    const plain = run(sdb({ tls: undefined }));
    expect(plain.status).toBe(0);
    expect(itemsOf(plain, 'Certificate')).toEqual([]);
    expect(
      itemsOf(plain, 'StatefulSet')[0].spec.template.spec.volumes.map((v: any) => v.name),
    ).toEqual(['custom-config']); // the data volume is a claim template
    expect(itemsOf(plain, 'ConfigMap')[0].data['memsql.cnf']).toBe(
      '# Rendered by dbtls from the Singlestore resource.\n[server]\n# no spec.tls: the server offers no TLS\n',
    );
    const db = sdb({ topology: TOPOLOGY });
    const r = run(db, operator);
    expect(itemsOf(r, 'Singlestore')[0]).toEqual(db);
    expect(itemsOf(r).map((i) => i.kind)).toEqual([
      'Issuer',
      'Singlestore',
      'Certificate',
      'Certificate',
    ]);
  });
});
