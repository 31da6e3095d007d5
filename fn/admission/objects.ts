// One ValidatingAdmissionPolicy and its binding per rule (admissionregistration.k8s.io/v1): the
// binding carries the rule's enforcement (validationActions Deny, or Warn and Audit for audit),
// the policy its match: the kinds' group, versions and resources, the rule's namespaces as a
// namespaceSelector on the label the API server sets on every namespace, the rule's label
// selector as a matchCondition on the object's own labels (an objectSelector would also match
// an update whose old object had the labels, which render time never sees).
import type { KubeObject } from '../io/objects.js';
import type { LabelSelector } from '../policy/rules.js';
import { dns1123SubdomainErrors } from '../validate/go-formats.js';
import { dns1123LabelErrors } from '../validate/namespace.js';
import { celList, celString } from './cel.js';
import { type RuleAdmission, VARIABLES } from './model.js';

export const ADMISSION_API_VERSION = 'admissionregistration.k8s.io/v1';
/** Set by the API server on every namespace (GA in Kubernetes 1.22): its name. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
/** On every object generated here: the policy it was generated from. */
export const SOURCE_ANNOTATION = 'dbtls.dev/admission-from';
/** validation.go's limit on a policy's matchConditions. */
const MAX_MATCH_CONDITIONS = 64;

/** `dbtls-tls-policy-require-tls`: the policy's name and the rule's, in kebab case. */
export function objectName(policyName: string, rule: string): string {
  return `dbtls-${policyName}-${rule.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()}`;
}

/** The longest rule part of an object name, so that every name of a policy fits if this one does. */
const LONGEST_RULE = 'certificateLifetime';

/**
 * Why the objects of a policy of this name (metadata.name, not empty) could not be created (their names are the API
 * server's DNS subdomains), or undefined: checked before any is written, so that a policy named
 * `TLS_Policy` is refused here rather than by `kubectl apply`.
 */
export function policyNameProblem(policyName: string): string | undefined {
  const longest = objectName(policyName, LONGEST_RULE);
  const errors = dns1123SubdomainErrors(longest);
  if (errors.length === 0) return undefined;
  return (
    `${JSON.stringify(policyName)} names the generated objects ` +
    `(${JSON.stringify(longest)} and others), which must be Kubernetes object names: ${errors.join('; ')}; ` +
    `rename the policy with lowercase letters, digits and '-', at most ${253 - longest.length + policyName.length} characters`
  );
}

export function admissionPolicy(r: RuleAdmission, policyName: string): KubeObject {
  const name = objectName(policyName, r.rule);
  const spec: Record<string, unknown> = {
    failurePolicy: 'Fail',
    matchConstraints: matchConstraints(r),
  };
  const conditions = matchConditions(r.match.selector);
  if (conditions.length > 0) spec.matchConditions = conditions;
  spec.variables = VARIABLES;
  // A message that does not depend on the object is the static message alone.
  spec.validations = r.validations.map((v) =>
    v.messageExpression === celString(v.message)
      ? { expression: v.expression, message: v.message }
      : v,
  );
  return {
    apiVersion: ADMISSION_API_VERSION,
    kind: 'ValidatingAdmissionPolicy',
    metadata: metadata(name, policyName, r),
    spec,
  };
}

export function admissionBinding(r: RuleAdmission, policyName: string): KubeObject {
  const name = objectName(policyName, r.rule);
  return {
    apiVersion: ADMISSION_API_VERSION,
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: metadata(name, policyName, r),
    spec: {
      policyName: name,
      // audit: render time warns, so admission warns (and records it in the audit log).
      validationActions: r.enforcement === 'audit' ? ['Warn', 'Audit'] : ['Deny'],
    },
  };
}

function metadata(name: string, policyName: string, r: RuleAdmission): KubeObject['metadata'] {
  return {
    name,
    labels: { 'app.kubernetes.io/managed-by': 'dbtls' },
    annotations: { [SOURCE_ANNOTATION]: `DatabaseTLSPolicy/${policyName} spec.rules.${r.rule}` },
  };
}

/** Creates and updates of the rule's kinds, in every version dbtls reads, in its namespaces. */
function matchConstraints(r: RuleAdmission): Record<string, unknown> {
  const byGroup = new Map<string, { versions: Set<string>; resources: string[] }>();
  for (const kind of r.kinds) {
    const g = byGroup.get(kind.group) ?? { versions: new Set<string>(), resources: [] };
    for (const v of kind.versions) g.versions.add(v);
    g.resources.push(kind.resource);
    byGroup.set(kind.group, g);
  }
  const out: Record<string, unknown> = {
    resourceRules: [...byGroup].map(([group, g]) => ({
      apiGroups: [group],
      apiVersions: [...g.versions].sort(),
      operations: ['CREATE', 'UPDATE'],
      resources: g.resources,
    })),
  };
  const namespaces = r.match.namespaces ?? [];
  if (namespaces.length > 0) out.namespaceSelector = namespaceSelector(namespaces);
  return out;
}

/**
 * The namespaces as a selector on their name label. A name no namespace can have (not a DNS
 * label) matches no database at render time and is no label value the API server takes: it is
 * left out, and a rule left with none matches no namespace (every namespace has the label).
 */
function namespaceSelector(namespaces: readonly string[]): Record<string, unknown> {
  const values = namespaces.filter((n) => dns1123LabelErrors(n).length === 0);
  const expression =
    values.length > 0
      ? { key: NAMESPACE_NAME_LABEL, operator: 'In', values }
      : { key: NAMESPACE_NAME_LABEL, operator: 'DoesNotExist' };
  return { matchExpressions: [expression] };
}

/** The rule's label selector in CEL, one condition per requirement, as rules.ts matches() reads it. */
function matchConditions(
  selector: LabelSelector | undefined,
): { name: string; expression: string }[] {
  if (!selector) return [];
  const labels = 'object.metadata.labels';
  const has = (key: string) => `(has(${labels}) && ${celString(key)} in ${labels})`;
  const value = (key: string) => `${labels}[${celString(key)}]`;
  const out: { name: string; expression: string }[] = [];
  for (const [key, v] of Object.entries(selector.matchLabels ?? {}))
    out.push({ name: '', expression: `${has(key)} && ${value(key)} == ${celString(v)}` });
  for (const e of selector.matchExpressions ?? []) {
    const inValues = `${has(e.key)} && ${value(e.key)} in ${celList(e.values ?? [])}`;
    const expression =
      e.operator === 'In'
        ? inValues
        : e.operator === 'NotIn'
          ? `!(${inValues})`
          : e.operator === 'Exists'
            ? has(e.key)
            : `!${has(e.key)}`;
    out.push({ name: '', expression });
  }
  // The API server takes at most 64 conditions; beyond that, one condition holds them all.
  if (out.length > MAX_MATCH_CONDITIONS)
    return [{ name: 'selector', expression: out.map((c) => `(${c.expression})`).join(' && ') }];
  return out.map((c, i) => ({ ...c, name: `selector-${i}` }));
}
