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
import {
  type Block,
  blockAt,
  contentEnd,
  entryEnd,
  findKey,
  indentOf,
  regionText,
  sequenceEntries,
  valueEnd,
} from './block-lines.js';
import { flowMapParts, isEmptyValue, afterColon } from './line-scan.js';
import { isObj } from './objects.js';
import { type Change, changesBetween, deepEqual, type Path, valueAt } from './value-diff.js';
import { LIMITS } from './yaml-limits.js';
import { KUBERNETES_SCHEMA } from './yaml-schema.js';

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
  if (!isObj(before) || !isObj(after)) return undefined;
  const changes = changesBetween(before, after);
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
    const last = contentEnd(lines, block.from, block.to);
    lines.splice(last, 0, ...emitPairAt(change.key, change.value, block.col).split('\n'));
  }
  applyToValue(current, change);
  return verify(lines, { from: 0, to: lines.length, col: rootCol }, change.parent, current);
}

/** `change` made to the value `current` reads as: what its text must read back as. */
function applyToValue(current: unknown, change: Change): void {
  const parent = ownedAt(current, change.parent);
  if (!isObj(parent)) throw new Error('no parent');
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
      lines.splice(from, entryEnd(lines, seq, i) - from);
    }
    if (seq.starts.length === change.dropEntries.length) return false; // never leaves `key:` empty
    return true;
  }
  const last = contentEnd(lines, keyLine + 1, seq.end);
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
      const last = contentEnd(lines, found.block.from, found.block.to);
      lines.splice(last, 0, ...emitPairAt(key, value, found.block.col).split('\n'));
      setAt(current, [...ancestor, key], value);
    }
    return verify(lines, { ...root, to: lines.length }, ancestor, current);
  }
  return false;
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
