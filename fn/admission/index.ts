// From a DatabaseTLSPolicy's rules, the ValidatingAdmissionPolicies and bindings that refuse at
// admission what the same rules refuse at render time, and the rules (or parts) that CEL cannot
// check on the resource alone. Loaded only by `dbtls admission` and the DatabaseTLSAdmission
// function config (fn/main.ts imports it lazily): an ordinary render never evaluates it.
import type { KubeObject } from '../io/objects.js';
import type { DatabaseKind } from '../kinds/kind.js';
import type { PolicyRules } from '../policy/rules.js';
import { certificateLifetime } from './certificate-rules-lifetime.js';
import { privateKey } from './certificate-rules.js';
import { allowedIssuers, connectionSecurity, requireTLS, tlsProtocols } from './database-rules.js';
import type { AdmissionMode, RuleAdmission, UncoveredRule } from './model.js';
import { admissionBinding, admissionPolicy } from './objects.js';

export type { AdmissionMode, UncoveredRule } from './model.js';

export interface AdmissionOutcome {
  /** ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding, one pair per rule. */
  objects: KubeObject[];
  /** Rules, or parts of rules, that only render time checks. */
  uncovered: UncoveredRule[];
}

/** Rules no CEL on the resource can check, with the reason. */
const NOT_EXPRESSIBLE: Partial<Record<keyof PolicyRules, string>> = {
  forbidSelfSignedIssuers:
    'whether an issuer is self-signed is in the Issuer or ClusterIssuer, not in the database; ' +
    'a ValidatingAdmissionPolicy sees only the object admitted (and one parameter object)',
  allowClients:
    'who connects is in the workloads (dbtls.dev/connect-to) and their client Certificates, not ' +
    'in the database the rule matches',
  certificateNames:
    'the names are checked in the Certificates dbtls renders, after the overrides are merged ' +
    "with the kind's defaults, which a database's spec alone does not hold",
  forbidCrossNamespaceClients:
    'who connects is in the workloads (dbtls.dev/connect-to) and their client Certificates, not ' +
    'in the database the rule matches',
};

export function buildAdmission(
  rules: PolicyRules,
  policyName: string,
  mode: AdmissionMode,
  kinds: readonly DatabaseKind[],
): AdmissionOutcome {
  const admitted: RuleAdmission[] = [];
  const uncovered: UncoveredRule[] = [];
  if (rules.requireTLS) admitted.push(requireTLS(rules.requireTLS, kinds, mode));
  if (rules.connectionSecurity) {
    const r = connectionSecurity(rules.connectionSecurity, kinds);
    if (r.validations.length > 0) admitted.push(r);
  }
  if (rules.allowedIssuers) admitted.push(allowedIssuers(rules.allowedIssuers, kinds));
  if (rules.privateKey) admitted.push(privateKey(rules.privateKey, kinds, mode));
  if (rules.certificateLifetime)
    admitted.push(certificateLifetime(rules.certificateLifetime, kinds, mode));
  // Standalone mode writes the server's TLS versions itself: there is nothing to refuse.
  if (rules.tlsProtocols && mode !== 'standalone') {
    const r = tlsProtocols(rules.tlsProtocols, kinds);
    if (r) admitted.push(r);
  }
  for (const [rule, reason] of Object.entries(NOT_EXPRESSIBLE))
    if (rules[rule as keyof PolicyRules]) uncovered.push({ rule, reason });
  for (const r of admitted)
    for (const part of r.notCovered) uncovered.push({ rule: r.rule, reason: part });
  const objects = admitted.flatMap((r) => [
    admissionPolicy(r, policyName),
    admissionBinding(r, policyName),
  ]);
  return { objects, uncovered };
}
