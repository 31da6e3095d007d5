// The supported kinds as the stages receive them: the list, and the lookup of an item's kind. The
// registry itself (which kinds there are) is fn/kinds/index.ts, which only the pipeline and the
// entry points import; every other module is handed what it needs (ARCHITECTURE.md).
import { groupOf, isObj } from '../io/objects.js';
import type { DatabaseKind } from './kind.js';

export interface KindRegistry {
  /** Every supported kind, in the order README and --help list them. */
  readonly all: readonly DatabaseKind[];
  /** The kind of an item, when it is a database of a supported kind. */
  find(o: unknown): DatabaseKind | undefined;
}

export function kindRegistry(kinds: readonly DatabaseKind[]): KindRegistry {
  const byKind = new Map(kinds.map((k) => [k.kind, k]));
  if (byKind.size !== kinds.length)
    throw new Error('two supported kinds share a kind name: look them up by group as well');
  return {
    all: kinds,
    find(o) {
      if (!isObj(o) || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string')
        return undefined;
      // By kind first: most items are not databases, and this builds no string for them.
      const kind = byKind.get(o.kind);
      return kind !== undefined && groupOf(o.apiVersion) === kind.group ? kind : undefined;
    },
  };
}
