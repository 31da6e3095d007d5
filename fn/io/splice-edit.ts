// Edits that ./text-edit.ts's line editor declines — a field set inside a flow mapping
// (`metadata: {name: pg, annotations: {a: b}}`), an item written as JSON or on one line — made at
// the places the `yaml` package finds for each node: a value replaced where it stands, a pair or
// entry added before a flow collection's closing bracket or after a block collection's last
// line, a pair or entry removed. Every other character of the item stays as it was, and with it
// every anchor another item's alias names (an item written afresh from its value would lose
// them, and the output would not be YAML). New values are written as JSON, which both Go readers
// read as YAML in any context. The result is read back and must equal what dbtls meant, and keep
// every anchor the item had; otherwise undefined, and the caller writes the item from its value.
import { load } from 'js-yaml';
import type { Node } from 'yaml';
import { isObj } from './objects.js';
import { type Change, changesBetween, deepEqual, valueAt } from './value-diff.js';
import { KUBERNETES_SCHEMA } from './yaml-schema.js';
import { loadYamlPackage } from './yaml-package.js';

interface Splice {
  from: number;
  to: number;
  text: string;
}

/**
 * `entry` (a block sequence entry, `- ` then the item, in block or flow style) edited so that it
 * reads as `after` where it read as `before`; undefined when that cannot be done exactly.
 */
export function spliceEdit(entry: string, before: unknown, after: unknown): string | undefined {
  if (!isObj(before) || !isObj(after)) return undefined;
  const { parseDocument, isSeq } = loadYamlPackage();
  const doc = parseDocument(entry, { schema: 'failsafe', uniqueKeys: false });
  if (doc.errors.length > 0 || !isSeq(doc.contents) || doc.contents.items.length !== 1)
    return undefined;
  const root = doc.contents.items[0] as Node;
  const splices: Splice[] = [];
  try {
    for (const change of changesBetween(before, after)) {
      const splice = spliceFor(entry, root, change, after);
      if (!splice) return undefined;
      splices.push(splice);
    }
  } catch {
    return undefined;
  }
  // A change inside an anchored node would change every alias of it too (other items' values).
  if (splices.some((sp) => insideAnchored(root, sp.from))) return undefined;
  // From the last place to the first, so that each offset still holds; no two may overlap.
  splices.sort((a, b) => b.from - a.from || b.to - a.to);
  let text = entry;
  let limit = Number.POSITIVE_INFINITY;
  for (const s of splices) {
    if (s.to > limit) return undefined;
    text = text.slice(0, s.from) + s.text + text.slice(s.to);
    limit = s.from;
  }
  return readsAs(text, after) && keepsAnchors(entry, text) ? text : undefined;
}

/** The splice for one change: at its parent if that is in the text, else at the nearest ancestor. */
function spliceFor(text: string, root: Node, change: Change, after: unknown): Splice | undefined {
  const { isMap: isYamlMap, isSeq } = loadYamlPackage();
  const path = [...change.parent, change.key];
  // The deepest node of the path in the text, and the first key under it that is not.
  let node: unknown = root;
  let depth = 0;
  for (; depth < change.parent.length; depth++) {
    const next = child(node, change.parent[depth]);
    if (next === undefined) break;
    node = next;
  }
  if (depth < change.parent.length) {
    // A mapping on the way is missing: the whole pair under the deepest one there is added.
    const key = change.parent[depth];
    if (change.remove || typeof key !== 'string' || !isYamlMap(node)) return undefined;
    return addPair(text, node as Node, key, valueAt(after, path.slice(0, depth + 1)));
  }
  if (change.append)
    return isSeq(child(node, change.key))
      ? addEntries(text, child(node, change.key) as Node, change.append)
      : undefined;
  if (change.dropEntries) return undefined; // several places: the line editor's, or a whole value
  if (!isYamlMap(node)) return undefined;
  const pair = node.items.find((p) => scalarText(p.key) === change.key);
  if (change.remove)
    return pair ? removePair(text, node as Node, pair) : { from: 0, to: 0, text: '' };
  if (!pair) return addPair(text, node as Node, change.key, change.value);
  const value = pair.value as Node | null;
  if (!value?.range) return undefined;
  return { from: value.range[0], to: value.range[1], text: json(change.value) };
}

/** The node at `key` (a mapping's key or a sequence's index) under `node`, if the text has it. */
function child(node: unknown, key: string | number): unknown {
  const { isMap: isYamlMap, isSeq } = loadYamlPackage();
  if (typeof key === 'number') return isSeq(node) ? node.items[key] : undefined;
  if (!isYamlMap(node)) return undefined;
  const pair = node.items.find((p) => scalarText(p.key) === key);
  return pair?.value ?? undefined;
}

function scalarText(key: unknown): string | undefined {
  const { isScalar } = loadYamlPackage();
  return isScalar(key) ? String(key.value) : undefined;
}

/** A pair added to a mapping: before a flow mapping's `}`, or on a line after a block mapping's last. */
function addPair(text: string, map: Node, key: string, value: unknown): Splice | undefined {
  const pair = `${json(key)}: ${json(value)}`;
  return addToCollection(text, map, pair, (col) => `${' '.repeat(col)}${pair}`);
}

function addEntries(text: string, seq: Node, entries: unknown[]): Splice | undefined {
  const flow = entries.map(json).join(', ');
  return addToCollection(text, seq, flow, (col) =>
    entries.map((e) => `${' '.repeat(col)}- ${json(e)}`).join('\n'),
  );
}

function addToCollection(
  text: string,
  node: Node,
  flowText: string,
  blockLines: (col: number) => string,
): Splice | undefined {
  const range = node.range;
  const items = (node as unknown as { items: unknown[]; flow?: boolean }).items;
  if (!range) return undefined;
  if ((node as unknown as { flow?: boolean }).flow) {
    const close = range[1] - 1; // the `}` or `]`
    if (text[close] !== '}' && text[close] !== ']') return undefined;
    let at = close;
    while (at > range[0] + 1 && /[ \t\r\n]/.test(text[at - 1])) at--;
    const empty = items.length === 0;
    const comma = !empty && text[at - 1] !== ',' ? ', ' : empty ? '' : ' ';
    return { from: at, to: at, text: `${comma}${flowText}` };
  }
  if (items.length === 0) return undefined;
  const col = range[0] - (text.lastIndexOf('\n', range[0] - 1) + 1);
  // After the line on which the collection's content ends (a block scalar's last line included).
  let end = range[1];
  while (end > range[0] && /[\r\n]/.test(text[end - 1])) end--;
  const eol = text.indexOf('\n', end);
  const at = eol < 0 ? text.length : eol;
  return { from: at, to: at, text: `\n${blockLines(col)}` };
}

/** A pair removed: its key to its value's end, with the comma after it (or before it, last). */
function removePair(
  text: string,
  map: Node,
  pair: { key: unknown; value: unknown },
): Splice | undefined {
  const key = pair.key as Node | null;
  const value = pair.value as Node | null;
  const start = key?.range?.[0];
  const end = value?.range?.[1] ?? key?.range?.[1];
  if (start === undefined || end === undefined) return undefined;
  if ((map as unknown as { flow?: boolean }).flow) {
    let to = end;
    while (/[ \t]/.test(text[to] ?? '')) to++;
    if (text[to] === ',') return { from: start, to: to + 1, text: '' };
    let from = start;
    while (from > 0 && /[ \t]/.test(text[from - 1])) from--;
    if (text[from - 1] === ',') return { from: from - 1, to: end, text: '' };
    return { from: start, to: end, text: '' };
  }
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  if (text.slice(lineStart, start).trim() !== '') return undefined; // `- key:`: the line editor's
  let to = end;
  while (to > start && /[\r\n]/.test(text[to - 1])) to--;
  const eol = text.indexOf('\n', to);
  return { from: lineStart, to: eol < 0 ? text.length : eol + 1, text: '' };
}

/**
 * A value as JSON, which YAML reads in block and flow context alike; characters YAML would take
 * as line breaks or reject raw (NEL, the line and paragraph separators, C1 controls, BOM) are
 * escaped, and integers past 2^53 (read exactly as bigints) are written as their digits.
 */
function json(v: unknown): string {
  if (typeof v === 'bigint') return String(v);
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return '.nan';
    if (!Number.isFinite(v)) return v > 0 ? '.inf' : '-.inf';
    return String(v);
  }
  if (typeof v === 'string')
    return JSON.stringify(v).replace(
      /[\u007f-\u009f\u2028\u2029\ufeff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  if (v === null || v === undefined || typeof v === 'boolean') return String(v ?? null);
  if (Array.isArray(v)) return `[${v.map(json).join(', ')}]`;
  if (isObj(v))
    return `{${Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => `${json(k)}: ${json(x)}`)
      .join(', ')}}`;
  throw new Error('not plain data');
}

/** The edited entry, read as dbtls reads YAML, is `after`. */
function readsAs(text: string, after: unknown): boolean {
  try {
    const read = load(text, { schema: KUBERNETES_SCHEMA, maxAliases: 1000 });
    return Array.isArray(read) && read.length === 1 && deepEqual(read[0], after);
  } catch {
    return false;
  }
}

/** Whether `at` lies within a node that carries an anchor. */
function insideAnchored(root: Node, at: number): boolean {
  const { visit } = loadYamlPackage();
  let inside = false;
  visit(root, (_k, node) => {
    const n = node as { anchor?: string; range?: [number, number, number] | null } | null;
    if (n?.anchor && n.range && at >= n.range[0] && at < n.range[1]) inside = true;
  });
  return inside;
}

/** Every anchor of the entry is still defined in the edited text: other items may name them. */
function keepsAnchors(before: string, after: string): boolean {
  if (!before.includes('&')) return true;
  const anchors = (text: string) => {
    const { parseDocument, visit } = loadYamlPackage();
    const names: string[] = [];
    visit(parseDocument(text, { schema: 'failsafe', uniqueKeys: false }), (_k, node) => {
      const anchor = (node as { anchor?: string } | null)?.anchor;
      if (anchor) names.push(anchor);
    });
    return names;
  };
  const now = new Set(anchors(after));
  return anchors(before).every((a) => now.has(a));
}
