// The text each item came in as. A KRM function's output is written back into the user's files,
// so what dbtls does not change must come out as it came in: its own text, byte for byte, with
// its comments, quoting and number forms (as kyaml, under kpt and kustomize, leaves every node it
// does not touch). Items dbtls changes (a database marked local-config, a policy's
// defaultIssuerRef) are edited in their text, only where dbtls sets a field (./text-edit.ts).
// Only what has no text of its own (dbtls's generated objects, input that is not block YAML) is
// written from its value by ./emit.ts.
import type { ItemLayout } from './emit.js';
import { editText, sameValue } from './text-edit.js';

/**
 * Where an item's text is: a block sequence entry of `text`, `- ` at column `indent`; or, for a
 * document of a file (`render DIR`), the document's lines between its markers.
 */
export interface ItemSource { text: string; start: number; end: number; indent: number; document?: true }

/** The entries of a ResourceList's top-level `items:` block sequence. */
export interface ItemEntries { indent: number; starts: number[]; end: number }

const SOURCES = new WeakMap<object, ItemSource>();
/** An object dbtls made from another (a changed database): its text is an edit of the other's. */
const DERIVED = new WeakMap<object, object>();
/** Objects that two entries share (an alias item `- *a`): they have no text of their own. */
const AMBIGUOUS = new WeakSet<object>();

/**
 * The entries of the `items:` block sequence at the top level of a ResourceList: each starts at
 * a line with `-` at the sequence's column, followed by a space or the line's end. Inside an
 * entry a line indented no more than that column is blank, a comment, or ends the sequence, so
 * this needs no parsing; the caller checks that it found as many entries as the parser did.
 */
export function findItemEntries(text: string): ItemEntries | undefined {
  const header = /^items:[ ]*\r?\n/m.exec(text);
  if (!header) return undefined;
  const start = header.index + header[0].length;
  // The sequence's column: `-` at the start of the first line that is not blank or a comment.
  const first = /(?:[ ]*(?:#[^\n]*)?\r?\n)*( *)-(?=[ \r\n]|$)/y;
  first.lastIndex = start;
  const m = first.exec(text);
  if (!m) return undefined;
  const indent = m[1].length;
  const opener = `${' '.repeat(indent)}-`;
  const starts: number[] = [];
  let at = m.index + m[0].length - indent - 1;
  let end = text.length;
  while (at < text.length) {
    const eol = text.indexOf('\n', at);
    const next = eol < 0 ? text.length : eol + 1;
    if (text.startsWith(opener, at)) {
      const after = text.charCodeAt(at + opener.length);
      if (after !== 32 && after !== 10 && after !== 13 && !Number.isNaN(after)) { end = at; break; }
      starts.push(at);
    } else if (endsSequence(text, at, next, indent)) {
      end = at;
      break;
    }
    at = next;
  }
  return { indent, starts, end };
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
 * Records the text of each item parsed from `text`. Nothing is recorded unless the entries found
 * are as many as the items parsed (the text is then the block sequence the parser read).
 */
export function recordItemSources(text: string, items: readonly unknown[]): number | undefined {
  const entries = findItemEntries(text);
  if (!entries || entries.starts.length !== items.length) return undefined;
  const { starts, end, indent } = entries;
  items.forEach((item, i) => {
    if (item === null || typeof item !== 'object') return;
    if (SOURCES.has(item)) AMBIGUOUS.add(item);
    SOURCES.set(item, { text, start: starts[i], end: i + 1 < starts.length ? starts[i + 1] : end, indent });
  });
  return indent;
}

/** Records that `made` is `from` changed by dbtls: its text is `from`'s, edited. */
export function markDerived<T extends object>(made: T, from: object): T {
  if (made !== from) DERIVED.set(made, from);
  return made;
}

function ownSource(item: object): ItemSource | undefined {
  return AMBIGUOUS.has(item) ? undefined : SOURCES.get(item);
}

/** The item's text as an entry at the column it came in at, without its final line break. */
function entryText(source: ItemSource): string {
  const { text, start, end } = source;
  return text.charCodeAt(end - 1) === 10 ? text.slice(start, end - 1) : text.slice(start, end);
}

/**
 * The text to write for `item` as an entry of the output's items (`- ` at the column the input
 * had), or undefined when it has none and must be written from its value.
 */
export function itemText(item: unknown): string | undefined {
  if (item === null || typeof item !== 'object') return undefined;
  const own = ownSource(item);
  if (own) return entryText(own);
  let from = DERIVED.get(item);
  while (from !== undefined && !SOURCES.has(from)) from = DERIVED.get(from);
  const source = from && ownSource(from);
  if (!from || !source) return undefined;
  return editText(entryText(source), source.indent + 2, from, item);
}

/**
 * How to write `items` so that each keeps its text: at the column the input had them, the item
 * that ended the input without a line break last. Undefined when no item has a text.
 */
export function itemLayout(items: readonly unknown[]): ItemLayout | undefined {
  let indent: number | undefined;
  let last: unknown;
  for (const item of items) {
    if (item === null || typeof item !== 'object') continue;
    indent ??= ownSource(item)?.indent;
    if (endsInput(item)) last = item;
  }
  if (indent === undefined) return undefined;
  return { key: 'items', indent, text: itemText, last };
}

/**
 * Whether the item's text ends the input without a line break: a block scalar there ends
 * without one too, and writing anything after the item would add it to the value.
 */
export function endsInput(item: unknown): boolean {
  if (item === null || typeof item !== 'object') return false;
  let from: object | undefined = item;
  while (from !== undefined && !SOURCES.has(from)) from = DERIVED.get(from);
  const source = from && ownSource(from);
  return source !== undefined && source.end === source.text.length
    && source.text.charCodeAt(source.end - 1) !== 10;
}

/** A line that starts or ends a document: `---` or `...`, alone or before a space. */
const MARKER = /^(?:---|\.\.\.)(?=[ \t\r\n]|$)/gm;

/**
 * Records the text of each document of a file. Nothing is recorded unless every document that
 * holds something starts on a line of its own and they are as many as the documents parsed.
 */
export function recordDocumentSources(text: string, docs: readonly unknown[]): void {
  const bounds: number[] = [0];
  for (const m of text.matchAll(MARKER)) {
    const eol = text.indexOf('\n', m.index);
    if (!/^(?:---|\.\.\.)[ \t\r]*(?:#[^\n]*)?$/.test(text.slice(m.index, eol < 0 ? text.length : eol))) return;
    bounds.push(m.index, eol < 0 ? text.length : eol + 1);
  }
  bounds.push(text.length);
  const pieces: { start: number; end: number }[] = [];
  for (let i = 0; i < bounds.length; i += 2) {
    const [start, end] = [bounds[i], bounds[i + 1]];
    if (/^[ \t]*[^ \t\r\n#%]/m.test(text.slice(start, end))) pieces.push({ start, end });
  }
  const objects = docs.filter((d) => d !== null && d !== undefined);
  if (objects.length !== pieces.length) return;
  objects.forEach((doc, i) => {
    if (typeof doc !== 'object') return;
    if (SOURCES.has(doc as object)) AMBIGUOUS.add(doc as object);
    SOURCES.set(doc as object, { text, ...pieces[i], indent: 0, document: true });
  });
}

/**
 * A document's text for `object` (a document of a file, or made from one by dbtls), ending in a
 * line break; undefined when it has none and must be written from its value.
 */
export function documentText(object: unknown): string | undefined {
  if (object === null || typeof object !== 'object') return undefined;
  let root: object | undefined = object;
  while (root !== undefined && !SOURCES.has(root)) root = DERIVED.get(root);
  const source = root && ownSource(root);
  if (!root || !source?.document) return undefined;
  let text = source.text.slice(source.start, source.end);
  if (!text.endsWith('\n')) {
    // A block scalar at the end of a file without a line break ends without one: keep it so.
    if (!sameValue(text, `${text}\n`)) return undefined;
    text += '\n';
  }
  if (object === root) return text;
  // As an entry (`- ` and two more columns), edited, and back: the shift changes no value.
  const entry = text.slice(0, -1).split('\n').map((l, i) => (i === 0 ? `- ${l}` : l === '' ? '' : `  ${l}`)).join('\n');
  const edited = editText(entry, 2, root, object);
  if (edited === undefined) return undefined;
  return `${edited.split('\n').map((l) => l.slice(2)).join('\n')}\n`;
}
