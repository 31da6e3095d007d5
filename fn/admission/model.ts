// What one policy rule becomes at admission: the kinds its ValidatingAdmissionPolicy matches, its
// CEL validations, and what of the rule CEL cannot check on the resource alone.
import type { DatabaseKind } from '../kinds/kind.js';
import type { Match, Enforcement } from '../policy/rules.js';
import { celString } from './cel.js';

/** How the cluster's certificates come about: the policy's mode, as dbtls renders for it. */
export type AdmissionMode = 'standalone' | 'operator' | 'validate';

export interface Validation {
  /** True when the object keeps the rule. */
  expression: string;
  /** Said when the messageExpression cannot be evaluated. */
  message: string;
  /** The render-time result's field and message for the object, as CEL. */
  messageExpression: string;
}

export interface RuleAdmission {
  /** The rule's name under spec.rules. */
  rule: string;
  enforcement: Enforcement;
  match: Match;
  /** The kinds the rule can refuse. */
  kinds: readonly DatabaseKind[];
  validations: Validation[];
  /** What of the rule is left to render time, each said in a sentence. */
  notCovered: string[];
}

/** A rule CEL cannot check at all, and why. */
export interface UncoveredRule {
  rule: string;
  reason: string;
}

/** The variables every dbtls admission policy declares, by name, in order. */
export const VARIABLES: readonly { name: string; expression: string }[] = [
  // spec.tls as the render-time reader sees it: present (the API server drops a null).
  { name: 'tls', expression: 'has(object.spec) && has(object.spec.tls)' },
  // Certificates are issued only with an issuerRef (KubeVault self-signs without one).
  { name: 'issuing', expression: 'variables.tls && has(object.spec.tls.issuerRef)' },
  {
    name: 'certificates',
    expression:
      'variables.tls && has(object.spec.tls.certificates) ? object.spec.tls.certificates : []',
  },
];

/**
 * At most this many spec.tls.certificates entries are read: every kind issues at most four
 * aliases and each may be given once (dbtls refuses a repeated or unknown alias), so a longer list
 * is refused at admission too, and every expression that walks the list is bounded by it.
 */
export const MAX_CERTIFICATE_ENTRIES = 16;

/** The indices of the entries an expression may read: a literal, so the walk is bounded. */
export const ENTRY_INDICES = `[${Array.from({ length: MAX_CERTIFICATE_ENTRIES }, (_, i) => i).join(', ')}]`;

/** The validation that bounds the certificate list, shared by the rules that walk it. */
export function boundedEntries(): Validation {
  const limit = MAX_CERTIFICATE_ENTRIES;
  const text = `has more than ${limit} entries; give each alias once`;
  return {
    expression: `size(variables.certificates) <= ${limit}`,
    message: `spec.tls.certificates ${text}`,
    messageExpression: `'spec.tls.certificates has ' + string(size(variables.certificates)) + ${celString(` entries; a database gives each of its aliases once, and at most ${limit} are read at admission`)}`,
  };
}

/**
 * `entryOk(i)` true for every entry, walking the bounded indices; the message is that of the
 * first entry that fails.
 */
export function everyEntry(
  entryOk: (entry: string, i: string) => string,
  entryMessage: (entry: string, i: string) => string,
  message: string,
): Validation {
  const entry = (i: string) => `variables.certificates[${i}]`;
  const ok = (i: string) => `(i >= size(variables.certificates) || ${entryOk(entry(i), i)})`;
  const first = `${ENTRY_INDICES}.filter(i, !${ok('i')})[0]`;
  return {
    expression: `${ENTRY_INDICES}.all(i, ${ok('i')})`,
    message,
    messageExpression: `[${first}].map(j, ${entryMessage(entry('j'), 'j')})[0]`,
  };
}

/** A result's field and message as admission says it: `spec.sslMode: policy rule …`. */
export function fieldMessage(path: string, message: string): string {
  return `${celString(`${path}: `)} + ${message}`;
}

/** `spec.tls.certificates[i].field: ` for the entry at CEL index `i`. */
export function entryField(i: string, field: string): string {
  return `'spec.tls.certificates[' + string(${i}) + ${celString(`].${field}: `)}`;
}
