// KRM results (the kpt/kustomize function spec): one per problem, naming the object, the field
// and the file it came from, so kpt, CI logs and editors can point at it.
import type { FieldPath } from '../util/field-path.js';
import { annotationsOf, type KubeObject, isObj } from './objects.js';
import { describeType } from './describe-type.js';

export type Severity = 'error' | 'warning' | 'info';

export interface ResourceRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** A result's field as the KRM function spec writes it: the printed path. */
export interface ResultField {
  path: string;
}

export interface Result {
  message: string;
  severity: Severity;
  resourceRef?: ResourceRef;
  field?: ResultField;
  file?: { path: string; index?: number };
  tags?: Record<string, string>;
}

export const PATH_ANNOTATION = 'config.kubernetes.io/path';
export const INDEX_ANNOTATION = 'config.kubernetes.io/index';
export const INTERNAL_PATH_ANNOTATION = 'internal.config.kubernetes.io/path';
export const INTERNAL_INDEX_ANNOTATION = 'internal.config.kubernetes.io/index';

export function refOf(o: KubeObject): ResourceRef {
  const ref: ResourceRef = { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name };
  if (typeof o.metadata.namespace === 'string' && o.metadata.namespace !== '')
    ref.namespace = o.metadata.namespace;
  return ref;
}

/** Where an object came from, from the path/index annotations kpt and our CLI set. */
export function fileOf(o: { metadata?: unknown }): Result['file'] | undefined {
  if (!isObj(o.metadata) || !isObj(o.metadata.annotations)) return undefined;
  const a = annotationsOf(o as KubeObject);
  const path = a[INTERNAL_PATH_ANNOTATION] ?? a[PATH_ANNOTATION];
  if (typeof path !== 'string' || path === '') return undefined;
  const index = Number(a[INTERNAL_INDEX_ANNOTATION] ?? a[INDEX_ANNOTATION] ?? 0);
  return Number.isInteger(index) && index > 0 ? { path, index } : { path };
}

// The path each of our results was reported at, as a value, keyed by its printed field: the
// output writes only `field.path`, and a copy of a result (`{ ...r }`) keeps the same field.
const FIELD_PATHS = new WeakMap<ResultField, FieldPath>();

/** `field` of a result at `path`; none at the root (the object itself). */
export function resultField(path: FieldPath): ResultField | undefined {
  if (path.isRoot) return undefined;
  const field = { path: path.toString() };
  FIELD_PATHS.set(field, path);
  return field;
}

/**
 * The field of a result as a value, for reading its segments (io/positions.ts); undefined for a
 * result without a field and for one dbtls did not make (an earlier function's, kept as it is).
 */
export function fieldPathOf(r: Result): FieldPath | undefined {
  return r.field ? FIELD_PATHS.get(r.field) : undefined;
}

export function resultFor(
  o: KubeObject,
  severity: Severity,
  message: string,
  path?: FieldPath,
): Result {
  const r: Result = { message, severity, resourceRef: refOf(o) };
  const field = path && resultField(path);
  if (field) r.field = field;
  const file = fileOf(o);
  if (file) r.file = file;
  return r;
}

export function hasErrors(results: readonly Result[]): boolean {
  return results.some((r) => r.severity === 'error');
}

/** One line per result, for stderr: kustomize and Argo CD show stderr and ignore `results`. */
export function formatResult(r: Result): string {
  const where: string[] = [];
  if (r.resourceRef) {
    const ns = r.resourceRef.namespace ? `${r.resourceRef.namespace}/` : '';
    where.push(`${r.resourceRef.kind}/${ns}${r.resourceRef.name}`);
  }
  if (r.field) where.push(r.field.path);
  const suffix = where.length ? ` (${where.join(', ')})` : '';
  return `${r.severity}: ${r.message}${suffix}`;
}

/**
 * A reporter bound to one object: rules call `error(path, message)` and read like the rule, with
 * `path` a FieldPath (`at('spec', 'tls', 'issuerRef')`, `base.child('name')`, `list.index(i)`).
 */
export class Reporter {
  readonly results: Result[] = [];
  constructor(readonly object: KubeObject) {}
  error(path: FieldPath, message: string): void {
    this.results.push(resultFor(this.object, 'error', message, path));
  }
  warn(path: FieldPath, message: string): void {
    this.results.push(resultFor(this.object, 'warning', message, path));
  }
  info(path: FieldPath, message: string): void {
    this.results.push(resultFor(this.object, 'info', message, path));
  }

  // Named message shapes: the texts that many rules share, written once.

  /** `key` under `parent` is not a field: names the fields that `owner` has. */
  unknownField(
    parent: FieldPath,
    key: string,
    allowed: readonly string[],
    owner = parent.toString(),
  ): void {
    this.error(parent.child(key), `unknown field "${key}"; ${owner} has ${allowed.join(', ')}`);
  }

  /** The value at `path` should be a mapping. */
  notMapping(path: FieldPath, value: unknown): void {
    this.error(path, `${path} must be a mapping, got ${describeType(value)}`);
  }

  /**
   * A setting only a running operator provides: standalone mode warns that it is not rendered.
   * KubeVault's text says "done by", KubeDB's "provided by", as each always has.
   */
  operatorOnly(path: FieldPath, what: string, operator: 'KubeDB' | 'KubeVault'): void {
    const verb = operator === 'KubeVault' ? 'done' : 'provided';
    this.warn(
      path,
      `${what} is ${verb} by the ${operator} operator only; standalone mode does not render it ` +
        '(use mode: operator to keep it)',
    );
  }
  get failed(): boolean {
    return hasErrors(this.results);
  }
}
