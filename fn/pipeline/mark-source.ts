// Stage (each database): the database as it is emitted. Marked local-config in standalone mode (no
// operator may apply it), without kustomize's bookkeeping when run as a generator, or as it came
// (with a warning when it is marked local-config where an operator must receive it).
import type { DatabaseKind } from '../contract/kind.js';
import type { Settings } from '../contract/settings.js';
import { annotationsOf, describeObject, type KubeObject, merged } from '../io/objects.js';
import type { Reporter } from '../io/results.js';
import { LOCAL_CONFIG } from '../render/metadata.js';
import { at } from '../util/field-path.js';

/** The annotation by which kustomize marks a generator's own resource. */
const FUNCTION_ANNOTATION = 'config.kubernetes.io/function';

export function markSource(
  db: KubeObject,
  kind: DatabaseKind,
  settings: Settings,
  asGenerator: boolean,
  report: Reporter,
): KubeObject {
  if (settings.mode === 'standalone') {
    if (annotationsOf(db)[LOCAL_CONFIG] === 'true') return db;
    // Without a KubeDB operator in the cluster the resource itself must not be applied.
    return {
      ...db,
      metadata: {
        ...db.metadata,
        annotations: merged(annotationsOf(db), { [LOCAL_CONFIG]: 'true' }),
      },
    };
  }
  if (asGenerator) {
    // kustomize marks a generator's own resource local-config and drops it; in operator and
    // validate mode the database must reach the cluster, so it is emitted without kustomize's two
    // annotations (its bookkeeping, not the user's).
    const { [LOCAL_CONFIG]: _local, [FUNCTION_ANNOTATION]: _fn, ...kept } = annotationsOf(db);
    const metadata: KubeObject['metadata'] = { ...db.metadata, annotations: kept };
    if (Object.keys(kept).length === 0) delete metadata.annotations;
    return { ...db, metadata };
  }
  if (annotationsOf(db)[LOCAL_CONFIG] === 'true') {
    report.warn(
      at('metadata', 'annotations', LOCAL_CONFIG),
      `mode is ${settings.mode}, but ` +
        `${describeObject(db)} is marked ${LOCAL_CONFIG}: "true" and will not reach the ` +
        `${kind.operator} operator; remove the annotation`,
    );
  }
  return db;
}
