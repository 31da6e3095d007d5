// The input's objects by API group and kind, indexed on first use: a kind that checks a reference
// to another database (a Redis in Sentinel mode and its RedisSentinel) finds it here, and a run
// without one pays nothing.
import type { InputLookup } from '../contract/kind.js';
import { groupOf, type KubeObject } from '../io/objects.js';

export class InputIndex implements InputLookup {
  private index: Map<string, KubeObject[]> | undefined;

  constructor(private readonly objects: readonly KubeObject[]) {}

  ofKind(group: string, kind: string): readonly KubeObject[] {
    if (this.index === undefined) {
      this.index = new Map();
      for (const o of this.objects) {
        const key = `${groupOf(o.apiVersion)}/${o.kind}`;
        const list = this.index.get(key);
        if (list) list.push(o);
        else this.index.set(key, [o]);
      }
    }
    return this.index.get(`${group}/${kind}`) ?? [];
  }
}
