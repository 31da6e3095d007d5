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
// - Default resources: kubedb/apimachinery 104ef573, apis/kubedb/constants.go (DefaultResources,
//   DefaultInitContainerResource, DefaultResourcesMSSQLServer, DefaultResourcesMemoryIntensiveSDB)
//   filled in by apis/helpers.go SetDefaultResourceLimits from each kind's SetDefaults.
// - PodDisruptionBudget: kubedb/apimachinery pkg/controller/lib.go SyncPetSetPodDisruptionBudget:
//   one per workload with more than one replica, named as it, with its labels and selector, and
//   maxUnavailable max(1, floor((replicas - 1) / 2)).
import { type KubeObject, isObj, type Obj, shared } from '../io/objects.js';
import { describeType } from '../io/resource-list.js';
import { GENERATED_FROM } from '../io/own-output.js';
import { Reporter } from '../io/results.js';
import { at, type FieldPath } from '../util/field-path.js';

/** What a kind declares about its pods (DatabaseKind.podTemplate); everything else is shared. */
export interface PodTemplateRules {
  /** The database's container: api/v1's flat container fields and the default resources apply. */
  container: string;
  /** KubeDB's default resources for that container when it is not DEFAULT_RESOURCES. */
  resources?: Obj;
  /** The pod template of each StatefulSet, by StatefulSet name; by default spec.podTemplate. */
  templates?(db: KubeObject): Readonly<Record<string, FieldPath>>;
  /** Fields of the database container that the kind applies itself (MSSQLServer: env). */
  kindApplies?: readonly string[];
  /** The operator that would apply the template, for messages: KubeDB unless given. */
  operator?: string;
}

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
/** KubeDB's DefaultResourcesMSSQLServer. */
export const MSSQL_RESOURCES = shared({
  requests: { cpu: '1500m', memory: '2Gi' },
  limits: { memory: '4Gi' },
});
/** KubeDB's DefaultResourcesMemoryIntensiveSDB (Singlestore). */
export const SINGLESTORE_RESOURCES = shared({
  requests: { cpu: '600m', memory: '2Gi' },
  limits: { memory: '2Gi' },
});

/** Pod fields copied as given, with the type each must have. */
const POD_FIELDS: Record<string, FieldType> = {
  nodeSelector: 'stringMap',
  affinity: 'mapping',
  tolerations: 'list',
  topologySpreadConstraints: 'list',
  priorityClassName: 'string',
  priority: 'int',
  preemptionPolicy: 'string',
  serviceAccountName: 'string',
  automountServiceAccountToken: 'bool',
  imagePullSecrets: 'list',
  schedulerName: 'string',
  runtimeClassName: 'string',
  terminationGracePeriodSeconds: 'int',
  dnsPolicy: 'string',
  dnsConfig: 'mapping',
  hostAliases: 'list',
  enableServiceLinks: 'bool',
  setHostnameAsFQDN: 'bool',
  readinessGates: 'list',
  os: 'mapping',
  overhead: 'mapping',
  hostUsers: 'bool',
  nodeName: 'string',
};
/** What README lists: the pod fields copied, and those only an operator applies. */
export const COPIED_POD_FIELDS: readonly string[] = Object.keys(POD_FIELDS);
/** Pod fields that a StatefulSet or the restricted Pod Security level does not allow. */
const POD_REFUSED: Record<string, string> = {
  hostNetwork: "pods that do not share the host's network namespace",
  hostPID: "pods that do not share the host's process namespace",
  hostIPC: "pods that do not share the host's IPC namespace",
};
/** Pod fields standalone mode does not apply, and why. */
const POD_NOT_APPLIED: Record<string, string> = {
  podPlacementPolicy: 'names a PlacementPolicy that the operator resolves',
  restartPolicy: 'a StatefulSet pod always restarts (Always)',
  activeDeadlineSeconds: 'a database pod must not be ended after a deadline',
  ephemeralContainers: 'ephemeral containers are added to running pods, not to templates',
  // api/v1's flat container fields that dbtls's start scripts and probes own
  args: "the database container's arguments belong to dbtls's start script",
  lifecycle: "the database container's lifecycle hooks",
  livenessProbe: "the database container's liveness probe",
  readinessProbe: "the database container's readiness probe (dbtls sets its own)",
};
export const OPERATOR_POD_FIELDS: readonly string[] = Object.keys(POD_NOT_APPLIED);
/** api/v1 (flat) container fields and the container field each stands for. */
const FLAT_CONTAINER: Record<string, string> = {
  resources: 'resources',
  env: 'env',
  containerSecurityContext: 'securityContext',
  volumeMounts: 'volumeMounts',
};
/** Container fields standalone mode merges into a rendered container. */
const CONTAINER_FIELDS = ['name', 'resources', 'env', 'securityContext', 'volumeMounts'];
/** Volume sources the restricted Pod Security level allows. */
const RESTRICTED_VOLUMES = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
];

type FieldType = 'string' | 'int' | 'bool' | 'mapping' | 'list' | 'stringMap';

/** One pod template applied to one StatefulSet: where it is and whom to tell. */
interface Apply {
  path: FieldPath;
  /** The StatefulSet's volume claim templates: volumes of every pod too. */
  claims: readonly string[];
  rules: PodTemplateRules;
  report: Reporter;
  operator: string;
}

/**
 * The objects of a workload with each StatefulSet's pod template applied and its resources
 * defaulted, and (`pdb`) a PodDisruptionBudget after each StatefulSet of more than one replica.
 */
export function applyPodTemplates(
  objects: readonly KubeObject[],
  db: KubeObject,
  rules: PodTemplateRules,
  report: Reporter,
  pdb: boolean,
): KubeObject[] {
  const templates = rules.templates?.(db);
  const applied = new Set<string>();
  const out: KubeObject[] = [];
  for (const o of objects) {
    if (o.kind !== 'StatefulSet' || o.apiVersion !== 'apps/v1') {
      out.push(o);
      continue;
    }
    const path = templates?.[o.metadata.name] ?? at('spec', 'podTemplate');
    // Several StatefulSets of one template: its results once.
    const to = applied.has(path.toString()) ? quiet(report) : report;
    applied.add(path.toString());
    const operator = rules.operator ?? 'KubeDB';
    const claims = ((o.spec as Obj).volumeClaimTemplates as Obj[] | undefined) ?? [];
    const names = claims.map((c) => String((c.metadata as Obj | undefined)?.name));
    const apply = { path, rules, report: to, operator, claims: names };
    const sts = withPodTemplate(o, atPath(db, path), apply);
    out.push(sts);
    if (pdb) {
      const budget = podDisruptionBudget(sts);
      if (budget) out.push(budget);
    }
  }
  return out;
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
function withPodTemplate(sts: KubeObject, template: unknown, a: Apply): KubeObject {
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
    else if (key === 'controller') mergeMetadata(v, field, t.stsMeta as Obj, a, STS_OWN);
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
function mergeMetadata(v: unknown, path: FieldPath, target: Obj, a: Apply, why: string): void {
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
            `${JSON.stringify(own[k])} (${why}); ` +
            `${JSON.stringify(value)} is ignored`,
        );
      } else out[k] = value;
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
    if (key in POD_FIELDS) {
      const value = readField(spec, key, field, POD_FIELDS[key], a);
      if (value !== undefined) podSpec[key] = value;
    } else if (key in POD_REFUSED) {
      if (v === true) refuse(field, v, POD_REFUSED[key], a);
      else readField(spec, key, field, 'bool', a);
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

function notApplied(field: FieldPath, what: string, a: Apply): void {
  a.report.warn(
    field,
    `${what}: applied by the ${a.operator} operator only; standalone mode does not render it ` +
      '(use mode: operator to keep it)',
  );
}

function readField(o: Obj, key: string, path: FieldPath, type: FieldType, a: Apply): unknown {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  const ok =
    type === 'string'
      ? typeof v === 'string' && v !== ''
      : type === 'int'
        ? typeof v === 'number' && Number.isInteger(v)
        : type === 'bool'
          ? typeof v === 'boolean'
          : type === 'list'
            ? Array.isArray(v)
            : type === 'mapping'
              ? isObj(v)
              : isObj(v) && Object.values(v).every((s) => typeof s === 'string');
  if (ok) return v;
  if (type === 'stringMap' && isObj(v)) {
    // name the entry that is not a string
    for (const [k, s] of Object.entries(v)) {
      const entry = path.child(k);
      if (typeof s !== 'string')
        a.report.error(entry, `${entry} must be a string, got ${describeType(s)}`);
    }
    return undefined;
  }
  const want = {
    string: 'a non-empty string',
    int: 'an integer',
    bool: 'true or false',
    list: 'a list',
    mapping: 'a mapping',
    stringMap: 'a mapping of strings',
  }[type];
  a.report.error(path, `${path} must be ${want}, got ${describeType(v)}`);
  return undefined;
}

// ---- security contexts -------------------------------------------------------------------------
//
// A setting that loosens the secure defaults is an ERROR, not a warning: a warning would leave
// two bad outcomes, either dbtls silently dropping what the user asked for, or a pod that a
// namespace enforcing the restricted Pod Security level refuses at apply time (and that runs with
// privileges nobody reviewed elsewhere). Refusing at render time names the exact field.

/** What the restricted level requires that a pod or container setting breaks, if it breaks one. */
function loosening(key: string, v: unknown): string | undefined {
  if (key === 'runAsNonRoot' && v === false) return 'containers that run as a non-root user';
  if ((key === 'runAsUser' || key === 'runAsGroup') && v === 0)
    return 'containers that run as a non-root user (not user or group 0)';
  if (key === 'privileged' && v === true) return 'no privileged containers';
  if (key === 'allowPrivilegeEscalation' && v === true)
    return 'that no process gains more privileges than its parent';
  if (key === 'seccompProfile' && isObj(v) && v.type === 'Unconfined')
    return 'the RuntimeDefault or a Localhost seccomp profile';
  if (key === 'procMount' && v === 'Unmasked') return "the default masks of a container's /proc";
  if (key === 'windowsOptions' && isObj(v) && v.hostProcess === true)
    return 'no host process containers';
  if (key === 'appArmorProfile' && isObj(v) && v.type === 'Unconfined')
    return 'the runtime default or a Localhost AppArmor profile';
  if (key === 'seLinuxOptions' && isObj(v)) {
    const type = v.type;
    if (v.user !== undefined || v.role !== undefined)
      return 'SELinux options without a user or role';
    if (type !== undefined && !SELINUX_TYPES.includes(String(type)))
      return `an SELinux type of ${SELINUX_TYPES.join(', ')}`;
  }
  return undefined;
}
const SELINUX_TYPES = ['container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'];
/** The sysctls the baseline (and so the restricted) level allows. */
const SAFE_SYSCTLS = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
];

function refuse(field: FieldPath, v: unknown, requires: string, a: Apply): void {
  a.report.error(
    field,
    `${JSON.stringify(v)} is refused: it would loosen dbtls's secure defaults, and every pod ` +
      `dbtls renders passes the restricted Pod Security level, which requires ${requires}`,
  );
}

/** The field and value a refusal names: a seccomp or AppArmor profile by its type. */
function refused(field: FieldPath, key: string, v: unknown): [FieldPath, unknown] {
  const profile = key === 'seccompProfile' || key === 'appArmorProfile';
  return profile && isObj(v) ? [field.child('type'), v.type] : [field, v];
}

function mergePodSecurity(v: unknown, path: FieldPath, podSpec: Obj, a: Apply): void {
  if (!isObj(v)) {
    a.report.error(path, `${path} must be a mapping, got ${describeType(v)}`);
    return;
  }
  const out: Obj = { ...(isObj(podSpec.securityContext) ? podSpec.securityContext : {}) };
  for (const [key, value] of Object.entries(v)) {
    if (value === undefined || value === null) continue;
    const why = loosening(key, value);
    if (why) refuse(...refused(path.child(key), key, value), why, a);
    else if (key === 'sysctls') out[key] = safeSysctls(value, path.child(key), a);
    else out[key] = value;
  }
  podSpec.securityContext = out;
}

function safeSysctls(v: unknown, path: FieldPath, a: Apply): unknown {
  if (!Array.isArray(v)) {
    a.report.error(path, `${path} must be a list, got ${describeType(v)}`);
    return undefined;
  }
  return v.filter((s, i) => {
    const name = isObj(s) ? s.name : undefined;
    if (typeof name === 'string' && SAFE_SYSCTLS.includes(name)) return true;
    refuse(
      path.index(i).child('name'),
      name,
      `only the safe sysctls (${SAFE_SYSCTLS.join(', ')})`,
      a,
    );
    return false;
  });
}

function mergeContainerSecurity(v: unknown, path: FieldPath, own: Obj | undefined, a: Apply): Obj {
  const base: Obj = { ...(own ?? {}) };
  if (v === undefined || v === null) return base;
  if (!isObj(v)) {
    a.report.error(path, `${path} must be a mapping, got ${describeType(v)}`);
    return base;
  }
  for (const [key, value] of Object.entries(v)) {
    if (value === undefined || value === null) continue;
    const field = path.child(key);
    if (key === 'capabilities') {
      base.capabilities = mergeCapabilities(value, field, own?.capabilities, a);
      continue;
    }
    const why = loosening(key, value);
    if (why) refuse(...refused(field, key, value), why, a);
    else base[key] = value;
  }
  return base;
}

/** Dropped capabilities stay dropped; only NET_BIND_SERVICE may be added (restricted level). */
function mergeCapabilities(v: unknown, path: FieldPath, own: unknown, a: Apply): Obj {
  const base = isObj(own) ? own : {};
  const drop = Array.isArray(base.drop) ? [...base.drop] : [];
  const add = Array.isArray(base.add) ? [...base.add] : [];
  if (!isObj(v)) {
    a.report.error(path, `${path} must be a mapping, got ${describeType(v)}`);
    return base;
  }
  if (Array.isArray(v.add)) {
    v.add.forEach((cap, i) => {
      if (cap === 'NET_BIND_SERVICE') {
        if (!add.includes(cap)) add.push(cap);
      } else refuse(path.child('add').index(i), cap, 'no Linux capability but NET_BIND_SERVICE', a);
    });
  } else if (v.add !== undefined && v.add !== null) {
    const add = path.child('add');
    a.report.error(add, `${add} must be a list, got ${describeType(v.add)}`);
  }
  if (Array.isArray(v.drop)) for (const cap of v.drop) if (!drop.includes(cap)) drop.push(cap);
  const out: Obj = { drop };
  if (add.length > 0) out.add = add;
  return out;
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

// ---- volumes and containers -------------------------------------------------------------------

function addVolumes(v: unknown, path: FieldPath, podSpec: Obj, a: Apply): void {
  if (!Array.isArray(v)) {
    a.report.error(path, `${path} must be a list, got ${describeType(v)}`);
    return;
  }
  const volumes = Array.isArray(podSpec.volumes) ? [...(podSpec.volumes as Obj[])] : [];
  const names = new Set([...volumes.map((o) => o.name), ...a.claims]);
  v.forEach((volume, i) => {
    const field = path.index(i);
    if (!isObj(volume) || typeof volume.name !== 'string' || volume.name === '') {
      a.report.error(field, `${field} must be a mapping with a name`);
      return;
    }
    if (names.has(volume.name)) {
      a.report.error(
        field.child('name'),
        `${JSON.stringify(volume.name)} is a volume dbtls renders; choose another name`,
      );
      return;
    }
    const source = Object.keys(volume).find((k) => k !== 'name');
    if (source !== undefined && !RESTRICTED_VOLUMES.includes(source)) {
      a.report.error(
        field.child(source),
        `a ${source} volume is refused: every pod dbtls renders passes the restricted Pod ` +
          `Security level, which allows only these volumes: ${RESTRICTED_VOLUMES.join(', ')}`,
      );
      return;
    }
    names.add(volume.name);
    volumes.push(volume);
  });
  podSpec.volumes = volumes;
}

/** api/v1's flat container fields, as an entry for the database container. */
function mergeFlatContainer(flat: Obj, path: FieldPath, podSpec: Obj, a: Apply): void {
  const containers = (podSpec.containers as Obj[]) ?? [];
  const i = containers.findIndex((c) => c.name === a.rules.container);
  if (i < 0) return;
  const paths: Record<string, FieldPath> = {};
  for (const [key, field] of Object.entries(FLAT_CONTAINER)) paths[field] = path.child(key);
  const merged = mergeContainer(containers[i], flat, paths, podSpec, a);
  podSpec.containers = containers.map((c, j) => (j === i ? merged : c));
}

function mergeContainers(v: unknown, path: FieldPath, podSpec: Obj, key: string, a: Apply): void {
  if (v === undefined || v === null) return;
  if (!Array.isArray(v)) {
    a.report.error(path, `${path} must be a list, got ${describeType(v)}`);
    return;
  }
  const init = key === 'initContainers';
  const containers = [...((podSpec[key] as Obj[] | undefined) ?? [])];
  v.forEach((c, i) => {
    const field = path.index(i);
    if (!isObj(c) || typeof c.name !== 'string' || c.name === '') {
      a.report.error(field, `${field} must be a mapping with a name`);
      return;
    }
    const j = containers.findIndex((own) => own.name === c.name);
    if (j >= 0) {
      const paths: Record<string, FieldPath> = {};
      for (const k of Object.keys(c)) paths[k] = field.child(k);
      for (const k of Object.keys(c))
        if (!CONTAINER_FIELDS.includes(k))
          notApplied(field.child(k), `${k} of container ${c.name}`, a);
      containers[j] = mergeContainer(containers[j], c, paths, podSpec, a);
    } else if (init) {
      // The user's own init step, after dbtls's.
      containers.push(userInitContainer(c, field, a));
    } else {
      const rendered = containers.map((o) => o.name).join(', ');
      a.report.warn(
        field.child('name'),
        `standalone mode renders no container ${JSON.stringify(c.name)} (its containers: ` +
          `${rendered}); this entry is ignored`,
      );
    }
  });
  podSpec[key] = containers;
}

/** A user's init container, held to the secure defaults every rendered container has. */
function userInitContainer(c: Obj, path: FieldPath, a: Apply): Obj {
  const securityContext = mergeContainerSecurity(
    c.securityContext,
    path.child('securityContext'),
    RESTRICTED_DEFAULT,
    a,
  );
  return { ...c, securityContext };
}
const RESTRICTED_DEFAULT = shared({
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
});

/** The user's resources, env, security context and mounts merged into a rendered container. */
function mergeContainer(
  own: Obj,
  given: Obj,
  paths: Record<string, FieldPath>,
  podSpec: Obj,
  a: Apply,
): Obj {
  const out: Obj = { ...own };
  const database = own.name === a.rules.container;
  const kindApplies = (field: string) => database && a.rules.kindApplies?.includes(field);
  if (given.resources !== undefined && given.resources !== null && !kindApplies('resources')) {
    const r = readResources(given.resources, paths.resources, a);
    if (r) out.resources = r;
  }
  if (given.env !== undefined && given.env !== null && !kindApplies('env'))
    out.env = mergeEnv(own, given.env, paths.env, a);
  if (given.securityContext !== undefined && given.securityContext !== null)
    out.securityContext = mergeContainerSecurity(
      given.securityContext,
      paths.securityContext,
      own.securityContext as Obj | undefined,
      a,
    );
  if (given.volumeMounts !== undefined && given.volumeMounts !== null)
    out.volumeMounts = mergeMounts(own, given.volumeMounts, paths.volumeMounts, podSpec, a);
  return out;
}

/** The user's variables after dbtls's; a variable dbtls sets keeps dbtls's value. */
function mergeEnv(own: Obj, v: unknown, path: FieldPath, a: Apply): Obj[] {
  const env = [...((own.env as Obj[] | undefined) ?? [])];
  if (!Array.isArray(v)) {
    a.report.error(path, `${path} must be a list, got ${describeType(v)}`);
    return env;
  }
  const ownNames = new Set(env.map((e) => e.name));
  v.forEach((e, i) => {
    const field = path.index(i);
    if (!isObj(e) || typeof e.name !== 'string' || e.name === '') {
      a.report.error(field, `${field} must be a mapping with a name`);
    } else if (ownNames.has(e.name)) {
      a.report.warn(
        field.child('name'),
        `${e.name} is set by dbtls in container ${String(own.name)} (its TLS and start ` +
          "settings) and keeps dbtls's value; this entry is ignored",
      );
    } else env.push(e);
  });
  return env;
}

function mergeMounts(own: Obj, v: unknown, path: FieldPath, podSpec: Obj, a: Apply): Obj[] {
  const mounts = [...((own.volumeMounts as Obj[] | undefined) ?? [])];
  if (!Array.isArray(v)) {
    a.report.error(path, `${path} must be a list, got ${describeType(v)}`);
    return mounts;
  }
  const declared = ((podSpec.volumes as Obj[] | undefined) ?? []).map((o) => o.name);
  const volumes = new Set([...declared, ...a.claims]);
  v.forEach((m, i) => {
    const field = path.index(i);
    if (!isObj(m) || typeof m.name !== 'string' || typeof m.mountPath !== 'string') {
      a.report.error(field, `${field} must be a mapping with a name and a mountPath`);
    } else if (!volumes.has(m.name)) {
      const name = field.child('name');
      a.report.error(name, `${name} names no volume of the pod: ${JSON.stringify(m.name)}`);
    } else if (mounts.some((o) => o.mountPath === m.mountPath)) {
      a.report.error(
        field.child('mountPath'),
        `${m.mountPath} is where dbtls mounts a volume of its own; choose another path`,
      );
    } else mounts.push(m);
  });
  return mounts;
}

// ---- resources -------------------------------------------------------------------------------

function readResources(v: unknown, path: FieldPath, a: Apply): Obj | undefined {
  if (!isObj(v)) {
    a.report.error(path, `${path} must be a mapping, got ${describeType(v)}`);
    return undefined;
  }
  let ok = true;
  for (const key of ['requests', 'limits']) {
    const list = v[key];
    if (list === undefined || list === null) continue;
    if (!isObj(list)) {
      const field = path.child(key);
      a.report.error(field, `${field} must be a mapping, got ${describeType(list)}`);
      ok = false;
      continue;
    }
    for (const [name, q] of Object.entries(list)) {
      if (quantity(q) === undefined) {
        a.report.error(
          path.child(key, name),
          `${typeof q === 'string' ? JSON.stringify(q) : describeType(q)} is not a Kubernetes ` +
            'quantity (e.g. 500m, 2Gi)',
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
function defaultResources(podSpec: Obj, rules: PodTemplateRules): void {
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
