// Typed readers for kind-specific fields: each returns the value or reports at the field.
import { isObj, type Obj } from '../io/objects.js';
import type { Reporter } from '../io/results.js';
import { describeType } from '../io/resource-list.js';

export function readEnum<T extends string>(o: Obj, key: string, path: string, allowed: readonly T[], report: Reporter): T | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  report.error(path, `${typeof v === 'string' ? JSON.stringify(v) : describeType(v)} is not one of ${allowed.join(', ')}`);
  return undefined;
}

export function readBool(o: Obj, key: string, path: string, report: Reporter): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  report.error(path, `must be true or false, got ${describeType(v)}`);
  return undefined;
}

export function readInt(o: Obj, key: string, path: string, report: Reporter, min: number): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isInteger(v) && v >= min) return v;
  report.error(path, `must be an integer of at least ${min}, got ${describeType(v)}`);
  return undefined;
}

export function readString(o: Obj, key: string, path: string, report: Reporter): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && v !== '') return v;
  report.error(path, `must be a non-empty string, got ${describeType(v)}`);
  return undefined;
}

/**
 * Settings that only a running KubeDB/KubeVault operator provides: in standalone mode each one
 * present gets a warning saying it is not rendered, never silence.
 */
export function warnOperatorOnly(spec: Obj, fields: Record<string, string>, report: Reporter): void {
  for (const [field, what] of Object.entries(fields)) {
    const v = spec[field];
    if (v === undefined || v === null || v === false || (isObj(v) && Object.keys(v).length === 0)) continue;
    report.warn(`spec.${field}`, `${what} is provided by the KubeDB operator only; standalone mode does not render it (use mode: operator to keep it)`);
  }
}
