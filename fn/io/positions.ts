// Line and column of a field, for messages a person can jump to. Only files with a problem are
// parsed a second time, with the position-keeping `yaml` parser; the fast path never pays for it,
// not even to load it: `yaml` is required on first use (the bundle evaluates it lazily), which
// keeps ~7 ms off every start in KRM and render mode.
import type { Node } from 'yaml';

import { loadYamlPackage as loadYaml } from './yaml-package.js';

export interface Position {
  line: number;
  column: number;
}

export function splitFieldPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g))
    out.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return out;
}

/** Position of `fieldPath` in document `index` of `text`, or of its deepest existing ancestor. */
export function locate(
  text: string,
  index: number,
  fieldPath: string | undefined,
  object?: { kind: string; name: string },
): Position | undefined {
  const { isMap, isScalar, isSeq, LineCounter, parseAllDocuments } = loadYaml();
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: counter, uniqueKeys: false });
  if (!Array.isArray(docs)) return undefined;
  const objects = docs.filter((d) => d.contents !== null);
  const doc = objects[index];
  if (!doc) return undefined;
  let node: Node | null | undefined = doc.contents as Node | null;
  // An entry of a List (io/lists.ts): the field is the entry's, found by its kind and name.
  if (object) node = listEntryNamed(node, object) ?? node;
  let at = node?.range?.[0];
  const keys = fieldPath ? splitFieldPath(fieldPath) : [];
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (isMap(node)) {
      // A key may hold dots itself (an annotation, an inline file's name such as `user.conf`),
      // which the field path does not set apart: the shortest run of segments that names a key.
      const items = node.items;
      const named = (k: unknown) =>
        items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === k);
      let pair = named(key);
      for (let j = i + 1; !pair && j < keys.length && typeof keys[j] === 'string'; j++) {
        pair = named(keys.slice(i, j + 1).join('.'));
        if (pair) i = j;
      }
      if (!pair) break;
      at = (pair.key as Node | null)?.range?.[0] ?? at;
      node = pair.value as Node | null;
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key] as Node | undefined;
      if (!item) break;
      node = item;
      at = item.range?.[0] ?? at;
    } else break;
  }
  if (at === undefined) return undefined;
  const p = counter.linePos(at);
  return { line: p.line, column: p.col };
}

/** The entry of a List document (`kind: …List`, `items:`, or a List in it) with this kind and name. */
function listEntryNamed(
  root: Node | null | undefined,
  object: { kind: string; name: string },
): Node | undefined {
  const { isMap, isSeq } = loadYaml();
  if (!isMap(root)) return undefined;
  const value = (map: unknown, key: string): unknown => {
    if (!isMap(map)) return undefined;
    const v = map.get(key, true);
    return v && typeof v === 'object' && 'value' in v ? (v as { value: unknown }).value : v;
  };
  const kind = value(root, 'kind');
  if (typeof kind !== 'string' || !kind.endsWith('List')) return undefined;
  const items = root.get('items', true);
  if (!isSeq(items)) return undefined;
  for (const e of items.items as Node[]) {
    if (value(e, 'kind') === object.kind && value(value(e, 'metadata'), 'name') === object.name)
      return e;
    // A List in a List: its entries are read too (fn/pipeline/classify.ts).
    const inner = listEntryNamed(e, object);
    if (inner) return inner;
  }
  return undefined;
}
