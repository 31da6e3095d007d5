// What the API server checks on a ValidatingAdmissionPolicy or its binding beyond the OpenAPI
// schema (test/admission/openapi.ts): its defaulting (pkg/apis/admissionregistration/v1/
// defaults.go: failurePolicy Fail, matchPolicy Equivalent, empty selectors, scope *) and then
// its validation (pkg/apis/admissionregistration/validation/validation.go), written down from
// that file for the fields dbtls writes. Each problem is said as the API server's field errors
// are: `spec.policyName: Required value`. The CEL expressions are compiled by the API server; here
// they are parsed by @bufbuild/cel (a conformant parser; test/cel-conformance.test.ts).
import { parse } from '@bufbuild/cel';
import { dns1123SubdomainErrors } from '../../fn/validate/go-formats.js';

type Schema = Record<string, any>;

const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const CEL_IDENTIFIER = /^[_a-zA-Z][_a-zA-Z0-9]*$/;
// validation.go celReserved
const CEL_RESERVED = new Set(
  'true false null in as break const continue else for function if import let loop package namespace return var void while'.split(
    ' ',
  ),
);
const OPERATIONS = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'];
const ACTIONS = ['Audit', 'Deny', 'Warn'];
const FAILURE_POLICIES = ['Fail', 'Ignore'];
const MATCH_POLICIES = ['Equivalent', 'Exact'];
const SCOPES = ['*', 'Cluster', 'Namespaced'];
const REASONS = ['Forbidden', 'Invalid', 'RequestEntityTooLarge'];

const required = (path: string) => `${path}: Required value`;
const unsupported = (path: string, v: unknown, supported: string[]) =>
  `${path}: Unsupported value: ${JSON.stringify(v)}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}`;
const invalid = (path: string, v: unknown, why: string) =>
  `${path}: Invalid value: ${JSON.stringify(v)}: ${why}`;

/** apimachinery's IsQualifiedName (label keys, matchCondition names). */
export function qualifiedNameProblem(name: string): string | undefined {
  const parts = name.split('/');
  const last = parts[parts.length - 1];
  if (parts.length > 2) return 'a qualified name has at most one /';
  if (parts.length === 2 && (parts[0] === '' || dns1123SubdomainErrors(parts[0]).length > 0))
    return 'prefix part must be a DNS subdomain';
  if (last.length === 0 || last.length > 63 || !NAME_PART.test(last))
    return "name part must consist of alphanumeric characters, '-', '_' or '.', start and end with one, at most 63";
  return undefined;
}

const labelValueOk = (v: unknown) =>
  typeof v === 'string' && (v === '' || (v.length <= 63 && NAME_PART.test(v)));

function metadataProblems(meta: Schema | undefined): string[] {
  const name = meta?.name;
  if (typeof name !== 'string' || name === '') return [required('metadata.name')];
  const problems = dns1123SubdomainErrors(name).map((e) => invalid('metadata.name', name, e));
  for (const [k, v] of Object.entries(meta?.labels ?? {})) {
    const p = qualifiedNameProblem(k);
    if (p) problems.push(invalid('metadata.labels', k, p));
    if (!labelValueOk(v)) problems.push(invalid(`metadata.labels`, v, 'not a label value'));
  }
  for (const k of Object.keys(meta?.annotations ?? {})) {
    const p = qualifiedNameProblem(k.toLowerCase());
    if (p) problems.push(invalid('metadata.annotations', k, p));
  }
  return problems;
}

/** metav1validation.ValidateLabelSelector, strict (the selectors of these kinds are). */
function selectorProblems(s: Schema | undefined, path: string): string[] {
  const problems: string[] = [];
  for (const [k, v] of Object.entries(s?.matchLabels ?? {})) {
    const p = qualifiedNameProblem(k);
    if (p) problems.push(invalid(`${path}.matchLabels`, k, p));
    if (!labelValueOk(v)) problems.push(invalid(`${path}.matchLabels`, v, 'not a label value'));
  }
  (s?.matchExpressions ?? []).forEach((e: Schema, i: number) => {
    const at = `${path}.matchExpressions[${i}]`;
    const values: unknown[] = e.values ?? [];
    const p = qualifiedNameProblem(String(e.key ?? ''));
    if (p) problems.push(invalid(`${at}.key`, e.key, p));
    if (['In', 'NotIn'].includes(e.operator)) {
      if (values.length === 0)
        problems.push(
          `${at}.values: Required value: must be specified when \`operator\` is 'In' or 'NotIn'`,
        );
    } else if (['Exists', 'DoesNotExist'].includes(e.operator)) {
      if (values.length > 0)
        problems.push(
          `${at}.values: Forbidden: may not be specified when \`operator\` is 'Exists' or 'DoesNotExist'`,
        );
    } else
      problems.push(
        unsupported(`${at}.operator`, e.operator, ['DoesNotExist', 'Exists', 'In', 'NotIn']),
      );
    values.forEach((v, j) => {
      if (!labelValueOk(v)) problems.push(invalid(`${at}.values[${j}]`, v, 'not a label value'));
    });
  });
  return problems;
}

/** validateResources: non-empty, and the wildcard rules that matter for a plain list. */
function listProblems(list: unknown, path: string, what: string): string[] {
  if (!Array.isArray(list) || list.length === 0) return [required(path)];
  const problems: string[] = [];
  if (list.length > 1 && list.includes('*'))
    problems.push(invalid(path, list, `if '*' is present, must not specify other ${what}`));
  list.forEach((v, i) => {
    if (v === '' && what !== 'API groups') problems.push(required(`${path}[${i}]`));
  });
  return problems;
}

/** validateNamedRuleWithOperations. */
function ruleProblems(rule: Schema, path: string): string[] {
  const problems = [
    ...listProblems(rule.operations, `${path}.operations`, 'operations'),
    ...listProblems(rule.apiGroups, `${path}.apiGroups`, 'API groups'),
    ...listProblems(rule.apiVersions, `${path}.apiVersions`, 'API versions'),
    ...listProblems(rule.resources, `${path}.resources`, 'resources'),
  ];
  (rule.operations ?? []).forEach((op: string, i: number) => {
    if (!OPERATIONS.includes(op))
      problems.push(unsupported(`${path}.operations[${i}]`, op, OPERATIONS));
  });
  const scope = rule.scope ?? '*';
  if (!SCOPES.includes(scope)) problems.push(unsupported(`${path}.scope`, scope, SCOPES));
  const names: string[] = rule.resourceNames ?? [];
  if (new Set(names).size !== names.length) problems.push(`${path}.resourceNames: Duplicate value`);
  return problems;
}

/** validateMatchResources, after defaulting. */
function matchResourcesProblems(m: Schema, path: string): string[] {
  const matchPolicy = m.matchPolicy ?? 'Equivalent';
  const problems = MATCH_POLICIES.includes(matchPolicy)
    ? []
    : [unsupported(`${path}.matchPolicy`, matchPolicy, MATCH_POLICIES)];
  problems.push(...selectorProblems(m.namespaceSelector ?? {}, `${path}.namespaceSelector`));
  problems.push(...selectorProblems(m.objectSelector ?? {}, `${path}.objectSelector`));
  for (const key of ['resourceRules', 'excludeResourceRules'])
    (m[key] ?? []).forEach((r: Schema, i: number) => {
      problems.push(...ruleProblems(r, `${path}.${key}[${i}]`));
    });
  return problems;
}

function expressionProblems(expression: unknown, path: string): string[] {
  if (typeof expression !== 'string' || expression.trim() === '') return [required(path)];
  try {
    parse(expression);
    return [];
  } catch (e) {
    return [invalid(path, expression, `compilation failed: ${(e as Error).message}`)];
  }
}

function policySpecProblems(spec: Schema): string[] {
  const problems: string[] = [];
  const failurePolicy = spec.failurePolicy ?? 'Fail';
  if (!FAILURE_POLICIES.includes(failurePolicy))
    problems.push(unsupported('spec.failurePolicy', failurePolicy, FAILURE_POLICIES));
  if (!spec.matchConstraints) problems.push(required('spec.matchConstraints'));
  else {
    problems.push(...matchResourcesProblems(spec.matchConstraints, 'spec.matchConstraints'));
    if ((spec.matchConstraints.resourceRules ?? []).length === 0)
      problems.push(required('spec.matchConstraints.resourceRules'));
  }
  const conditions: Schema[] = spec.matchConditions ?? [];
  if (conditions.length > 64)
    problems.push(
      `spec.matchConditions: Too many: ${conditions.length}: must have at most 64 items`,
    );
  conditions.forEach((c, i) => {
    const at = `spec.matchConditions[${i}]`;
    problems.push(...expressionProblems(c.expression, `${at}.expression`));
    const p = c.name ? qualifiedNameProblem(c.name) : 'Required value';
    if (p) problems.push(`${at}.name: ${p}`);
  });
  (spec.variables ?? []).forEach((v: Schema, i: number) => {
    const at = `spec.variables[${i}]`;
    if (!CEL_IDENTIFIER.test(v.name ?? '') || CEL_RESERVED.has(v.name))
      problems.push(invalid(`${at}.name`, v.name, 'name is not a valid CEL identifier'));
    problems.push(...expressionProblems(v.expression, `${at}.expression`));
  });
  const validations: Schema[] = spec.validations ?? [];
  if (validations.length === 0 && (spec.auditAnnotations ?? []).length === 0)
    problems.push(
      `${required('spec.validations')}: validations or auditAnnotations must contain at least one item`,
    );
  validations.forEach((v, i) => {
    problems.push(...validationProblems(v, `spec.validations[${i}]`));
  });
  return problems;
}

/** validateValidation. */
function validationProblems(v: Schema, at: string): string[] {
  const problems = expressionProblems(v.expression, `${at}.expression`);
  if (v.messageExpression !== undefined)
    problems.push(...expressionProblems(v.messageExpression, `${at}.messageExpression`));
  if (v.message !== undefined) {
    if (String(v.message).trim() === '')
      problems.push(invalid(`${at}.message`, v.message, 'message must be non-empty if specified'));
    else if (/[\n\r]/.test(String(v.message).trim()))
      problems.push(invalid(`${at}.message`, v.message, 'message must not contain line breaks'));
  }
  if (v.reason !== undefined && !REASONS.includes(v.reason))
    problems.push(unsupported(`${at}.reason`, v.reason, REASONS));
  return problems;
}

/** validateValidatingAdmissionPolicyBindingSpec (dbtls writes no paramRef). */
function bindingSpecProblems(spec: Schema): string[] {
  const problems: string[] = [];
  const name = spec.policyName;
  if (typeof name !== 'string' || name === '') problems.push(required('spec.policyName'));
  else
    problems.push(...dns1123SubdomainErrors(name).map((e) => invalid('spec.policyName', name, e)));
  if (spec.paramRef !== undefined) problems.push('spec.paramRef: not modelled: dbtls writes none');
  if (spec.matchResources)
    problems.push(...matchResourcesProblems(spec.matchResources, 'spec.matchResouces'));
  const actions: unknown[] = Array.isArray(spec.validationActions) ? spec.validationActions : [];
  const seen = new Set<unknown>();
  actions.forEach((a, i) => {
    const at = `spec.validationActions[${i}]`;
    if (!ACTIONS.includes(a as string)) problems.push(unsupported(at, a, ACTIONS));
    if (seen.has(a)) problems.push(`${at}: Duplicate value: ${JSON.stringify(a)}`);
    seen.add(a);
  });
  if (seen.has('Deny') && seen.has('Warn'))
    problems.push(
      invalid(
        'spec.validationActions',
        actions,
        'must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)',
      ),
    );
  if (seen.size === 0)
    problems.push(
      `${required('spec.validationActions')}: at least one validation action is required`,
    );
  return problems;
}

/** What the API server's defaulting and validation refuse in a policy or binding. */
export function validationRuleProblems(o: Schema): string[] {
  const problems = metadataProblems(o.metadata);
  if (o.kind === 'ValidatingAdmissionPolicy') problems.push(...policySpecProblems(o.spec ?? {}));
  else if (o.kind === 'ValidatingAdmissionPolicyBinding')
    problems.push(...bindingSpecProblems(o.spec ?? {}));
  else problems.push(`kind: Unsupported value: ${JSON.stringify(o.kind)}`);
  return problems;
}
