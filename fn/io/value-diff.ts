// The changes between the value an item was read as and the value dbtls made of it, as
// changes of whole pairs and of sequence entries: what ./text-edit.ts and ./splice-edit.ts apply
// to the item's text. Kept apart from the text editing because it knows nothing of lines: it
// compares values only.
import { isObj } from './objects.js';

/** Keys of mappings, and indices of block sequence entries. */
export type Path = readonly (string | number)[];
export interface Change {
  parent: Path;
  key: string;
  value?: unknown;
  remove?: true;
  /** Entries to add after the last entry of the sequence at `key`. */
  append?: unknown[];
  /** Indices (in the text as it was) of entries of the sequence at `key` to remove. */
  dropEntries?: number[];
}

/** The changes that make `before` read as `after`, as editText makes them. */
export function changesBetween(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): Change[] {
  const changes: Change[] = [];
  diff(before, after, [], changes);
  return changes;
}

/** The fields of `after` that differ from `before`, as changes of whole pairs. */
function diff(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  parent: Path,
  out: Change[],
): void {
  for (const key of Object.keys(after)) {
    const a = after[key];
    if (a === undefined) continue;
    const b = Object.hasOwn(before, key) ? before[key] : undefined;
    if (a === b) continue; // shared with the input: dbtls copies only what it changes
    if (b === undefined) out.push({ parent, key, value: a });
    else if (isObj(a) && isObj(b)) diff(b, a, [...parent, key], out);
    else if (Array.isArray(a) && Array.isArray(b)) diffSequence(b, a, parent, key, out);
    else if (!deepEqual(a, b)) out.push({ parent, key, value: a });
  }
  for (const key of Object.keys(before)) {
    if (before[key] !== undefined && (!Object.hasOwn(after, key) || after[key] === undefined)) {
      out.push({ parent, key, remove: true });
    }
  }
}

/**
 * A sequence changed entry by entry where it can be: entries appended after the old ones (whose
 * mappings are diffed by index), or entries removed with the rest unchanged and in order.
 * Anything else replaces the whole pair.
 */
function diffSequence(
  before: unknown[],
  after: unknown[],
  parent: Path,
  key: string,
  out: Change[],
): void {
  if (deepEqual(before, after)) return;
  const whole = () => out.push({ parent, key, value: after });
  if (after.length >= before.length) {
    const inner: Change[] = [];
    for (let i = 0; i < before.length; i++) {
      const [b, a] = [before[i], after[i]];
      if (deepEqual(a, b)) continue;
      if (!isObj(a) || !isObj(b)) return void whole();
      diff(b, a, [...parent, key, i], inner);
    }
    out.push(...inner);
    if (after.length > before.length) out.push({ parent, key, append: after.slice(before.length) });
    return;
  }
  // Removed entries: every remaining one matches an old one, in order, as it was or (a
  // Kubernetes object of the same kind and name, an entry of a List) changed inside.
  const dropEntries: number[] = [];
  const inner: Change[] = [];
  let j = 0;
  before.forEach((b, i) => {
    const a = after[j];
    if (j < after.length && deepEqual(b, a)) j++;
    else if (j < after.length && isObj(a) && isObj(b) && sameObject(a, b)) {
      diff(b, a, [...parent, key, i], inner);
      j++;
    } else dropEntries.push(i);
  });
  if (j < after.length || after.length === 0) return void whole();
  // The edits inside entries first: they name entries by their index before any is removed.
  out.push(...inner, { parent, key, dropEntries });
}

/** Two mappings that name one Kubernetes object: the same kind and metadata.name. */
function sameObject(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const name = (o: Record<string, unknown>) => (isObj(o.metadata) ? o.metadata.name : undefined);
  return (
    typeof a.kind === 'string' && a.kind === b.kind && name(a) !== undefined && name(a) === name(b)
  );
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return (
    ka.length === kb.length &&
    ka.every(
      (k) =>
        Object.hasOwn(b, k) &&
        deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
    )
  );
}

export function valueAt(v: unknown, path: Path): unknown {
  let cur = v;
  for (const key of path) {
    if (typeof key === 'number') cur = Array.isArray(cur) ? cur[key] : undefined;
    else cur = isObj(cur) ? cur[key] : undefined;
  }
  return cur;
}
