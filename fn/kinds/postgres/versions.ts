// What a Postgres spec.version names: KubeDB's PostgresVersion catalog and the names KubeDB gives
// its builds, and the reading of spec.version into the engine version the plan uses.
import type { Obj } from '../../io/objects.js';
import { readString } from '../../validate/fields.js';
import { resolveVersion, type VersionRules } from '../../catalog/read-version.js';
import { versionNumbers } from '../../catalog/versions.js';
import type { VersionNaming } from '../../contract/versions.js';
import { at } from '../../util/field-path.js';
import type { KindContext } from '../kind.js';

/**
 * What spec.version names: a PostgresVersion of KubeDB's catalog,
 * and the names KubeDB gives its builds besides the Official ones (kubedb/installer
 * charts/kubedb-catalog).
 */
export const VERSION_NAMING: VersionNaming = {
  catalogKind: 'PostgresVersion',
  schemes: [
    { pattern: /^timescaledb-[\d.]+-pg(\d+)$/, distribution: 'TimescaleDB' },
    { pattern: /^(\d+(?:\.\d+)*)(?:-(?:alpine|bookworm|bullseye))?-ext$/, distribution: 'KubeDB' },
    { pattern: /^(\d+(?:\.\d+)*)(?:-(?:bookworm|bullseye))?-postgis$/, distribution: 'PostGIS' },
    { pattern: /^(\d+(?:\.\d+)*)-documentdb$/, distribution: 'DocumentDB' },
    { pattern: /^(\d+(?:\.\d+)*)-percona$/, distribution: 'Percona' },
  ],
};

/** How KubeDB names PostgreSQL versions (PostgresVersion), and what dbtls reads from them. */
const VERSIONS: VersionRules = {
  ...VERSION_NAMING,
  product: 'PostgreSQL',
  dependsOn: "dbtls checks neither clientAuthMode's default nor scram's minimum version",
  refusesDeprecated: true,
  standalone: { image: 'postgres', distributions: ['Official'] },
};

/**
 * spec.version: required; the PostgresVersion it names gives the engine version (its major for the
 * checks, the whole for standalone mode's image).
 */
export function readVersion(
  ctx: KindContext,
  spec: Obj,
): { version?: string; engine?: string; major: number } {
  const { report } = ctx;
  const version = readString(spec, 'version', at('spec', 'version'), report);
  if (version === undefined && spec.version === undefined)
    report.error(
      at('spec', 'version'),
      'spec.version is required: the PostgreSQL version, e.g. "16.4"',
    );
  if (version === undefined) return { major: Number.NaN };
  const { engine } = resolveVersion(ctx, version, VERSIONS);
  return { version, engine, major: versionNumbers(engine)[0] };
}
