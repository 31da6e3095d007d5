// The MySQL plan: what spec.version names, the topology's constants, and what the kind reads from
// spec (topology, group replication) with KubeDB's webhook rules.
import type { Obj } from '../../io/objects.js';
import { isObj } from '../../io/objects.js';
import type { Monitor } from '../../render/monitor.js';
import type { Reporter } from '../../io/results.js';
import { operatorOnlyFields, readEnum } from '../../validate/fields.js';
import { olderThan } from '../../util/versions.js';
import type { SecureTransport } from '../mysql-family/plan.js';
import type { UserConfiguration } from '../../render/user-config.js';
import type { VersionNaming } from '../../contract/versions.js';
import { at, type FieldPath } from '../../util/field-path.js';

/**
 * What spec.version names: a MySQLVersion of KubeDB's catalog,
 * and the names KubeDB gives its builds besides the Official ones (kubedb/installer
 * charts/kubedb-catalog).
 */
export const VERSION_NAMING: VersionNaming = {
  catalogKind: 'MySQLVersion',
  schemes: [{ pattern: /^(\d+(?:\.\d+)*)-innodb$/, distribution: 'MySQL' }],
};
export const TOPOLOGY_MODES = [
  'GroupReplication',
  'InnoDBCluster',
  'RemoteReplica',
  'SemiSync',
] as const;
export const GROUP_MODES = ['Single-Primary', 'Multi-Primary'] as const;
export type TopologyMode = (typeof TOPOLOGY_MODES)[number];
export const MYSQL_UID = 999; // the mysql user of the official mysql image
export const DEFAULT_GROUP_SIZE = 3; // kubedb.MySQLDefaultGroupSize
export const MAX_GROUP_MEMBERS = 9; // kubedb.MySQLMaxGroupMembers
export const MULTI_PRIMARY_SINCE = [8, 4, 2];
export const UUID =
  /^(urn:uuid:)?\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i;

export const OPERATOR_ONLY = operatorOnlyFields(
  'init',
  'archiver',
  'autoOps',
  'deletionPolicy',
  'terminationPolicy',
  'halted',
  'healthChecker',
  ['coordinator', 'the failover coordinator'],
  ['allowedReadReplicas', 'read replicas'],
);

export interface MySQLPlan extends SecureTransport {
  version: string;
  replicas: number;
  topology: TopologyMode | undefined;
  /** spec.monitor in standalone mode: the exporter sidecar and the stats Service. */
  monitor?: Monitor;
  /** The user's spec.configuration / configSecret (standalone mode). */
  userConfig?: UserConfiguration;
}

/** How KubeDB names MySQL versions (MySQLVersion), and what dbtls reads from them. */
export const VERSIONS = {
  ...VERSION_NAMING,
  product: 'MySQL',
  image: 'mysql',
  example: '8.4.3',
  // MySQL: Oracle's own build (the -innodb versions), which the upstream image is too.
  distributions: ['Official', 'MySQL'],
  dependsOn:
    'dbtls does not check that Multi-Primary group replication has the MySQL version it needs',
  refusesDeprecated: true,
};

export function readTopology(
  spec: Obj,
  version: string | undefined,
  report: Reporter,
): TopologyMode | undefined {
  const t = spec.topology;
  if (t === undefined || t === null) return undefined;
  if (!isObj(t)) {
    report.error(
      at('spec', 'topology'),
      `spec.topology must be a mapping with mode: ${TOPOLOGY_MODES.join(', ')}`,
    );
    return undefined;
  }
  if (t.mode === undefined || t.mode === null) {
    report.error(
      at('spec', 'topology', 'mode'),
      `spec.topology.mode is required when spec.topology is set: ` +
        `${TOPOLOGY_MODES.join(', ')} (KubeDB refuses a topology without one)`,
    );
    return undefined;
  }
  const mode = readEnum(t, 'mode', at('spec', 'topology', 'mode'), TOPOLOGY_MODES, report);
  const settings =
    mode === 'GroupReplication' ? 'group' : mode === 'InnoDBCluster' ? 'innoDBCluster' : undefined;
  if (!settings) return mode;
  const group = t[settings];
  const path = at('spec', 'topology', settings);
  if (group !== undefined && group !== null && !isObj(group))
    report.error(path, `${path} must be a mapping`);
  if (!isObj(group)) return mode;
  const groupMode = readEnum(group, 'mode', path.child('mode'), GROUP_MODES, report);
  if (mode === 'GroupReplication') checkGroup(group, path, { groupMode, version }, report);
  return mode;
}

/** spec.topology.group: its name a UUID, Multi-Primary only from MySQL 8.4.2. */
export function checkGroup(
  group: Obj,
  path: FieldPath,
  { groupMode, version }: { groupMode?: string; version?: string },
  report: Reporter,
): void {
  const name = group.name;
  // Empty: the operator generates one.
  if (
    name !== undefined &&
    name !== null &&
    name !== '' &&
    (typeof name !== 'string' || !UUID.test(name))
  ) {
    report.error(
      path.child('name'),
      `${JSON.stringify(name)} is not a UUID; MySQL names a ` +
        `replication group by a UUID such as "dc002fc3-c412-4d18-b1d4-66c1fbfbbc9b" (leave it ` +
        `empty and KubeDB generates one)`,
    );
  }
  const numbers = version ? /^(\d+)\.(\d+)\.(\d+)/.exec(version) : null;
  if (
    groupMode === 'Multi-Primary' &&
    numbers &&
    olderThan(numbers.slice(1).map(Number), MULTI_PRIMARY_SINCE)
  ) {
    report.error(
      path.child('mode'),
      `Multi-Primary group replication needs MySQL ` +
        `${MULTI_PRIMARY_SINCE.join('.')} or later (KubeDB refuses it for ${version})`,
    );
  }
}
