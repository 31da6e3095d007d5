// A model of what the API server does with dbtls's ValidatingAdmissionPolicies for one request,
// written from the admissionregistration.k8s.io/v1 field descriptions (kept in
// test/data/kubernetes): the policy's matchConstraints (resourceRules by group, version, resource
// and operation; namespaceSelector over the namespace's labels), its matchConditions, its
// variables and validations run by a conformant CEL evaluator (@bufbuild/cel, standard library
// only: no Kubernetes extension is registered, so an expression that needed one would fail
// here), and the binding's validationActions. failurePolicy Fail: an error denies.
import { celEnv, type CelError, isCelError, parse, plan } from '@bufbuild/cel';

type Json = unknown;
export interface Request {
  group: string;
  version: string;
  resource: string;
  operation: 'CREATE' | 'UPDATE';
  namespace: string;
  namespaceLabels: Record<string, string>;
  object: Json;
  oldObject?: Json;
}

export interface Decision {
  /** The policy matched the request and was evaluated. */
  applies: boolean;
  /** Deny, or Warn/Audit, per the binding, with the failing validations' messages. */
  action?: 'Deny' | 'Warn';
  messages: string[];
  /** CEL errors met (each one denies under failurePolicy Fail). */
  errors: string[];
}

const env = celEnv();
const plans = new Map<string, ReturnType<typeof plan>>();

/** Evaluates one CEL expression (planned once per text) with the bindings. */
export function evaluate(expression: string, bindings: Record<string, unknown>): unknown {
  let p = plans.get(expression);
  if (!p) {
    p = plan(env, parse(expression));
    plans.set(expression, p);
  }
  return p(bindings as never);
}

/** JSON as CEL sees an object: integers are int (bigint), mappings are maps, lists lists. */
export function toCel(v: Json): unknown {
  if (Array.isArray(v)) return v.map(toCel);
  if (v !== null && typeof v === 'object')
    return new Map(Object.entries(v as Record<string, Json>).map(([k, x]) => [k, toCel(x)]));
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return v;
}

function selectorMatches(selector: any, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector?.matchLabels ?? {}))
    if (labels[k] !== v) return false;
  for (const e of selector?.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const inValues = has && (e.values ?? []).includes(labels[e.key]);
    if (e.operator === 'In' && !inValues) return false;
    if (e.operator === 'NotIn' && inValues) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

function ruleMatches(rule: any, r: Request): boolean {
  const any = (list: string[], v: string) => list.includes('*') || list.includes(v);
  return (
    any(rule.apiGroups, r.group) &&
    any(rule.apiVersions, r.version) &&
    any(rule.resources, r.resource) &&
    any(rule.operations, r.operation)
  );
}

function matchesConstraints(spec: any, r: Request): boolean {
  const c = spec.matchConstraints ?? {};
  if (!(c.resourceRules ?? []).some((rule: any) => ruleMatches(rule, r))) return false;
  if ((c.excludeResourceRules ?? []).some((rule: any) => ruleMatches(rule, r))) return false;
  if (c.namespaceSelector && !selectorMatches(c.namespaceSelector, r.namespaceLabels)) return false;
  if (c.objectSelector) throw new Error('objectSelector is not modelled: dbtls does not emit one');
  return true;
}

const errorText = (e: CelError) => e.message;

/** The decision of one policy with its binding for one request. */
export function admit(policy: any, binding: any, r: Request): Decision {
  const spec = policy.spec;
  const decision: Decision = { applies: false, messages: [], errors: [] };
  if (!matchesConstraints(spec, r)) return decision;
  const bindings: Record<string, unknown> = {
    object: toCel(r.object),
    oldObject: r.oldObject === undefined ? null : toCel(r.oldObject),
    request: toCel({
      kind: { group: r.group, version: r.version, kind: (r.object as any).kind },
      resource: { group: r.group, version: r.version, resource: r.resource },
      name: (r.object as any).metadata?.name ?? '',
      namespace: r.namespace,
      operation: r.operation,
    }),
  };
  for (const c of spec.matchConditions ?? []) {
    const v = evaluate(c.expression, bindings);
    if (isCelError(v)) decision.errors.push(`matchCondition ${c.name}: ${errorText(v)}`);
    else if (v === false) return decision;
  }
  decision.applies = true;
  // Variables: evaluated in order, each seeing the ones before (lazily in the API server; an
  // unused one that failed would not matter there, so a failure is kept and surfaces on use).
  const variables = new Map<string, unknown>();
  bindings.variables = variables;
  for (const v of spec.variables ?? []) {
    const value = evaluate(v.expression, bindings);
    if (!isCelError(value)) variables.set(v.name, value);
  }
  const actions: string[] = binding.spec.validationActions;
  for (const v of spec.validations ?? []) {
    const ok = evaluate(v.expression, bindings);
    if (isCelError(ok)) {
      decision.errors.push(`${v.expression.slice(0, 60)}…: ${errorText(ok)}`);
      continue;
    }
    if (ok === true) continue;
    if (ok !== false) throw new Error(`validation returned ${String(ok)}: ${v.expression}`);
    const m =
      v.messageExpression === undefined ? v.message : evaluate(v.messageExpression, bindings);
    decision.messages.push(typeof m === 'string' && m.trim() !== '' ? m : v.message);
  }
  if (decision.errors.length > 0 || decision.messages.length > 0)
    decision.action = decision.errors.length > 0 || actions.includes('Deny') ? 'Deny' : 'Warn';
  return decision;
}
