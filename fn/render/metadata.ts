// Metadata shared by every object dbtls generates: labels that select a database's pods the way
// KubeDB labels them, and the annotation by which a later run recognises its own output.
import { type KubeObject, merged, type Obj } from '../io/objects.js';

export const GENERATED_FROM = 'dbtls.dev/generated-from';
export const LOCAL_CONFIG = 'config.kubernetes.io/local-config';

export interface Owner { db: KubeObject; namespace: string; resource: string; group: string }

/** Labels KubeDB puts on a database's offshoots: `app.kubernetes.io/name: postgreses.kubedb.com`. */
export function selectorLabels(o: Owner): Record<string, string> {
  return {
    'app.kubernetes.io/name': `${o.resource}.${o.group}`,
    'app.kubernetes.io/instance': o.db.metadata.name,
  };
}

export function objectMeta(o: Owner, name: string, extraLabels: Record<string, string> = {}): KubeObject['metadata'] {
  return {
    name,
    namespace: o.namespace,
    labels: merged(selectorLabels(o), { 'app.kubernetes.io/managed-by': 'dbtls' }, extraLabels),
    annotations: { [GENERATED_FROM]: `${o.db.kind}/${o.namespace}/${o.db.metadata.name}` },
  };
}

export function kubeObject(apiVersion: string, kind: string, metadata: KubeObject['metadata'], body: Obj): KubeObject {
  return { apiVersion, kind, metadata, ...body };
}
