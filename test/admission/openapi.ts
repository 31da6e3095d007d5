// The Kubernetes API schema of admissionregistration.k8s.io/v1 (test/data/kubernetes, OpenAPI
// v3 as the API server publishes it) as JSON Schema for Ajv, taking from the OpenAPI dialect what
// the API server enforces when an object is created:
// - `$ref`s to `#/components/schemas/…` resolve inside the document (kept whole, with an $id);
// - `required`, `type`, `items`, `additionalProperties` (maps) as they are;
// - an object with `properties` is closed: `kubectl apply` asks for strict field validation (its
//   default since 1.27), under which the API server refuses an unknown field;
// - `format: int32/int64` are ranges, `date-time` is RFC 3339;
// - `x-kubernetes-list-type: set` items are unique, `map` items unique by their
//   `x-kubernetes-list-map-keys` (the API server refuses duplicates of either);
// - `x-kubernetes-group-version-kind` fixes apiVersion and kind.
// Ajv runs in strict mode, so a keyword this conversion does not handle stops the compilation
// rather than being ignored. `x-kubernetes-map-type` and the patch strategy keys say how apply
// merges, not what is valid: they are dropped.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { ROOT } from '../helpers.js';

type Schema = Record<string, any>;

export const SCHEMA_FILE = 'test/data/kubernetes/admissionregistration.k8s.io_v1.json';
const DOCUMENT_ID = 'https://dbtls.dev/test/kubernetes/admissionregistration.k8s.io_v1.json';
/** The schema name of a kind of this group version. */
export const schemaName = (kind: string) => `io.k8s.api.admissionregistration.v1.${kind}`;

const DROPPED = new Set([
  'x-kubernetes-map-type',
  'x-kubernetes-patch-strategy',
  'x-kubernetes-patch-merge-key',
]);
const INTEGER_RANGES: Record<string, [number, number]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** One OpenAPI schema node as JSON Schema. */
export function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node as Schema)) {
    if (DROPPED.has(key)) continue;
    if (key === 'x-kubernetes-list-type') {
      if (value === 'set') out.uniqueItems = true;
      else if (value === 'map') out.listMapKeys = (node as Schema)['x-kubernetes-list-map-keys'];
      else if (value !== 'atomic') throw new Error(`unknown list type ${value}`);
    } else if (key === 'x-kubernetes-list-map-keys') {
      // read with x-kubernetes-list-type above
    } else if (key === 'x-kubernetes-group-version-kind') out.groupVersionKind = value;
    else if (key === 'format' && INTEGER_RANGES[value]) {
      [out.minimum, out.maximum] = INTEGER_RANGES[value];
    } else if (key === 'properties' || key === 'schemas')
      out[key] = Object.fromEntries(
        Object.entries(value as Schema).map(([k, v]) => [k, toJsonSchema(v)]),
      );
    else out[key] = toJsonSchema(value);
  }
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

function keyOf(item: unknown, keys: string[]): string {
  return JSON.stringify(keys.map((k) => (item as Schema)?.[k]));
}

function newAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true });
  ajv.addFormat('date-time', RFC3339);
  ajv.addKeyword({ keyword: 'components' });
  ajv.addKeyword({
    keyword: 'listMapKeys',
    type: 'array',
    schemaType: 'array',
    error: { message: ({ schema }) => `has two items with the same ${schema.join(', ')}` },
    validate: (keys: string[], items: unknown[]) =>
      new Set(items.map((i) => keyOf(i, keys))).size === items.length,
  });
  ajv.addKeyword({
    keyword: 'groupVersionKind',
    type: 'object',
    schemaType: 'array',
    error: { message: 'apiVersion and kind are not those of this schema' },
    validate: (gvks: Schema[], o: Schema) =>
      gvks.some(
        (g) =>
          o.apiVersion === (g.group ? `${g.group}/${g.version}` : g.version) && o.kind === g.kind,
      ),
  });
  return ajv;
}

let validators: Map<string, ValidateFunction> | undefined;

/** The schema validator of one kind of admissionregistration.k8s.io/v1. */
export function kindValidator(kind: string): ValidateFunction {
  if (!validators) {
    const document = JSON.parse(readFileSync(join(ROOT, SCHEMA_FILE), 'utf8'));
    const ajv = newAjv();
    ajv.addSchema({ $id: DOCUMENT_ID, ...(toJsonSchema(document) as Schema) });
    validators = new Map();
    for (const k of ['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'])
      validators.set(
        k,
        ajv.compile({ $ref: `${DOCUMENT_ID}#/components/schemas/${schemaName(k)}` }),
      );
  }
  const v = validators.get(kind);
  if (!v) throw new Error(`no schema for kind ${kind}`);
  return v;
}

/** What the schema refuses in `o`, one line each: `/spec/policyName must be string`. */
export function schemaProblems(o: Schema): string[] {
  const validate = kindValidator(String(o.kind));
  if (validate(o)) return [];
  return (validate.errors ?? []).map((e) => {
    const extra = e.keyword === 'additionalProperties' ? ` (${e.params.additionalProperty})` : '';
    return `${e.instancePath || '/'} ${e.message}${extra}`;
  });
}
