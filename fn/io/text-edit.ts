// Exact edits of an item's text: the fields dbtls sets are inserted, replaced or removed as whole
// lines of block YAML, and every other line stays as the user wrote it. Each edited mapping is
// read back and compared with the value dbtls meant; anything this cannot do exactly (a flow
// mapping, a change that would move a block scalar's trailing lines) is declined, and the item is
// then written from its value instead. Block sequences of mappings (a container's `env`, a pod's
// `volumes`) are edited entry by entry: entries are appended after the last one, removed whole, or
// edited inside as mappings, matched by index.
import { load } from 'js-yaml';
import { emitPairAt } from './emit.js';
import { BlockReader } from './block-yaml.js';
import { afterColon, flowMapParts, isEmptyValue } from './line-scan.js';
import { KUBERNETES_SCHEMA, LIMITS } from './yaml.js';

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

/**
 * `entry` (a block sequence entry: `- ` at column rootCol - 2 on its first line) edited so that
 * it reads as `after` where it read as `before`; undefined when that cannot be done exactly.
 */
export function editText(
  entry: string,
  rootCol: number,
  before: unknown,
  after: unknown,
): string | undefined {
  if (!isMap(before) || !isMap(after)) return undefined;
  const changes: Change[] = [];
  diff(before, after, [], changes);
  const lines = entry.split('\n');
  const dash = rootCol - 2;
  if (!lines[0].startsWith('- ', dash)) return undefined;
  // Seen as a mapping at rootCol: the entry's `- ` stands for two columns of indentation.
  lines[0] = `${lines[0].slice(0, dash)}  ${lines[0].slice(dash + 2)}`;
  // What the text reads as after each change: each edited region is compared with it. Copied
  // only along the paths a change takes (copy on write): the rest stays shared with `before`,
  // and so with `after`, which makes the final comparison cheap.
  const current = { ...before };
  try {
    for (const change of changes) {
      if (!applyChange(lines, rootCol, change, before, after, current)) return undefined;
    }
  } catch {
    return undefined; // a value the emitter cannot write as a pair: written whole instead
  }
  if (!deepEqual(current, after)) return undefined; // a change the diff did not describe
  if (!lines[0].startsWith('  ', dash) || lines[0].length <= rootCol) return undefined;
  lines[0] = `${lines[0].slice(0, dash)}- ${lines[0].slice(dash + 2)}`;
  return lines.join('\n');
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

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
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
    else if (isMap(a) && isMap(b)) diff(b, a, [...parent, key], out);
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
      if (!isMap(a) || !isMap(b)) return void whole();
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
    else if (j < after.length && isMap(a) && isMap(b) && sameObject(a, b)) {
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
  const name = (o: Record<string, unknown>) => (isMap(o.metadata) ? o.metadata.name : undefined);
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

/**
 * Lines [from, to) of a mapping whose keys are at column `col`; a mapping that is a sequence
 * entry has its first key on the entry's `- ` line (`dashLine`).
 */
interface Block {
  from: number;
  to: number;
  col: number;
  dashLine?: number;
}

const indentOf = (line: string) => line.length - line.trimStart().length;
const isBlankOrComment = (line: string) => {
  const t = line.trim();
  return t === '' || t.startsWith('#');
};

/** The line of `key`'s pair among the keys of `block`, or -1. */
function findKey(lines: string[], block: Block, key: string): number {
  const forms = [key, JSON.stringify(key), `'${key.replace(/'/g, "''")}'`];
  for (let i = block.from; i < block.to; i++) {
    const line = lines[i];
    if (indentOf(line) !== block.col && i !== block.dashLine) continue;
    const rest = line.slice(block.col);
    for (const form of forms) {
      if (rest.startsWith(form) && /^[ ]*:(?:[ \t]|$)/.test(rest.slice(form.length))) return i;
    }
  }
  return -1;
}

/** The lines after a key's line that belong to its value: up to a line at the key's column or less. */
function valueEnd(lines: string[], keyLine: number, col: number, limit: number): number {
  let end = keyLine + 1;
  // A block sequence may stand at the key's own column (`containers:` then `- name: app`).
  const own = (line: string) => indentOf(line) > col || isEntryStart(line, col);
  while (end < limit && (isBlankOrComment(lines[end]) || own(lines[end]))) end++;
  // Trailing blank lines and comments stay where they are (they may belong to what follows).
  while (end > keyLine + 1 && isBlankOrComment(lines[end - 1])) end--;
  return end;
}

/** A block sequence: its `-` column, the first line of each entry, where it ends. */
interface Sequence {
  seqCol: number;
  starts: number[];
  end: number;
}

/** A line that starts a block sequence entry with its `-` at `col`. */
function isEntryStart(line: string, col: number): boolean {
  if (indentOf(line) !== col || line.charCodeAt(col) !== 45) return false;
  return line.length === col + 1 || line[col + 1] === ' ';
}

/** The entries of the block sequence that is the value of the pair at `keyLine`. */
function sequenceEntries(
  lines: string[],
  keyLine: number,
  col: number,
  limit: number,
): Sequence | undefined {
  const rest = afterColon(lines[keyLine]);
  if (rest === undefined || !/^[ \t]*(#.*)?$/.test(rest)) return undefined;
  const end = valueEnd(lines, keyLine, col, limit);
  let first = keyLine + 1;
  while (first < end && isBlankOrComment(lines[first])) first++;
  if (first >= end) return undefined;
  const seqCol = indentOf(lines[first]);
  if (!isEntryStart(lines[first], seqCol)) return undefined;
  const starts: number[] = [];
  for (let i = first; i < end; i++) {
    if (isEntryStart(lines[i], seqCol)) starts.push(i);
    else if (!isBlankOrComment(lines[i]) && indentOf(lines[i]) <= seqCol) return undefined;
  }
  return { seqCol, starts, end };
}

/** Entry `index` of a block sequence, as the mapping it holds; undefined if it holds none. */
function entryBlock(lines: string[], seq: Sequence, index: number): Block | undefined {
  const from = seq.starts[index];
  if (from === undefined) return undefined;
  let to = index + 1 < seq.starts.length ? seq.starts[index + 1] : seq.end;
  while (to > from + 1 && isBlankOrComment(lines[to - 1])) to--;
  const dash = lines[from];
  const content = dash.slice(seq.seqCol + 1);
  const col = seq.seqCol + 1 + (content.length - content.trimStart().length);
  if (content.trim() === '' || content.trimStart().startsWith('#')) {
    // `-` alone on its line: the mapping starts on the next line.
    let first = from + 1;
    while (first < to && isBlankOrComment(lines[first])) first++;
    if (first >= to) return undefined;
    return { from: first, to, col: indentOf(lines[first]) };
  }
  // A mapping starts with a key: not a nested sequence, a flow collection, a scalar indicator.
  const first = content.trimStart();
  if (/^[-[{'"|>!&*?]/.test(first) && !/^["'][\s\S]*["'][ ]*:/.test(first)) return undefined;
  return { from, to, col, dashLine: from };
}

/** The block mapping that is the value of the pair at `keyLine`, or undefined if it is not one. */
function childBlock(
  lines: string[],
  keyLine: number,
  col: number,
  limit: number,
): Block | undefined {
  const rest = afterColon(lines[keyLine]);
  if (rest === undefined || !/^[ \t]*(#.*)?$/.test(rest)) return undefined;
  const end = valueEnd(lines, keyLine, col, limit);
  let first = keyLine + 1;
  while (first < end && isBlankOrComment(lines[first])) first++;
  if (first >= end) return undefined;
  const childCol = indentOf(lines[first]);
  if (lines[first].startsWith('-', childCol)) return undefined;
  return { from: keyLine + 1, to: end, col: childCol };
}

/** Finds the block mapping at `path`, or undefined. */
function blockAt(
  lines: string[],
  root: Block,
  path: Path,
): { block: Block; keyLine: number } | undefined {
  let block = root;
  let keyLine = -1;
  for (let i = 0; i < path.length; i++) {
    const key = path[i];
    if (typeof key === 'number') return undefined; // an index follows its sequence's key
    keyLine = findKey(lines, block, key);
    if (keyLine < 0) return undefined;
    const keyCol = block.col;
    const index = path[i + 1];
    if (typeof index === 'number') {
      const seq = sequenceEntries(lines, keyLine, keyCol, block.to);
      const entry = seq && entryBlock(lines, seq, index);
      if (!entry) return undefined;
      block = entry;
      i++;
      continue;
    }
    const child = childBlock(lines, keyLine, keyCol, block.to);
    if (!child) return undefined;
    block = child;
  }
  return { block, keyLine };
}

function applyChange(
  lines: string[],
  rootCol: number,
  change: Change,
  before: unknown,
  after: unknown,
  current: unknown,
): boolean {
  const root: Block = { from: 0, to: lines.length, col: rootCol };
  const found = blockAt(lines, root, change.parent);
  if (!found) return insertParent(lines, root, change, before, after, current);
  const { block } = found;
  const keyLine = findKey(lines, block, change.key);
  if (change.append || change.dropEntries) {
    if (keyLine < 0 || !editEntries(lines, block, keyLine, change)) return false;
  } else if (keyLine >= 0) {
    const end = valueEnd(lines, keyLine, block.col, block.to);
    const replacement = change.remove
      ? []
      : emitPairAt(change.key, change.value, block.col).split('\n');
    if (keyLine === block.dashLine) {
      // The entry's `- ` stays: a pair is put after it, and the first pair is never removed.
      if (change.remove) return false;
      replacement[0] = lines[keyLine].slice(0, block.col) + replacement[0].slice(block.col);
    }
    lines.splice(keyLine, end - keyLine, ...replacement);
  } else if (change.remove) {
    return true;
  } else {
    let last = block.to;
    while (last > block.from && isBlankOrComment(lines[last - 1])) last--;
    lines.splice(last, 0, ...emitPairAt(change.key, change.value, block.col).split('\n'));
  }
  applyToValue(current, change);
  return verify(lines, { from: 0, to: lines.length, col: rootCol }, change.parent, current);
}

/** `change` made to the value `current` reads as: what its text must read back as. */
function applyToValue(current: unknown, change: Change): void {
  const parent = ownedAt(current, change.parent);
  if (!isMap(parent)) throw new Error('no parent');
  const seq = parent[change.key];
  const drop = change.dropEntries;
  if (change.append)
    parent[change.key] = [...(seq as unknown[]), ...structuredClone(change.append)];
  else if (drop) parent[change.key] = (seq as unknown[]).filter((_, i) => !drop.includes(i));
  else if (change.remove) delete parent[change.key];
  else parent[change.key] = structuredClone(change.value);
}

/** Sets the value at `path` of `current`, making the mappings on the way. */
function setAt(current: unknown, path: Path, value: unknown): void {
  type Node = Record<string | number, unknown>;
  let cur = current as Node;
  path.forEach((key, i) => {
    if (i === path.length - 1) {
      cur[key] = structuredClone(value);
      return;
    }
    const next = cur[key];
    cur[key] = typeof next !== 'object' || next === null ? {} : copyOf(next);
    cur = cur[key] as Node;
  });
}

/** The value at `path` of `current`, each step on the way copied first (copy on write). */
function ownedAt(current: unknown, path: Path): unknown {
  type Node = Record<string | number, unknown>;
  let cur = current as Node;
  for (const key of path) {
    const next = cur?.[key];
    if (typeof next !== 'object' || next === null) return next;
    cur[key] = copyOf(next);
    cur = cur[key] as Node;
  }
  return cur;
}

function copyOf(v: object): object {
  return Array.isArray(v) ? [...v] : { ...v };
}

/** Whether a path names a pair (ends in a key): a sequence entry is checked with its sequence. */
function pairPath(path: Path): Path {
  let end = path.length;
  while (end > 0 && typeof path[end - 1] === 'number') end--;
  return path.slice(0, end);
}

/** Appends entries to, or removes entries from, the block sequence of the pair at `keyLine`. */
function editEntries(lines: string[], block: Block, keyLine: number, change: Change): boolean {
  const seq = sequenceEntries(lines, keyLine, block.col, block.to);
  if (!seq) return false;
  if (change.dropEntries) {
    // From the last, so that the earlier entries' lines stay where they were found.
    for (const i of [...change.dropEntries].reverse()) {
      const from = seq.starts[i];
      if (from === undefined) return false;
      let to = i + 1 < seq.starts.length ? seq.starts[i + 1] : seq.end;
      while (to > from + 1 && isBlankOrComment(lines[to - 1])) to--;
      lines.splice(from, to - from);
    }
    if (seq.starts.length === change.dropEntries.length) return false; // never leaves `key:` empty
    return true;
  }
  let last = seq.end;
  while (last > keyLine + 1 && isBlankOrComment(lines[last - 1])) last--;
  lines.splice(last, 0, ...sequenceLines(change.append ?? [], seq.seqCol));
  return true;
}

/** `entries` as block sequence entries with their `-` at column `col`. */
function sequenceLines(entries: unknown[], col: number): string[] {
  const emitted = emitPairAt('x', entries, col + 2)
    .split('\n')
    .slice(1);
  const shift = col - indentOf(emitted[0]);
  if (!emitted[0].trimStart().startsWith('- ')) throw new Error('not a block sequence');
  return emitted.map((l) => (l === '' ? l : shift >= 0 ? ' '.repeat(shift) + l : l.slice(-shift)));
}

/**
 * A change under a mapping that is not in the text (or is empty: `annotations: {}`, `~` or
 * nothing): the nearest existing ancestor gets the whole missing pair.
 */
function insertParent(
  lines: string[],
  root: Block,
  change: Change,
  before: unknown,
  after: unknown,
  current: unknown,
): boolean {
  if (change.remove) return true;
  for (let depth = change.parent.length - 1; depth >= 0; depth--) {
    const ancestor = change.parent.slice(0, depth);
    const found = blockAt(lines, root, ancestor);
    if (!found) continue;
    const key = change.parent[depth];
    if (typeof key !== 'string') return false;
    const value = valueAt(after, [...ancestor, key]);
    const keyLine = findKey(lines, found.block, key);
    if (keyLine >= 0) {
      // Present, but empty or written in flow style: only an empty value is replaced.
      const rest = afterColon(lines[keyLine]);
      const emptyValue = rest !== undefined && isEmptyValue(rest);
      const end = valueEnd(lines, keyLine, found.block.col, found.block.to);
      if (end !== keyLine + 1) return false;
      if (found.block.dashLine === keyLine) return false;
      if (emptyValue) {
        lines.splice(keyLine, 1, ...emitPairAt(key, value, found.block.col).split('\n'));
        setAt(current, [...ancestor, key], value);
      } else if (
        !insertIntoFlowMap(lines, keyLine, [...ancestor, key], change, before, after, current)
      ) {
        return false;
      }
    } else {
      let last = found.block.to;
      while (last > found.block.from && isBlankOrComment(lines[last - 1])) last--;
      lines.splice(last, 0, ...emitPairAt(key, value, found.block.col).split('\n'));
      setAt(current, [...ancestor, key], value);
    }
    return verify(lines, { ...root, to: lines.length }, ancestor, current);
  }
  return false;
}

export function valueAt(v: unknown, path: Path): unknown {
  let cur = v;
  for (const key of path) {
    if (typeof key === 'number') cur = Array.isArray(cur) ? cur[key] : undefined;
    else cur = isMap(cur) ? cur[key] : undefined;
  }
  return cur;
}

/**
 * The text of the pair at `path` (its key line and value lines), or of the whole entry for the
 * root: what an edit may have changed, read back on its own.
 */
function regionText(lines: string[], path: Path, root: Block): string | undefined {
  if (path.length === 0) return lines.join('\n');
  const parent = blockAt(lines, root, path.slice(0, -1));
  const key = path[path.length - 1];
  if (!parent || typeof key !== 'string') return undefined;
  const keyLine = findKey(lines, parent.block, key);
  if (keyLine < 0) return undefined;
  const end = valueEnd(lines, keyLine, parent.block.col, parent.block.to);
  const region = lines.slice(keyLine, end);
  // A pair on an entry's `- ` line is read on its own, without the dash.
  const col = parent.block.col;
  if (keyLine === parent.block.dashLine) region[0] = ' '.repeat(col) + region[0].slice(col);
  return region.join('\n');
}

/** The edited region reads back as `after` has it there. */
function verify(lines: string[], root: Block, at: Path, after: unknown): boolean {
  const path = pairPath(at);
  const text = regionText(lines, path, root);
  if (text === undefined) return false;
  let read: unknown;
  try {
    read = readRegion(text);
  } catch {
    return false;
  }
  const last = String(path[path.length - 1]);
  const expected = path.length === 0 ? after : { [last]: valueAt(after, path) };
  return deepEqual(read, expected);
}

/**
 * `metadata: {name: pg, namespace: demo}` on one line: the missing pair goes in before the
 * closing brace, in flow style (JSON, which both Go readers read as YAML), the rest untouched.
 */
function insertIntoFlowMap(
  lines: string[],
  keyLine: number,
  at: Path,
  change: Change,
  before: unknown,
  after: unknown,
  current: unknown,
): boolean {
  const line = lines[keyLine];
  const rest = afterColon(line);
  if (rest === undefined || rest.includes('#')) return false;
  const m = flowMapParts(rest);
  if (!m) return false;
  const missing = [...change.parent, change.key][at.length];
  if (missing === undefined || valueAt(before, [...at, missing]) !== undefined) return false;
  if (typeof missing !== 'string') return false;
  const value = valueAt(after, [...at, missing]);
  setAt(current, [...at, missing], value);
  const pair = `${JSON.stringify(missing)}: ${JSON.stringify(value)}`;
  const head = line.slice(0, line.length - rest.length);
  lines[keyLine] = `${head}${m[1]}${m[2]}${m[2].trim() === '' ? '' : ', '}${pair}${m[3]}}`;
  return true;
}

/** Whether two texts read as the same value (dbtls's reading). */
export function sameValue(a: string, b: string): boolean {
  try {
    return deepEqual(load(a, READ_OPTIONS), load(b, READ_OPTIONS));
  } catch {
    return false;
  }
}

const READ_OPTIONS = { schema: KUBERNETES_SCHEMA, maxAliases: 0 };
let regionReader: BlockReader | undefined;

/**
 * A region of an entry (lines whose first is a key at some column c, or the whole entry) read on
 * its own: by the block reader as the one entry of a sequence at column c - 2 (most regions are
 * plain block YAML, and this runs for every database), or else by js-yaml.
 */
function readRegion(text: string): unknown {
  const col = text.length - text.trimStart().length;
  if (col >= 2 && !text.trimStart().startsWith('#')) {
    regionReader ??= new BlockReader(KUBERNETES_SCHEMA, LIMITS.maxDepth);
    const entry = `${text.slice(0, col - 2)}- ${text.slice(col)}\n`;
    const read = regionReader.readSequence(entry, col - 2);
    if (read !== undefined && read.length === 1) return read[0];
  }
  return load(`${text}\n`, READ_OPTIONS);
}
