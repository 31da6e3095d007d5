// What the stages of one run share: the settings, the supported kinds, the issuers of the input,
// and what rendering produced for each source.
import type { KindRegistry } from '../contract/registry.js';
import type { Settings } from '../contract/settings.js';
import type { CertificateOverride } from '../contract/tls.js';
import type { VersionLookup } from '../contract/versions.js';
import type { KubeObject } from '../io/objects.js';
import { fileOf } from '../io/results.js';
import type { IssuerIndex } from '../validate/issuers.js';

/** One run's context, handed to the stages that render and connect. */
export interface Run {
  settings: Settings;
  kinds: KindRegistry;
  /** The Issuers and ClusterIssuers of the input, and those the settings declare external. */
  issuers: IssuerIndex;
  /** What each spec.version names: the input's catalog objects, the policy's, the published ones. */
  versions: VersionLookup;
  /** Run as a kustomize generator: the functionConfig is the one database to render. */
  asGenerator: boolean;
}

/** What one source (a database, or a workload that connects) generated. */
export interface Rendered {
  source: KubeObject;
  objects: KubeObject[];
  /** The database's spec.tls.certificates[] by alias, where a collision is reported. */
  overrides?: ReadonlyMap<string, CertificateOverride>;
}

/** ` (in path/to/file.yaml)` when the object came from a file, for messages. */
export function where(o: KubeObject): string {
  const f = fileOf(o);
  return f ? ` (in ${f.path})` : '';
}
