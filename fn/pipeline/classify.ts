// Stage: classify the items. Which are passed through as they are (`kept`, in their order) and
// which are Kubernetes objects dbtls reads (`objects`). The entries of a List are read as objects
// of their own, as kustomize reads them (fn/io/lists.ts), and follow their List in `kept`; so do
// the entries of a List in a List. What
// looks like dbtls's own output from an earlier run is kept aside (`earlier`) until this run's
// output is known (earlier-output.ts). Validate mode keeps every item as it is.
import type { KindRegistry } from '../contract/registry.js';
import { annotationsOf, isObj, type KubeObject, type Obj } from '../io/objects.js';
import { GENERATED_TYPES } from '../io/own-output.js';
import { isKustomization } from '../io/kustomize.js';
import { isListObject, listEntry, listItems } from '../io/lists.js';
import { itemProblems } from '../io/resource-list.js';
import { type Result, resultFor } from '../io/results.js';
import { GENERATED_FROM } from '../render/metadata.js';
import {
  copiedAnnotation,
  malformedItem,
  nearMiss,
  ownOutputBesideOperator,
} from './classify-results.js';
import { at, type FieldPath } from '../util/field-path.js';

export interface Classified {
  kept: Obj[];
  objects: KubeObject[];
  /** What looks like an earlier run's output: settled once this run's output is known. */
  earlier: Set<KubeObject>;
}

interface Sorting {
  validate: boolean;
  kinds: KindRegistry;
  sorted: Classified;
  results: Result[];
}

export function classifyItems(
  items: readonly Obj[],
  validate: boolean,
  kinds: KindRegistry,
  results: Result[],
): Classified {
  const sorted: Classified = { kept: [], objects: [], earlier: new Set() };
  const s: Sorting = { validate, kinds, sorted, results };
  items.forEach((item, i) => {
    classifyItem(item, at('items', i), s);
    classifyEntries(item, at('items', i), s);
  });
  return sorted;
}

/**
 * The entries of a List, each read as a resource, and the entries of a List among them, as
 * kustomize unfolds Lists (to any depth; the YAML reader's depth limit bounds it).
 */
function classifyEntries(list: unknown, label: FieldPath, s: Sorting): void {
  if (!isListObject(list) || isKustomization(list)) return;
  listItems(list as Obj).forEach((entry, j) => {
    const entryLabel = label.child('items').index(j);
    if (!isObj(entry)) {
      // Reported; it stays where it is, in its List, which passes through as it came.
      s.results.push(malformedItem(entry, entryLabel, itemProblems(entry)));
      return;
    }
    const read = listEntry(list as Obj, j, entry);
    classifyItem(read, entryLabel, s);
    classifyEntries(read, entryLabel, s);
  });
}

/** One item (or entry of a List, named by `label`) sorted into kept, objects and earlier. */
function classifyItem(item: unknown, label: FieldPath, s: Sorting): void {
  const { kept, objects, earlier } = s.sorted;
  // kustomize's build file, which kpt passes as an item, and a List: not resources, left alone.
  if (isKustomization(item) || isListObject(item)) {
    kept.push(item as Obj);
    return;
  }
  const problems = itemProblems(item);
  if (problems.length) {
    s.results.push(malformedItem(item, label, problems));
    kept.push(item as Obj); // passed through as it came, whatever it is
    return;
  }
  const o = item as KubeObject;
  if (typeof annotationsOf(o)[GENERATED_FROM] === 'string') {
    if (isOwnOutput(o) && s.validate) {
      // Validate mode changes nothing, so an earlier run's output stays; beside the full KubeDB
      // it is the loop this mode exists to end: say so.
      const path = at('metadata', 'annotations', GENERATED_FROM);
      s.results.push(resultFor(o, 'error', ownOutputBesideOperator(o, s.kinds), path));
      kept.push(o);
      return;
    }
    if (isOwnOutput(o)) {
      kept.push(o);
      earlier.add(o);
      return;
    }
    // A copied annotation must not make dbtls delete the user's object.
    s.results.push(copiedAnnotation(o));
  }
  kept.push(o);
  objects.push(o);
  const miss = nearMiss(o, s.kinds);
  if (miss) s.results.push(miss);
}

/** What an earlier run generated: settled against this run's output. Anything else is the user's. */
function isOwnOutput(o: KubeObject): boolean {
  return GENERATED_TYPES.includes(`${o.apiVersion} ${o.kind}`);
}
