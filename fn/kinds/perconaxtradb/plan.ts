// The PerconaXtraDB plan: what spec.version names, the cluster's constants, and what the kind
// reads from spec (version, cluster size, requireSSL) with KubeDB's webhook rules.
import { resolveVersion } from '../../catalog/read-version.js';
import type { Obj } from '../../io/objects.js';
import { isObj } from '../../io/objects.js';
import type { Monitor } from '../../render/monitor.js';
import {
  operatorOnlyFields,
  readBool,
  readInt,
  readString,
  warnOperatorOnly,
} from '../../validate/fields.js';
import type { KindContext } from '../kind.js';
import type { UserConfiguration } from '../../render/user-config.js';
import type { VersionNaming } from '../../contract/versions.js';
import { at } from '../../util/field-path.js';

/**
 * What spec.version names: a PerconaXtraDBVersion of KubeDB's catalog,
 * and the names KubeDB gives its builds besides the Official ones (kubedb/installer
 * charts/kubedb-catalog).
 */
export const VERSION_NAMING: VersionNaming = {
  catalogKind: 'PerconaXtraDBVersion',
  schemes: [
    // Percona's own image tags (`8.0.39-30.1`), which standalone mode runs as they are.
    { pattern: /^(\d+(?:\.\d+)*-\d+(?:\.\d+)*)$/, distribution: 'Official' },
  ],
};
export const PORT = 3306;
export const GALERA_PORTS = [
  { name: 'galera', port: 4567 },
  { name: 'ist', port: 4568 },
  { name: 'sst', port: 4444 },
] as const;
export const MYSQL_UID = 1001; // PerconaXtraDBMySQLUserGroupID; the mysql user of the Percona image
export const DATA_DIR = '/var/lib/mysql';
export const KEY_MODE = 0o440; // readable by the mysql group (fsGroup) only
export const MIN_CLUSTER = 3; // kubedb.PerconaXtraDBDefaultClusterSize: the default and the webhook's minimum
export const MAX_CLUSTER_NAME = 32; // kubedb.PerconaXtraDBMaxClusterNameLength (wsrep_cluster_name)
export const MAX_RENDERED_NODES = 1000; // dbtls's own bound: the Galera peer list grows with replicas

export const OPERATOR_ONLY = operatorOnlyFields(
  'init',
  ['systemUserSecrets', 'system user secrets'],
  'autoOps',
  'deletionPolicy',
  'terminationPolicy',
  'halted',
  'healthChecker',
);

export interface PerconaXtraDBPlan {
  version: string;
  replicas: number;
  requireSSL: boolean;
  authSecret: string;
  /** spec.monitor in standalone mode: the exporter sidecar and the stats Service. */
  monitor?: Monitor;
  /** The user's spec.configuration / configSecret (standalone mode). */
  userConfig?: UserConfiguration;
}
/**
 * spec.version: required; the PerconaXtraDBVersion it names gives the engine version, which
 * standalone mode's percona/percona-xtradb-cluster image is tagged with.
 */
export function readVersion(ctx: KindContext, spec: Obj): string | undefined {
  const { report } = ctx;
  const version = readString(spec, 'version', at('spec', 'version'), report);
  if (spec.version === undefined || spec.version === null)
    report.error(
      at('spec', 'version'),
      'spec.version is required: the Percona XtraDB Cluster version, e.g. "8.0.39"',
    );
  if (version === undefined) return undefined;
  return resolveVersion(ctx, version, {
    ...VERSION_NAMING,
    product: 'Percona XtraDB Cluster',
    refusesDeprecated: true,
    // KubeDB's PerconaXtraDBVersions have no distribution: each is Percona's one build.
    standalone: { image: 'percona/percona-xtradb-cluster', distributions: ['Official', ''] },
  }).engine;
}

/** The Galera cluster's name (the database's) and its number of nodes (spec.replicas). */
export function readClusterSize(ctx: KindContext, spec: Obj): number {
  const { report } = ctx;
  const name = ctx.db.metadata.name;
  if (name.length > MAX_CLUSTER_NAME) {
    report.error(
      at('metadata', 'name'),
      `"${name}" is ${name.length} characters; KubeDB uses it as the Galera cluster name, which may have at most ${MAX_CLUSTER_NAME}`,
    );
  }
  const replicas = readInt(spec, 'replicas', at('spec', 'replicas'), report, 1) ?? MIN_CLUSTER;
  if (replicas > MAX_RENDERED_NODES && ctx.settings.mode === 'standalone') {
    report.error(
      at('spec', 'replicas'),
      `${replicas} nodes: standalone mode lists every node in wsrep_cluster_address and renders at most ${MAX_RENDERED_NODES} (use mode: operator for more)`,
    );
  }
  if (replicas < MIN_CLUSTER) {
    report.error(
      at('spec', 'replicas'),
      `${replicas} is too few: a Percona XtraDB Cluster has at least ${MIN_CLUSTER} nodes (KubeDB refuses fewer)`,
    );
  }
  return replicas;
}

/** spec.requireSSL, and whether it could be read (a wrong type is already reported). */
export function readRequireSSL(
  ctx: KindContext,
  spec: Obj,
): { requireSSL: boolean; requireSSLReadable: boolean } {
  const { report } = ctx;
  const requireSSLValue = readBool(spec, 'requireSSL', at('spec', 'requireSSL'), report);
  const requireSSL = requireSSLValue ?? false;
  // A requireSSL of the wrong type is already reported: no advice that assumes it is false.
  const requireSSLReadable =
    requireSSLValue !== undefined || spec.requireSSL === undefined || spec.requireSSL === null;
  // A spec.tls without issuerRef is already reported at spec.tls.issuerRef, one that is no mapping at spec.tls.
  if (requireSSL && ctx.tls === undefined && (spec.tls === undefined || spec.tls === null)) {
    report.error(
      at('spec', 'requireSSL'),
      'requireSSL: true needs TLS: set spec.tls.issuerRef, or remove requireSSL',
    );
  }
  return { requireSSL, requireSSLReadable };
}

/** What standalone mode leaves to the operator or the user: fields, plain connections, password. */
export function adviseStandalone(
  ctx: KindContext,
  {
    requireSSL,
    requireSSLReadable,
    authSecret,
  }: { requireSSL: boolean; requireSSLReadable: boolean; authSecret: string },
): void {
  const { report } = ctx;
  const spec = ctx.db.spec as Obj;
  warnOperatorOnly(spec, OPERATOR_ONLY, report);
  if (ctx.tls !== undefined && !requireSSL && requireSSLReadable) {
    report.info(
      at('spec', 'requireSSL'),
      'the server offers TLS but also accepts connections without it; set requireSSL: true to refuse them',
    );
  }
  if (!(isObj(spec.authSecret) && typeof spec.authSecret.name === 'string')) {
    report.info(
      at('spec', 'authSecret'),
      `the workload reads the root password from Secret "${authSecret}" (key password), which standalone mode does not create`,
    );
  }
}
