// The text each item came in as. A KRM function's output is written back into the user's files,
// so what dbtls does not change must come out as it came in: its own text, byte for byte, with
// its comments, quoting and number forms (as kyaml, under kpt and kustomize, leaves every node it
// does not touch). Items dbtls changes (a database marked local-config, a policy's
// defaultIssuerRef) are edited in their text, only where dbtls sets a field (./text-edit.ts).
// Only what has no text of its own (dbtls's generated objects, input that is not block YAML) is
// written from its value by ./emit.ts.
import type { ItemLayout } from './emit.js';
import { findFlowItemEntries, findItemEntries } from './item-entries.js';
import { editText, sameValue } from './text-edit.js';
import { spliceEdit } from './splice-edit.js';
import { loadYamlPackage } from './yaml-package.js';

/**
 * Where an item's text is: a block sequence entry of `text`, `- ` at column `indent`; or, for a
 * document of a file (`render DIR`), the document's lines between its markers.
 */
export interface ItemSource {
  text: string;
  start: number;
  end: number;
  indent: number;
  document?: true;
  /** An entry of a flow sequence: its text is the node alone, without `- `. */
  flow?: true;
}

const SOURCES = new WeakMap<object, ItemSource>();
/** An object dbtls made from another (a changed database): its text is an edit of the other's. */
const DERIVED = new WeakMap<object, object>();
/** Objects that two entries share (an alias item `- *a`): they have no text of their own. */
const AMBIGUOUS = new WeakSet<object>();

/**
 * Records the text of each item parsed from `text`. Nothing is recorded unless the entries found
 * are as many as the items parsed (the text is then the block sequence the parser read).
 */
export function recordItemSources(text: string, items: readonly unknown[]): number | undefined {
  const entries = findItemEntries(text);
  if (!entries || entries.starts.length !== items.length) {
    recordFlowItemSources(text, items);
    return undefined;
  }
  const { starts, end, indent } = entries;
  items.forEach((item, i) => {
    if (item === null || typeof item !== 'object') return;
    if (SOURCES.has(item)) AMBIGUOUS.add(item);
    SOURCES.set(item, {
      text,
      start: starts[i],
      end: i + 1 < starts.length ? starts[i + 1] : end,
      indent,
    });
  });
  return indent;
}

/**
 * Records the text of each item of a flow sequence (a JSON ResourceList, `items: [{…}]`): written
 * back as its own text, as an entry of the output's block sequence (./item-entries.ts finds it).
 */
function recordFlowItemSources(text: string, items: readonly unknown[]): void {
  const entries = findFlowItemEntries(text);
  if (!entries || entries.length !== items.length) return;
  items.forEach((item, i) => {
    if (item === null || typeof item !== 'object') return;
    if (SOURCES.has(item)) AMBIGUOUS.add(item);
    SOURCES.set(item, { text, ...entries[i], indent: 0, flow: true });
  });
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
  // A flow node's later lines move right with it: white space there means nothing in a flow
  // collection (nor between the lines of a quoted scalar), so no value changes.
  if (source.flow) return `- ${text.slice(start, end).replace(/\n/g, '\n  ')}`;
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
  const from = derivedFrom(item);
  const source = from && ownSource(from);
  if (!from || !source) return undefined;
  const entry = entryText(source);
  return editText(entry, source.indent + 2, from, item) ?? spliceEdit(entry, from, item);
}

/** The item read from the input that `item` was made from, if any. */
function derivedFrom(item: object): object | undefined {
  let from = DERIVED.get(item);
  while (from !== undefined && !SOURCES.has(from)) from = DERIVED.get(from);
  return from;
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
    // A changed item sets it too: where dbtls changed every item, each still keeps its text.
    const from = SOURCES.has(item) ? item : derivedFrom(item);
    indent ??= from && ownSource(from)?.indent;
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
  return (
    source !== undefined &&
    source.end === source.text.length &&
    source.text.charCodeAt(source.end - 1) !== 10
  );
}

/** The object as it was read (`o` itself, or what dbtls made it from), when it has a text. */
export function readAs(o: object): object | undefined {
  let from: object | undefined = o;
  while (from !== undefined && !SOURCES.has(from)) from = DERIVED.get(from);
  return from;
}

/**
 * Items dbtls changed but could not edit in their own text, whose text defines an anchor that
 * another part of the input names (`*name`): written from their values, they would lose the
 * anchor and the output would not be YAML. Each is replaced by the item as it came (its own
 * text) and reported with the anchors, so that the output stays valid and the caller says so.
 */
export function keepAnchoredTexts(items: readonly unknown[]): {
  items: unknown[];
  lost: { item: object; anchors: string[] }[];
} {
  const lost: { item: object; anchors: string[] }[] = [];
  const out = items.map((item) => {
    if (item === null || typeof item !== 'object' || ownSource(item)) return item;
    const root = readAs(item);
    const source = root && ownSource(root);
    if (!root || !source || source.document) return item;
    const entry = source.text.slice(source.start, source.end);
    if (!entry.includes('&') || itemText(item) !== undefined) return item;
    const named = anchorsNamedElsewhere(entry, source);
    if (named.length === 0) return item;
    lost.push({ item, anchors: named });
    return root;
  });
  return { items: out, lost };
}

/** The anchors defined in `entry` that an alias outside it names. */
function anchorsNamedElsewhere(entry: string, source: ItemSource): string[] {
  const outside = source.text.slice(0, source.start) + source.text.slice(source.end);
  const names = new Set<string>();
  for (const m of entry.matchAll(/&([^\s,[\]{}]+)/g)) names.add(m[1]);
  const ends = (c: string | undefined) => c === undefined || /[\s,\]}]/.test(c);
  return [...names].filter((name) => {
    for (let at = outside.indexOf(`*${name}`); at >= 0; at = outside.indexOf(`*${name}`, at + 1))
      if (ends(outside[at + name.length + 1])) return true;
    return false;
  });
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
    if (
      !/^(?:---|\.\.\.)[ \t\r]*(?:#[^\n]*)?$/.test(text.slice(m.index, eol < 0 ? text.length : eol))
    )
      return;
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
    // A block scalar at the end of a file without a line break ends without one (to Go's
    // readers: `|` then `x` at the end is "x"): with a line break after it, it is written `|-`.
    text = `${withFinalBlockStripped(text)}\n`;
    if (!sameValue(text, `${text}\n`)) return undefined;
  }
  if (object === root) return text;
  // As an entry (`- ` and two more columns), edited, and back: the shift changes no value.
  const entry = text
    .slice(0, -1)
    .split('\n')
    .map((l, i) => (i === 0 ? `- ${l}` : l === '' ? '' : `  ${l}`))
    .join('\n');
  const edited = editText(entry, 2, root, object) ?? spliceEdit(entry, root, object);
  if (edited === undefined) return undefined;
  return `${edited
    .split('\n')
    .map((l) => l.slice(2))
    .join('\n')}\n`;
}

/**
 * `text` (a document that does not end in a line break) with its last scalar's chomping made
 * `-` when that scalar is a block scalar: the value Go reads, now that a line break follows.
 * Found by the `yaml` package, which keeps each node's place (rare: only such a document).
 */
function withFinalBlockStripped(text: string): string {
  const { parseDocument, visit } = loadYamlPackage();
  const doc = parseDocument(text, { uniqueKeys: false, schema: 'failsafe' });
  let last: { type?: string; range?: [number, number, number] | null } | undefined;
  visit(doc, {
    Scalar(_key, node) {
      if (node.range && (!last?.range || node.range[1] >= last.range[1])) last = node;
    },
  });
  if (!last?.range || (last.type !== 'BLOCK_LITERAL' && last.type !== 'BLOCK_FOLDED')) return text;
  const at = last.range[0];
  let end = at + 1; // past `|` or `>`: an indentation digit and a chomping indicator, in any order
  while (end < text.length && /[0-9+-]/.test(text[end])) end++;
  const indicators = text.slice(at + 1, end).replace(/[+-]/g, '');
  return `${text.slice(0, at + 1)}${indicators}-${text.slice(end)}`;
}

/**
 * An item with a text of its own, reduced to its identity (apiVersion, kind, metadata) and that
 * text, for an item dbtls reads only by name: the rest of its value can be freed while dbtls
 * works (N=5,000: the specs of 20,000 unrelated items). Anything without a text is returned as it is.
 */
export function identityOnly<T>(item: T): T {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
  const source = ownSource(item);
  if (source === undefined) return item;
  const { apiVersion, kind, metadata } = item as Record<string, unknown>;
  const stub = { apiVersion, kind, metadata };
  SOURCES.set(stub, source);
  return stub as T;
}
