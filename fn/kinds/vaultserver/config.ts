// VaultServer's server configuration: dbtls's vault.hcl (written by fn/text's HCL module), its
// ports and paths, and the user's spec.configSecret in standalone mode.
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
import { isObj, type Obj } from '../../io/objects.js';
import { describeType } from '../../io/resource-list.js';
import { userSecretVolume } from '../../render/user-config.js';
import type { IssuedCertificate, KindContext } from '../kind.js';
import { at, type FieldPath } from '../../util/field-path.js';
import type { Reporter } from '../../io/results.js';
import { nameWithSuffix } from '../../util/names.js';
import { type HclEntry, renderHcl, unwritableInHcl } from '../../text/hcl.js';
import { isControl } from '../../text/unwritable.js';

export const API_PORT = 8200;
export const CLUSTER_PORT = 8201;
export const CERT_DIR = '/etc/vault/tls';
export const CONFIG_DIR = '/etc/vault/config';
export const DATA_DIR = '/vault/data';

/** What vault.hcl depends on in the kind's plan. */
export interface VaultFilesPlan {
  backend?: string;
  dataPath: string;
  replicas: number;
}

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

/**
 * A data path: the data volume's mountPath and storage's path in vault.hcl. An absolute path of
 * printable characters: a line break or control character has no place in a path, and the
 * API server refuses a mountPath that is not a clean absolute path of its own rules anyway.
 */
export function checkDataPath(path: string, field: FieldPath, report: Reporter): string {
  const reason = !path.startsWith('/')
    ? 'is not absolute'
    : [...path].some(isControl)
      ? 'holds a line break or another control character'
      : unwritableInHcl(path);
  if (reason === undefined) return path;
  report.error(
    field,
    `${JSON.stringify(path)} ${reason}: the data directory is mounted there and written into ` +
      'vault.hcl, so it must be an absolute path of printable characters, e.g. /vault/data',
  );
  return DATA_DIR;
}

/** vault.hcl: the TLS listener KubeVault writes, and the storage stanza for the backend. */
export function vaultHcl(
  ctx: KindContext,
  plan: VaultFilesPlan,
  certificates: readonly IssuedCertificate[],
): string {
  const server = certificates.find((c) => c.alias === 'server');
  const listener: HclEntry[] = [
    ['address', `0.0.0.0:${API_PORT}`],
    ['cluster_address', `0.0.0.0:${CLUSTER_PORT}`],
  ];
  if (server) {
    listener.push(
      ['tls_cert_file', `${CERT_DIR}/server/tls.crt`],
      ['tls_key_file', `${CERT_DIR}/server/tls.key`],
      ['tls_client_ca_file', `${CERT_DIR}/server/ca.crt`],
      ['tls_min_version', 'tls12'],
    );
  } else {
    listener.push(['tls_disable', true]);
  }
  return renderHcl([
    { comment: 'Rendered by dbtls from the VaultServer resource.' },
    ['ui', true],
    ['disable_mlock', true],
    { blank: true },
    { block: 'listener', labels: ['tcp'], body: listener },
    { blank: true },
    storageBlock(ctx, plan, {
      https: server !== undefined,
      storageTLS: server !== undefined && certificates.some((c) => c.alias === 'storage'),
    }),
  ]);
}

/** The storage stanza for the backend: raft joins every node (over TLS with the storage certificate). */
function storageBlock(
  ctx: KindContext,
  plan: VaultFilesPlan,
  { https, storageTLS }: { https: boolean; storageTLS: boolean },
): HclEntry {
  if (plan.backend === 'file')
    return { block: 'storage', labels: ['file'], body: [['path', plan.dataPath]] };
  if (plan.backend !== 'raft') return { block: 'storage', labels: ['inmem'], body: [] };
  const name = ctx.db.metadata.name;
  const internal = nameWithSuffix(name, 'internal');
  const scheme = https ? 'https' : 'http';
  const body: HclEntry[] = [['path', plan.dataPath]];
  for (let i = 0; i < plan.replicas; i++) {
    const join: HclEntry[] = [
      ['leader_api_addr', `${scheme}://${name}-${i}.${internal}.${ctx.namespace}.svc:${API_PORT}`],
    ];
    if (storageTLS)
      join.push(
        ['leader_ca_cert_file', `${CERT_DIR}/storage/ca.crt`],
        ['leader_client_cert_file', `${CERT_DIR}/storage/tls.crt`],
        ['leader_client_key_file', `${CERT_DIR}/storage/tls.key`],
      );
    body.push({ block: 'retry_join', body: join });
  }
  return { block: 'storage', labels: ['raft'], body };
}
