// Typed readers for kind-specific fields: each returns the value or reports at the field.
import { isObj, type Obj } from '../io/objects.js';
import type { Reporter } from '../io/results.js';
import { describeType } from '../io/resource-list.js';
import { at, type FieldPath } from '../util/field-path.js';

export function readEnum<T extends string>(
  o: Obj,
  key: string,
  path: FieldPath,
  allowed: readonly T[],
  report: Reporter,
): T | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  report.error(
    path,
    `${typeof v === 'string' ? JSON.stringify(v) : describeType(v)} is not one of ` +
      `${allowed.join(', ')}`,
  );
  return undefined;
}

export function readBool(
  o: Obj,
  key: string,
  path: FieldPath,
  report: Reporter,
): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  report.error(path, `${path} must be true or false, got ${describeType(v)}`);
  return undefined;
}

export function readInt(
  o: Obj,
  key: string,
  path: FieldPath,
  report: Reporter,
  min: number,
): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isInteger(v) && v >= min) return v;
  report.error(path, `${path} must be an integer of at least ${min}, got ${describeType(v)}`);
  return undefined;
}

/**
 * A string field, undefined when absent. By default (`non-empty`) null counts as absent and ""
 * is refused; `any` takes every string, "" too, and refuses null: the fields of
 * spec.tls.certificates[] have always been read so.
 */
export function readString(
  o: Obj,
  key: string,
  path: FieldPath,
  report: Reporter,
  rule: 'non-empty' | 'any' = 'non-empty',
): string | undefined {
  const v = o[key];
  if (rule === 'any') {
    if (v === undefined || typeof v === 'string') return v;
    report.error(path, `${path} must be a string, got ${describeType(v)}`);
    return undefined;
  }
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && v !== '') return v;
  report.error(path, `${path} must be a non-empty string, got ${describeType(v)}`);
  return undefined;
}

/** What the KubeDB operator does with spec fields that several kinds share. */
const KUBEDB_FIELDS = {
  init: 'initialisation from a script or snapshot',
  configSecret: 'custom configuration',
  configuration: 'custom configuration',
  monitor: 'monitoring with the metrics exporter',
  archiver: 'continuous archiving',
  arbiter: 'the arbiter node',
  autoOps: 'automatic operations',
  podTemplate: 'the pod template',
  serviceTemplates: 'service templates',
  deletionPolicy: 'the deletion policy',
  terminationPolicy: 'the termination policy',
  halted: 'halting the database',
  healthChecker: 'health checking',
} as const;

/**
 * A kind's operator-only fields for warnOperatorOnly, in the order given: a shared field by name,
 * or one of the kind's own as [field, what the operator does with it].
 */
export function operatorOnlyFields(
  ...fields: (keyof typeof KUBEDB_FIELDS | [string, string])[]
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fields) {
    const [field, what] = typeof f === 'string' ? [f, KUBEDB_FIELDS[f]] : f;
    out[field] = `${what} (spec.${field})`;
  }
  return out;
}

/**
 * Settings that only a running KubeDB/KubeVault operator provides: in standalone mode each one
 * present gets a warning saying it is not rendered, never silence.
 */
export function warnOperatorOnly(
  spec: Obj,
  fields: Record<string, string>,
  report: Reporter,
): void {
  for (const [field, what] of Object.entries(fields)) {
    const v = spec[field];
    if (v === undefined || v === null || v === false || (isObj(v) && Object.keys(v).length === 0))
      continue;
    report.operatorOnly(at('spec', field), what, 'KubeDB');
  }
}

/**
 * `spec.version` of a kind whose standalone workload runs the upstream image: required, and in
 * standalone mode a plain version number (a KubeDB catalog name has no upstream image tag).
 */
export function readUpstreamVersion(
  spec: Obj,
  report: Reporter,
  o: { product: string; image: string; example: string; standalone: boolean },
): string | undefined {
  const version = readString(spec, 'version', at('spec', 'version'), report);
  if (spec.version === undefined || spec.version === null) {
    report.error(
      at('spec', 'version'),
      `spec.version is required: the ${o.product} version, e.g. "${o.example}"`,
    );
  } else if (version !== undefined && o.standalone && !/^\d+\.\d+(\.\d+)*$/.test(version)) {
    report.error(
      at('spec', 'version'),
      `${JSON.stringify(version)} is not a ${o.product} version; standalone mode runs the ` +
        `upstream ${o.image} image and needs a version such as "${o.example}" (or use mode: ` +
        'operator)',
    );
  }
  return version;
}
