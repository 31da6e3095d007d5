// What a VaultServer's spec.version names, and the upstream image standalone mode runs for it.
import type { VersionNaming } from '../../contract/versions.js';

/**
 * What spec.version names: a VaultServerVersion of KubeVault's catalog,
 * and the names KubeVault gives its builds besides the Official ones (kubevault/installer
 * charts/kubevault-catalog).
 */
export const VERSION_NAMING: VersionNaming = {
  catalogKind: 'VaultServerVersion',
  schemes: [{ pattern: /^openbao-(\d+(?:\.\d+)*)$/, distribution: 'OpenBao' }],
};

/** The image a VaultServerVersion name implies: `1.18.4` → hashicorp/vault, `openbao-2.4.3` → openbao/openbao. */
export function vaultImage(
  version: string,
): { image: string; binary: 'vault' | 'bao' } | undefined {
  if (/^\d+\.\d+\.\d+$/.test(version))
    return { image: `hashicorp/vault:${version}`, binary: 'vault' };
  const bao = /^openbao-(\d+\.\d+\.\d+)$/.exec(version);
  if (bao) return { image: `openbao/openbao:${bao[1]}`, binary: 'bao' };
  return undefined;
}
