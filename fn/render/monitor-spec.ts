// `spec.monitor` read and checked (monitoring-agent-api's AgentSpec): what the exporter sidecar,
// the stats Service and the ServiceMonitor are rendered from (monitor.ts). Apart from the
// rendering because reading is most of the work: every field of the user's AgentSpec is checked
// here, with a message at its path, before anything is rendered.
//
// Facts (kmodules/monitoring-agent-api a4b4d3a2, api/v1 and agents/): agents
// prometheus.io/operator, prometheus.io/builtin and prometheus.io; exporter port 56790 named
// `metrics` by default; the older API's fields and where the current AgentSpec has them.
import { isObj, type Obj } from '../io/objects.js';
import { describeType } from '../io/resource-list.js';
import type { Reporter } from '../io/results.js';
import { at, type FieldPath } from '../util/field-path.js';
import { readEnum } from '../validate/fields.js';
import { isPort, labelValueProblem } from './kube-value-rules.js';
import { describeValue, readList, readMapping } from './read-fields.js';

export const AGENTS = ['prometheus.io/operator', 'prometheus.io/builtin', 'prometheus.io'] as const;
export type Agent = (typeof AGENTS)[number];

/** monitoring-agent-api's PrometheusExporterPortNumber and PrometheusExporterPortName. */
export const EXPORTER_PORT = 56790;
export const EXPORTER_PORT_NAME = 'metrics';

export interface ServiceMonitorSettings {
  labels: Record<string, string>;
  interval?: string;
  targetLabels?: string[];
  podTargetLabels?: string[];
  /** The user's extra relabelings for the `metrics` port. */
  relabelings?: Obj[];
  metricRelabelings?: Obj[];
}

/** `spec.monitor` as read: what the exporter and the objects around it are rendered from. */
export interface Monitor {
  agent: Agent;
  port: number;
  args: readonly string[];
  env: readonly Obj[];
  resources?: Obj;
  securityContext?: Obj;
  /** Undefined when the user set none (then no ServiceMonitor, as in KubeDB). */
  serviceMonitor?: ServiceMonitorSettings;
}

const MONITOR = at('spec', 'monitor');
const PROMETHEUS = MONITOR.child('prometheus');
const EXPORTER = PROMETHEUS.child('exporter');
const SERVICE_MONITOR = PROMETHEUS.child('serviceMonitor');

/** Fields of the older API (and KubeDB's docs) that the current AgentSpec has elsewhere. */
const MOVED: Record<string, string> = {
  labels: `set ${SERVICE_MONITOR}.labels instead`,
  interval: `set ${SERVICE_MONITOR}.interval instead`,
  port: `set ${EXPORTER}.port instead`,
  namespace: "the ServiceMonitor is created in the database's namespace",
};

/**
 * Reads and checks `spec.monitor` (monitoring-agent-api's AgentSpec). Undefined when there is
 * nothing to render: no monitor, no agent, or an error (reported at its field).
 */
export function readMonitor(
  spec: Obj,
  report: Reporter,
  o: { reservedPorts: readonly number[] },
): Monitor | undefined {
  const m = spec.monitor;
  if (m === undefined || m === null) return undefined;
  if (!isObj(m)) {
    report.error(MONITOR, `${MONITOR} must be a mapping, got ${describeType(m)}`);
    return undefined;
  }
  const errors = report.results.length;
  unknownFields(m, ['agent', 'prometheus'], MONITOR, report);
  const agentPath = MONITOR.child('agent');
  if (m.agent === undefined || m.agent === null) {
    report.warn(
      agentPath,
      `${agentPath} is not set: KubeDB runs no exporter without an agent, and neither does dbtls; set one of ${AGENTS.join(', ')}`,
    );
    return undefined;
  }
  readEnum(m, 'agent', agentPath, AGENTS, report);
  const prometheus = readMapping(m.prometheus, PROMETHEUS, report) ?? {};
  reportMovedFields(prometheus, report);
  const exporter = readMapping(prometheus.exporter, EXPORTER, report) ?? {};
  unknownFields(
    exporter,
    ['port', 'args', 'env', 'resources', 'securityContext'],
    EXPORTER,
    report,
  );
  const port = readPort(exporter, o.reservedPorts, report);
  const args = stringList(exporter, 'args', EXPORTER.child('args'), report) ?? [];
  const env = readEnv(exporter, report);
  const resources = readMapping(exporter.resources, EXPORTER.child('resources'), report);
  const securityContext = readSecurityContext(exporter, report);
  const serviceMonitor = readServiceMonitor(prometheus, report);
  if (report.results.slice(errors).some((r) => r.severity === 'error')) return undefined;
  const agent = m.agent as Agent;
  if (agent === 'prometheus.io/operator' && serviceMonitor === undefined) {
    report.warn(
      SERVICE_MONITOR,
      `${SERVICE_MONITOR} is not set: with agent prometheus.io/operator KubeDB creates no ServiceMonitor without it ` +
        '(its agent stops at "serviceMonitor spec is empty"), and neither does dbtls; set ' +
        'serviceMonitor.labels to those your Prometheus selects',
    );
  }
  return { agent, port, args, env, resources, securityContext, serviceMonitor };
}

/** Keys of spec.monitor.prometheus besides exporter and serviceMonitor: older API, or none. */
function reportMovedFields(prometheus: Obj, report: Reporter): void {
  for (const key of Object.keys(prometheus)) {
    if (key === 'exporter' || key === 'serviceMonitor') continue;
    const where = MOVED[key];
    const field = PROMETHEUS.child(key);
    report.error(
      field,
      where
        ? `${field} is not a field of KubeDB's current AgentSpec (the API server drops it): ${where}`
        : `${field} is not a field of KubeDB's AgentSpec (exporter, serviceMonitor)`,
    );
  }
}

function unknownFields(o: Obj, known: readonly string[], path: FieldPath, report: Reporter): void {
  for (const key of Object.keys(o)) {
    const field = path.child(key);
    if (!known.includes(key))
      report.error(field, `${field} is not a field of KubeDB's monitor API (${known.join(', ')})`);
  }
}

function stringList(o: Obj, key: string, path: FieldPath, report: Reporter): string[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) {
    report.error(path, `${path} must be a list of strings, got ${describeType(v)}`);
    return undefined;
  }
  const bad = v.findIndex((s) => typeof s !== 'string');
  if (bad < 0) return v as string[];
  const entry = path.index(bad);
  report.error(entry, `${entry} must be a string, got ${describeType(v[bad])}`);
  return undefined;
}

function readPort(exporter: Obj, reserved: readonly number[], report: Reporter): number {
  const v = exporter.port;
  if (v === undefined || v === null) return EXPORTER_PORT;
  const path = EXPORTER.child('port');
  if (!isPort(v)) {
    report.error(path, `${path} must be a port number from 1 to 65535, got ${describeType(v)}`);
  } else if (reserved.includes(v)) {
    report.error(path, `${v} is the database's own port in the same pod; choose another`);
  }
  return v as number;
}

function readEnv(exporter: Obj, report: Reporter): Obj[] {
  const v = exporter.env;
  if (v === undefined || v === null) return [];
  const path = EXPORTER.child('env');
  if (!Array.isArray(v)) {
    report.error(path, `${path} must be a list of environment variables, got ${describeType(v)}`);
    return [];
  }
  v.forEach((e, i) => {
    const entry = path.index(i);
    if (!isObj(e) || typeof e.name !== 'string' || e.name === '')
      report.error(entry, `${entry} must be a mapping with a name (and a value or valueFrom)`);
  });
  return v as Obj[];
}

/**
 * The exporter's securityContext: the user's, merged over dbtls's defaults. What would break Pod
 * Security is refused as the rendered pod is checked (validate/pod-security/), naming this field.
 */
function readSecurityContext(exporter: Obj, report: Reporter): Obj | undefined {
  return readMapping(exporter.securityContext, EXPORTER.child('securityContext'), report);
}

const LABEL_NAME =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
// prometheus-operator's Duration (the ServiceMonitor CRD's pattern for interval).
const DURATION =
  /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/;

function readServiceMonitor(prometheus: Obj, report: Reporter): ServiceMonitorSettings | undefined {
  const sm = readMapping(prometheus.serviceMonitor, SERVICE_MONITOR, report);
  if (sm === undefined) return undefined;
  unknownFields(
    sm,
    ['labels', 'interval', 'targetLabels', 'podTargetLabels', 'endpoints'],
    SERVICE_MONITOR,
    report,
  );
  const labels: Record<string, string> = {};
  const l = readMapping(sm.labels, SERVICE_MONITOR.child('labels'), report) ?? {};
  for (const [k, v] of Object.entries(l)) {
    const path = SERVICE_MONITOR.child('labels', k);
    if (k.length > 317 || !LABEL_NAME.test(k) || k.split('/').pop()!.length > 63)
      report.error(path, `${JSON.stringify(k)} is not a valid label name`);
    else if (typeof v !== 'string' || labelValueProblem(v) !== undefined)
      report.error(
        path,
        `${describeValue(v)} is not a valid label value (a string of at most 63 letters, digits, -, _ and ., starting and ending with a letter or digit)`,
      );
    else labels[k] = v;
  }
  let interval: string | undefined;
  if (sm.interval !== undefined && sm.interval !== null && sm.interval !== '') {
    if (typeof sm.interval === 'string' && DURATION.test(sm.interval)) interval = sm.interval;
    else
      report.error(
        SERVICE_MONITOR.child('interval'),
        `${describeValue(sm.interval)} is not a Prometheus duration such as 30s or 1m30s`,
      );
  }
  const targetLabels = stringList(
    sm,
    'targetLabels',
    SERVICE_MONITOR.child('targetLabels'),
    report,
  );
  const podTargetLabels = stringList(
    sm,
    'podTargetLabels',
    SERVICE_MONITOR.child('podTargetLabels'),
    report,
  );
  const endpoint = readEndpoint(sm, report);
  return { labels, interval, targetLabels, podTargetLabels, ...endpoint };
}

/** The user's relabelings for the stats Service's one port, as KubeDB's agent takes them. */
function readEndpoint(
  sm: Obj,
  report: Reporter,
): Pick<ServiceMonitorSettings, 'relabelings' | 'metricRelabelings'> {
  const path = SERVICE_MONITOR.child('endpoints');
  const v = readList(sm.endpoints, path, report);
  if (v === undefined) return {};
  let found: Obj | undefined;
  v.forEach((e, i) => {
    const entry = path.index(i);
    if (!isObj(e)) {
      report.error(entry, `${entry} must be a mapping, got ${describeType(e)}`);
      return;
    }
    unknownFields(e, ['port', 'relabelings', 'metricRelabelings'], entry, report);
    if (e.port !== EXPORTER_PORT_NAME) {
      report.warn(
        entry.child('port'),
        `${JSON.stringify(e.port)} names no port of the stats Service (its one port is "${EXPORTER_PORT_NAME}"): these relabelings are not used`,
      );
      return;
    }
    for (const key of ['relabelings', 'metricRelabelings']) {
      const list = e[key];
      if (list !== undefined && (!Array.isArray(list) || !list.every(isObj))) {
        const field = entry.child(key);
        report.error(
          field,
          `${field} must be a list of relabel configs, got ${describeType(list)}`,
        );
      }
    }
    found = e;
  });
  if (found === undefined) return {};
  return {
    relabelings: found.relabelings as Obj[] | undefined,
    metricRelabelings: found.metricRelabelings as Obj[] | undefined,
  };
}

/** The path of the exporter's fields in results, for the kinds' own messages. */
export const EXPORTER_PATH = EXPORTER;
