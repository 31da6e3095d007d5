// Which rules apply to a database (each rule's match: namespaces and a label selector), and how a
// violation is reported: named by its rule, an error when enforced and a warning when audited.
import type { Match, PolicyRules, Rule } from '../contract/settings.js';
import { isObj, type KubeObject, namespaceOf } from '../io/objects.js';
import type { Reporter } from '../io/results.js';
import type { FieldPath } from '../util/field-path.js';

/** A policy without rules: what settings without a DatabaseTLSPolicy have. */
export const NO_RULES: PolicyRules = {};

/** Whether a rule applies to this database: its namespace listed (if any) and its labels selected (if any). */
export function matches(match: Match, db: KubeObject): boolean {
  if (
    match.namespaces &&
    match.namespaces.length > 0 &&
    !match.namespaces.includes(namespaceOf(db))
  )
    return false;
  const sel = match.selector;
  if (!sel) return true;
  const labels: Record<string, string> = isObj(db.metadata.labels) ? db.metadata.labels : {};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const inValues = has && (e.values ?? []).includes(labels[e.key]);
    if (e.operator === 'In' && !inValues) return false;
    if (e.operator === 'NotIn' && inValues) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** A violation of `rule` (named `name`) at `path`. */
export function violation(
  report: Reporter,
  rule: Rule,
  name: string,
  path: FieldPath,
  message: string,
): void {
  const text = `${ruleName(rule, name)}: ${message}`;
  if (rule.enforcement === 'audit') report.warn(path, text);
  else report.error(path, text);
}

/** `policy rule NAME`, and which policy it came from when more than one is in play. */
export function ruleName(rule: Rule, name: string): string {
  return `policy rule ${name}${rule.source ? ` (${rule.source})` : ''}`;
}
