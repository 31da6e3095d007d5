// The fields of spec.podTemplate standalone mode reads, and the context one template's application
// shares: where the template is, whom to tell, and where each applied part came from.
import { isObj, type Obj } from '../../io/objects.js';
import { describeType } from '../../io/resource-list.js';
import type { Reporter } from '../../io/results.js';
import type { Origins } from './origins.js';
import type { PodTemplateRules } from '../../contract/kind.js';
import type { FieldPath } from '../../util/field-path.js';

// What a kind declares about its pods is a contract type (fn/contract/kind.ts).
export type { PodTemplateRules };

/** One pod template applied to one StatefulSet: where it is and whom to tell. */
export interface Apply {
  path: FieldPath;
  /** The StatefulSet's name and its volume claim templates (volumes of every pod too). */
  workload: string;
  claims: readonly string[];
  /** The volumes dbtls renders in the pod (claims included), before the template adds any. */
  own: ReadonlySet<string>;
  rules: PodTemplateRules;
  report: Reporter;
  operator: string;
  origins: Origins;
  /** The init containers the template adds (not dbtls's), by name: their template field. */
  userContainers: Map<string, FieldPath>;
}

export type FieldType = 'string' | 'int' | 'bool' | 'mapping' | 'list' | 'stringMap';

/** Pod fields copied as given, with the type each must have. */
export const POD_FIELDS: Record<string, FieldType> = {
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
/**
 * The host's namespaces: copied as well, so that the rendered pod is what is checked, and
 * refused there when true (Pod Security's hostNamespaces).
 */
export const HOST_NAMESPACES: readonly string[] = ['hostNetwork', 'hostPID', 'hostIPC'];
/** Pod fields standalone mode does not apply, and why. */
export const POD_NOT_APPLIED: Record<string, string> = {
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
export const FLAT_CONTAINER: Record<string, string> = {
  resources: 'resources',
  env: 'env',
  containerSecurityContext: 'securityContext',
  volumeMounts: 'volumeMounts',
};
/** Container fields standalone mode merges into a rendered container. */
export const CONTAINER_FIELDS = ['name', 'resources', 'env', 'securityContext', 'volumeMounts'];

export function notApplied(field: FieldPath, what: string, a: Apply): void {
  a.report.warn(
    field,
    `${what}: applied by the ${a.operator} operator only; standalone mode does not render it ` +
      '(use mode: operator to keep it)',
  );
}

const WANT: Record<FieldType, string> = {
  string: 'a non-empty string',
  int: 'an integer',
  bool: 'true or false',
  list: 'a list',
  mapping: 'a mapping',
  stringMap: 'a mapping of strings',
};

function hasType(v: unknown, type: FieldType): boolean {
  switch (type) {
    case 'string':
      return typeof v === 'string' && v !== '';
    case 'int':
      return typeof v === 'number' && Number.isInteger(v);
    case 'bool':
      return typeof v === 'boolean';
    case 'list':
      return Array.isArray(v);
    case 'mapping':
      return isObj(v);
    default:
      return isObj(v) && Object.values(v).every((s) => typeof s === 'string');
  }
}

/** The field's value when it has the type, else undefined after an error naming the field. */
export function readField(o: Obj, key: string, at: FieldPath, type: FieldType, a: Apply): unknown {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (hasType(v, type)) return v;
  if (type === 'stringMap' && isObj(v)) {
    // name the entry that is not a string
    for (const [k, s] of Object.entries(v)) {
      const entry = at.child(k);
      if (typeof s !== 'string')
        a.report.error(entry, `${entry} must be a string, got ${describeType(s)}`);
    }
    return undefined;
  }
  a.report.error(at, `${at} must be ${WANT[type]}, got ${describeType(v)}`);
  return undefined;
}
