// spec.serviceTemplates in standalone mode: each template applied to the Service the kind renders
// for its alias (DatabaseKind.clientServices), as the operators apply them.
//
// KubeDB (community operator, e.g. Postgres ensurePrimaryService; kubedb/apimachinery
// ServiceLabels; kmodules offshoot-api PatchServicePorts): the first template of an alias; its
// annotations; its labels except app.kubernetes.io/{name,instance,version,managed-by} and the
// kubedb.com domain (meta FilterKeys); type and clusterIP when set; externalIPs, loadBalancerIP,
// loadBalancerSourceRanges, externalTrafficPolicy; healthCheckNodePort when > 0; ports matched
// by NAME only (a template port without a name, or naming no port, is ignored), changing port and
// nodePort. sessionAffinityConfig is in the schema but no operator applies it. The headless
// governing Service is never templated by KubeDB; KubeVault gives its `internal` template's
// annotations (only) to its headless Service, and applies neither ports nor labels.
// The `stats` template goes to the stats Service spec.monitor renders (monitorServices), as
// KubeDB's ensureStatsService applies it; the monitoring agent's annotations are written after.
import { compact, isObj, type KubeObject, type Obj } from '../io/objects.js';
import { describeType } from '../io/resource-list.js';
import type { DatabaseKind, KindContext } from '../contract/kind.js';
import { monitorServices, selectStatsService } from './monitor.js';
import { dns1123SubdomainErrors, isGoIP } from '../validate/go-formats.js';
import { at, type FieldPath } from '../util/field-path.js';

const PATH = at('spec', 'serviceTemplates');
const TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
/** The fields of kmodules offshoot-api ServiceSpec: what the CRD keeps of a template's spec. */
const SPEC_FIELDS = new Set([
  'type',
  'clusterIP',
  'ports',
  'externalIPs',
  'loadBalancerIP',
  'loadBalancerSourceRanges',
  'externalTrafficPolicy',
  'healthCheckNodePort',
  'sessionAffinityConfig',
]);
/** Labels KubeDB never copies to an offshoot (kmodules meta labelKeyBlacklist). */
const KEPT_LABELS = new Set([
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/version',
  'app.kubernetes.io/managed-by',
]);
/** Annotations that steer kpt and dbtls itself: on a Service they would change the pipeline. */
const RESERVED_ANNOTATION = /^(internal\.)?config\.kubernetes\.io\/|^dbtls\.dev\//;

/** The workload with each templated Service replaced by its templated form. */
export function applyServiceTemplates<Plan>(
  ctx: KindContext,
  kind: DatabaseKind<Plan>,
  plan: Plan,
  workload: KubeObject[],
): KubeObject[] {
  const templates = isObj(ctx.db.spec) ? ctx.db.spec.serviceTemplates : undefined;
  // Not a list, or entries that are no mappings: reported where the declared names are read.
  if (!Array.isArray(templates) || templates.length === 0) return workload;
  // The stats Service is no client Service (its names stay out of the server certificate).
  const services = { ...kind.clientServices?.(ctx, plan), ...monitorServices(workload) };
  const rendered = new Map<string, number>();
  workload.forEach((o, i) => {
    if (o.kind === 'Service') rendered.set(o.metadata.name, i);
  });
  const out = [...workload];
  const seen = new Map<string, number>();
  // Node ports are one per cluster: the same one twice would be refused for the second Service.
  const nodePorts = new Map<number, FieldPath>();
  templates.forEach((t, i) => {
    if (!isObj(t)) return;
    const path = PATH.index(i);
    const alias = t.alias;
    const aliasPath = path.child('alias');
    if (typeof alias !== 'string' || alias === '') {
      ctx.report.error(
        aliasPath,
        `${aliasPath} must name the Service the template is for (${Object.keys(services).join(', ')}), got ` +
          `${describeType(alias)}`,
      );
      return;
    }
    const first = seen.get(alias);
    if (first !== undefined) {
      ctx.report.error(
        path.child('alias'),
        `alias "${alias}" already has the template ${PATH.index(first)}; the operator would apply ` +
          'only one of them: give each alias one template',
      );
      return;
    }
    seen.set(alias, i);
    const name = services[alias];
    const index = name === undefined ? undefined : rendered.get(name);
    if (index === undefined) {
      ctx.report.warn(path.child('alias'), notRendered(alias, name, services, rendered));
      return;
    }
    const ignores = kind.serviceTemplateIgnores ?? [];
    const template = new Template(ctx, path, t, kind.operator, ignores, nodePorts);
    const applied = template.applyTo(out[index]);
    if (applied) out[index] = applied;
  });
  return selectStatsService(out);
}

function notRendered(
  alias: string,
  name: string | undefined,
  services: Readonly<Record<string, string>>,
  rendered: ReadonlyMap<string, number>,
): string {
  const present = Object.entries(services)
    .filter(([, s]) => rendered.has(s))
    .map(([a, s]) => `${a} (${s})`);
  const which =
    name === undefined
      ? `renders no Service of alias "${alias}"`
      : `does not render the ${alias} Service "${name}"`;
  return (
    `standalone mode ${which}, so this template is not applied; the templates it applies ` +
    `are for ${present.join(', ') || 'no Service'}`
  );
}

/** One template, read field by field against the Service it applies to. */
class Template {
  private readonly spec: Obj;

  constructor(
    private readonly ctx: KindContext,
    private readonly path: FieldPath,
    private readonly t: Obj,
    /** KubeDB or KubeVault, for messages. */
    private readonly operator: string,
    /** What of a template the operator leaves out (DatabaseKind.serviceTemplateIgnores). */
    private readonly ignores: readonly string[],
    /** Node ports given so far, with where: across the database's templates. */
    private readonly nodePorts: Map<number, FieldPath>,
  ) {
    this.spec = isObj(t.spec) ? t.spec : {};
  }

  /** The templated Service, or undefined when the template has an error. */
  applyTo(service: KubeObject): KubeObject | undefined {
    const before = this.ctx.report.results.length;
    const metadata = this.metadata(service);
    const spec = isObj(service.spec) ? service.spec : {};
    if (spec.clusterIP === 'None') {
      // The headless governing Service: its DNS names are the pods'; only annotations apply.
      const set = Object.keys(this.spec).filter((k) => this.spec[k] !== undefined);
      if (set.length > 0) {
        this.ctx.report.warn(
          this.path.child('spec'),
          `service "${service.metadata.name}" is the headless governing Service: the ` +
            `${this.operator} operator applies only the template's annotations to it, so ` +
            `${set.join(', ')} ${set.length > 1 ? 'are' : 'is'} not applied`,
        );
      }
      return this.failedSince(before) ? undefined : { ...service, metadata };
    }
    const newSpec = this.serviceSpec(service, spec);
    if (this.failedSince(before)) return undefined;
    return { ...service, metadata, spec: newSpec };
  }

  private failedSince(before: number): boolean {
    return this.ctx.report.results.slice(before).some((r) => r.severity === 'error');
  }

  private metadata(service: KubeObject): KubeObject['metadata'] {
    const md = this.t.metadata;
    if (md === undefined || md === null) return service.metadata;
    if (!isObj(md)) {
      const path = this.path.child('metadata');
      this.ctx.report.error(path, `${path} must be a mapping, got ${describeType(md)}`);
      return service.metadata;
    }
    for (const key of Object.keys(md)) {
      if (key !== 'labels' && key !== 'annotations')
        this.unknown(this.path.child('metadata', key), 'labels and annotations');
    }
    const annotations = this.annotations(md.annotations, service);
    const labels = this.labels(md.labels);
    return {
      ...service.metadata,
      labels: { ...service.metadata.labels, ...labels },
      annotations: { ...service.metadata.annotations, ...annotations },
    };
  }

  private annotations(v: unknown, service: KubeObject): Record<string, string> {
    const path = this.path.child('metadata', 'annotations');
    const out: Record<string, string> = {};
    const own = service.metadata.annotations ?? {};
    for (const [key, value] of this.stringMap(v, path)) {
      const field = path.child(key);
      if (key in own && !RESERVED_ANNOTATION.test(key)) {
        // The prometheus.io/builtin agent's scrape settings: it patches them in after the template.
        if (own[key] !== value)
          this.ctx.report.warn(
            field,
            `${field} is set on service "${service.metadata.name}" by spec.monitor, as the monitoring ` +
              `agent sets it after applying the template: the template's ${JSON.stringify(value)} ` +
              `is not used (it stays ${JSON.stringify(own[key])})`,
          );
      } else if (RESERVED_ANNOTATION.test(key)) {
        this.ctx.report.error(
          field,
          `${field} is an annotation kpt or dbtls reads from the objects dbtls generates; on a Service it ` +
            'would change how the package is rendered: remove it from the template',
        );
      } else out[key] = value;
    }
    return out;
  }

  private labels(v: unknown): Record<string, string> {
    const path = this.path.child('metadata', 'labels');
    const out: Record<string, string> = {};
    const labels = this.stringMap(v, path);
    if (labels.length > 0 && this.ignores.includes('labels')) {
      this.notApplied(path, 'labels');
      return out;
    }
    for (const [key, value] of labels) {
      if (KEPT_LABELS.has(key) || /(^|\.)kubedb\.com\//.test(key)) {
        const field = path.child(key);
        this.ctx.report.warn(
          field,
          `${field} is a label KubeDB sets on its Services itself and never takes from a template; it is ` +
            'not applied',
        );
      } else out[key] = value;
    }
    return out;
  }

  private stringMap(v: unknown, path: FieldPath): [string, string][] {
    if (v === undefined || v === null) return [];
    if (!isObj(v)) {
      this.ctx.report.error(path, `${path} must be a mapping of strings, got ${describeType(v)}`);
      return [];
    }
    const out: [string, string][] = [];
    const labels = path.last === 'labels';
    for (const [key, value] of Object.entries(v)) {
      const field = path.child(key);
      const problem = keyProblem(key) ?? (labels ? labelValueProblem(value) : undefined);
      if (typeof value !== 'string')
        this.ctx.report.error(field, `${field} must be a string, got ${describeType(value)}`);
      else if (problem)
        this.ctx.report.error(
          field,
          `${field} ${problem}: the API server would refuse the Service`,
        );
      else out.push([key, value]);
    }
    return out;
  }

  private serviceSpec(service: KubeObject, spec: Obj): Obj {
    const s = this.spec;
    const path = (f: string) => this.path.child('spec', f);
    for (const key of Object.keys(s)) if (!SPEC_FIELDS.has(key)) this.unknown(path(key), '');
    const templated = this.type(s.type);
    // Checks that depend on the type would only echo a type that is wrong already.
    if (templated === null) return spec;
    const type = templated ?? String(spec.type ?? 'ClusterIP');
    const clusterIP = this.clusterIP(s.clusterIP, type);
    const externalIPs = this.strings(s.externalIPs, path('externalIPs'));
    const sourceRanges = this.sourceRanges(s.loadBalancerSourceRanges, type);
    const lbIP = s.loadBalancerIP;
    if (typeof lbIP === 'string' && lbIP !== '' && type !== 'LoadBalancer') {
      const field = path('loadBalancerIP');
      this.ctx.report.warn(
        field,
        `${field} applies to a Service of type LoadBalancer only; the API server accepts it on type ` +
          `${type} and ignores it`,
      );
    }
    const accessible = type !== 'ClusterIP' || (externalIPs?.length ?? 0) > 0;
    const policy = this.trafficPolicy(s.externalTrafficPolicy, accessible);
    const healthCheck = this.healthCheckNodePort(s.healthCheckNodePort, type, policy);
    if (s.sessionAffinityConfig !== undefined && s.sessionAffinityConfig !== null) {
      const field = path('sessionAffinityConfig');
      this.ctx.report.warn(
        field,
        `${field} is not applied: the ${this.operator} operator does not copy it to the Service (a ` +
          'template has no sessionAffinity for it to configure)',
      );
    }
    const ports = this.ports(service, spec, type);
    return compact({
      type,
      clusterIP: clusterIP ?? spec.clusterIP,
      publishNotReadyAddresses: spec.publishNotReadyAddresses,
      selector: spec.selector,
      ports,
      externalIPs,
      loadBalancerIP: typeof lbIP === 'string' && lbIP !== '' ? lbIP : undefined,
      loadBalancerSourceRanges: sourceRanges,
      externalTrafficPolicy: policy,
      healthCheckNodePort: healthCheck,
    });
  }

  /** The template's type; undefined when it sets none, null when it is refused. */
  private type(v: unknown): string | undefined | null {
    if (v === undefined || v === null || v === '') return undefined;
    const path = this.path.child('spec', 'type');
    if (typeof v !== 'string' || !TYPES.includes(v)) {
      const supported = TYPES.map((x) => `"${x}"`).join(', ');
      this.ctx.report.error(path, `${path} must be one of ${supported}, got ${describeType(v)}`);
      return null;
    }
    if (v === 'ExternalName') {
      this.ctx.report.error(
        path,
        'ExternalName makes the Service a DNS alias for spec.externalName, which a service ' +
          'template cannot set: the API server would refuse it, and it would no longer reach the ' +
          'database; use ClusterIP, NodePort or LoadBalancer',
      );
      return null;
    }
    return v;
  }

  private clusterIP(v: unknown, type: string): string | undefined {
    if (v === undefined || v === null || v === '') return undefined;
    const path = this.path.child('spec', 'clusterIP');
    if (typeof v !== 'string' || (v !== 'None' && !isGoIP(v))) {
      this.ctx.report.error(
        path,
        `${path} must be an IP address or "None", got ${describeType(v)}`,
      );
      return undefined;
    }
    if (v === 'None' && type !== 'ClusterIP') {
      this.ctx.report.error(
        path,
        `${path} may not be "None" when type is ${type}: the API server refuses a headless ${type} Service`,
      );
      return undefined;
    }
    return v;
  }

  private strings(v: unknown, path: FieldPath): string[] | undefined {
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      // externalIPs: already reported as the server certificate reads them.
      if (path.last !== 'externalIPs')
        this.ctx.report.error(path, `${path} must be a list of strings, got ${describeType(v)}`);
      return undefined;
    }
    return v.length > 0 ? (v as string[]) : undefined;
  }

  private sourceRanges(v: unknown, type: string): string[] | undefined {
    const path = this.path.child('spec', 'loadBalancerSourceRanges');
    const ranges = this.strings(v, path);
    if (!ranges) return undefined;
    if (type !== 'LoadBalancer') {
      this.ctx.report.error(
        path,
        `${path} may only be used when type is LoadBalancer (the template's type is ${type}): the API ` +
          'server would refuse the Service',
      );
      return undefined;
    }
    ranges.forEach((r, j) => {
      if (!isCIDR(r.trim()))
        this.ctx.report.error(path.index(j), `"${r}" is not an IP range such as 10.0.0.0/8`);
    });
    return ranges;
  }

  private trafficPolicy(v: unknown, accessible: boolean): string | undefined {
    if (v === undefined || v === null || v === '') return undefined;
    const path = this.path.child('spec', 'externalTrafficPolicy');
    if (v !== 'Cluster' && v !== 'Local') {
      this.ctx.report.error(path, `${path} must be "Cluster" or "Local", got ${describeType(v)}`);
      return undefined;
    }
    if (!accessible) {
      this.ctx.report.error(
        path,
        `${path} may only be set for a Service reachable from outside the cluster (type NodePort or ` +
          'LoadBalancer, or externalIPs): the API server would refuse it on this ClusterIP Service',
      );
      return undefined;
    }
    return v;
  }

  private healthCheckNodePort(v: unknown, type: string, policy: string | undefined) {
    if (v === undefined || v === null || v === 0) return undefined;
    const path = this.path.child('spec', 'healthCheckNodePort');
    if (!isPort(v)) {
      this.ctx.report.error(
        path,
        `${path} must be a port number (1-65535), got ${describeType(v)}`,
      );
      return undefined;
    }
    if (type !== 'LoadBalancer' || policy !== 'Local') {
      this.ctx.report.error(
        path,
        `${path} may only be set when type is LoadBalancer and externalTrafficPolicy is Local: the API ` +
          'server would refuse the Service',
      );
      return undefined;
    }
    return this.nodePort(v, path) ? v : undefined;
  }

  /** Whether node port `port` at `path` is the first of its number; an error if not. */
  private nodePort(port: number, path: FieldPath): boolean {
    const other = this.nodePorts.get(port);
    if (other === undefined) {
      this.nodePorts.set(port, path);
      return true;
    }
    this.ctx.report.error(
      path,
      `node port ${port} is also given at ${other}: a node port serves one Service port of the ` +
        'whole cluster, and the API server would refuse it for the second Service',
    );
    return false;
  }

  /** The Service's ports with the template's matched by name, as PatchServicePorts does. */
  private ports(service: KubeObject, spec: Obj, type: string): unknown {
    const current = Array.isArray(spec.ports) ? (spec.ports as Obj[]) : [];
    const v = this.spec.ports;
    const path = this.path.child('spec', 'ports');
    if (v === undefined || v === null) return current;
    if (!Array.isArray(v)) {
      this.ctx.report.error(path, `${path} must be a list of ports, got ${describeType(v)}`);
      return current;
    }
    if (v.length > 0 && this.ignores.includes('ports')) {
      this.notApplied(path, 'ports');
      return current;
    }
    let ports = current;
    const names = current.map((p) => String(p.name));
    v.forEach((p, j) => {
      const entry = path.index(j);
      const patch = this.port(p, entry, type);
      if (!patch) return;
      if (patch.name === undefined) {
        this.ctx.report.warn(
          entry,
          `${entry} has no name: ${this.operator} matches a template's ports to the Service's by name ` +
            `(${names.join(', ')}) and ignores this one`,
        );
        return;
      }
      const k = names.indexOf(patch.name);
      if (k < 0) {
        this.ctx.report.warn(
          entry.child('name'),
          `service "${service.metadata.name}" has no port "${patch.name}" (its ports: ` +
            `${names.join(', ')}); ${this.operator} ignores a template port it cannot match by ` +
            'name, and so does dbtls',
        );
        return;
      }
      if (patch.nodePort !== undefined && !this.nodePort(patch.nodePort, entry.child('nodePort')))
        return;
      if (ports === current) ports = [...current];
      ports[k] = compact({ ...ports[k], port: patch.port, nodePort: patch.nodePort });
    });
    return ports;
  }

  private port(p: unknown, path: FieldPath, type: string) {
    if (!isObj(p)) {
      this.ctx.report.error(
        path,
        `${path} must be a mapping with name, port and nodePort, got ${describeType(p)}`,
      );
      return undefined;
    }
    let ok = true;
    const name = p.name === undefined || p.name === null || p.name === '' ? undefined : p.name;
    if (name !== undefined && typeof name !== 'string') {
      const field = path.child('name');
      this.ctx.report.error(field, `${field} must be a string, got ${describeType(name)}`);
      ok = false;
    }
    if (!isPort(p.port)) {
      const field = path.child('port');
      this.ctx.report.error(
        field,
        `${field} must be a port number (1-65535), got ${describeType(p.port)}`,
      );
      ok = false;
    }
    const nodePort = p.nodePort === 0 || p.nodePort === null ? undefined : p.nodePort;
    const nodePortPath = path.child('nodePort');
    if (nodePort !== undefined && !isPort(nodePort)) {
      this.ctx.report.error(
        nodePortPath,
        `${nodePortPath} must be a port number (1-65535), got ${describeType(nodePort)}`,
      );
      ok = false;
    } else if (nodePort !== undefined && type === 'ClusterIP') {
      this.ctx.report.error(
        nodePortPath,
        `${nodePortPath} may not be used when type is ClusterIP: the API server would refuse the Service; set ` +
          'type NodePort or LoadBalancer, or remove the nodePort',
      );
      ok = false;
    }
    for (const key of Object.keys(p)) {
      if (key !== 'name' && key !== 'port' && key !== 'nodePort')
        this.unknown(path.child(key), 'name, port and nodePort');
    }
    if (!ok) return undefined;
    return {
      name: name as string | undefined,
      port: p.port as number,
      nodePort: nodePort as number | undefined,
    };
  }

  private unknown(path: FieldPath, known: string): void {
    const fields = known || [...SPEC_FIELDS].join(', ');
    this.ctx.report.warn(
      path,
      `${path} is not a field of a ${this.operator} service template (only ${fields}): the API server ` +
        `drops it from the ${this.ctx.db.kind}, and dbtls does not apply it`,
    );
  }

  private notApplied(path: FieldPath, what: string): void {
    this.ctx.report.warn(
      path,
      `the ${this.operator} operator does not apply a service template's ${what}, so neither ` +
        'does standalone mode',
    );
  }
}

const NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const NAME_RULE =
  "1-63 letters, digits, '-', '_' or '.', beginning and ending with a letter or digit";

/** apimachinery's IsQualifiedName, as for label and annotation keys: why it fails, if it does. */
function keyProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2)
    return "is not a key: a key is a name with at most one prefix ('prefix/name')";
  const name = parts[parts.length - 1];
  if (parts.length === 2 && (parts[0] === '' || dns1123SubdomainErrors(parts[0]).length > 0))
    return (
      `has the prefix "${parts[0]}", which is no DNS subdomain ` +
      "(lowercase letters, digits, '-', '.')"
    );
  if (name.length > 63 || !NAME_PART.test(name)) return `has the name "${name}", not ${NAME_RULE}`;
  return undefined;
}

/** apimachinery's IsValidLabelValue: empty, or a name part. */
function labelValueProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  if (value.length > 63 || !NAME_PART.test(value))
    return `has the value "${value}", not empty nor ${NAME_RULE}`;
  return undefined;
}

function isPort(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;
}

/** An IP range as the API server reads loadBalancerSourceRanges: address/prefix length. */
function isCIDR(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return false;
  const ip = s.slice(0, slash);
  const bits = s.slice(slash + 1);
  if (!isGoIP(ip) || !/^(0|[1-9][0-9]{0,2})$/.test(bits)) return false;
  return Number(bits) <= (ip.includes(':') ? 128 : 32);
}
