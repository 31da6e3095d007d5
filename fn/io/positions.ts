// Line and column of a field, for messages a person can jump to. Only files with a problem are
// parsed a second time, with the position-keeping `yaml` parser; the fast path never pays for it,
// not even to load it: `yaml` is required on first use (the bundle evaluates it lazily), which
// keeps ~7 ms off every start in KRM and render mode.
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
): Position | undefined {
  const { isMap, isScalar, isSeq, LineCounter, parseAllDocuments } = loadYaml();
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: counter, uniqueKeys: false });
  if (!Array.isArray(docs)) return undefined;
  const objects = docs.filter((d) => d.contents !== null);
  const doc = objects[index];
  if (!doc) return undefined;
  let node: Node | null | undefined = doc.contents as Node | null;
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
