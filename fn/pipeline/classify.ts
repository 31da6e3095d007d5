// Stage: classify the items. Which are passed through as they are (`kept`, in their order) and
// which are Kubernetes objects dbtls reads (`objects`). Our own output from an earlier run is
// dropped and rendered afresh: re-render, don't duplicate, and prune what no longer has a source.
// Validate mode keeps every item as it is.
import type { KindRegistry } from '../contract/registry.js';
import { annotationsOf, isObj, type KubeObject, type Obj } from '../io/objects.js';
import { GENERATED_TYPES } from '../io/own-output.js';
import { itemProblems } from '../io/resource-list.js';
import { type Result, resultFor } from '../io/results.js';
import { GENERATED_FROM } from '../render/metadata.js';
import {
  copiedAnnotation,
  listProblems,
  malformedItem,
  nearMiss,
  ownOutputBesideOperator,
} from './classify-results.js';
import { at } from '../util/field-path.js';

export function classifyItems(
  items: readonly Obj[],
  validate: boolean,
  kinds: KindRegistry,
  results: Result[],
): { kept: Obj[]; objects: KubeObject[] } {
  const kept: Obj[] = [];
  const objects: KubeObject[] = [];
  items.forEach((item, i) => {
    if (isList(item)) {
      results.push(...listProblems(item, i, kinds));
      kept.push(item);
      return;
    }
    const problems = itemProblems(item);
    if (problems.length) {
      results.push(malformedItem(item, i, problems));
      kept.push(item);
      return;
    }
    const o = item as KubeObject;
    if (typeof annotationsOf(o)[GENERATED_FROM] === 'string') {
      if (isOwnOutput(o) && validate) {
        // Validate mode changes nothing, so an earlier run's output stays; beside the full KubeDB
        // it is the loop this mode exists to end: say so.
        const path = at('metadata', 'annotations', GENERATED_FROM);
        results.push(resultFor(o, 'error', ownOutputBesideOperator(o, kinds), path));
        kept.push(o);
        return;
      }
      if (isOwnOutput(o)) return;
      // A copied annotation must not make dbtls delete the user's object.
      results.push(copiedAnnotation(o));
    }
    kept.push(o);
    objects.push(o);
    const miss = nearMiss(o, kinds);
    if (miss) results.push(miss);
  });
  return { kept, objects };
}

function isList(item: unknown): boolean {
  return (
    isObj(item) && item.apiVersion === 'v1' && item.kind === 'List' && Array.isArray(item.items)
  );
}

/** What an earlier run generated: dropped and rendered afresh. Anything else is the user's. */
function isOwnOutput(o: KubeObject): boolean {
  return GENERATED_TYPES.includes(`${o.apiVersion} ${o.kind}`);
}
