// spec.monitor in standalone mode (fn/render/monitor.ts, the Postgres exporter in
// fn/kinds/postgres/workload.ts): the exporter sidecar, the stats Service, the ServiceMonitor or the
// scrape annotations, exactly; the ServiceMonitor against prometheus-operator's CRD; what other
// modes and kinds do with the field.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { issuer, itemsOf, postgres, ROOT, resourceList, resultsOf, runFn } from './helpers.js';

const LABELS = {
  'app.kubernetes.io/name': 'postgreses.kubedb.com',
  'app.kubernetes.io/instance': 'pg',
  'app.kubernetes.io/managed-by': 'dbtls',
};
const SELECTOR = {
  'app.kubernetes.io/name': 'postgreses.kubedb.com',
  'app.kubernetes.io/instance': 'pg',
};
const STATS_LABELS = { ...LABELS, 'kubedb.com/role': 'stats' };
const GENERATED = { 'dbtls.dev/generated-from': 'Postgres/demo/pg' };
const SECURITY = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  runAsGroup: 999,
  runAsNonRoot: true,
  runAsUser: 999,
  seccompProfile: { type: 'RuntimeDefault' },
};
const PASS = {
  name: 'DATA_SOURCE_PASS',
  valueFrom: { secretKeyRef: { name: 'pg-auth', key: 'password' } },
};
const ARGS = ['--web.listen-address=:56790', '--web.telemetry-path=/metrics', '--log.level=info'];
const operator = (sm?: Record<string, unknown>) => ({
  agent: 'prometheus.io/operator',
  prometheus: sm ? { serviceMonitor: sm } : {},
});
const mode = (m: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'function-input' },
  data: { mode: m },
});

function render(spec: Record<string, unknown>, config?: unknown) {
  const run = runFn(resourceList([issuer('ca'), postgres(spec)], config));
  const sts = itemsOf(run, 'StatefulSet')[0];
  const pod = sts?.spec.template.spec;
  return {
    run,
    items: run.output.items as any[],
    exporter: pod?.containers.find((c: any) => c.name === 'exporter'),
    volumes: pod?.volumes as any[] | undefined,
    stats: itemsOf(run, 'Service').find((s) => s.metadata.name === 'pg-stats'),
    monitors: itemsOf(run, 'ServiceMonitor'),
    warnings: resultsOf(run).filter((r) => r.severity !== 'info'),
  };
}

// prometheus-operator's CRD as the repository keeps it (test/data/crds), unknown fields refused.
const crd = load(
  readFileSync(join(ROOT, 'test/data/crds/monitoring.coreos.com_servicemonitors.yaml'), 'utf8'),
) as any;
function closed(s: any): any {
  if (Array.isArray(s)) return s.map(closed);
  if (s === null || typeof s !== 'object') return s;
  const out: any = {};
  for (const [k, v] of Object.entries(s))
    out[k] =
      k === 'properties'
        ? Object.fromEntries(Object.entries(v as any).map(([p, ps]) => [p, closed(ps)]))
        : closed(v);
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}
const schema = closed(crd.spec.versions.find((v: any) => v.name === 'v1').schema.openAPIV3Schema);
schema.properties.metadata = { type: 'object' };
const validServiceMonitor = new Ajv({ strict: false, allErrors: true }).compile(schema);

describe('spec.monitor with prometheus.io/operator', () => {
  const sm = {
    labels: { release: 'prometheus' },
    interval: '30s',
    targetLabels: ['team'],
    podTargetLabels: ['app.kubernetes.io/instance'],
    endpoints: [
      {
        port: 'metrics',
        relabelings: [{ action: 'labeldrop', regex: 'instance' }],
        metricRelabelings: [{ action: 'drop', sourceLabels: ['__name__'], regex: 'go_.*' }],
      },
    ],
  };
  const r = render({ monitor: operator(sm) });

  it('renders the stats Service <db>-stats on port 56790, named metrics, selecting every pod', () => {
    expect(r.stats).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'pg-stats',
        namespace: 'demo',
        labels: STATS_LABELS,
        annotations: GENERATED,
      },
      spec: {
        type: 'ClusterIP',
        selector: SELECTOR,
        ports: [{ name: 'metrics', port: 56790, targetPort: 'metrics', protocol: 'TCP' }],
      },
    });
  });

  it('renders a ServiceMonitor as monitoring-agent-api does, valid against the CRD', () => {
    expect(r.monitors).toEqual([
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: {
          name: 'pg-stats',
          namespace: 'demo',
          labels: { ...LABELS, release: 'prometheus' },
          annotations: GENERATED,
        },
        spec: {
          endpoints: [
            {
              port: 'metrics',
              interval: '30s',
              path: '/metrics',
              honorLabels: true,
              scheme: 'http',
              relabelings: [
                {
                  sourceLabels: ['__meta_kubernetes_endpoint_address_target_name'],
                  targetLabel: 'pod',
                  action: 'replace',
                },
                { action: 'labeldrop', regex: 'instance' },
              ],
              metricRelabelings: [{ action: 'drop', sourceLabels: ['__name__'], regex: 'go_.*' }],
            },
          ],
          namespaceSelector: { matchNames: ['demo'] },
          selector: { matchLabels: STATS_LABELS },
          targetLabels: ['team'],
          podTargetLabels: ['app.kubernetes.io/instance'],
        },
      },
    ]);
    expect(validServiceMonitor(r.monitors[0]) ? [] : validServiceMonitor.errors).toEqual([]);
    // the check refuses what the CRD refuses
    const bad = structuredClone(r.monitors[0]);
    bad.spec.endpoints[0].scheme = 'tcp';
    bad.spec.endpoints[0].intervall = '30s';
    expect(validServiceMonitor(bad)).toBe(false);
  });

  it('adds the exporter sidecar with the metrics-exporter certificate, restricted', () => {
    expect(r.exporter).toEqual({
      name: 'exporter',
      image: 'prometheuscommunity/postgres-exporter:v0.18.1',
      args: ARGS,
      env: [
        {
          name: 'DATA_SOURCE_URI',
          value:
            'localhost:5432/postgres?sslmode=verify-full&sslrootcert=/tls/certs/exporter/ca.crt',
        },
        { name: 'DATA_SOURCE_USER', value: 'postgres' },
        PASS,
      ],
      ports: [{ name: 'metrics', containerPort: 56790, protocol: 'TCP' }],
      volumeMounts: [{ name: 'exporter-cert', mountPath: '/tls/certs/exporter', readOnly: true }],
      securityContext: SECURITY,
    });
    expect(r.volumes!.find((v) => v.name === 'exporter-cert')).toEqual({
      name: 'exporter-cert',
      secret: {
        secretName: 'pg-metrics-exporter-cert',
        defaultMode: 0o640,
        items: [
          { key: 'ca.crt', path: 'ca.crt' },
          { key: 'tls.crt', path: 'tls.crt' },
          { key: 'tls.key', path: 'tls.key' },
        ],
      },
    });
    expect(r.warnings).toEqual([]);
  });

  it('renders the same again from its own output (the ServiceMonitor is dropped and rendered afresh)', () => {
    const again = runFn(resourceList(r.items));
    expect(again.output.items).toEqual(r.items);
  });

  it('without serviceMonitor: the exporter and stats Service, no ServiceMonitor, a warning', () => {
    const n = render({ monitor: operator() });
    expect(n.exporter).toBeDefined();
    expect(n.stats).toBeDefined();
    expect(n.monitors).toEqual([]);
    expect(n.warnings.map((w) => w.field)).toEqual(['spec.monitor.prometheus.serviceMonitor']);
  });
});

describe('spec.monitor with the other agents', () => {
  it('prometheus.io/builtin annotates the stats Service for scraping, no ServiceMonitor', () => {
    const r = render({
      monitor: { agent: 'prometheus.io/builtin', prometheus: { exporter: { port: 9187 } } },
    });
    expect(r.stats.metadata.annotations).toEqual({
      ...GENERATED,
      'prometheus.io/scrape': 'true',
      'prometheus.io/scheme': 'http',
      'prometheus.io/path': '/metrics',
      'prometheus.io/port': '9187',
    });
    expect(r.stats.spec.ports).toEqual([
      { name: 'metrics', port: 9187, targetPort: 'metrics', protocol: 'TCP' },
    ]);
    expect(r.exporter.ports).toEqual([{ name: 'metrics', containerPort: 9187, protocol: 'TCP' }]);
    expect(r.exporter.args[0]).toBe('--web.listen-address=:9187');
    expect(r.monitors).toEqual([]);
  });

  it('prometheus.io: the exporter and a plain stats Service (Prometheus is configured by hand)', () => {
    const r = render({ monitor: { agent: 'prometheus.io' } });
    expect(r.exporter).toBeDefined();
    expect(r.stats.metadata.annotations).toEqual(GENERATED);
    expect(r.monitors).toEqual([]);
    expect(r.warnings).toEqual([]);
  });
});

describe('spec.serviceTemplates alias stats: applied to the stats Service, as KubeDB applies it', () => {
  const stats = (annotations: Record<string, string> = {}) => ({
    alias: 'stats',
    metadata: {
      labels: { team: 'db' },
      annotations: { 'example.com/owner': 'dba', ...annotations },
    },
    spec: { type: 'NodePort', ports: [{ name: 'metrics', port: 9100, nodePort: 30100 }] },
  });
  it('labels, annotations, type and port by name; the ServiceMonitor selects all its labels', () => {
    const r = render({
      monitor: operator({ labels: { release: 'prometheus' } }),
      serviceTemplates: [stats()],
    });
    expect(r.warnings).toEqual([]);
    expect(r.stats).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'pg-stats',
        namespace: 'demo',
        labels: { ...STATS_LABELS, team: 'db' },
        annotations: { ...GENERATED, 'example.com/owner': 'dba' },
      },
      spec: {
        type: 'NodePort',
        selector: SELECTOR,
        ports: [
          { name: 'metrics', port: 9100, targetPort: 'metrics', protocol: 'TCP', nodePort: 30100 },
        ],
      },
    });
    expect(r.monitors[0].spec.selector).toEqual({
      matchLabels: { ...STATS_LABELS, team: 'db' },
    });
    expect(r.monitors[0].spec.endpoints[0].port).toBe('metrics');
    expect(validServiceMonitor(r.monitors[0])).toBe(true);
  });

  it("prometheus.io/builtin: the agent's scrape annotations win over the template's", () => {
    const r = render({
      monitor: { agent: 'prometheus.io/builtin' },
      serviceTemplates: [stats({ 'prometheus.io/port': '9100', 'prometheus.io/scrape': 'true' })],
    });
    expect(r.stats.metadata.annotations).toEqual({
      ...GENERATED,
      'prometheus.io/scrape': 'true',
      'prometheus.io/scheme': 'http',
      'prometheus.io/path': '/metrics',
      'prometheus.io/port': '56790',
      'example.com/owner': 'dba',
    });
    expect(r.warnings).toEqual([
      {
        severity: 'warning',
        message:
          'spec.serviceTemplates[0].metadata.annotations.prometheus.io/port is set on service "pg-stats" by spec.monitor, as the monitoring agent sets it after ' +
          'applying the template: the template\'s "9100" is not used (it stays "56790")',
        field: 'spec.serviceTemplates[0].metadata.annotations.prometheus.io/port',
      },
    ]);
  });

  it('names in the stats template stay out of the server certificate', () => {
    const template = { ...stats(), spec: { type: 'LoadBalancer', loadBalancerIP: '203.0.113.9' } };
    const r = render({
      tls: { issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' } },
      monitor: { agent: 'prometheus.io' },
      serviceTemplates: [template],
    });
    expect(r.stats.spec.loadBalancerIP).toBe('203.0.113.9');
    const server = itemsOf(r.run, 'Certificate').find((c) => c.metadata.name === 'pg-server-cert');
    expect(server.spec.ipAddresses).toEqual(['127.0.0.1']);
  });
});

describe('the stats template applies to every kind with a stats Service (MariaDB, Redis)', () => {
  const tls = { issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' } };
  const kinds = {
    MariaDB: { name: 'md', spec: { version: '11.4.3' } },
    Redis: { name: 'rd', spec: { version: '7.2.4', authSecret: { name: 'rd-auth' } } },
  };
  for (const [kind, { name, spec }] of Object.entries(kinds)) {
    it(`${kind}: ${name}-stats takes the template, the ServiceMonitor selects its labels`, () => {
      const db = {
        apiVersion: 'kubedb.com/v1',
        kind,
        metadata: { name, namespace: 'demo' },
        spec: {
          ...spec,
          tls,
          monitor: operator({ labels: { release: 'prometheus' } }),
          serviceTemplates: [{ alias: 'stats', metadata: { labels: { team: 'db' } } }],
        },
      };
      const run = runFn(resourceList([issuer('ca'), db]));
      const stats = itemsOf(run, 'Service').find((s) => s.metadata.name === `${name}-stats`);
      expect(stats.metadata.labels.team).toBe('db');
      expect(itemsOf(run, 'ServiceMonitor')[0].spec.selector.matchLabels).toEqual(
        stats.metadata.labels,
      );
      expect(resultsOf(run).filter((r) => r.field?.startsWith('spec.serviceTemplates'))).toEqual(
        [],
      );
    });
  }
});

describe("the exporter's connection follows the database's TLS settings, as KubeDB's", () => {
  const uri = (spec: Record<string, unknown>) =>
    render({ monitor: { agent: 'prometheus.io' }, ...spec }).exporter.env[0].value;
  it('verify-ca and verify-full: the exporter certificate verifies the server', () => {
    expect(uri({ sslMode: 'verify-ca' })).toBe(
      'localhost:5432/postgres?sslmode=verify-ca&sslrootcert=/tls/certs/exporter/ca.crt',
    );
  });
  it('allow and prefer connect with require (never plaintext), require as it is', () => {
    for (const sslMode of ['allow', 'prefer', 'require'])
      expect(uri({ sslMode })).toBe('localhost:5432/postgres?sslmode=require');
  });
  it('clientAuthMode cert: the exporter authenticates with the metrics-exporter certificate', () => {
    expect(uri({ clientAuthMode: 'cert' })).toBe(
      'localhost:5432/postgres?sslmode=verify-full&sslrootcert=/tls/certs/exporter/ca.crt' +
        '&sslcert=/tls/certs/exporter/tls.crt&sslkey=/tls/certs/exporter/tls.key',
    );
  });
  it('without TLS: sslmode=disable and no certificate mounted', () => {
    const r = render({ tls: undefined, monitor: { agent: 'prometheus.io' } });
    expect(r.exporter.env[0].value).toBe('localhost:5432/postgres?sslmode=disable');
    expect(r.exporter.volumeMounts).toBeUndefined();
    expect(r.volumes!.map((v) => v.name)).not.toContain('exporter-cert');
  });
});

describe("the user's exporter settings", () => {
  it("args after the kind's flags; a flag the user passes replaces the kind's", () => {
    const r = render({
      monitor: {
        agent: 'prometheus.io',
        prometheus: { exporter: { args: ['--log.level=debug', '--no-collector.wal'] } },
      },
    });
    expect(r.exporter.args).toEqual([
      '--web.listen-address=:56790',
      '--web.telemetry-path=/metrics',
      '--log.level=debug',
      '--no-collector.wal',
    ]);
  });

  it('env and resources are kept; a variable dbtls sets wins with a warning', () => {
    const r = render({
      monitor: {
        agent: 'prometheus.io',
        prometheus: {
          exporter: {
            env: [
              { name: 'PG_EXPORTER_AUTO_DISCOVER_DATABASES', value: 'true' },
              { name: 'DATA_SOURCE_USER', value: 'monitor' },
            ],
            resources: { requests: { cpu: '50m' }, limits: { memory: '128Mi' } },
          },
        },
      },
    });
    expect(r.exporter.env.map((e: any) => [e.name, e.value])).toEqual([
      ['PG_EXPORTER_AUTO_DISCOVER_DATABASES', 'true'],
      [
        'DATA_SOURCE_URI',
        'localhost:5432/postgres?sslmode=verify-full&sslrootcert=/tls/certs/exporter/ca.crt',
      ],
      ['DATA_SOURCE_USER', 'postgres'],
      ['DATA_SOURCE_PASS', undefined],
    ]);
    expect(r.exporter.resources).toEqual({
      requests: { cpu: '50m' },
      limits: { memory: '128Mi' },
    });
    expect(r.warnings).toEqual([
      {
        severity: 'warning',
        field: 'spec.monitor.prometheus.exporter.env[1]',
        message:
          "DATA_SOURCE_USER is set by dbtls for the exporter's connection to the database, as KubeDB sets it; yours is not used",
      },
    ]);
  });

  it('a security context merges over the restricted defaults', () => {
    const r = render({
      monitor: {
        agent: 'prometheus.io',
        prometheus: {
          exporter: { securityContext: { readOnlyRootFilesystem: true, runAsUser: 65534 } },
        },
      },
    });
    expect(r.exporter.securityContext).toEqual({
      ...SECURITY,
      readOnlyRootFilesystem: true,
      runAsUser: 65534,
    });
  });
});

describe('MariaDB, MySQL, PerconaXtraDB: mysqld_exporter with an option file naming the exporter certificate', () => {
  const md = (spec: Record<string, unknown>) =>
    runFn(
      resourceList([
        issuer('ca'),
        {
          apiVersion: 'kubedb.com/v1',
          kind: 'MariaDB',
          metadata: { name: 'md', namespace: 'demo' },
          spec: {
            version: '11.4.3',
            tls: { issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' } },
            monitor: { agent: 'prometheus.io/builtin' },
            ...spec,
          },
        },
      ]),
    );
  const run = md({});
  const pod = itemsOf(run, 'StatefulSet')[0].spec.template.spec;

  it('renders the exporter container, its option file and certificate volume', () => {
    expect(pod.containers.find((c: any) => c.name === 'exporter')).toEqual({
      name: 'exporter',
      image: 'prom/mysqld-exporter:v0.18.0',
      args: [
        '--web.listen-address=:56790',
        '--web.telemetry-path=/metrics',
        '--config.my-cnf=/etc/mysql/dbtls/exporter.cnf',
      ],
      env: [
        {
          name: 'MYSQLD_EXPORTER_PASSWORD',
          valueFrom: { secretKeyRef: { name: 'md-auth', key: 'password' } },
        },
      ],
      ports: [{ name: 'metrics', containerPort: 56790, protocol: 'TCP' }],
      volumeMounts: [
        { name: 'config', mountPath: '/etc/mysql/dbtls', readOnly: true },
        { name: 'tls-exporter-config', mountPath: '/etc/mysql/certs/exporter', readOnly: true },
      ],
      securityContext: SECURITY,
    });
    expect(pod.volumes.find((v: any) => v.name === 'tls-exporter-config').secret).toEqual({
      secretName: 'md-metrics-exporter-cert',
      defaultMode: 0o440,
      items: [
        { key: 'ca.crt', path: 'ca.crt' },
        { key: 'tls.crt', path: 'tls.crt' },
        { key: 'tls.key', path: 'tls.key' },
      ],
    });
    expect(itemsOf(run, 'ConfigMap')[0].data['exporter.cnf']).toBe(
      [
        "# Rendered by dbtls: the exporter's connection; its password is MYSQLD_EXPORTER_PASSWORD.",
        '[client]',
        'user=root',
        'host=127.0.0.1',
        'port=3306',
        'ssl-ca=/etc/mysql/certs/exporter/ca.crt',
        'ssl-cert=/etc/mysql/certs/exporter/tls.crt',
        'ssl-key=/etc/mysql/certs/exporter/tls.key',
        '',
      ].join('\n'),
    );
    const readme = readFileSync(join(ROOT, 'docs/standalone.md'), 'utf8');
    expect(readme).toContain('MariaDB and PerconaXtraDB\n  `prom/mysqld-exporter:v0.18.0`');
    expect(readme).toContain('`--config.my-cnf=/etc/mysql/dbtls/exporter.cnf`');
    const stats = itemsOf(run, 'Service').find((s) => s.metadata.name === 'md-stats');
    expect(stats.metadata.annotations['prometheus.io/port']).toBe('56790');
    expect(resultsOf(run).filter((r) => r.severity !== 'info')).toEqual([]);
  });

  it('MySQL renders the same exporter, option file and certificate volume', () => {
    const my = runFn(
      resourceList([
        issuer('ca'),
        {
          apiVersion: 'kubedb.com/v1',
          kind: 'MySQL',
          metadata: { name: 'md', namespace: 'demo' },
          spec: {
            version: '8.4.3',
            tls: { issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' } },
            monitor: { agent: 'prometheus.io/builtin' },
          },
        },
      ]),
    );
    const myPod = itemsOf(my, 'StatefulSet')[0].spec.template.spec;
    const exporterOf = (p: any) => p.containers.find((c: any) => c.name === 'exporter');
    const volumeOf = (p: any) => p.volumes.find((v: any) => v.name === 'tls-exporter-config');
    expect(exporterOf(myPod)).toEqual(exporterOf(pod));
    expect(volumeOf(myPod)).toEqual(volumeOf(pod));
    expect(itemsOf(my, 'ConfigMap')[0].data['exporter.cnf']).toBe(
      itemsOf(run, 'ConfigMap')[0].data['exporter.cnf'],
    );
    expect(itemsOf(my, 'Service').map((s) => s.metadata.name)).toContain('md-stats');
  });

  it("PerconaXtraDB renders the same exporter as the Percona image's user (1001)", () => {
    const px = runFn(
      resourceList([
        issuer('ca'),
        {
          apiVersion: 'kubedb.com/v1',
          kind: 'PerconaXtraDB',
          metadata: { name: 'md', namespace: 'demo' },
          spec: {
            version: '8.0.40',
            replicas: 3,
            tls: { issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' } },
            monitor: { agent: 'prometheus.io/builtin' },
          },
        },
      ]),
    );
    const pxPod = itemsOf(px, 'StatefulSet')[0].spec.template.spec;
    const exporter = pxPod.containers.find((c: any) => c.name === 'exporter');
    const expected = pod.containers.find((c: any) => c.name === 'exporter');
    expect(exporter).toEqual({
      ...expected,
      securityContext: { ...SECURITY, runAsUser: 1001, runAsGroup: 1001 },
    });
    expect(itemsOf(px, 'ConfigMap')[0].data['exporter.cnf']).toBe(
      itemsOf(run, 'ConfigMap')[0].data['exporter.cnf'],
    );
  });

  it("refuses the Galera ports for the exporter's port", () => {
    expect(
      resultsOf(
        md({ monitor: { agent: 'prometheus.io', prometheus: { exporter: { port: 4567 } } } }),
      ).filter((r) => r.severity === 'error'),
    ).toEqual([
      {
        severity: 'error',
        field: 'spec.monitor.prometheus.exporter.port',
        message: "4567 is the database's own port in the same pod; choose another",
      },
    ]);
  });
});

describe('Redis: redis_exporter over TLS with the metrics-exporter certificate, as KubeDB runs it', () => {
  const run = runFn(
    resourceList([
      issuer('ca'),
      {
        apiVersion: 'kubedb.com/v1',
        kind: 'Redis',
        metadata: { name: 'rd', namespace: 'demo' },
        spec: {
          version: '7.2.4',
          authSecret: { name: 'rd-auth' },
          tls: { issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' } },
          monitor: operator({ labels: { release: 'prometheus' } }),
        },
      },
    ]),
  );
  const pod = itemsOf(run, 'StatefulSet')[0].spec.template.spec;

  it('renders the exporter container and its certificate volume', () => {
    expect(pod.containers.find((c: any) => c.name === 'exporter')).toEqual({
      name: 'exporter',
      image: 'oliver006/redis_exporter:v1.66.0',
      args: [
        '--web.listen-address=:56790',
        '--web.telemetry-path=/metrics',
        '--redis.addr=rediss://localhost:6379',
        '--tls-client-cert-file=/certs/exporter.crt',
        '--tls-client-key-file=/certs/exporter.key',
        '--tls-ca-cert-file=/certs/ca.crt',
      ],
      env: [
        {
          name: 'REDIS_PASSWORD',
          valueFrom: { secretKeyRef: { name: 'rd-auth', key: 'password' } },
        },
      ],
      ports: [{ name: 'metrics', containerPort: 56790, protocol: 'TCP' }],
      volumeMounts: [{ name: 'exporter-tls-volume', mountPath: '/certs', readOnly: true }],
      securityContext: SECURITY,
    });
    expect(pod.volumes.find((v: any) => v.name === 'exporter-tls-volume').secret).toEqual({
      secretName: 'rd-metrics-exporter-cert',
      defaultMode: 0o440,
      items: [
        { key: 'ca.crt', path: 'ca.crt' },
        { key: 'tls.crt', path: 'exporter.crt' },
        { key: 'tls.key', path: 'exporter.key' },
      ],
    });
    expect(itemsOf(run, 'ServiceMonitor').map((m) => m.metadata.name)).toEqual(['rd-stats']);
    expect(readFileSync(join(ROOT, 'docs/standalone.md'), 'utf8')).toContain(
      'Redis `oliver006/redis_exporter:v1.66.0`',
    );
  });
});

describe("docs/standalone.md's Monitoring section", () => {
  const readme = readFileSync(join(ROOT, 'docs/standalone.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Monitoring (`spec.monitor`)'));
  it('names the image, port, mount and Service the rendered sidecar uses', () => {
    const r = render({ monitor: operator({ labels: { a: 'b' } }) });
    expect(section).toContain(`Postgres\n  \`${r.exporter.image}\``);
    expect(section).toContain(`(default ${r.exporter.ports[0].containerPort}, port name`);
    expect(section).toContain(`\`${r.exporter.volumeMounts[0].mountPath}\``);
    expect(section).toContain('the Service `<db>-stats` (label `kubedb.com/role: stats`)');
    expect(r.stats.metadata.labels['kubedb.com/role']).toBe('stats');
  });
  it('names what the operator does for the kinds that keep the warning (pinned below)', () => {
    const flat = section.replace(/\s+/g, ' ');
    expect(flat).toContain(
      'Singlestore, MSSQLServer and VaultServer keep the operator-only warning, which names what',
    );
    for (const part of [
      "SingleStore's built-in exporter, configured inside each node",
      'the connection of the `mssql-exporter` sidecar',
      "Vault's telemetry settings for `/v1/sys/metrics`",
    ])
      expect(flat).toContain(part);
  });
  it('says the stats template is applied (pinned in the stats template tests above)', () => {
    expect(section).toContain('with the\n  `spec.serviceTemplates` entry of alias `stats` applied');
  });
});

describe('spec.monitor in the other modes and kinds', () => {
  it('operator and validate mode render no exporter: the database passes through for KubeDB', () => {
    for (const m of ['operator', 'validate']) {
      const run = runFn(
        resourceList(
          [issuer('ca'), postgres({ monitor: operator({ labels: { a: 'b' } }) })],
          mode(m),
        ),
      );
      expect(itemsOf(run, 'StatefulSet')).toEqual([]);
      expect(itemsOf(run, 'ServiceMonitor')).toEqual([]);
      expect(resultsOf(run).filter((x) => x.field?.startsWith('spec.monitor'))).toEqual([]);
    }
  });

  // Why each kind keeps the warning (upstream, where docs/standalone.md's Monitoring section says it).
  const noExporter = {
    Singlestore: [
      'kubedb.com/v1alpha2',
      { version: '8.9.3', licenseSecret: { name: 'license' } },
      "SingleStore's built-in metrics exporter, which the operator configures inside each node (spec.monitor) is provided by the KubeDB operator only; standalone mode does not render it (use mode: operator to keep it)",
    ],
    MSSQLServer: [
      'kubedb.com/v1alpha2',
      { version: '2022-cu12' },
      'the mssql-exporter sidecar, whose connection to the server the operator configures (spec.monitor) is provided by the KubeDB operator only; standalone mode does not render it (use mode: operator to keep it)',
    ],
    VaultServer: [
      'kubevault.com/v1alpha2',
      {
        version: '1.18.4',
        backend: { raft: { storage: { resources: { requests: { storage: '1Gi' } } } } },
      },
      "metrics from Vault's /v1/sys/metrics, for which the operator writes Vault's telemetry settings (spec.monitor) is done by the KubeVault operator only; standalone mode does not render it (use mode: operator to keep it)",
    ],
  } as const;
  for (const [kind, [apiVersion, spec, message]] of Object.entries(noExporter)) {
    it(`${kind} keeps the operator-only warning, saying what the operator does`, () => {
      const run = runFn(
        resourceList([
          issuer('ca'),
          {
            apiVersion,
            kind,
            metadata: { name: 'db', namespace: 'demo' },
            spec: {
              ...spec,
              tls: { issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' } },
              monitor: { agent: 'prometheus.io/operator' },
            },
          },
        ]),
      );
      expect(resultsOf(run).filter((x) => x.field === 'spec.monitor')).toEqual([
        { severity: 'warning', field: 'spec.monitor', message },
      ]);
      expect(itemsOf(run, 'ServiceMonitor')).toEqual([]);
      expect(itemsOf(run, 'Service').map((s) => s.metadata.name)).not.toContain('db-stats');
    });
  }
});
