// VaultServer's spec.configSecret in standalone mode.
//
// Facts (kubevault/installer CRD kubevault.com_vaultservers.yaml at f3fb56eb, kept in
// test/data/crds; kubevault/docs concepts/vault-server-crds/vaultserver.md; hashicorp/vault
// command/server.go and command/server/config.go Merge): VaultServer has `configSecret: {name}`
// and no `configuration`; the Secret's file must be vault.hcl, "extra configuration for Vault".
// `vault server` takes -config more than once and merges the files in the order given, each onto
// the ones before: a single setting (storage, api_addr, cluster_addr, ui, …) takes the later
// file's value, but listener blocks are ADDED, never replaced. So dbtls passes the user's file
// first and its own second: its storage and other settings win, and its TLS listener is there
// whatever the user's file says. What dbtls cannot do is take away a listener the user's file
// adds (tls_disable = true there serves plaintext beside dbtls's listener, and one on dbtls's
// address stops Vault from starting), and it cannot see the Secret: a warning says so.
import { isObj, type Obj } from '../io/objects.js';
import { describeType } from '../io/resource-list.js';
import { userSecretVolume } from '../render/user-config.js';
import type { KindContext } from './kind.js';
import { at } from '../util/field-path.js';

/** Where the user's vault.hcl is mounted, beside dbtls's /etc/vault/config. */
export const VAULT_USER_CONFIG_DIR = '/etc/vault/user';
const FILE = 'vault.hcl';

/** The Secret of spec.configSecret, or undefined (problems go to ctx.report). */
export function readVaultConfigSecret(ctx: KindContext): string | undefined {
  const s = (ctx.db.spec as Obj).configSecret;
  if (s === undefined || s === null) return undefined;
  if (!isObj(s) || typeof s.name !== 'string' || s.name === '') {
    ctx.report.error(
      at('spec', 'configSecret'),
      `spec.configSecret must be a mapping with the Secret's name (name: my-config), got ${describeType(s)}`,
    );
    return undefined;
  }
  ctx.report.warn(
    at('spec', 'configSecret', 'name'),
    `Vault reads ${FILE} of Secret "${s.name}" before dbtls's ${FILE} (-config twice): dbtls's ` +
      'storage and other settings come later and win, but Vault adds listener blocks rather ' +
      'than replacing them, and dbtls cannot see the Secret, so its content is not checked: ' +
      "a listener in it would serve beside dbtls's TLS listener with its own tls_* settings " +
      '(tls_disable = true: plaintext), which dbtls cannot override: it must have no listener',
  );
  return s.name;
}

/** The user's vault.hcl, mounted read-only (only that key, as KubeVault requires). */
export function vaultUserConfig(secretName: string): { volume: Obj; mount: Obj; flag: string } {
  const { volume, mount } = userSecretVolume(secretName, VAULT_USER_CONFIG_DIR, [FILE]);
  return { volume, mount, flag: `-config=${VAULT_USER_CONFIG_DIR}/${FILE}` };
}
