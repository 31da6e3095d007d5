// The policy schema's kind list, generated from the registry. The source schema
// (schemas/database-tls-policy.schema.json) says KIND where a kind name goes; at build time
// scripts/build.mjs writes the kinds dbtls connects applications to (those with a client profile)
// in its place, compiles the result (fn/generated/schemas.js) and writes it out
// (fn/generated/database-tls-policy.schema.json). The catalog kinds a policy's versions may
// declare (CATALOG_KIND in the source) are written the same way. Adding a kind changes no schema
// by hand.
import type { DatabaseKind } from '../contract/kind.js';
import type { Obj } from '../io/objects.js';

/** What the source schema has where the kinds go: any kind name. */
export const ANY_KIND = '([A-Z][A-Za-z0-9]*)';
/** What follows the kind in a `KIND/NAME` or `KIND/NAMESPACE/NAME` entry. */
export const KIND_NAME_REST = '/([a-z0-9][-a-z0-9.]*/)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$';
const KIND_NAME_WORDS =
  'each name of lowercase letters, digits, "-" and ".", starting and ending with a letter or digit';

/** The kinds applications may connect to (dbtls.dev/connect-to, externalDatabases). */
export function connectableKinds(kinds: readonly DatabaseKind[]): string[] {
  return kinds.filter((k) => k.client).map((k) => k.kind);
}

/** The source schema with the connectable kinds in place of ANY_KIND; throws if it has no slot. */
export function withKindLists(source: Obj, kinds: readonly DatabaseKind[]): Obj {
  const schema = structuredClone(source) as {
    definitions?: { settings?: { properties?: { externalDatabases?: { items?: Obj } } } };
  };
  const items = schema.definitions?.settings?.properties?.externalDatabases?.items;
  const slot = `^${ANY_KIND}${KIND_NAME_REST}`;
  if (items?.pattern !== slot)
    throw new Error(`the policy schema's externalDatabases items pattern is not ${slot}`);
  items.pattern = `^(${connectableKinds(kinds).join('|')})${KIND_NAME_REST}`;
  delete items.$comment; // it tells a reader of the source where the kinds come from
  writeCatalogKinds(schema as Obj, kinds);
  return schema as Obj;
}

/** What the source schema has where the catalog kinds go (spec.versions[].kind). */
export const ANY_CATALOG_KIND = 'CATALOG_KIND';

/** The catalog kinds a policy's `versions` may declare: each kind's versionNaming. */
function writeCatalogKinds(schema: Obj, kinds: readonly DatabaseKind[]): void {
  const settings = (schema.definitions as { settings?: { properties?: Obj } } | undefined)?.settings
    ?.properties;
  const kind = (settings?.versions as { items?: { properties?: { kind?: Obj } } } | undefined)
    ?.items?.properties?.kind;
  if (!kind || JSON.stringify(kind.enum) !== JSON.stringify([ANY_CATALOG_KIND]))
    throw new Error(`the policy schema's versions[].kind is not the enum ["${ANY_CATALOG_KIND}"]`);
  kind.enum = kinds.flatMap((k) => (k.versionNaming ? [k.versionNaming.catalogKind] : []));
  delete kind.$comment;
}

/** A generated kind pattern said in words, or undefined when `pattern` is not one. */
export function kindPatternInWords(pattern: string): string | undefined {
  if (!pattern.startsWith('^(') || !pattern.endsWith(`)${KIND_NAME_REST}`)) return undefined;
  const kinds = pattern.slice(2, -(KIND_NAME_REST.length + 1)).split('|');
  if (!kinds.every((k) => /^[A-Z][A-Za-z0-9]*$/.test(k))) return undefined;
  return `KIND/NAME or KIND/NAMESPACE/NAME, KIND one of ${kinds.join(', ')}, ${KIND_NAME_WORDS}`;
}
