// Stage: keep only the identity of what dbtls reads by name. Most of a large list is objects dbtls
// never looks inside; each keeps its identity and its text, and lets go of the rest of its value:
// written back as its own text, it needs no more (fn/io/item-sources.ts).
import type { KindRegistry } from '../contract/registry.js';
import { annotationsOf, groupOf, isObj, type KubeObject, type Obj } from '../io/objects.js';
import { identityOnly } from '../io/item-sources.js';
import { isListObject } from '../io/lists.js';
import { itemProblems } from '../io/resource-list.js';

/** Groups read in full besides the kinds' own: cert-manager's (issuers) and dbtls's (its policy). */
const READ_GROUPS = ['cert-manager.io', 'dbtls.dev'];

export function keepIdentityOnly(items: readonly Obj[], kinds: KindRegistry): Obj[] {
  const groups = [...new Set([...READ_GROUPS, ...kinds.all.map((k) => k.group)])];
  // One expression for the run: a group or any group under it (ops.kubedb.com under kubedb.com).
  const read = new RegExp(`(^|\\.)(${groups.map((g) => g.replaceAll('.', '\\.')).join('|')})$`);
  return items.map((item) => (readsWhole(item, read) ? item : identityOnly(item)));
}

/**
 * Whether dbtls reads more of an item than its identity: databases, issuers and Certificates,
 * the kinds' groups and the groups under them (near misses, referenced kinds), its own policy,
 * a List (kubectl's, or any *List, whose entries are read), workloads with a dbtls.dev annotation (applications that connect), and whatever
 * is malformed (reported in full).
 */
function readsWhole(item: unknown, groups: RegExp): boolean {
  if (!isObj(item) || isListObject(item) || itemProblems(item).length > 0) return true;
  if (groups.test(groupOf(String(item.apiVersion)))) return true;
  for (const key in annotationsOf(item as KubeObject))
    if (key.startsWith('dbtls.dev/')) return true;
  return false;
}
