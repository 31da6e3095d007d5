// Readers for a field the renderers copy from the user's spec: the value when it has the type,
// else undefined after an error naming the field. Shared by spec.podTemplate (pod/) and
// spec.monitor (monitor-spec.ts), which refuse a wrong type in the same words.
import { isObj, type Obj } from '../io/objects.js';
import { describeType } from '../io/resource-list.js';
import type { Reporter } from '../io/results.js';
import type { FieldPath } from '../util/field-path.js';

/** A mapping at `at`, or undefined after an error (null and absent are no mapping, silently). */
export function readMapping(v: unknown, at: FieldPath, report: Reporter): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (isObj(v)) return v;
  report.error(at, `${at} must be a mapping, got ${describeType(v)}`);
  return undefined;
}

/** A list at `at`, or undefined after an error. */
export function readList(v: unknown, at: FieldPath, report: Reporter): unknown[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v;
  report.error(at, `${at} must be a list, got ${describeType(v)}`);
  return undefined;
}

/** A value as a message shows it: a string quoted (as JSON), anything else by its type. */
export function describeValue(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : describeType(v);
}
