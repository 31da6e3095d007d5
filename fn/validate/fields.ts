// Typed readers for kind-specific fields: each returns the value or reports at the field.
import { isObj, type Obj } from '../io/objects.js';
import type { Reporter } from '../io/results.js';
import { describeType } from '../io/resource-list.js';
import { resolveVersion, type VersionRules } from '../catalog/read-version.js';
import type { KindContext } from '../kinds/kind.js';
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
 * `spec.version` of a kind whose standalone workload runs the upstream image: required; the
 * catalog object it names gives the engine version (catalog/read-version.ts), which standalone
 * mode's image is tagged with.
 */
export function readUpstreamVersion(
  ctx: KindContext,
  spec: Obj,
  o: Omit<VersionRules, 'standalone'> & {
    image: string;
    example: string;
    distributions?: string[];
  },
): { version?: string; engine?: string } {
  const { report } = ctx;
  const version = readString(spec, 'version', at('spec', 'version'), report);
  if (spec.version === undefined || spec.version === null)
    report.error(
      at('spec', 'version'),
      `spec.version is required: the ${o.product} version, e.g. "${o.example}"`,
    );
  if (version === undefined) return {};
  const standalone = { image: o.image, distributions: o.distributions ?? ['Official'] };
  const { engine } = resolveVersion(ctx, version, { ...o, standalone });
  return { version, engine };
}
