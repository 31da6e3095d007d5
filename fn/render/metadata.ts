// Metadata shared by every object dbtls generates: labels that select a database's pods the way
// KubeDB labels them, and the annotation by which a later run recognises its own output.
import { type KubeObject, merged, type Obj } from '../io/objects.js';
import { flat } from '../util/strings.js';
import type { Owner } from '../contract/kind.js';

export { GENERATED_FROM } from '../io/own-output.js';
import { GENERATED_FROM } from '../io/own-output.js';
export const LOCAL_CONFIG = 'config.kubernetes.io/local-config';

// The database objects are rendered from: a contract type (fn/contract/kind.ts).
export type { Owner };

/** Labels KubeDB puts on a database's offshoots: `app.kubernetes.io/name: postgreses.kubedb.com`. */
export function selectorLabels(o: Owner): Record<string, string> {
  return {
    'app.kubernetes.io/name': resourceName(o.resource, o.group),
    'app.kubernetes.io/instance': o.db.metadata.name,
  };
}

const resourceNames = new Map<string, string>();
/** `postgreses.kubedb.com`: one string per kind, not one per object. */
function resourceName(resource: string, group: string): string {
  let name = resourceNames.get(resource);
  if (name === undefined) resourceNames.set(resource, (name = flat(resource, '.', group)));
  return name;
}

const generatedFrom = new WeakMap<KubeObject, string>();
/** `Postgres/demo/pg`: one string per database, shared by every object rendered from it. */
function generatedFromOf(o: Owner): string {
  let from = generatedFrom.get(o.db);
  if (from === undefined)
    generatedFrom.set(o.db, (from = flat(o.db.kind, '/', o.namespace, '/', o.db.metadata.name)));
  return from;
}

export function objectMeta(
  o: Owner,
  name: string,
  extraLabels: Record<string, string> = {},
): KubeObject['metadata'] {
  return {
    name,
    namespace: o.namespace,
    labels: merged(selectorLabels(o), { 'app.kubernetes.io/managed-by': 'dbtls' }, extraLabels),
    annotations: { [GENERATED_FROM]: generatedFromOf(o) },
  };
}

export function kubeObject(
  apiVersion: string,
  kind: string,
  metadata: KubeObject['metadata'],
  body: Obj,
): KubeObject {
  return { apiVersion, kind, metadata, ...body };
}
