// Line and column of a field, for messages a person can jump to. Only files with a problem are
// parsed a second time, with the position-keeping `yaml` parser; the fast path never pays for it,
// not even to load it: `yaml` is required on first use (a file of its own in dist/), which keeps
// ~7 ms off every start in KRM and render mode.
import type { Node } from 'yaml';

import type { FieldPath } from '../util/field-path.js';
import { loadYamlPackage as loadYaml } from './yaml-package.js';

export interface Position {
  line: number;
  column: number;
}

/** Position of `path` in document `index` of `text`, or of its deepest existing ancestor. */
export function locate(
  text: string,
  index: number,
  path: FieldPath | undefined,
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
  for (const segment of path?.segments ?? []) {
    if (isMap(node)) {
      // A key is one segment, dots and all (an annotation, an inline file such as `user.conf`).
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === segment);
      if (!pair) break;
      at = (pair.key as Node | null)?.range?.[0] ?? at;
      node = pair.value as Node | null;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
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
