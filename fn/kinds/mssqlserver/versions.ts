// What an MSSQLServer spec.version names: KubeDB's MSSQLServerVersion catalog, and the Microsoft
// image a catalog name maps to in standalone mode.
import type { Obj } from '../../io/objects.js';
import type { Reporter } from '../../io/results.js';
import { readString } from '../../validate/fields.js';
import type { VersionNaming } from '../../contract/versions.js';
import { at } from '../../util/field-path.js';

/** What spec.version names: a MSSQLServerVersion of KubeDB's catalog. */
export const VERSION_NAMING: VersionNaming = {
  catalogKind: 'MSSQLServerVersion',
};
/** KubeDB catalog names `<year>-cu<N>` → Microsoft's tag (kubedb/installer catalog: 2022-cu12 → 2022-CU12-ubuntu-22.04, 2025-cu0 → 2025-RTM-ubuntu-22.04). */
export function mssqlImage(version: string): string | undefined {
  const m = /^(2022|2025)-cu(\d+)$/.exec(version);
  if (!m) return undefined;
  const cu = Number(m[2]) === 0 ? 'RTM' : `CU${Number(m[2])}`;
  return `mcr.microsoft.com/mssql/server:${m[1]}-${cu}-ubuntu-22.04`;
}

/** spec.version: required, and in standalone mode one that maps to Microsoft's image. */
export function readImage(spec: Obj, standalone: boolean, report: Reporter) {
  const version = readString(spec, 'version', at('spec', 'version'), report);
  if (spec.version === undefined || spec.version === null)
    report.error(
      at('spec', 'version'),
      'spec.version is required: a KubeDB MSSQLServerVersion such as "2022-cu12"',
    );
  const image = version !== undefined ? mssqlImage(version) : undefined;
  if (version !== undefined && image === undefined && standalone) {
    report.error(
      at('spec', 'version'),
      `${JSON.stringify(version)} is not a KubeDB MSSQLServerVersion that standalone mode can map to Microsoft's image; use one such as "2022-cu12" or "2025-cu0" (YEAR-cuN for 2022 or 2025), or use mode: operator`,
    );
  }
  return image;
}
