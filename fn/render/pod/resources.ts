// Container resources: KubeDB's defaults, a template's resources read as Kubernetes quantities,
// and KubeDB's filling in of what a template leaves unset.
//
// Upstream facts (read, not copied): kubedb/apimachinery 104ef573, apis/kubedb/constants.go
// (DefaultResources, DefaultInitContainerResource; a kind's own, such as
// DefaultResourcesMSSQLServer, is in the kind's module) filled in by apis/helpers.go
// SetDefaultResourceLimits from each kind's SetDefaults.
import { isObj, type Obj, shared } from '../../io/objects.js';
import { describeType } from '../../io/resource-list.js';
import type { Apply, PodTemplateRules } from './fields.js';
import { describeValue } from '../read-fields.js';
import type { FieldPath } from '../../util/field-path.js';

/** KubeDB's DefaultResources: every database container without its own (constants.go). */
export const DEFAULT_RESOURCES = shared({
  requests: { cpu: '500m', memory: '1Gi' },
  limits: { memory: '1Gi' },
});
/** KubeDB's DefaultInitContainerResource: init containers without their own. */
export const DEFAULT_INIT_RESOURCES = shared({
  requests: { cpu: '200m', memory: '256Mi' },
  limits: { memory: '512Mi' },
});
export function readResources(v: unknown, at: FieldPath, a: Apply): Obj | undefined {
  if (!isObj(v)) {
    a.report.error(at, `${at} must be a mapping, got ${describeType(v)}`);
    return undefined;
  }
  let ok = true;
  for (const key of ['requests', 'limits']) {
    const list = v[key];
    if (list === undefined || list === null) continue;
    if (!isObj(list)) {
      const field = at.child(key);
      a.report.error(field, `${field} must be a mapping, got ${describeType(list)}`);
      ok = false;
      continue;
    }
    for (const [name, q] of Object.entries(list)) {
      if (quantity(q) === undefined) {
        a.report.error(
          at.child(key, name),
          `${describeValue(q)} is not a Kubernetes quantity (e.g. 500m, 2Gi)`,
        );
        ok = false;
      }
    }
  }
  return ok ? v : undefined;
}

const SUFFIX: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity's value, or undefined when it is not one. */
export function quantity(q: unknown): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) && q >= 0 ? q : undefined;
  if (typeof q !== 'string') return undefined;
  const m = /^\+?(\d+(?:\.\d*)?|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(q);
  if (!m) return undefined;
  const n = Number(m[1]) * (m[2] ? 10 ** Number(m[2].slice(1)) : SUFFIX[m[3] ?? '']);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * KubeDB's defaulting of container resources (apimachinery SetDefaultResourceLimits): the
 * database container's every default resource is filled in (a limit from the user's request or
 * limit, a request from the user's limit, else the default); another container without any
 * resources gets the init-container default if it is an init container and is left alone
 * otherwise (dbtls's tls-reloader has its own small ones).
 */
export function defaultResources(podSpec: Obj, rules: PodTemplateRules): void {
  const main = rules.resources ?? DEFAULT_RESOURCES;
  if (Array.isArray(podSpec.containers))
    podSpec.containers = (podSpec.containers as Obj[]).map((c) =>
      c.name === rules.container ? withResources(c, fillResources(c.resources, main)) : c,
    );
  if (Array.isArray(podSpec.initContainers))
    podSpec.initContainers = (podSpec.initContainers as Obj[]).map((c) =>
      isObj(c.resources) ? c : withResources(c, DEFAULT_INIT_RESOURCES),
    );
}

function withResources(c: Obj, resources: Obj): Obj {
  if (c.resources === resources) return c;
  const out: Obj = {};
  // resources right after the image and command, where people look for them
  for (const [k, v] of Object.entries(c)) {
    if (k === 'resources') continue;
    if (k === 'readinessProbe' || k === 'volumeMounts' || k === 'securityContext')
      out.resources ??= resources;
    out[k] = v;
  }
  out.resources ??= resources;
  return out;
}

export function fillResources(given: unknown, defaults: Obj): Obj {
  if (!isObj(given)) return defaults;
  const requests = isObj(given.requests) ? given.requests : {};
  const limits = isObj(given.limits) ? given.limits : {};
  const outLimits: Obj = { ...limits };
  const outRequests: Obj = { ...requests };
  for (const name of Object.keys((defaults.limits as Obj) ?? {})) {
    const r = requests[name];
    const l = limits[name];
    if (r !== undefined)
      outLimits[name] = l !== undefined && (quantity(l) ?? 0) > (quantity(r) ?? 0) ? l : r;
    else if (l === undefined) outLimits[name] = (defaults.limits as Obj)[name];
  }
  for (const name of Object.keys((defaults.requests as Obj) ?? {})) {
    if (requests[name] !== undefined) continue;
    outRequests[name] = limits[name] ?? (defaults.requests as Obj)[name];
  }
  return { requests: outRequests, limits: outLimits };
}
