// Exact edits of an item's text: the fields dbtls sets are inserted, replaced or removed as whole
// lines of block YAML, and every other line stays as the user wrote it. Each edited mapping is
// read back and compared with the value dbtls meant; anything this cannot do exactly (a flow
// mapping, a change that would move a block scalar's trailing lines) is declined, and the item is
// then written from its value instead.
import { load } from 'js-yaml';
import { emitPairAt } from './emit.js';
import { BlockReader } from './block-yaml.js';
import { KUBERNETES_SCHEMA, LIMITS } from './yaml.js';

type Path = readonly string[];
interface Change { parent: Path; key: string; value?: unknown; remove?: true }

/**
 * `entry` (a block sequence entry: `- ` at column rootCol - 2 on its first line) edited so that
 * it reads as `after` where it read as `before`; undefined when that cannot be done exactly.
 */
export function editText(entry: string, rootCol: number, before: unknown, after: unknown): string | undefined {
  if (!isMap(before) || !isMap(after)) return undefined;
  const changes: Change[] = [];
  diff(before, after, [], changes);
  const lines = entry.split('\n');
  const dash = rootCol - 2;
  if (!lines[0].startsWith('- ', dash)) return undefined;
  // Seen as a mapping at rootCol: the entry's `- ` stands for two columns of indentation.
  lines[0] = `${lines[0].slice(0, dash)}  ${lines[0].slice(dash + 2)}`;
  try {
    for (const change of changes) {
      if (!applyChange(lines, rootCol, change, before, after)) return undefined;
    }
  } catch {
    return undefined; // a value the emitter cannot write as a pair: written whole instead
  }
  if (!lines[0].startsWith('  ', dash) || lines[0].length <= rootCol) return undefined;
  lines[0] = `${lines[0].slice(0, dash)}- ${lines[0].slice(dash + 2)}`;
  return lines.join('\n');
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The fields of `after` that differ from `before`, as changes of whole pairs. */
function diff(before: Record<string, unknown>, after: Record<string, unknown>, parent: Path, out: Change[]): void {
  for (const key of Object.keys(after)) {
    const a = after[key];
    if (a === undefined) continue;
    const b = Object.hasOwn(before, key) ? before[key] : undefined;
    if (a === b) continue; // shared with the input: dbtls copies only what it changes
    if (b === undefined) out.push({ parent, key, value: a });
    else if (isMap(a) && isMap(b)) diff(b, a, [...parent, key], out);
    else if (!deepEqual(a, b)) out.push({ parent, key, value: a });
  }
  for (const key of Object.keys(before)) {
    if (before[key] !== undefined && (!Object.hasOwn(after, key) || after[key] === undefined)) {
      out.push({ parent, key, remove: true });
    }
  }
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
  return ka.length === kb.length
    && ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Lines [from, to) of a mapping whose keys are at column `col`. */
interface Block { from: number; to: number; col: number }

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
    if (indentOf(line) !== block.col) continue;
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
  while (end < limit && (isBlankOrComment(lines[end]) || indentOf(lines[end]) > col)) end++;
  // Trailing blank lines and comments stay where they are (they may belong to what follows).
  while (end > keyLine + 1 && isBlankOrComment(lines[end - 1])) end--;
  return end;
}

/** The block mapping that is the value of the pair at `keyLine`, or undefined if it is not one. */
function childBlock(lines: string[], keyLine: number, col: number, limit: number): Block | undefined {
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

/** What follows the first `: ` (or final `:`) of a key line, outside quotes. */
function afterColon(line: string): string | undefined {
  const m = /^[ ]*(?:"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^"'#\s?][^\n]*?)[ ]*:(?=[ \t]|$)/.exec(line);
  return m ? line.slice(m[0].length) : undefined;
}

/** Finds the block mapping at `path`, or undefined. */
function blockAt(lines: string[], root: Block, path: Path): { block: Block; keyLine: number } | undefined {
  let block = root;
  let keyLine = -1;
  for (const key of path) {
    keyLine = findKey(lines, block, key);
    if (keyLine < 0) return undefined;
    const child = childBlock(lines, keyLine, block.col, block.to);
    if (!child) return undefined;
    block = child;
  }
  return { block, keyLine };
}

function applyChange(lines: string[], rootCol: number, change: Change, before: unknown, after: unknown): boolean {
  const root: Block = { from: 0, to: lines.length, col: rootCol };
  const found = blockAt(lines, root, change.parent);
  if (!found) return insertParent(lines, root, change, before, after);
  const { block } = found;
  const keyLine = findKey(lines, block, change.key);
  if (keyLine >= 0) {
    const end = valueEnd(lines, keyLine, block.col, block.to);
    const replacement = change.remove ? [] : emitPairAt(change.key, change.value, block.col).split('\n');
    lines.splice(keyLine, end - keyLine, ...replacement);
  } else if (change.remove) {
    return true;
  } else {
    let last = block.to;
    while (last > block.from && isBlankOrComment(lines[last - 1])) last--;
    lines.splice(last, 0, ...emitPairAt(change.key, change.value, block.col).split('\n'));
  }
  return verify(lines, root, change.parent, after);
}

/**
 * A change under a mapping that is not in the text (or is empty: `annotations: {}`, `~` or
 * nothing): the nearest existing ancestor gets the whole missing pair.
 */
function insertParent(lines: string[], root: Block, change: Change, before: unknown, after: unknown): boolean {
  if (change.remove) return true;
  for (let depth = change.parent.length - 1; depth >= 0; depth--) {
    const ancestor = change.parent.slice(0, depth);
    const found = blockAt(lines, root, ancestor);
    if (!found) continue;
    const key = change.parent[depth];
    const value = valueAt(after, [...ancestor, key]);
    const keyLine = findKey(lines, found.block, key);
    if (keyLine >= 0) {
      // Present, but empty or written in flow style: only an empty value is replaced.
      const rest = afterColon(lines[keyLine]);
      const emptyValue = rest !== undefined && /^[ \t]*(\{\}|~|null|Null|NULL)?[ \t]*(#.*)?$/.test(rest);
      const end = valueEnd(lines, keyLine, found.block.col, found.block.to);
      if (end !== keyLine + 1) return false;
      if (emptyValue) lines.splice(keyLine, 1, ...emitPairAt(key, value, found.block.col).split('\n'));
      else if (!insertIntoFlowMap(lines, keyLine, [...ancestor, key], change, before, after)) return false;
    } else {
      let last = found.block.to;
      while (last > found.block.from && isBlankOrComment(lines[last - 1])) last--;
      lines.splice(last, 0, ...emitPairAt(key, value, found.block.col).split('\n'));
    }
    return verify(lines, root, ancestor, after);
  }
  return false;
}

function valueAt(v: unknown, path: Path): unknown {
  let cur = v;
  for (const key of path) cur = isMap(cur) ? cur[key] : undefined;
  return cur;
}

/**
 * The text of the pair at `path` (its key line and value lines), or of the whole entry for the
 * root: what an edit may have changed, read back on its own.
 */
function regionText(lines: string[], path: Path, root: Block): string | undefined {
  if (path.length === 0) return lines.join('\n');
  const parent = blockAt(lines, root, path.slice(0, -1));
  if (!parent) return undefined;
  const keyLine = findKey(lines, parent.block, path[path.length - 1]);
  if (keyLine < 0) return undefined;
  const end = valueEnd(lines, keyLine, parent.block.col, parent.block.to);
  return lines.slice(keyLine, end).join('\n');
}

/** The edited region reads back as `after` has it there. */
function verify(lines: string[], root: Block, path: Path, after: unknown): boolean {
  const text = regionText(lines, path, root);
  if (text === undefined) return false;
  let read: unknown;
  try {
    read = readRegion(text);
  } catch {
    return false;
  }
  const expected = path.length === 0 ? after : { [path[path.length - 1]]: valueAt(after, path) };
  return deepEqual(read, expected);
}

/**
 * `metadata: {name: pg, namespace: demo}` on one line: the missing pair goes in before the
 * closing brace, in flow style (JSON, which both Go readers read as YAML), the rest untouched.
 */
function insertIntoFlowMap(lines: string[], keyLine: number, at: Path, change: Change, before: unknown, after: unknown): boolean {
  const line = lines[keyLine];
  const rest = afterColon(line);
  if (rest === undefined || rest.includes('#')) return false;
  const m = /^([ \t]*\{)(.*?)([ \t]*)\}[ \t]*$/.exec(rest);
  if (!m) return false;
  const missing = [...change.parent, change.key][at.length];
  if (missing === undefined || valueAt(before, [...at, missing]) !== undefined) return false;
  const value = valueAt(after, [...at, missing]);
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
