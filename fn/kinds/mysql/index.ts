// KubeDB MySQL (kubedb.com/v1, also v1alpha2): TLS fields, certificates and, in standalone mode,
// the workload of a single server on the upstream mysql image.
//
// Facts (kubedb/apimachinery apis/kubedb/v1/mysql_{types,helpers}.go,
// pkg/webhooks/kubedb/v1/mysql.go, apis/kubedb/constants.go; kubedb/docs guides/mysql/tls):
// aliases server, client, metrics-exporter (the `router` constant is in neither the enum nor
// SetTLSDefaults), each `<db>-<alias>-cert`; services `<db>`, `<db>-standby` (clusters) and
// governing `<db>-pods`; topology.mode GroupReplication, InnoDBCluster, RemoteReplica or SemiSync,
// a topology defaults to 3 replicas, a single server to 1; group replication has 3 to 9 members
// (MySQLMaxGroupMembers), a version-4 UUID as group name (generated when empty) and Multi-Primary
// from 8.4.2; `requireSSL` makes the server require_secure_transport.
import type { Obj } from '../../io/objects.js';
import { isObj, shared } from '../../io/objects.js';
import { serverCertificateDefaults, USAGES } from '../../render/certificate.js';
import {
  configMapVolume,
  podSecurityContext,
  RESTRICTED_CONTAINER,
  tcpReadiness,
} from '../../render/workload.js';
import { type Monitor, readMonitor } from '../../render/monitor.js';
import type { Reporter } from '../../io/results.js';
import {
  operatorOnlyFields,
  readEnum,
  readInt,
  readUpstreamVersion,
  warnOperatorOnly,
} from '../../validate/fields.js';
import { nameWithSuffix } from '../../util/names.js';
import { olderThan } from '../../util/versions.js';
import { defineKind, type IssuedCertificate } from '../kind.js';
import {
  familyWorkload,
  adviseStandalone,
  BASE_MOUNTS,
  certVolumes,
  COMMAND,
  mysqlFamilyClient,
  mysqlReloader,
  readSecureTransport,
  type SecureTransport,
  REQUIRE_SSL_SETTING,
} from '../mysql-family/workload.js';
import { mysqlUsers } from '../mysql-family/client.js';
import {
  clientTLSCnf,
  CONFIG_DIR,
  MYSQL_PORT,
  readMysqlConfiguration,
  serverCnf,
  USER_CONFIG_DIR,
  pinnedServerArguments,
} from '../mysql-family/config.js';
import { trustBundleLines, WATCHER_FILE } from '../../render/rotation.js';
import { inlineData, type UserConfiguration, userSecretVolume } from '../../render/user-config.js';
import type { VersionNaming } from '../../contract/versions.js';

/**
 * What spec.version names: a MySQLVersion of KubeDB's catalog,
 * and the names KubeDB gives its builds besides the Official ones (kubedb/installer
 * charts/kubedb-catalog).
 */
const VERSION_NAMING: VersionNaming = {
  catalogKind: 'MySQLVersion',
  schemes: [{ pattern: /^(\d+(?:\.\d+)*)-innodb$/, distribution: 'MySQL' }],
};
import { at, type FieldPath } from '../../util/field-path.js';

const ALIASES = ['server', 'client', 'metrics-exporter'] as const;
const TOPOLOGY_MODES = ['GroupReplication', 'InnoDBCluster', 'RemoteReplica', 'SemiSync'] as const;
const GROUP_MODES = ['Single-Primary', 'Multi-Primary'] as const;
type TopologyMode = (typeof TOPOLOGY_MODES)[number];
const MYSQL_UID = 999; // the mysql user of the official mysql image
const DEFAULT_GROUP_SIZE = 3; // kubedb.MySQLDefaultGroupSize
const MAX_GROUP_MEMBERS = 9; // kubedb.MySQLMaxGroupMembers
const MULTI_PRIMARY_SINCE = [8, 4, 2];
const UUID =
  /^(urn:uuid:)?\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i;

const OPERATOR_ONLY = operatorOnlyFields(
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

interface MySQLPlan extends SecureTransport {
  version: string;
  replicas: number;
  topology: TopologyMode | undefined;
  /** spec.monitor in standalone mode: the exporter sidecar and the stats Service. */
  monitor?: Monitor;
  /** The user's spec.configuration / configSecret (standalone mode). */
  userConfig?: UserConfiguration;
}

/** How KubeDB names MySQL versions (MySQLVersion), and what dbtls reads from them. */
const VERSIONS = {
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

export const mysql = defineKind<MySQLPlan>({
  group: 'kubedb.com',
  kind: 'MySQL',
  versionNaming: VERSION_NAMING,
  operator: 'KubeDB',
  resource: 'mysqls',
  versions: ['v1', 'v1alpha2'],
  summary:
    'MySQL: server, client and metrics-exporter certificates; a single server, group ' +
    'replication or InnoDB cluster (clusters in operator mode), client connections over TLS',
  aliases: () => ALIASES,

  plan(ctx) {
    const { report } = ctx;
    const spec = ctx.db.spec as Obj;
    const standalone = ctx.settings.mode === 'standalone';
    const { engine } = readUpstreamVersion(ctx, spec, VERSIONS);
    const topology = readTopology(spec, engine, report);
    const replicas =
      readInt(spec, 'replicas', at('spec', 'replicas'), report, 1) ??
      (topology && topology !== 'RemoteReplica' ? DEFAULT_GROUP_SIZE : 1);
    if (
      topology === 'GroupReplication' &&
      (replicas < DEFAULT_GROUP_SIZE || replicas > MAX_GROUP_MEMBERS)
    ) {
      report.error(
        at('spec', 'replicas'),
        `${replicas} members: KubeDB runs group replication with ` +
          `${DEFAULT_GROUP_SIZE} to ${MAX_GROUP_MEMBERS} members`,
      );
    }
    const transport = readSecureTransport(ctx);
    if (standalone) {
      if (topology !== undefined) {
        report.error(
          at('spec', 'topology', 'mode'),
          `${topology} is run by the KubeDB operator only; ` +
            `standalone mode renders a single MySQL server (remove spec.topology, or use mode: ` +
            `operator)`,
        );
      } else if (replicas > 1) {
        report.error(
          at('spec', 'replicas'),
          `${replicas} servers without spec.topology would not ` +
            `replicate; standalone mode renders a single MySQL server (set replicas: 1, or use ` +
            `mode: operator with a topology)`,
        );
      }
      warnOperatorOnly(spec, OPERATOR_ONLY, report);
      adviseStandalone(ctx, transport, 'root');
    }
    const monitor = standalone
      ? readMonitor(spec, report, { reservedPorts: [MYSQL_PORT] })
      : undefined;
    const plan: MySQLPlan = { ...transport, version: engine ?? '', replicas, topology, monitor };
    if (standalone) {
      const cert = (alias: string) =>
        ctx.tls ? { alias, name: alias, secretName: alias } : undefined;
      const myCnf = () => [clientTLSCnf('MySQL', plan.requireSSL, cert('server'), cert('client'))];
      plan.userConfig = readMysqlConfiguration(ctx, myCnf, ctx.tls !== undefined);
    }
    return plan;
  },

  issuesCertificates: (ctx) => ctx.tls !== undefined,

  clientServices: (ctx) => ({ primary: ctx.db.metadata.name }),

  client: mysqlFamilyClient('MySQL'),
  users: mysqlUsers('MySQL'),

  connectionSettings: [REQUIRE_SSL_SETTING],

  certificateDefaults(ctx, plan, alias) {
    // KubeDB sets no default subject (SetTLSDefaults fills only secret names).
    const name = ctx.db.metadata.name;
    if (alias === 'server') {
      const services = plan.topology ? [name, nameWithSuffix(name, 'standby')] : [name];
      // Group members and replicas connect to each other with the server certificate.
      return serverCertificateDefaults(
        ctx,
        services,
        nameWithSuffix(name, 'pods'),
        USAGES.serverAndClient,
      );
    }
    return { commonName: alias === 'client' ? 'root' : 'monitor', usages: USAGES.client };
  },

  podTemplate: { container: 'mysql' },

  workload(ctx, plan, certificates, owner) {
    const name = ctx.db.metadata.name;
    const server = certificates.find((c) => c.alias === 'server');
    const client = certificates.find((c) => c.alias === 'client');
    const configName = nameWithSuffix(name, 'server-config');
    const certs = certVolumes(certificates);
    const userSecret = plan.userConfig?.secret;
    if (userSecret) {
      const user = userSecretVolume(userSecret.name, USER_CONFIG_DIR);
      certs.volumes.unshift(user.volume);
      certs.mounts.unshift(user.mount);
    }
    const image = `mysql:${plan.version}`;
    const rootPassword = {
      name: 'MYSQL_ROOT_PASSWORD',
      valueFrom: { secretKeyRef: { name: plan.authSecret, key: 'password' } },
    };
    const mounts = [...BASE_MOUNTS, ...certs.mounts];
    const container = mysqlContainer(image, rootPassword, mounts);
    // Renewal: a sidecar of the same image asks mysqld to reload TLS over SQL.
    const reloader = mysqlReloader(certificates, {
      image,
      password: rootPassword,
      galera: false,
      mounts,
    });
    const files = configFiles(plan, server, client);
    if (reloader) files[WATCHER_FILE] = reloader.script;
    const containers: Obj[] = reloader ? [container, reloader.container] : [container];
    const volumes = [configMapVolume('config', configName, 0o555), ...certs.volumes];
    return familyWorkload(ctx, owner, {
      monitor: plan.monitor,
      authSecret: plan.authSecret,
      certificates,
      configName,
      files,
      containers,
      volumes,
      replicas: 1,
      uid: MYSQL_UID,
      podSecurity: POD_SECURITY,
      primaryPorts: PRIMARY_PORTS,
      podPorts: POD_PORTS,
    });
  },
});

/** The mysql container, started by start.sh with the root password from spec.authSecret. */
function mysqlContainer(image: string, rootPassword: Obj, mounts: Obj[]) {
  return {
    name: 'mysql',
    image,
    command: COMMAND,
    env: [rootPassword],
    ports: CONTAINER_PORTS,
    readinessProbe: READINESS,
    volumeMounts: mounts,
    securityContext: RESTRICTED_CONTAINER,
  };
}

/** The ConfigMap's files: my.cnf, start.sh, and with the user's configuration server.cnf. */
function configFiles(
  plan: MySQLPlan,
  server: IssuedCertificate | undefined,
  client: IssuedCertificate | undefined,
): Record<string, string> {
  const files: Record<string, string> = {
    'my.cnf': clientTLSCnf('MySQL', plan.requireSSL, server, client),
    'start.sh': startScript(server !== undefined, plan.requireSSL),
  };
  if (plan.userConfig) {
    // mysqld reads the user's files, then dbtls's my.cnf, which wins.
    files['server.cnf'] = serverCnf('mysqld', ['my.cnf'], plan.userConfig);
    files['start.sh'] = files['start.sh'].replace(
      `${CONFIG_DIR}/my.cnf`,
      `${CONFIG_DIR}/server.cnf`,
    );
    Object.assign(files, inlineData(plan.userConfig));
  }
  return files;
}

function readTopology(
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
function checkGroup(
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

/**
 * With TLS, the CA bundle is written before mysqld reads it; the TLS options follow the option
 * files on mysqld's command line (pinnedServerArguments).
 */
function startScript(tls: boolean, requireSSL: boolean): string {
  return [
    '#!/bin/sh',
    "# Rendered by dbtls: the image's entrypoint initialises the data directory once, then runs " +
      'mysqld',
    '# with the rendered TLS settings after its own configuration.',
    'set -eu',
    ...(tls ? trustBundleLines(CONFIG_DIR) : []),
    `exec docker-entrypoint.sh mysqld --defaults-extra-file=${CONFIG_DIR}/my.cnf` +
      pinnedServerArguments(requireSSL, tls),
    '',
  ].join('\n');
}

// The parts of the workload that every MySQL shares (see `shared`).
const CONTAINER_PORTS = shared([{ name: 'mysql', containerPort: MYSQL_PORT, protocol: 'TCP' }]);
const READINESS = tcpReadiness(MYSQL_PORT);
const POD_SECURITY = podSecurityContext(MYSQL_UID);
const PRIMARY_PORTS = shared([{ name: 'primary', port: MYSQL_PORT }]);
const POD_PORTS = shared([{ name: 'db', port: MYSQL_PORT }]);
