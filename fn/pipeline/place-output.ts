// Stage: the output items. The items kept, in their order, each changed one in place of its input
// (keeping its text where dbtls did not change it: fn/io/item-sources.ts; a List's entries folded
// back into it), then what was
// generated, each source's objects in one file beside it so that `kpt fn render` writes them there.
// Validate mode built the Certificates only to check them: the full KubeDB creates its own.
import { type KubeObject, merged, namespaceOf, type Obj } from '../io/objects.js';
import { markDerived } from '../io/item-sources.js';
import { refoldLists } from '../io/lists.js';
import {
  fileOf,
  INDEX_ANNOTATION,
  INTERNAL_INDEX_ANNOTATION,
  INTERNAL_PATH_ANNOTATION,
  PATH_ANNOTATION,
} from '../io/results.js';
import { flat } from '../util/strings.js';
import type { Rendered } from './run.js';

export function placeOutput(
  kept: readonly Obj[],
  replaced: ReadonlyMap<KubeObject, KubeObject>,
  rendered: readonly Rendered[],
  validate: boolean,
): Obj[] {
  const generated = validate ? [] : rendered.flatMap((r) => placeBeside(r.source, r.objects));
  // Lists are written back whole, with what dbtls changed in their entries (fn/io/lists.ts).
  const items = refoldLists(kept, (o) => {
    const changed = replaced.get(o as KubeObject);
    return changed ? markDerived(changed, o) : o;
  });
  return [...items, ...generated];
}

/** Generated objects go in one file beside their source, so `kpt fn render` writes them there. */
function placeBeside(source: KubeObject, objects: KubeObject[]): KubeObject[] {
  const path = fileOf(source)?.path;
  if (!path) return objects;
  const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : '';
  const file = flat(
    dir,
    source.kind.toLowerCase(),
    '_',
    namespaceOf(source),
    '_',
    source.metadata.name,
    '.dbtls.yaml',
  );
  // The objects are our own, fresh from rendering: annotate them in place.
  objects.forEach((o, i) => {
    o.metadata.annotations = merged(o.metadata.annotations, {
      [PATH_ANNOTATION]: file,
      [INDEX_ANNOTATION]: String(i),
      [INTERNAL_PATH_ANNOTATION]: file,
      [INTERNAL_INDEX_ANNOTATION]: String(i),
    });
  });
  return objects;
}
