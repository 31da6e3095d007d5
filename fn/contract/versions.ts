// What a database's spec.version names, as the kinds read it: KubeDB's catalog objects
// (PostgresVersion, …). Types only; the catalogs are read in fn/catalog/versions.ts.

/** A version the policy declares (spec.versions): a catalog object the cluster has. */
export interface DeclaredVersion {
  kind: string;
  name: string;
  version: string;
  distribution?: string;
}

export interface ResolvedVersion {
  /** spec.version as written: the catalog object's name. */
  name: string;
  /** The engine version (`14.11`, or only the major `14`); undefined when it cannot be known. */
  engine?: string;
  /** The catalog's distribution (Official, TimescaleDB, Valkey, …); '' when the catalog has none. */
  distribution?: string;
  /** The catalog's database image, where one was read. */
  image?: string;
  deprecated?: boolean;
  /** Where the facts come from, in words: `PostgresVersion "x" in the input (file)`. */
  from?: string;
}

/** One of KubeDB's naming schemes: a name it matches is of `distribution`, its first group the engine version. */
export interface VersionScheme {
  pattern: RegExp;
  distribution: string;
}

/**
 * What a kind's spec.version names: its catalog kind (PostgresVersion, …), and the naming schemes
 * KubeDB's catalog follows for it besides the Official `16.4`, `16.4-bookworm` (DatabaseKind.versionNaming).
 */
export interface VersionNaming {
  catalogKind: string;
  schemes?: readonly VersionScheme[];
}

/** The version catalogs of one run: the input's objects, the policy's, the published ones. */
export interface VersionLookup {
  /** What `name` stands for as a version of `naming.catalogKind`. */
  resolve(naming: VersionNaming, name: string): ResolvedVersion;
}
