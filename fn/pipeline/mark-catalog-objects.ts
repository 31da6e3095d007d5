// Stage (standalone mode): the version catalog objects of the input (PostgresVersion, …). dbtls
// reads the version from them (fn/catalog/), and marks them local-config as it marks a database,
// since a cluster without KubeDB (or KubeVault) has no such kind to apply them to.
import { annotationsOf, describeObject, groupOf, type KubeObject, merged } from '../io/objects.js';
import { type Result, resultFor } from '../io/results.js';
import { isCatalogObject } from '../catalog/versions.js';
import { LOCAL_CONFIG } from '../render/metadata.js';
import { at } from '../util/field-path.js';

export function markCatalogObjects(
  objects: readonly KubeObject[],
  replaced: Map<KubeObject, KubeObject>,
  results: Result[],
): void {
  for (const o of objects) {
    if (!isCatalogObject(o) || annotationsOf(o)[LOCAL_CONFIG] === 'true') continue;
    const annotations = merged<Record<string, string>>(annotationsOf(o), {
      [LOCAL_CONFIG]: 'true',
    });
    replaced.set(o, { ...o, metadata: { ...o.metadata, annotations } });
    const operator = groupOf(o.apiVersion) === 'catalog.kubevault.com' ? 'KubeVault' : 'KubeDB';
    results.push(
      resultFor(
        o,
        'info',
        `metadata.annotations.${LOCAL_CONFIG} is set to "true", so that ${describeObject(o)} is not applied: standalone mode reads the ` +
          `version from it, and a cluster without ${operator} has no ${o.kind} kind`,
        at('metadata', 'annotations', LOCAL_CONFIG),
      ),
    );
  }
}
