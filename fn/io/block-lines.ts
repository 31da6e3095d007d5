// Where things are in an item's block YAML lines: the line of a key, the lines of its value, the
// block mapping at a path, the entries of a block sequence. Read from the indentation alone, so
// that ./text-edit.ts can replace whole lines; whatever these find is read back and checked there.
import { afterColon } from './line-scan.js';
import type { Path } from './value-diff.js';

/**
 * Lines [from, to) of a mapping whose keys are at column `col`; a mapping that is a sequence
 * entry has its first key on the entry's `- ` line (`dashLine`).
 */
export interface Block {
  from: number;
  to: number;
  col: number;
  dashLine?: number;
}

export const indentOf = (line: string) => line.length - line.trimStart().length;
const isBlankOrComment = (line: string) => {
  const t = line.trim();
  return t === '' || t.startsWith('#');
};

/**
 * The end of lines [from, to) without their trailing blank lines and comments (which stay where
 * they are: they may belong to what follows); never before `from`.
 */
export function contentEnd(lines: string[], from: number, to: number): number {
  let end = to;
  while (end > from && isBlankOrComment(lines[end - 1])) end--;
  return end;
}

/** The line of `key`'s pair among the keys of `block`, or -1. */
export function findKey(lines: string[], block: Block, key: string): number {
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
export function valueEnd(lines: string[], keyLine: number, col: number, limit: number): number {
  let end = keyLine + 1;
  // A block sequence may stand at the key's own column (`containers:` then `- name: app`).
  const own = (line: string) => indentOf(line) > col || isEntryStart(line, col);
  while (end < limit && (isBlankOrComment(lines[end]) || own(lines[end]))) end++;
  return contentEnd(lines, keyLine + 1, end);
}

/**
 * The value lines of the pair at `keyLine` when its value is a block on the lines below (nothing
 * but a comment after its colon): the first that holds content, and where they end; else undefined.
 */
function blockValueLines(
  lines: string[],
  keyLine: number,
  col: number,
  limit: number,
): { first: number; end: number } | undefined {
  const rest = afterColon(lines[keyLine]);
  if (rest === undefined || !/^[ \t]*(#.*)?$/.test(rest)) return undefined;
  const end = valueEnd(lines, keyLine, col, limit);
  let first = keyLine + 1;
  while (first < end && isBlankOrComment(lines[first])) first++;
  return first >= end ? undefined : { first, end };
}

/** A block sequence: its `-` column, the first line of each entry, where it ends. */
export interface Sequence {
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
export function sequenceEntries(
  lines: string[],
  keyLine: number,
  col: number,
  limit: number,
): Sequence | undefined {
  const value = blockValueLines(lines, keyLine, col, limit);
  if (!value) return undefined;
  const { first, end } = value;
  const seqCol = indentOf(lines[first]);
  if (!isEntryStart(lines[first], seqCol)) return undefined;
  const starts: number[] = [];
  for (let i = first; i < end; i++) {
    if (isEntryStart(lines[i], seqCol)) starts.push(i);
    else if (!isBlankOrComment(lines[i]) && indentOf(lines[i]) <= seqCol) return undefined;
  }
  return { seqCol, starts, end };
}

/** Where entry `index` of a block sequence ends, without its trailing blank lines and comments. */
export function entryEnd(lines: string[], seq: Sequence, index: number): number {
  const to = index + 1 < seq.starts.length ? seq.starts[index + 1] : seq.end;
  return contentEnd(lines, seq.starts[index] + 1, to);
}

/** Entry `index` of a block sequence, as the mapping it holds; undefined if it holds none. */
function entryBlock(lines: string[], seq: Sequence, index: number): Block | undefined {
  const from = seq.starts[index];
  if (from === undefined) return undefined;
  const to = entryEnd(lines, seq, index);
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
  const value = blockValueLines(lines, keyLine, col, limit);
  if (!value) return undefined;
  const childCol = indentOf(lines[value.first]);
  if (lines[value.first].startsWith('-', childCol)) return undefined;
  return { from: keyLine + 1, to: value.end, col: childCol };
}

/** Finds the block mapping at `path`, or undefined. */
export function blockAt(
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

/**
 * The text of the pair at `path` (its key line and value lines), or of the whole entry for the
 * root: what an edit may have changed, read back on its own.
 */
export function regionText(lines: string[], path: Path, root: Block): string | undefined {
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
