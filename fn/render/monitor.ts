// `spec.monitor` in standalone mode: the exporter sidecar, the stats Service and, for the
// Prometheus operator, a ServiceMonitor, as KubeDB renders them. Each kind supplies only its
// exporter's image, flags, environment and mounts (fn/kinds/); everything else is here, rendered
// from the Monitor that monitor-spec.ts reads (re-exported below: the kinds import one module).
//
// Facts (kmodules/monitoring-agent-api a4b4d3a2, api/v1 and agents/; kubedb/apimachinery
// 104ef573, apis/kubedb): the exporter's security context defaults to no privilege escalation,
// every capability dropped, non-root and RuntimeDefault seccomp; the stats Service `<db>-stats` is
// labelled `kubedb.com/role: stats` and selects every pod; the ServiceMonitor has the Service's
// name, selects it by its labels in its own namespace, and scrapes each of its ports (path
// /metrics, honorLabels, a `pod` relabeling); the builtin agent annotates the Service with
// prometheus.io/scrape, scheme, path and port instead.
import { compact, isObj, type KubeObject, merged, type Obj, sharedBy } from '../io/objects.js';
import type { Reporter } from '../io/results.js';
import { nameWithSuffix } from '../util/names.js';
import { kubeObject, objectMeta, type Owner, selectorLabels } from './metadata.js';
import {
  EXPORTER_PATH,
  EXPORTER_PORT_NAME,
  type Monitor,
  type ServiceMonitorSettings,
} from './monitor-spec.js';

export {
  AGENTS,
  type Agent,
  EXPORTER_PATH,
  EXPORTER_PORT,
  EXPORTER_PORT_NAME,
  type Monitor,
  readMonitor,
  type ServiceMonitorSettings,
} from './monitor-spec.js';

/** kubedb.DefaultStatsPath; every KubeDB kind dbtls renders scrapes it over http. */
export const STATS_PATH = '/metrics';
const ROLE_LABEL = 'kubedb.com/role';

/** What a kind gives its exporter sidecar. */
export interface ExporterParts {
  image: string;
  /** The kind's own flags, before the user's; one the user also passes is left to the user. */
  args: readonly string[];
  /** The kind's own variables: they replace the user's of the same name, as KubeDB's do. */
  env: readonly Obj[];
  volumeMounts?: readonly Obj[];
  /** The ids KubeDB gives the exporter: those of the database's image. */
  uid: number;
  gid: number;
}

/** The security context KubeDB defaults the exporter to (monitoring-agent-api and the kind's ids). */
const defaultSecurityContext = sharedBy((ids: string) => {
  const [uid, gid] = ids.split(':').map(Number);
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    runAsGroup: gid,
    runAsNonRoot: true,
    runAsUser: uid,
    seccompProfile: { type: 'RuntimeDefault' },
  };
});
const exporterPorts = sharedBy((port: number) => [
  { name: EXPORTER_PORT_NAME, containerPort: port, protocol: 'TCP' },
]);

const flagName = (arg: string) => /^--?([^=]+)/.exec(arg)?.[1];

/** The exporter sidecar: the kind's parts, the user's args, env, resources and security context. */
export function exporterContainer(monitor: Monitor, parts: ExporterParts, report: Reporter): Obj {
  const userFlags = new Set(monitor.args.map(flagName));
  const ownNames = new Set(parts.env.map((e) => e.name));
  monitor.env.forEach((e, i) => {
    if (!ownNames.has(e.name)) return;
    report.warn(
      EXPORTER_PATH.child('env').index(i),
      `${String(e.name)} is set by dbtls for the exporter's connection to the database, as KubeDB sets it; yours is not used`,
    );
  });
  const defaults = defaultSecurityContext(`${parts.uid}:${parts.gid}`);
  return compact({
    name: 'exporter',
    image: parts.image,
    args: [...parts.args.filter((a) => !userFlags.has(flagName(a))), ...monitor.args],
    env: [...monitor.env.filter((e) => !ownNames.has(e.name)), ...parts.env],
    ports: exporterPorts(monitor.port),
    resources: monitor.resources,
    volumeMounts: parts.volumeMounts,
    securityContext: monitor.securityContext ? merged(defaults, monitor.securityContext) : defaults,
  });
}

/**
 * The Services spec.monitor rendered in `workload`, by service-template alias: `stats` for the
 * stats Service (found by its role label, whatever the kind), to which KubeDB applies the
 * `stats` template. Not client Services: their names never reach the server certificate.
 */
export function monitorServices(workload: readonly KubeObject[]): Record<string, string> {
  const stats = workload.find(
    (o) => o.kind === 'Service' && o.metadata.labels?.[ROLE_LABEL] === 'stats',
  );
  return stats ? { stats: stats.metadata.name } : {};
}

/**
 * The workload with its ServiceMonitor selecting the stats Service by all of its labels, those a
 * `stats` template added included: the prometheus.io/operator agent takes the Service's labels.
 */
export function selectStatsService(workload: KubeObject[]): KubeObject[] {
  const alias = monitorServices(workload).stats;
  const stats = workload.find((o) => o.kind === 'Service' && o.metadata.name === alias);
  const i = workload.findIndex(
    (o) => o.kind === 'ServiceMonitor' && o.metadata.name === alias && isObj(o.spec),
  );
  if (stats === undefined || i < 0) return workload;
  const sm = workload[i];
  const out = [...workload];
  const spec = sm.spec as Obj;
  out[i] = { ...sm, spec: { ...spec, selector: { matchLabels: { ...stats.metadata.labels } } } };
  return out;
}

/** The stats Service and, with prometheus.io/operator and a serviceMonitor, its ServiceMonitor. */
export function monitorObjects(owner: Owner, monitor: Monitor): KubeObject[] {
  const name = nameWithSuffix(owner.db.metadata.name, 'stats');
  const meta = objectMeta(owner, name, { [ROLE_LABEL]: 'stats' });
  if (monitor.agent === 'prometheus.io/builtin') {
    // prometheusbuiltin: what Prometheus's kubernetes-service-endpoints job reads.
    meta.annotations = merged(meta.annotations, {
      'prometheus.io/scrape': 'true',
      'prometheus.io/scheme': 'http',
      'prometheus.io/path': STATS_PATH,
      'prometheus.io/port': String(monitor.port),
    });
  }
  const stats = kubeObject('v1', 'Service', meta, {
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(owner),
      ports: [
        {
          name: EXPORTER_PORT_NAME,
          port: monitor.port,
          targetPort: EXPORTER_PORT_NAME,
          protocol: 'TCP',
        },
      ],
    },
  });
  const sm = monitor.serviceMonitor;
  if (monitor.agent !== 'prometheus.io/operator' || sm === undefined) return [stats];
  return [stats, serviceMonitor(owner, name, meta.labels ?? {}, sm)];
}

const POD_RELABELING = {
  sourceLabels: ['__meta_kubernetes_endpoint_address_target_name'],
  targetLabel: 'pod',
  action: 'replace',
};

function serviceMonitor(
  owner: Owner,
  name: string,
  statsLabels: Record<string, string>,
  sm: ServiceMonitorSettings,
): KubeObject {
  const meta = objectMeta(owner, name);
  meta.labels = merged(meta.labels, sm.labels);
  return kubeObject('monitoring.coreos.com/v1', 'ServiceMonitor', meta, {
    spec: compact({
      endpoints: [
        compact({
          port: EXPORTER_PORT_NAME,
          interval: sm.interval,
          path: STATS_PATH,
          honorLabels: true,
          scheme: 'http',
          relabelings: [POD_RELABELING, ...(sm.relabelings ?? [])],
          metricRelabelings: sm.metricRelabelings,
        }),
      ],
      namespaceSelector: { matchNames: [owner.namespace] },
      selector: { matchLabels: { ...statsLabels } },
      targetLabels: sm.targetLabels,
      podTargetLabels: sm.podTargetLabels,
    }),
  });
}
