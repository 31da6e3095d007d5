// The user's security contexts merged over dbtls's secure defaults. Nothing is refused here: the
// rendered pod as a whole is checked against Pod Security (fn/validate/pod-security/), which is
// what a namespace's admission sees, and a refusal names the field recorded here as its origin.
// Dropped capabilities stay dropped (the user's drop list joins dbtls's), and added ones join
// dbtls's, so a merge never takes a restriction of dbtls's away.
import { isObj, type Obj } from '../../io/objects.js';
import type { Step } from '../../validate/pod-security/index.js';
import type { Apply } from './fields.js';
import { readList, readMapping } from '../read-fields.js';
import type { FieldPath } from '../../util/field-path.js';

/** The pod's security context with the user's settings over dbtls's. */
export function mergePodSecurity(v: unknown, at: FieldPath, podSpec: Obj, a: Apply): void {
  const given = readMapping(v, at, a.report);
  if (!given) return;
  const out: Obj = { ...(isObj(podSpec.securityContext) ? podSpec.securityContext : {}) };
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined || value === null) continue;
    out[key] = value;
    a.origins.record(['spec', 'securityContext', key], at.child(key));
  }
  podSpec.securityContext = out;
}

/**
 * A container's security context: the user's (`v`, at template field `at`) over `own`, the
 * container being at `container` in the pod template.
 */
export function mergeContainerSecurity(
  v: unknown,
  at: FieldPath,
  own: Obj | undefined,
  container: readonly Step[],
  a: Apply,
): Obj {
  const base: Obj = { ...(own ?? {}) };
  const given = readMapping(v, at, a.report);
  if (!given) return base;
  const sc = [...container, 'securityContext'];
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined || value === null) continue;
    if (key === 'capabilities') {
      base.capabilities = mergeCapabilities(value, at.child(key), own?.capabilities, sc, a);
      continue;
    }
    base[key] = value;
    a.origins.record([...sc, key], at.child(key));
  }
  return base;
}

/** dbtls's dropped capabilities stay dropped; the user's added ones join dbtls's. */
function mergeCapabilities(v: unknown, at: FieldPath, own: unknown, sc: Step[], a: Apply): Obj {
  const base = isObj(own) ? own : {};
  const given = readMapping(v, at, a.report);
  if (!given) return base;
  const drop = Array.isArray(base.drop) ? [...base.drop] : [];
  const add = Array.isArray(base.add) ? [...base.add] : [];
  const caps = [...sc, 'capabilities'];
  readList(given.add, at.child('add'), a.report)?.forEach((cap, i) => {
    if (add.includes(cap)) return;
    a.origins.record([...caps, 'add', add.length], at.child('add').index(i));
    add.push(cap);
  });
  for (const cap of readList(given.drop, at.child('drop'), a.report) ?? [])
    if (!drop.includes(cap)) drop.push(cap);
  if (given.drop !== undefined) a.origins.record([...caps, 'drop'], at.child('drop'));
  const out: Obj = { drop };
  if (add.length > 0) out.add = add;
  return out;
}
