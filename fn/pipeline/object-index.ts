// Objects by group, kind, namespace and name: no key string to build and hash for each of them.
import { groupOf, type KubeObject, namespaceOf } from '../io/objects.js';

export class ObjectIndex<V> {
  private readonly groups = new Map<string, Map<string, Map<string, Map<string, V>>>>();

  get(o: KubeObject): V | undefined {
    return this.groups
      .get(groupOf(o.apiVersion))
      ?.get(o.kind)
      ?.get(namespaceOf(o))
      ?.get(o.metadata.name);
  }

  set(o: KubeObject, value: V): void {
    const at = <K, T>(m: Map<K, T>, k: K, make: () => T): T => {
      let v = m.get(k);
      if (v === undefined) m.set(k, (v = make()));
      return v;
    };
    const kinds = at(this.groups, groupOf(o.apiVersion), () => new Map());
    const namespaces = at(kinds, o.kind, () => new Map());
    at(namespaces, namespaceOf(o), () => new Map()).set(o.metadata.name, value);
  }
}
