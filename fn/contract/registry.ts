// The supported kinds as the stages receive them: the list, and the lookup of an item's kind. The
// registry itself (which kinds there are) is fn/kinds/index.ts, which only the pipeline and the
// entry points import; every other module is handed what it needs (ARCHITECTURE.md).
import { groupOf, isObj } from '../io/objects.js';
import type { DatabaseKind } from './kind.js';

export interface KindRegistry {
  /** Every supported kind, in the order README and --help list them. */
  readonly all: readonly DatabaseKind[];
  /**
   * Kinds that stand for one of `all` in another group (KubeDB's GitOps kinds, each with its
   * `counterpart`): found and read like it, not listed on their own.
   */
  readonly standIns: readonly DatabaseKind[];
  /** The kind of an item, when it is a database of a supported kind or a stand-in for one. */
  find(o: unknown): DatabaseKind | undefined;
}

export function kindRegistry(
  kinds: readonly DatabaseKind[],
  standIns: readonly DatabaseKind[] = [],
): KindRegistry {
  const byKind = new Map<string, DatabaseKind[]>();
  for (const k of [...kinds, ...standIns]) {
    const same = byKind.get(k.kind) ?? [];
    if (same.some((s) => s.group === k.group))
      throw new Error(`two supported kinds are ${k.group}/${k.kind}`);
    byKind.set(k.kind, [...same, k]);
  }
  return {
    all: kinds,
    standIns,
    find(o) {
      if (!isObj(o) || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string')
        return undefined;
      // By kind first: most items are not databases, and this builds no string for them.
      const same = byKind.get(o.kind);
      if (same === undefined) return undefined;
      const group = groupOf(o.apiVersion);
      return same.find((k) => k.group === group);
    },
  };
}
