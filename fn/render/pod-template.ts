// spec.podTemplate in standalone mode: what the KubeDB/KubeVault operator would apply to the
// pods of a database, applied by dbtls to the StatefulSets a kind renders; KubeDB's default
// container resources; and the PodDisruptionBudget KubeDB keeps for each StatefulSet.
//
// Upstream facts (read, not copied):
// - The template is kmodules.xyz/offshoot-api's PodTemplateSpec. KubeDB v1 kinds, Singlestore and
//   MSSQLServer use api/v2 (containers and initContainers as lists, matched by name; no affinity
//   or topologySpreadConstraints: v2 places pods by podPlacementPolicy, a PlacementPolicy object
//   the operator resolves). KubeDB v1alpha2 and KubeVault use api/v1, where the database
//   container's fields (resources, env, args, containerSecurityContext, probes, lifecycle,
//   volumeMounts) sit flat in the pod spec and affinity/topologySpreadConstraints exist.
//   (kmodules/offshoot-api b965924d, api/v1/types.go and api/v2/types.go.)
// - Default resources: ./pod/resources.ts.
// - PodDisruptionBudget: kubedb/apimachinery pkg/controller/lib.go SyncPetSetPodDisruptionBudget:
//   one per workload with more than one replica, named as it, with its labels and selector, and
//   maxUnavailable max(1, floor((replicas - 1) / 2)).
//
// The parts: ./pod/fields.ts (what the template may hold), ./pod/containers.ts and
// ./pod/security-context.ts (merging into dbtls's pod), ./pod/server-files.ts (what a user's
// container may do to the server's files), ./pod/resources.ts; each rendered pod is then checked
// against Pod Security (fn/validate/pod-security/), naming the template field (./pod/origins.ts).
import { isObj, type KubeObject, type Obj } from '../io/objects.js';
import { GENERATED_FROM } from '../io/own-output.js';
import { describeType } from '../io/resource-list.js';
import { Reporter } from '../io/results.js';
import { podTemplateOf, reportServerPod } from '../validate/pod-security/server-pods.js';
import { addVolumes, mergeContainers, mergeFlatContainer } from './pod/containers.js';
import {
  type Apply,
  FLAT_CONTAINER,
  HOST_NAMESPACES,
  notApplied,
  POD_FIELDS,
  POD_NOT_APPLIED,
  type PodTemplateRules,
  readField,
} from './pod/fields.js';
import { Origins } from './pod/origins.js';
import { defaultResources } from './pod/resources.js';
import { mergePodSecurity } from './pod/security-context.js';
import { checkUserContainers } from './pod/server-files.js';
import { at, type FieldPath } from '../util/field-path.js';

export {
  COPIED_POD_FIELDS,
  OPERATOR_POD_FIELDS,
  type PodTemplateRules,
} from './pod/fields.js';
export {
  DEFAULT_INIT_RESOURCES,
  DEFAULT_RESOURCES,
  fillResources,
  quantity,
} from './pod/resources.js';

/**
 * The objects of a workload with each StatefulSet's pod template applied and its resources
 * defaulted, and (`pdb`) a PodDisruptionBudget after each StatefulSet of more than one replica.
 * Every pod rendered is then checked against Pod Security; a kind without template rules has
 * its pods checked as rendered.
 */
export function applyPodTemplates(
  objects: readonly KubeObject[],
  db: KubeObject,
  rules: PodTemplateRules | undefined,
  report: Reporter,
  pdb: boolean,
): KubeObject[] {
  const templates = rules?.templates?.(db);
  const applied = new Set<string>();
  const out: KubeObject[] = [];
  for (const o of objects) {
    if (!rules || o.kind !== 'StatefulSet' || o.apiVersion !== 'apps/v1') {
      const pod = podTemplateOf(o);
      if (pod) reportServerPod(o, pod, new Origins(), report);
      out.push(o);
      continue;
    }
    const path = templates?.[o.metadata.name] ?? at('spec', 'podTemplate');
    // Several StatefulSets of one template: its results once.
    const to = applied.has(path.toString()) ? quiet(report) : report;
    applied.add(path.toString());
    const sts = withPodTemplate(o, db, applyContext(o, path, rules, to));
    out.push(sts);
    if (pdb) {
      const budget = podDisruptionBudget(sts);
      if (budget) out.push(budget);
    }
  }
  return out;
}

function applyContext(sts: KubeObject, path: FieldPath, rules: PodTemplateRules, report: Reporter) {
  const spec = sts.spec as Obj;
  const claims = ((spec.volumeClaimTemplates as Obj[] | undefined) ?? []).map((c) =>
    String((c.metadata as Obj | undefined)?.name),
  );
  const volumes = ((spec.template as Obj).spec as Obj).volumes;
  const own = new Set([
    ...claims,
    ...((volumes as Obj[] | undefined) ?? []).map((v) => String(v.name)),
  ]);
  const operator = rules.operator ?? 'KubeDB';
  const a: Apply = {
    workload: sts.metadata.name,
    path,
    rules,
    report,
    operator,
    claims,
    own,
    origins: new Origins(),
    userContainers: new Map(),
  };
  return a;
}

function atPath(o: Obj, path: FieldPath): unknown {
  let cur: unknown = o;
  for (const key of path.segments) cur = isObj(cur) ? cur[key] : undefined;
  return cur;
}

/** A reporter whose results go nowhere: for a template already reported on. */
function quiet(report: Reporter): Reporter {
  return new Reporter(report.object);
}
/** KubeDB's budget: at most half of the other replicas (at least one) down at a time. */
export function podDisruptionBudget(sts: KubeObject): KubeObject | undefined {
  const spec = sts.spec as Obj;
  const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
  if (replicas <= 1) return undefined;
  const metadata: KubeObject['metadata'] = { name: sts.metadata.name };
  if (sts.metadata.namespace !== undefined) metadata.namespace = sts.metadata.namespace;
  if (sts.metadata.labels !== undefined) metadata.labels = sts.metadata.labels;
  // dbtls's mark of its own output (a later run prunes what it no longer renders)
  const from = sts.metadata.annotations?.[GENERATED_FROM];
  if (from !== undefined) metadata.annotations = { [GENERATED_FROM]: from };
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata,
    spec: {
      maxUnavailable: Math.max(1, Math.floor((replicas - 1) / 2)),
      selector: (spec.selector as Obj) ?? {},
    },
  };
}

/**
 * The StatefulSet with its template applied. The kind built it for this database alone, so its
 * parts are changed in place (a copy of each for every workload would cost memory at N=5,000);
 * a part that is frozen (shared, see objects.ts) is copied first.
 */
function withPodTemplate(sts: KubeObject, db: KubeObject, a: Apply): KubeObject {
  const template = atPath(db, a.path);
  const out = thawed(sts);
  const spec = (out.spec = thawed(out.spec as Obj));
  const pod = (spec.template = thawed(spec.template as Obj));
  const podSpec = (pod.spec = thawed(pod.spec as Obj));
  const metadata = (pod.metadata = thawed(pod.metadata as Obj));
  const stsMeta = (out.metadata = thawed(out.metadata));
  if (template !== undefined && template !== null) {
    if (!isObj(template)) {
      a.report.error(a.path, `${a.path} must be a mapping, got ${describeType(template)}`);
    } else {
      applyTemplate(template, { podSpec, metadata, stsMeta }, a);
    }
  }
  defaultResources(podSpec, a.rules);
  checkUserContainers(podSpec, a);
  seedMonitorOrigins(db, podSpec, a.origins);
  reportServerPod(out, { metadata, spec: podSpec }, a.origins, a.report);
  return out;
}

function thawed<T extends Obj>(o: T): T {
  return Object.isFrozen(o) ? { ...o } : o;
}

interface Target {
  podSpec: Obj;
  metadata: Obj;
  stsMeta: KubeObject['metadata'];
}

function applyTemplate(template: Obj, t: Target, a: Apply): void {
  for (const key of Object.keys(template)) {
    const v = template[key];
    const field = a.path.child(key);
    if (key === 'metadata') mergeMetadata(v, field, t.metadata, a, POD_OWN);
    else if (key === 'controller') mergeMetadata(v, field, t.stsMeta as Obj, a, undefined);
    else if (key === 'spec') {
      if (v === undefined || v === null) continue;
      if (!isObj(v)) a.report.error(field, `${field} must be a mapping, got ${describeType(v)}`);
      else applySpec(v, t.podSpec, field, a);
    } else notApplied(field, `${key} is not a field of a pod template`, a);
  }
}

const POD_OWN = 'the workload selects its pods by it';
const STS_OWN = 'dbtls marks its own output by it';
/** Labels and annotations join dbtls's; dbtls's own (the selector's) keep their values. */
function mergeMetadata(v: unknown, path: FieldPath, target: Obj, a: Apply, pod?: string): void {
  if (v === undefined || v === null) return;
  if (!isObj(v)) {
    a.report.error(path, `${path} must be a mapping, got ${describeType(v)}`);
    return;
  }
  for (const key of Object.keys(v)) {
    const field = path.child(key);
    if (key !== 'labels' && key !== 'annotations') {
      notApplied(field, `${key} is not applied to pods or StatefulSets`, a);
      continue;
    }
    const given = readField(v, key, field, 'stringMap', a);
    if (given === undefined) continue;
    const own = (isObj(target[key]) ? target[key] : {}) as Record<string, string>;
    const out: Record<string, string> = { ...own };
    for (const [k, value] of Object.entries(given as Record<string, string>)) {
      if (k in own && own[k] !== value) {
        a.report.warn(
          field.child(k),
          `dbtls sets ${key === 'labels' ? 'label' : 'annotation'} ${k} to ` +
            `${JSON.stringify(own[k])} (${pod ?? STS_OWN}); ` +
            `${JSON.stringify(value)} is ignored`,
        );
      } else {
        out[k] = value;
        if (pod) a.origins.record(['metadata', key, k], field.child(k));
      }
    }
    target[key] = out;
  }
}

function applySpec(spec: Obj, podSpec: Obj, path: FieldPath, a: Apply): void {
  const flat: Obj = {};
  for (const key of Object.keys(spec)) {
    const field = path.child(key);
    const v = spec[key];
    if (v === undefined || v === null) continue;
    if (key in POD_FIELDS || HOST_NAMESPACES.includes(key)) {
      const value = readField(spec, key, field, POD_FIELDS[key] ?? 'bool', a);
      if (value === undefined) continue;
      podSpec[key] = value;
      a.origins.record(['spec', key], field);
    } else if (key in POD_NOT_APPLIED) {
      notApplied(field, `${key} (${POD_NOT_APPLIED[key]})`, a);
    } else if (key in FLAT_CONTAINER) {
      flat[FLAT_CONTAINER[key]] = v;
    } else if (key === 'securityContext') {
      mergePodSecurity(v, field, podSpec, a);
    } else if (key === 'shareProcessNamespace') {
      shareProcesses(spec, field, podSpec, a);
    } else if (key === 'volumes') {
      addVolumes(v, field, podSpec, a);
    } else if (key !== 'containers' && key !== 'initContainers') {
      notApplied(field, `${key} is not a field standalone mode knows`, a);
    }
  }
  // Volumes first: the containers' mounts may name them.
  if (Object.keys(flat).length > 0) mergeFlatContainer(flat, path, podSpec, a);
  mergeContainers(spec.containers, path.child('containers'), podSpec, 'containers', a);
  mergeContainers(spec.initContainers, path.child('initContainers'), podSpec, 'initContainers', a);
}

function shareProcesses(spec: Obj, path: FieldPath, podSpec: Obj, a: Apply): void {
  const v = readField(spec, 'shareProcessNamespace', path, 'bool', a);
  if (v === undefined) return;
  if (v === false && podSpec.shareProcessNamespace === true) {
    a.report.warn(
      path,
      'false is ignored: the tls-reloader container signals the server through the shared ' +
        'process namespace when cert-manager renews a certificate',
    );
  } else if (v === true) podSpec.shareProcessNamespace = true;
}

/** The exporter's security context is spec.monitor's (render/monitor.ts), under the template's. */
const EXPORTER_SECURITY = at('spec', 'monitor', 'prometheus', 'exporter', 'securityContext');
function seedMonitorOrigins(db: KubeObject, podSpec: Obj, origins: Origins): void {
  const given = atPath(db, EXPORTER_SECURITY);
  const containers = podSpec.containers;
  if (!isObj(given) || !Array.isArray(containers)) return;
  const j = containers.findIndex((c) => isObj(c) && c.name === 'exporter');
  if (j < 0) return;
  for (const key of Object.keys(given))
    origins.seed(['spec', 'containers', j, 'securityContext', key], EXPORTER_SECURITY.child(key));
}
