// The MariaDB plan: what spec.version names, the cluster's constants, and what the kind reads
// from spec (topology, replicas, requireSSL against the version) with KubeDB's webhook rules.
import type { Obj } from '../../io/objects.js';
import { isObj } from '../../io/objects.js';
import type { Monitor } from '../../render/monitor.js';
import { operatorOnlyFields, readEnum } from '../../validate/fields.js';
import { olderThan } from '../../util/versions.js';
import type { Reporter } from '../../io/results.js';
import type { SecureTransport } from '../mysql-family/plan.js';
import type { UserConfiguration } from '../../render/user-config.js';
import type { KindContext } from '../kind.js';
import type { VersionNaming } from '../../contract/versions.js';
import { at } from '../../util/field-path.js';

/** What spec.version names: a MariaDBVersion of KubeDB's catalog. */
export const VERSION_NAMING: VersionNaming = {
  catalogKind: 'MariaDBVersion',
};
export const TOPOLOGY_MODES = ['GaleraCluster', 'MariaDBReplication'] as const;
export const SST_METHODS = ['rsync', 'mariabackup'] as const;
export const GALERA_PORTS = [
  { name: 'galera', port: 4567 },
  { name: 'ist', port: 4568 },
  { name: 'sst', port: 4444 },
] as const;
export const MARIADB_UID = 999; // the mysql user of the official mariadb image
export const MIN_CLUSTER = 3; // kubedb.MariaDBDefaultClusterSize: the webhook's minimum for a topology
export const MAX_CLUSTER_NAME = 32; // kubedb.MariaDBMaxClusterNameLength (wsrep_cluster_name)
export const MAX_RENDERED_NODES = 1000; // dbtls's own bound: the Galera peer list grows with replicas
export const REQUIRE_SSL_SINCE = [10, 5, 2]; // the webhook refuses requireSSL before MariaDB 10.5.2

export const OPERATOR_ONLY = operatorOnlyFields(
  'init',
  'archiver',
  'autoOps',
  'deletionPolicy',
  'terminationPolicy',
  'halted',
  'healthChecker',
  ['distributed', 'distributed MariaDB'],
);

export type SSTMethod = (typeof SST_METHODS)[number];

export interface MariaDBPlan extends SecureTransport {
  version: string;
  replicas: number;
  galera: boolean;
  sstMethod: SSTMethod;
  /** spec.monitor in standalone mode: the exporter sidecar and the stats Service. */
  monitor?: Monitor;
  /** The user's spec.configuration / configSecret (standalone mode). */
  userConfig?: UserConfiguration;
}
export function readTopologyMode(
  spec: Obj,
  report: Parameters<typeof readEnum>[4],
): (typeof TOPOLOGY_MODES)[number] | undefined {
  const t = spec.topology;
  if (t === undefined || t === null) return undefined;
  if (!isObj(t)) {
    report.error(
      at('spec', 'topology'),
      'spec.topology must be a mapping with mode: GaleraCluster or MariaDBReplication',
    );
    return undefined;
  }
  const mode = readEnum(t, 'mode', at('spec', 'topology', 'mode'), TOPOLOGY_MODES, report);
  if (t.mode === undefined || t.mode === null)
    report.error(
      at('spec', 'topology', 'mode'),
      'spec.topology.mode is required ' +
        'when spec.topology is set: GaleraCluster or MariaDBReplication',
    );
  return mode;
}

/** spec.topology's mode (GaleraCluster for several replicas), and what a cluster needs. */
export function readClusterMode(ctx: KindContext, replicas: number) {
  const { report } = ctx;
  const name = ctx.db.metadata.name;
  const mode =
    readTopologyMode(ctx.db.spec as Obj, ctx.report) ??
    (replicas > 1 ? 'GaleraCluster' : undefined);
  if (mode !== undefined && replicas < MIN_CLUSTER) {
    report.error(
      at('spec', 'replicas'),
      `${replicas} is too few for topology mode ${mode}: KubeDB runs ` +
        `a MariaDB cluster of at least ${MIN_CLUSTER} nodes (remove spec.topology for a single ` +
        `server)`,
    );
  }
  if (mode !== undefined && name.length > MAX_CLUSTER_NAME) {
    report.error(
      at('metadata', 'name'),
      `"${name}" is ${name.length} characters; KubeDB uses it as the ` +
        `cluster name, which may have at most ${MAX_CLUSTER_NAME}`,
    );
  }
  return mode;
}

/** requireSSL needs a MariaDB version KubeDB accepts it for. */
export function checkRequireSSLVersion(version: string | undefined, report: Reporter): void {
  const numbers = version !== undefined ? /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(version) : null;
  if (
    numbers &&
    olderThan(
      numbers.slice(1).map((n) => Number(n ?? 0)),
      REQUIRE_SSL_SINCE,
    )
  ) {
    report.error(
      at('spec', 'requireSSL'),
      `requireSSL needs MariaDB ${REQUIRE_SSL_SINCE.join('.')} or ` +
        `later (KubeDB refuses it for ${version}); upgrade spec.version or remove requireSSL`,
    );
  }
}

/** What standalone mode cannot render: MariaDBReplication, more nodes than it lists. */
export function checkStandalone(
  ctx: KindContext,
  mode: string | undefined,
  replicas: number,
): void {
  const { report } = ctx;
  if (mode === 'MariaDBReplication') {
    report.error(
      at('spec', 'topology', 'mode'),
      'MariaDBReplication (asynchronous replicas behind ' +
        'MaxScale) is run by the KubeDB operator only; standalone mode renders a single ' +
        'server or a GaleraCluster (or use mode: operator)',
    );
  }
  if (replicas > MAX_RENDERED_NODES) {
    report.error(
      at('spec', 'replicas'),
      `${replicas} nodes: standalone mode lists every node in ` +
        `wsrep_cluster_address and renders at most ${MAX_RENDERED_NODES} (use mode: operator ` +
        `for more)`,
    );
  }
}
