// The two sides of the differential test. Render time: dbtls's own pipeline (runFunction) on the
// database with its issuers, under a policy and mode. Admission: the ValidatingAdmissionPolicies
// dbtls admission generates from the same policy, run on the object as the API server would
// admit it (apiserver.ts). Then, rule by rule, whether the two agree.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadAll } from 'js-yaml';
import { buildAdmission, type AdmissionMode } from '../../fn/admission/index.js';
import { runFunction } from '../../fn/pipeline/index.js';
import { isObj, type Obj } from '../../fn/io/objects.js';
import { KINDS, REGISTRY, findKind } from '../../fn/kinds/index.js';
import { readSettings } from '../../fn/policy/settings.js';
import type { Result } from '../../fn/io/results.js';
import { ROOT } from '../helpers.js';
import { admit, type Decision } from './apiserver.js';

/** Rules the admission objects enforce, and those they cannot. */
export const COVERED_RULES = [
  'requireTLS',
  'connectionSecurity',
  'allowedIssuers',
  'privateKey',
  'certificateLifetime',
  'tlsProtocols',
] as const;
export const UNCOVERED_RULES = ['forbidSelfSignedIssuers'] as const;

// ---- the API server's schema check: what never reaches admission ----------------------------

/**
 * The CRD's structural schema applied as the API server applies it before admission: values of
 * the wrong type, outside an enum or missing where required are refused; unknown fields and nulls
 * are dropped (pruning). A small interpreter of the keywords KubeDB's and KubeVault's CRDs use,
 * over the upstream CRDs in test/data/crds (compiling them with ajv takes over a minute here).
 */
type Schema = Record<string, any>;
const crds = new Map<string, Schema>();
const CRDS = join(ROOT, 'test/data/crds');
for (const file of readdirSync(CRDS).filter((f) => /^kube(db|vault)\..*\.yaml(\.gz)?$/.test(f))) {
  const text = file.endsWith('.gz')
    ? gunzipSync(readFileSync(join(CRDS, file))).toString('utf8')
    : readFileSync(join(CRDS, file), 'utf8');
  for (const doc of loadAll(text) as any[]) {
    if (doc?.kind !== 'CustomResourceDefinition') continue;
    for (const v of doc.spec.versions)
      crds.set(`${doc.spec.group}/${v.name}/${doc.spec.names.kind}`, v.schema.openAPIV3Schema);
  }
}

function typeOk(s: Schema, v: unknown): boolean {
  if (s['x-kubernetes-int-or-string']) return typeof v === 'string' || Number.isInteger(v);
  switch (s.type) {
    case 'object':
      return isObj(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    default:
      return true;
  }
}

/** The value pruned, or the path and reason the schema refuses it. */
function structural(s: Schema, v: unknown, path: string): { value: unknown } | { refused: string } {
  if (!typeOk(s, v)) return { refused: `${path}: must be ${s.type}` };
  if (s.enum && !s.enum.includes(v))
    return { refused: `${path}: must be one of ${s.enum.join(', ')}` };
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const [i, x] of v.entries()) {
      const r = s.items ? structural(s.items, x, `${path}[${i}]`) : { value: x };
      if ('refused' in r) return r;
      out.push(r.value);
    }
    return { value: out };
  }
  if (!isObj(v) || s['x-kubernetes-preserve-unknown-fields']) return { value: v };
  for (const key of s.required ?? [])
    if (!(key in v)) return { refused: `${path}.${key}: is required` };
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null) continue;
    const sub =
      s.properties?.[k] ?? (isObj(s.additionalProperties) ? s.additionalProperties : undefined);
    if (!sub) continue;
    const r = structural(sub, x, `${path}.${k}`);
    if ('refused' in r) return r;
    out[k] = r.value;
  }
  return { value: out };
}

/** The object as admission sees it, or why the API server refuses it before admission. */
export function asAdmitted(db: Obj): { object: Obj } | { refused: string } {
  const schema = crds.get(`${String(db.apiVersion)}/${String(db.kind)}`);
  if (!schema) return { refused: `no CRD serves ${String(db.apiVersion)} ${String(db.kind)}` };
  const { metadata, ...rest } = db;
  const r = structural(
    { ...schema, properties: { ...schema.properties, metadata: undefined } },
    rest,
    '',
  );
  if ('refused' in r) return r;
  return { object: { ...(r.value as Obj), apiVersion: db.apiVersion, kind: db.kind, metadata } };
}

// ---- render time -------------------------------------------------------------------------------

export interface Case {
  name: string;
  db: Obj;
  /** Issuers and anything else the database's input held. */
  context: Obj[];
}

export function policyWithMode(policy: Obj, mode: AdmissionMode): Obj {
  return { ...policy, spec: { ...(policy.spec as Obj), mode } };
}

export interface Rendered {
  results: Result[];
  /** The database as dbtls passes it on (operator mode adds a defaultIssuerRef's spec.tls). */
  output?: Obj;
}

/** dbtls's results for the database, rendering it with its context under the policy. */
export function render(c: Case, policy: Obj, mode: AdmissionMode): Rendered {
  const out = runFunction(
    structuredClone({
      apiVersion: 'config.kubernetes.io/v1',
      kind: 'ResourceList',
      items: [c.db, ...c.context],
      functionConfig: policyWithMode(policy, mode),
    }),
  );
  const name = (c.db.metadata as Obj | undefined)?.name;
  const mine = (o: { kind?: unknown; name?: unknown }) => o.kind === c.db.kind && o.name === name;
  return {
    results: (out.results ?? []).filter((r) => r.resourceRef && mine(r.resourceRef)),
    output: out.items.find((i) =>
      mine({ kind: i.kind, name: (i.metadata as Obj | undefined)?.name }),
    ),
  };
}

// ---- admission ---------------------------------------------------------------------------------

export interface Generated {
  policies: Map<string, { policy: any; binding: any }>;
}

export function generate(policy: Obj, mode: AdmissionMode): Generated {
  const { settings, results } = readSettings(policy, REGISTRY);
  if (results.some((r) => r.severity === 'error'))
    throw new Error(`test policy is invalid: ${results.map((r) => r.message).join('; ')}`);
  const name = String((policy.metadata as Obj).name);
  const { objects } = buildAdmission(settings.rules, name, mode, KINDS);
  const policies = new Map<string, { policy: any; binding: any }>();
  for (const o of objects) {
    const rule = String(o.metadata.annotations?.['dbtls.dev/admission-from']).split(
      'spec.rules.',
    )[1];
    const entry = policies.get(rule) ?? { policy: undefined, binding: undefined };
    if (o.kind === 'ValidatingAdmissionPolicy') entry.policy = o;
    else entry.binding = o;
    policies.set(rule, entry);
  }
  return { policies };
}

export function admitAll(g: Generated, object: Obj): Map<string, Decision> {
  const kind = findKind(object) as (typeof KINDS)[number];
  const apiVersion = String(object.apiVersion);
  const namespace = String((object.metadata as Obj).namespace ?? 'default');
  const out = new Map<string, Decision>();
  for (const [rule, { policy, binding }] of g.policies) {
    out.set(
      rule,
      admit(policy, binding, {
        group: kind.group,
        version: apiVersion.slice(apiVersion.indexOf('/') + 1),
        resource: kind.resource,
        operation: 'CREATE',
        namespace,
        namespaceLabels: { 'kubernetes.io/metadata.name': namespace },
        object: { ...object, metadata: { ...(object.metadata as Obj), namespace } },
      }),
    );
  }
  return out;
}

// ---- agreement ---------------------------------------------------------------------------------

const policyRule = (r: Result) => /^policy rule (\w+):/.exec(r.message)?.[1];

/**
 * Whether render time got as far as the rules: an error of the database's own reading stops it
 * before them (fn/pipeline/render-database.ts), and so does a tlsProtocols violation, which the
 * kind reports while reading. Errors after the rules (cert-manager's webhook checks) do not.
 */
export function rulesEvaluated(results: readonly Result[], rule: string): boolean {
  return !results.some((r) => {
    if (r.severity !== 'error') return false;
    if (r.message.startsWith("cert-manager's webhook would reject")) return false;
    const p = policyRule(r);
    if (p === undefined) return true;
    return p === 'tlsProtocols' && rule !== 'tlsProtocols';
  });
}

/** A certificate named by its name at render time, by its alias at admission: both made alike. */
export function sameCertificate(message: string): string {
  return message
    .replace(/of Certificate "[^"]*"/g, 'of Certificate …')
    .replace(/of the [a-z-]+ Certificate/g, 'of Certificate …');
}

/** A render-time result as admission says it: its field, then its message. */
export function asAdmissionMessage(r: Result): string {
  const path = r.field?.path;
  return sameCertificate(path && path !== 'metadata.name' ? `${path}: ${r.message}` : r.message);
}

/** The render-time violations of a rule (not its infos, nor what it cannot check). */
export function violations(results: readonly Result[], rule: string): Result[] {
  return results.filter(
    (r) => policyRule(r) === rule && r.severity !== 'info' && !/cannot be checked/.test(r.message),
  );
}
