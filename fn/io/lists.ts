// Lists: `kind: List` (kubectl's) and `*List` objects with `items` (RoleBindingList, ConfigMapList,
// as kube-prometheus ships them). kustomize reads such an object as its items, each a resource
// of its own (api/resource/factory.go, inlineAnyEmbeddedLists: a kind that ends in "List"; no
// `items`, or `items: null`, is an empty list); kubectl applies each item. dbtls reads them the
// same way — a database or an Issuer in a List is checked and rendered like any other — and
// writes the List back as the List it was: where dbtls changes an item (a database marked
// local-config in standalone mode), the List's text is edited at that item, and nothing else of
// it changes.
import { INTERNAL_INDEX_ANNOTATION, INTERNAL_PATH_ANNOTATION } from './results.js';
import { markDerived } from './item-sources.js';
import { isObj, type Obj } from './objects.js';

/** kustomize's test: a kind that ends in "List", with `items` a sequence, null or absent. */
export function isListObject(item: unknown): boolean {
  if (!isObj(item) || typeof item.kind !== 'string' || !item.kind.endsWith('List')) return false;
  return item.items === undefined || item.items === null || Array.isArray(item.items);
}

/** The entries of a List (none for `items: null` or none at all). */
export function listItems(list: Obj): unknown[] {
  return Array.isArray(list.items) ? list.items : [];
}

/** Where an entry of a List came from, and the annotation keys dbtls lent it. */
interface Entry {
  list: Obj;
  index: number;
  lent: string[];
}
const ENTRIES = new WeakMap<object, Entry>();

/**
 * Entry `index` of `list`, to be read as an object of its own: a copy that carries the List's
 * file (so that results and generated objects are placed by it), remembered for refoldLists.
 */
export function listEntry(list: Obj, index: number, entry: Obj): Obj {
  const listMd = isObj(list.metadata) ? list.metadata : {};
  const listAnnotations = isObj(listMd.annotations) ? listMd.annotations : {};
  const md = isObj(entry.metadata) ? entry.metadata : {};
  const annotations = isObj(md.annotations) ? md.annotations : {};
  const lent: string[] = [];
  const file: Obj = {};
  for (const key of [INTERNAL_PATH_ANNOTATION, INTERNAL_INDEX_ANNOTATION]) {
    if (typeof listAnnotations[key] === 'string' && annotations[key] === undefined) {
      file[key] = listAnnotations[key];
      lent.push(key);
    }
  }
  if (lent.length === 0) {
    ENTRIES.set(entry, { list, index, lent });
    return entry;
  }
  const copy = { ...entry, metadata: { ...md, annotations: { ...annotations, ...file } } };
  ENTRIES.set(copy, { list, index, lent });
  return copy;
}

/** Whether `o` is an entry of a List (listEntry made it). */
export function isListEntry(o: object): boolean {
  return ENTRIES.has(o);
}

/** `items[3].items[1]`: how results name an entry of a List. */
export function entryLabel(o: object, listLabel: string): string {
  return `${listLabel}.items[${ENTRIES.get(o)?.index ?? '?'}]`;
}

/**
 * The items to write: each List as it was, or, where dbtls changed or dropped one of its entries,
 * the List with those entries changed (its text edited there: ./item-sources.ts); the entries
 * themselves are not items of their own. `final` gives what dbtls made of an item.
 */
export function refoldLists(items: readonly Obj[], final: (o: Obj) => Obj): Obj[] {
  // Each List (as read) to its entries (as read) by index; a List in a List is one of them.
  const read = new Map<Obj, Map<number, Obj>>();
  const out: Obj[] = [];
  for (const o of items) {
    const entry = ENTRIES.get(o);
    if (!entry) {
      out.push(o);
      continue;
    }
    let entries = read.get(entry.list);
    if (!entries) read.set(entry.list, (entries = new Map()));
    entries.set(entry.index, o);
  }
  // Innermost first: a List's entries are settled before the List that holds it is rebuilt.
  const settle = (o: Obj): Obj => {
    const entries = read.get(o);
    if (!entries) return final(o);
    const made = new Map<number, Obj>();
    for (const [j, e] of entries) made.set(j, withoutLent(settle(e), e, ENTRIES.get(e) as Entry));
    return rebuilt(final(o), made);
  };
  return out.map(settle);
}

/** The List with each entry read from it replaced by what dbtls made of it (or dropped). */
function rebuilt(list: Obj, made: Map<number, Obj>): Obj {
  const before = listItems(list);
  let changed = false;
  const after: unknown[] = [];
  for (let j = 0; j < before.length; j++) {
    const entry = before[j];
    const now = isObj(entry) ? made.get(j) : entry;
    // None: dbtls's own output from an earlier run, rendered afresh.
    if (now === undefined || now !== entry) changed = true;
    if (now !== undefined) after.push(now);
  }
  return changed ? markDerived({ ...list, items: after }, list) : list;
}

/** What dbtls made of an entry, without the annotations listEntry lent it; the entry if unchanged. */
function withoutLent(made: Obj, copy: Obj, entry: Entry): Obj {
  const original = listItems(entry.list)[entry.index] as Obj;
  if (made === copy) return original;
  if (entry.lent.length === 0) return made;
  const md = isObj(made.metadata) ? made.metadata : {};
  const annotations = { ...(isObj(md.annotations) ? md.annotations : {}) };
  for (const key of entry.lent) delete annotations[key];
  const metadata: Obj = { ...md, annotations };
  const originalMd = isObj(original.metadata) ? original.metadata : {};
  if (Object.keys(annotations).length === 0 && originalMd.annotations === undefined)
    delete metadata.annotations;
  // An entry without metadata (a List in a List) got it only to carry the file: none again.
  if (Object.keys(metadata).length === 0 && original.metadata === undefined) {
    const { metadata: _lent, ...rest } = made;
    return rest;
  }
  return { ...made, metadata };
}
