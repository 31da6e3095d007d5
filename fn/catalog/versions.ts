// Versions as KubeDB resolves them. A database's `spec.version` is not an engine version: it is the
// name of a cluster-scoped catalog object (PostgresVersion, MySQLVersion, …, VaultServerVersion)
// whose spec holds the engine version, the distribution and the images. dbtls reads that object
// where it can: from the input (the docs ship custom ones beside their examples), from the
// policy's `versions`, or from the catalogs KubeDB and KubeVault publish (published.json, pinned
// by scripts/kubedb-catalog.mjs). A name found in none of them is read by KubeDB's naming schemes,
// which each kind declares in its versionNaming (`timescaledb-2.14.2-pg14`, `18.3-ext`,
// `8.0.31-innodb`, `percona-8.0.17`, `valkey-8.1.1`, and the Official `16.4-bookworm`, …); only
// a name that follows none of them leaves the engine version unknown.
import { groupOf, isObj, type KubeObject } from '../io/objects.js';
import { fileOf } from '../io/results.js';
import type {
  DeclaredVersion,
  ResolvedVersion,
  VersionLookup,
  VersionNaming,
} from '../contract/versions.js';
import published from './published.json';

export type { DeclaredVersion, ResolvedVersion };

/** [catalog name, engine version, distribution, database image, deprecated (1)]. */
type PublishedRow = readonly [string, string, string, string, number];
const PUBLISHED = published.kinds as unknown as Readonly<Record<string, readonly PublishedRow[]>>;
const PUBLISHED_SOURCE: Readonly<Record<string, string>> = published.source;

/** The groups of the catalog kinds: KubeDB's, and KubeVault's VaultServerVersion. */
export const CATALOG_GROUPS = ['catalog.kubedb.com', 'catalog.kubevault.com'] as const;

/** Base-image suffixes of KubeDB's Official builds (`16.4-bookworm`, `5.7-v4`, `11.4.3-noble`). */
const OFFICIAL =
  /^(\d+(?:\.\d+)*)(?:-(?:alpine|bookworm|bullseye|debian|jammy|focal|noble|oracle|v\d+))?$/;

/** The published catalogs by kind and name, built on first use (most runs resolve a few names). */
let byName: Map<string, Map<string, PublishedRow>> | undefined;
function publishedRow(kind: string, name: string): PublishedRow | undefined {
  byName ??= new Map(
    Object.entries(PUBLISHED).map(([k, rows]) => [k, new Map(rows.map((r) => [r[0], r]))]),
  );
  return byName.get(kind)?.get(name);
}

/** The catalog objects of one run: the input's and the policy's, then the published ones. */
export class VersionCatalog implements VersionLookup {
  private readonly own = new Map<string, ResolvedVersion>();

  constructor(objects: readonly KubeObject[] = [], declared: readonly DeclaredVersion[] = []) {
    for (const d of declared) {
      const from = `${d.kind} "${d.name}" of the policy's versions`;
      this.own.set(`${d.kind}/${d.name}`, {
        name: d.name,
        engine: d.version,
        distribution: d.distribution ?? 'Official',
        from,
      });
    }
    // The input's objects win over the policy's: they are what the cluster will hold.
    for (const o of objects) {
      if (!isCatalogObject(o) || !isObj(o.spec)) continue;
      const { spec } = o;
      const engine =
        typeof spec.version === 'string' && spec.version !== '' ? spec.version : undefined;
      const db = isObj(spec.db) ? spec.db : isObj(spec.vault) ? spec.vault : {};
      const file = fileOf(o);
      this.own.set(`${o.kind}/${o.metadata.name}`, {
        name: o.metadata.name,
        engine,
        distribution: typeof spec.distribution === 'string' ? spec.distribution : '',
        image: typeof db.image === 'string' ? db.image : undefined,
        deprecated: spec.deprecated === true,
        from: `${o.kind} "${o.metadata.name}" in the input${file ? ` (${file.path})` : ''}`,
      });
    }
  }

  /** What `name` stands for as a version of `naming.catalogKind`: engine version and distribution. */
  resolve(naming: VersionNaming, name: string): ResolvedVersion {
    const kind = naming.catalogKind;
    const own = this.own.get(`${kind}/${name}`);
    if (own) return own;
    const row = publishedRow(kind, name);
    if (row) {
      return {
        name,
        engine: row[1],
        // The name wins where it says more: kubedb/installer marks timescaledb-2.14.2-pg15 and
        // -pg16 Official, though their image is TimescaleDB's.
        distribution: bySchemes(naming, name, false).distribution ?? row[2],
        image: row[3] || undefined,
        deprecated: row[4] === 1,
        from: `${kind} "${name}" of KubeDB's published catalog (${PUBLISHED_SOURCE[kind]})`,
      };
    }
    return bySchemes(naming, name);
  }
}

/**
 * A current name of the published catalog for the engine version `engine` in a distribution
 * standalone mode runs, to suggest in its place; undefined when the catalog has none.
 */
export function publishedNameFor(
  naming: VersionNaming,
  engine: string,
  distributions: readonly string[],
): string | undefined {
  return PUBLISHED[naming.catalogKind]?.find(
    (r) =>
      r[1] === engine &&
      r[4] === 0 &&
      distributions.includes(bySchemes(naming, r[0], false).distribution ?? r[2]),
  )?.[0];
}

/** A catalog object: `catalog.kubedb.com` or `catalog.kubevault.com`, kind `<Kind>Version`. */
export function isCatalogObject(o: KubeObject): boolean {
  return (
    o.kind.endsWith('Version') &&
    (CATALOG_GROUPS as readonly string[]).includes(groupOf(o.apiVersion))
  );
}

/**
 * A name no catalog object holds, read by KubeDB's naming schemes; with `generic` false, only by
 * the schemes of distributions other than Official.
 */
function bySchemes(naming: VersionNaming, name: string, generic = true): ResolvedVersion {
  const kind = naming.catalogKind;
  for (const s of naming.schemes ?? []) {
    const m = s.pattern.exec(name);
    if (m) return { name, engine: m[1], distribution: s.distribution, from: scheme(kind) };
  }
  if (!generic) return { name };
  const official = OFFICIAL.exec(name);
  if (official) return { name, engine: official[1], distribution: 'Official', from: scheme(kind) };
  // A leading version with a suffix no scheme knows: the engine version, not the distribution.
  const leading = /^(\d+(?:\.\d+)+)-[\w.-]+$/.exec(name);
  if (leading) return { name, engine: leading[1], from: scheme(kind) };
  return { name };
}

const scheme = (kind: string) => `KubeDB's naming of ${kind}s`;

/** The leading numbers of an engine version: `14.11` → [14, 11]; NaN where there is none. */
export function versionNumbers(engine: string | undefined): number[] {
  const m = engine === undefined ? null : /^\d+(?:\.\d+)*/.exec(engine);
  return m ? m[0].split('.').map(Number) : [Number.NaN];
}
