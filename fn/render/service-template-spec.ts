// A service template's spec: type, clusterIP, externalIPs, load balancer and traffic policy
// settings, each checked as the API server would for the type the Service ends up with, then
// written over the Service's own spec (ports: service-template-ports.ts).
import { compact, type KubeObject, type Obj } from '../io/objects.js';
import { describeType } from '../io/resource-list.js';
import { isGoIP } from '../validate/go-formats.js';
import type { FieldPath } from '../util/field-path.js';
import { isCIDR, isPort } from './kube-value-rules.js';
import { SPEC_FIELDS, type TemplateContext } from './service-template-context.js';
import { templatedPorts } from './service-template-ports.js';

const TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];

export function templatedSpec(tpl: TemplateContext, service: KubeObject, spec: Obj): Obj {
  const s = tpl.spec;
  const path = (f: string) => tpl.path.child('spec', f);
  for (const key of Object.keys(s)) if (!SPEC_FIELDS.has(key)) tpl.unknown(path(key), '');
  const templated = readType(tpl, s.type);
  // Checks that depend on the type would only echo a type that is wrong already.
  if (templated === null) return spec;
  const type = templated ?? String(spec.type ?? 'ClusterIP');
  const clusterIP = readClusterIP(tpl, s.clusterIP, type);
  const externalIPs = readStrings(tpl, s.externalIPs, path('externalIPs'));
  const sourceRanges = readSourceRanges(tpl, s.loadBalancerSourceRanges, type);
  const lbIP = s.loadBalancerIP;
  if (typeof lbIP === 'string' && lbIP !== '' && type !== 'LoadBalancer') {
    const field = path('loadBalancerIP');
    tpl.ctx.report.warn(
      field,
      `${field} applies to a Service of type LoadBalancer only; the API server accepts it on type ` +
        `${type} and ignores it`,
    );
  }
  const accessible = type !== 'ClusterIP' || (externalIPs?.length ?? 0) > 0;
  const policy = readTrafficPolicy(tpl, s.externalTrafficPolicy, accessible);
  const healthCheck = readHealthCheckNodePort(tpl, s.healthCheckNodePort, type, policy);
  if (s.sessionAffinityConfig !== undefined && s.sessionAffinityConfig !== null) {
    const field = path('sessionAffinityConfig');
    tpl.ctx.report.warn(
      field,
      `${field} is not applied: the ${tpl.operator} operator does not copy it to the Service (a ` +
        'template has no sessionAffinity for it to configure)',
    );
  }
  const ports = templatedPorts(tpl, service, spec, type);
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
function readType(tpl: TemplateContext, v: unknown): string | undefined | null {
  if (v === undefined || v === null || v === '') return undefined;
  const path = tpl.path.child('spec', 'type');
  if (typeof v !== 'string' || !TYPES.includes(v)) {
    const supported = TYPES.map((x) => `"${x}"`).join(', ');
    tpl.ctx.report.error(path, `${path} must be one of ${supported}, got ${describeType(v)}`);
    return null;
  }
  if (v === 'ExternalName') {
    tpl.ctx.report.error(
      path,
      'ExternalName makes the Service a DNS alias for spec.externalName, which a service ' +
        'template cannot set: the API server would refuse it, and it would no longer reach the ' +
        'database; use ClusterIP, NodePort or LoadBalancer',
    );
    return null;
  }
  return v;
}

function readClusterIP(tpl: TemplateContext, v: unknown, type: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const path = tpl.path.child('spec', 'clusterIP');
  if (typeof v !== 'string' || (v !== 'None' && !isGoIP(v))) {
    tpl.ctx.report.error(path, `${path} must be an IP address or "None", got ${describeType(v)}`);
    return undefined;
  }
  if (v === 'None' && type !== 'ClusterIP') {
    tpl.ctx.report.error(
      path,
      `${path} may not be "None" when type is ${type}: the API server refuses a headless ${type} Service`,
    );
    return undefined;
  }
  return v;
}

function readStrings(tpl: TemplateContext, v: unknown, path: FieldPath): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    // externalIPs: already reported as the server certificate reads them.
    if (path.last !== 'externalIPs')
      tpl.ctx.report.error(path, `${path} must be a list of strings, got ${describeType(v)}`);
    return undefined;
  }
  return v.length > 0 ? (v as string[]) : undefined;
}

function readSourceRanges(tpl: TemplateContext, v: unknown, type: string): string[] | undefined {
  const path = tpl.path.child('spec', 'loadBalancerSourceRanges');
  const ranges = readStrings(tpl, v, path);
  if (!ranges) return undefined;
  if (type !== 'LoadBalancer') {
    tpl.ctx.report.error(
      path,
      `${path} may only be used when type is LoadBalancer (the template's type is ${type}): the API ` +
        'server would refuse the Service',
    );
    return undefined;
  }
  ranges.forEach((r, j) => {
    if (!isCIDR(r.trim()))
      tpl.ctx.report.error(path.index(j), `"${r}" is not an IP range such as 10.0.0.0/8`);
  });
  return ranges;
}

function readTrafficPolicy(
  tpl: TemplateContext,
  v: unknown,
  accessible: boolean,
): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const path = tpl.path.child('spec', 'externalTrafficPolicy');
  if (v !== 'Cluster' && v !== 'Local') {
    tpl.ctx.report.error(path, `${path} must be "Cluster" or "Local", got ${describeType(v)}`);
    return undefined;
  }
  if (!accessible) {
    tpl.ctx.report.error(
      path,
      `${path} may only be set for a Service reachable from outside the cluster (type NodePort or ` +
        'LoadBalancer, or externalIPs): the API server would refuse it on this ClusterIP Service',
    );
    return undefined;
  }
  return v;
}

function readHealthCheckNodePort(
  tpl: TemplateContext,
  v: unknown,
  type: string,
  policy: string | undefined,
) {
  if (v === undefined || v === null || v === 0) return undefined;
  const path = tpl.path.child('spec', 'healthCheckNodePort');
  if (!isPort(v)) {
    tpl.ctx.report.error(path, `${path} must be a port number (1-65535), got ${describeType(v)}`);
    return undefined;
  }
  if (type !== 'LoadBalancer' || policy !== 'Local') {
    tpl.ctx.report.error(
      path,
      `${path} may only be set when type is LoadBalancer and externalTrafficPolicy is Local: the API ` +
        'server would refuse the Service',
    );
    return undefined;
  }
  return tpl.nodePort(v, path) ? v : undefined;
}
