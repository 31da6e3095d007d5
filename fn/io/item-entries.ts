// Where each entry of a ResourceList's `items:` block sequence starts, found line by line: the
// cut for parsing a large list in pieces (./yaml.ts) and each item's own text (./item-sources.ts).
// It imports only ./line-scan.ts, which imports nothing, so both can use it without an import cycle.
import { closingQuote } from './line-scan.js';

/** The entries of a ResourceList's top-level `items:` block sequence. */
export interface ItemEntries {
  indent: number;
  starts: number[];
  end: number;
}

/**
 * The entries of the `items:` block sequence at the top level of a ResourceList: each starts at
 * a line with `-` at the sequence's column, followed by a space or the line's end. Inside an
 * entry a line indented no more than that column is blank, a comment, or ends the sequence, so
 * this needs no parsing; the caller checks that it found as many entries as the parser did.
 */
export function findItemEntries(text: string): ItemEntries | undefined {
  // Asked twice of one input (to cut pieces, then to record texts): the second time is free.
  if (lastEntries?.text === text) return lastEntries.entries;
  const entries = scanItemEntries(text);
  lastEntries = { text, entries };
  return entries;
}

let lastEntries: { text: string; entries: ItemEntries | undefined } | undefined;

function scanItemEntries(text: string): ItemEntries | undefined {
  const start = afterItemsKey(text);
  if (start < 0) return undefined;
  const first = firstEntry(text, start);
  if (!first) return undefined;
  const { indent } = first;
  const opener = `${' '.repeat(indent)}-`;
  const starts: number[] = [];
  let at = first.end - indent - 1;
  let end = text.length;
  while (at < text.length) {
    const eol = text.indexOf('\n', at);
    const next = eol < 0 ? text.length : eol + 1;
    if (text.startsWith(opener, at)) {
      const after = text.charCodeAt(at + opener.length);
      if (after !== 32 && after !== 10 && after !== 13 && !Number.isNaN(after)) {
        end = at;
        break;
      }
      starts.push(at);
    } else if (endsSequence(text, at, next, indent)) {
      end = at;
      break;
    }
    at = next;
  }
  return { indent, starts, end };
}

/**
 * Where the first line `items:` (then only spaces or tabs and a comment) ends, or -1. Line by line:
 * the pattern `/^items:[ \t]*(?:#[^\n]*)?\r?\n/m` this replaces took quadratic time on many
 * `items:#` lines without a line break.
 */
function afterItemsKey(text: string): number {
  for (let at = 0; at < text.length; ) {
    let eol = text.indexOf('\n', at);
    if (eol < 0) eol = text.length;
    if (text.startsWith('items:', at) && eol < text.length) {
      let i = at + 6;
      while (i < eol && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
      const rest = text.charCodeAt(i);
      if (i === eol || rest === 35 || (rest === 13 && i + 1 === eol)) return eol + 1;
    }
    at = eol + 1;
  }
  return -1;
}

/**
 * The first line from `start` on that is not blank or a comment, when it opens a sequence entry
 * (`-` after spaces, then a space, a line break or the end): its indentation and where its `-`
 * ends. Line by line, as afterItemsKey.
 */
function firstEntry(text: string, start: number): { indent: number; end: number } | undefined {
  for (let at = start; at < text.length; ) {
    let i = at;
    while (text.charCodeAt(i) === 32) i++;
    const c = text.charCodeAt(i);
    if (c === 45) {
      const after = text.charCodeAt(i + 1);
      if (!(after === 32 || after === 13 || after === 10 || Number.isNaN(after))) return undefined;
      return { indent: i - at, end: i + 1 };
    }
    // A blank line or a comment: on to the next line (a line without a break ends the search).
    if (c !== 35 && c !== 10 && !(c === 13 && text.charCodeAt(i + 1) === 10)) return undefined;
    const eol = text.indexOf('\n', i);
    if (eol < 0) return undefined;
    at = eol + 1;
  }
  return undefined;
}

/** A line indented no more than `indent` that is neither blank nor a comment. */
function endsSequence(text: string, at: number, next: number, indent: number): boolean {
  let i = at;
  while (i < next && text.charCodeAt(i) === 32) i++;
  if (i - at > indent || i >= next) return false;
  const c = text.charCodeAt(i);
  return c !== 35 && c !== 10 && !(c === 13 && text.charCodeAt(i + 1) === 10);
}

/**
 * The entries of a ResourceList's `items` when they are a flow sequence: a JSON ResourceList, or
 * `items: [{…}, {…}]` under a block envelope. Each entry as [start, end) of its text, found in
 * one pass that skips quoted scalars and comments and counts brackets; undefined when the text
 * is not of that shape (the caller checks the count against what the parser read).
 */
export function findFlowItemEntries(text: string): { start: number; end: number }[] | undefined {
  const open = flowItemsOpening(text);
  if (open < 0) return undefined;
  const entries: { start: number; end: number }[] = [];
  let depth = 0;
  let tokenStart = true; // a quote here opens a quoted scalar
  let start = -1;
  let last = -1; // the end of the entry's last character so far
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') continue;
    if (c === '#' && /\s/.test(text[i - 1])) {
      const eol = text.indexOf('\n', i);
      if (eol < 0) return undefined;
      i = eol;
      continue;
    }
    if (depth === 1 && start < 0 && c !== ',' && c !== ']') start = i;
    if ((c === '"' || c === "'") && tokenStart) {
      i = closingQuote(text, i);
      if (i < 0) return undefined;
      last = i + 1;
      tokenStart = false;
      continue;
    }
    if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
    if (depth === 1 && c === ',') {
      if (start >= 0) entries.push({ start, end: last });
      start = -1;
    } else if (depth === 0) {
      if (start >= 0) entries.push({ start, end: last });
      return entries;
    } else last = i + 1;
    tokenStart = c === '[' || c === '{' || c === ',' || c === ':';
  }
  return undefined;
}

/** The `[` of a top-level `items`: in a JSON (flow) envelope, or on the line `items:` of a block one. */
function flowItemsOpening(text: string): number {
  let i = 0;
  while (i < text.length && /[\s\uFEFF]/.test(text[i])) i++;
  if (text[i] === '{') {
    // The envelope's keys are at depth 1: find "items" (or items) there.
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const c = text[j];
      if (c === '"' || c === "'") {
        const end = closingQuote(text, j);
        if (end < 0) return -1;
        if (depth === 1 && text.slice(j + 1, end) === 'items') return afterColon(text, end + 1);
        j = end;
      } else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') depth--;
      else if (depth === 1 && text.startsWith('items', j) && /[\s{,]/.test(text[j - 1]))
        return afterColon(text, j + 5);
    }
    return -1;
  }
  const at = afterItemsKeyOnLine(text);
  return at < 0 ? -1 : afterColon(text, at);
}

/** After a key: blanks, `:`, blanks, then `[` — its index, or -1. */
function afterColon(text: string, from: number): number {
  let j = from;
  while (text[j] === ' ' || text[j] === '\t') j++;
  if (text[j] !== ':') return -1;
  j++;
  while (text[j] === ' ' || text[j] === '\t' || text[j] === '\r' || text[j] === '\n') j++;
  return text[j] === '[' ? j : -1;
}

/** Where `items` ends on a line `items: [` of a block envelope, or -1. */
function afterItemsKeyOnLine(text: string): number {
  for (let at = 0; at < text.length; ) {
    let eol = text.indexOf('\n', at);
    if (eol < 0) eol = text.length;
    if (text.startsWith('items', at) && afterColon(text, at + 5) >= 0) return at + 5;
    at = eol + 1;
  }
  return -1;
}
