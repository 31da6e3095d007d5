// KubeDB MariaDB (kubedb.com/v1, also v1alpha2): TLS fields, certificates and the standalone
// workload, one server or a Galera cluster.
//
// Facts (kubedb/apimachinery apis/kubedb/v1/mariadb_{types,helpers}.go,
// pkg/webhooks/kubedb/v1/mariadb.go, apis/kubedb/constants.go; kubedb/docs guides/mariadb/tls):
// aliases server, client, metrics-exporter (the docs still list an `archiver` secret and the Go
// enum marker says server;archiver;metrics-exporter, but the constants and SetTLSDefaults say
// client: current code wins), each `<db>-<alias>-cert`; services `<db>` and governing `<db>-pods`;
// replicas default 1, more than 1 without a topology means GaleraCluster; a topology needs at
// least 3 replicas; topology.mode GaleraCluster or MariaDBReplication (with MaxScale);
// wsrepSSTMethod rsync (default) or mariabackup; the cluster name (the database's name) is at
// most 32 characters; requireSSL needs MariaDB 10.5.2 or later; certificates mounted under
// /etc/mysql/certs/<alias>.
import type { Obj } from '../../io/objects.js';
import { isObj, shared } from '../../io/objects.js';
import { serverCertificateDefaults, USAGES } from '../../render/certificate.js';
import {
  configMapVolume,
  podSecurityContext,
  RESTRICTED_CONTAINER,
  tcpReadiness,
  serviceWildcards,
} from '../../render/workload.js';
import { type Monitor, readMonitor } from '../../render/monitor.js';
import {
  operatorOnlyFields,
  readEnum,
  readInt,
  readUpstreamVersion,
  warnOperatorOnly,
} from '../../validate/fields.js';
import { nameWithSuffix } from '../../util/names.js';
import { flat } from '../../util/strings.js';
import { olderThan } from '../../util/versions.js';
import { defineKind, type IssuedCertificate } from '../kind.js';
import type { Reporter } from '../../io/results.js';
import {
  familyWorkload,
  adviseStandalone,
  BASE_MOUNTS,
  certVolumes,
  COMMAND,
  DATA_DIR,
  mysqlFamilyClient,
  mysqlReloader,
  readSecureTransport,
  type SecureTransport,
  REQUIRE_SSL_SETTING,
} from '../mysql-family/workload.js';
import { mysqlUsers } from '../mysql-family/client.js';
import {
  certOptions,
  clientTLSCnf,
  CONFIG_DIR,
  galeraSSLOptions,
  MYSQL_PORT,
  peersThatFit,
  readMysqlConfiguration,
  serverCnf,
  USER_CONFIG_DIR,
  pinnedServerArguments,
} from '../mysql-family/config.js';
import { trustBundleLines, WATCHER_FILE } from '../../render/rotation.js';
import { type OptionLine, renderOptionFile } from '../../text/my-cnf.js';
import { inlineData, type UserConfiguration, userSecretVolume } from '../../render/user-config.js';
import type { KindContext } from '../kind.js';
import type { VersionNaming } from '../../contract/versions.js';

/** What spec.version names: a MariaDBVersion of KubeDB's catalog. */
const VERSION_NAMING: VersionNaming = {
  catalogKind: 'MariaDBVersion',
};
import { at } from '../../util/field-path.js';

const ALIASES = ['server', 'client', 'metrics-exporter'] as const;
const TOPOLOGY_MODES = ['GaleraCluster', 'MariaDBReplication'] as const;
const SST_METHODS = ['rsync', 'mariabackup'] as const;
const GALERA_PORTS = [
  { name: 'galera', port: 4567 },
  { name: 'ist', port: 4568 },
  { name: 'sst', port: 4444 },
] as const;
const MARIADB_UID = 999; // the mysql user of the official mariadb image
const MIN_CLUSTER = 3; // kubedb.MariaDBDefaultClusterSize: the webhook's minimum for a topology
const MAX_CLUSTER_NAME = 32; // kubedb.MariaDBMaxClusterNameLength (wsrep_cluster_name)
const MAX_RENDERED_NODES = 1000; // dbtls's own bound: the Galera peer list grows with replicas
const REQUIRE_SSL_SINCE = [10, 5, 2]; // the webhook refuses requireSSL before MariaDB 10.5.2

const OPERATOR_ONLY = operatorOnlyFields(
  'init',
  'archiver',
  'autoOps',
  'deletionPolicy',
  'terminationPolicy',
  'halted',
  'healthChecker',
  ['distributed', 'distributed MariaDB'],
);

type SSTMethod = (typeof SST_METHODS)[number];

interface MariaDBPlan extends SecureTransport {
  version: string;
  replicas: number;
  galera: boolean;
  sstMethod: SSTMethod;
  /** spec.monitor in standalone mode: the exporter sidecar and the stats Service. */
  monitor?: Monitor;
  /** The user's spec.configuration / configSecret (standalone mode). */
  userConfig?: UserConfiguration;
}

export const mariadb = defineKind<MariaDBPlan>({
  group: 'kubedb.com',
  kind: 'MariaDB',
  versionNaming: VERSION_NAMING,
  operator: 'KubeDB',
  resource: 'mariadbs',
  versions: ['v1', 'v1alpha2'],
  summary:
    'MariaDB: server, client and metrics-exporter certificates; one server or a Galera ' +
    'cluster, client connections and Galera replication over TLS',
  aliases: () => ALIASES,
  unissuedAliases: () => ({
    archiver:
      "archiver is KubeDB's older name of the client certificate (its docs still show it); " +
      'current KubeDB issues server, client and metrics-exporter',
  }),

  plan(ctx) {
    const { report } = ctx;
    const spec = ctx.db.spec as Obj;
    const standalone = ctx.settings.mode === 'standalone';
    const { engine } = readUpstreamVersion(ctx, spec, {
      ...VERSION_NAMING,
      product: 'MariaDB',
      image: 'mariadb',
      example: '11.4.3',
      // KubeDB's MariaDBVersions have no distribution: each is the one upstream MariaDB.
      distributions: ['Official', ''],
      dependsOn: 'dbtls does not check that requireSSL has the MariaDB version it needs',
      refusesDeprecated: true,
    });
    const replicas = readInt(spec, 'replicas', at('spec', 'replicas'), report, 1) ?? 1;
    const mode = readClusterMode(ctx, replicas);
    const sstMethod =
      readEnum(spec, 'wsrepSSTMethod', at('spec', 'wsrepSSTMethod'), SST_METHODS, report) ??
      'rsync';
    const transport = readSecureTransport(ctx);
    if (transport.requireSSL) checkRequireSSLVersion(engine, report);
    if (standalone) {
      checkStandalone(ctx, mode, replicas);
      warnOperatorOnly(spec, OPERATOR_ONLY, report);
      adviseStandalone(ctx, transport, 'root');
    }
    const plan: MariaDBPlan = {
      ...transport,
      version: engine ?? '',
      replicas,
      galera: mode === 'GaleraCluster',
      sstMethod,
      monitor: standalone
        ? readMonitor(spec, report, {
            reservedPorts: [MYSQL_PORT, ...GALERA_PORTS.map((p) => p.port)],
          })
        : undefined,
    };
    if (standalone) plan.userConfig = readMariaDBConfiguration(ctx, plan);
    return plan;
  },

  issuesCertificates: (ctx) => ctx.tls !== undefined,

  clientServices: (ctx) => ({ primary: ctx.db.metadata.name }),

  client: mysqlFamilyClient('MariaDB'),
  users: mysqlUsers('MariaDB'),

  connectionSettings: [REQUIRE_SSL_SETTING],

  certificateDefaults(ctx, _plan, alias) {
    // KubeDB sets no default subject (SetTLSDefaults fills only secret names).
    const name = ctx.db.metadata.name;
    // Galera nodes connect to each other with the server certificate: it is client and server.
    if (alias === 'server') {
      // As KubeDB issues it (kubedb/docs mariadb/reconfigure-tls/cluster): common name
      // <db>.<ns>.svc, and *.<db>.<ns>.svc among the names.
      const commonName = flat(name, '.', ctx.namespace, '.svc');
      const governing = nameWithSuffix(name, 'pods');
      const usages = USAGES.serverAndClient;
      const defaults = serverCertificateDefaults(ctx, [name], governing, usages, commonName);
      const wildcards = serviceWildcards(name, ctx.namespace, ctx.settings.clusterDomain);
      return { ...defaults, dnsNames: [...(defaults.dnsNames ?? []), ...wildcards] };
    }
    // The client certificate is the root user's; the exporter's is the monitor user's.
    return { commonName: alias === 'client' ? 'root' : 'monitor', usages: USAGES.client };
  },

  podTemplate: { container: 'mariadb' },

  workload(ctx, plan, certificates, owner) {
    const name = ctx.db.metadata.name;
    const server = certificates.find((c) => c.alias === 'server');
    const client = certificates.find((c) => c.alias === 'client');
    const configName = nameWithSuffix(name, 'server-config');
    const certs = certVolumes(certificates);
    const files = configFiles(ctx, plan, server, client);
    if (plan.userConfig?.secret) {
      const user = userSecretVolume(plan.userConfig.secret.name, USER_CONFIG_DIR);
      certs.volumes.unshift(user.volume);
      certs.mounts.unshift(user.mount);
    }
    const image = `mariadb:${plan.version}`;
    const rootPassword = {
      name: 'MARIADB_ROOT_PASSWORD',
      valueFrom: { secretKeyRef: { name: plan.authSecret, key: 'password' } },
    };
    const mounts = [...BASE_MOUNTS, ...certs.mounts];
    const container = mariadbContainer(image, plan, rootPassword, mounts);
    // Renewal: a sidecar of the same image asks mariadbd (and Galera) to reload TLS over SQL.
    const reloader = mysqlReloader(certificates, {
      image,
      password: rootPassword,
      galera: plan.galera,
      mounts,
    });
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
      replicas: plan.replicas,
      uid: MARIADB_UID,
      podSecurity: POD_SECURITY,
      primaryPorts: PRIMARY_PORTS,
      podPorts: plan.galera ? CLUSTER_POD_PORTS : POD_PORTS,
    });
  },
});

/** The ConfigMap's files: the option files, server.cnf including them, start.sh, the user's. */
function configFiles(
  ctx: KindContext,
  plan: MariaDBPlan,
  server: IssuedCertificate | undefined,
  client: IssuedCertificate | undefined,
): Record<string, string> {
  const files = optionFiles(ctx, plan, server, client);
  files['server.cnf'] = serverCnf('mariadbd', Object.keys(files), plan.userConfig);
  files['start.sh'] = startScript(plan.galera, server !== undefined, plan.requireSSL);
  Object.assign(files, inlineData(plan.userConfig));
  return files;
}

/** The mariadb container, started by start.sh (which bootstraps Galera on the first node). */
function mariadbContainer(image: string, plan: MariaDBPlan, rootPassword: Obj, mounts: Obj[]) {
  return {
    name: 'mariadb',
    image,
    command: COMMAND,
    env: [rootPassword],
    ports: plan.galera ? CLUSTER_CONTAINER_PORTS : CONTAINER_PORTS,
    readinessProbe: READINESS,
    volumeMounts: mounts,
    securityContext: RESTRICTED_CONTAINER,
  };
}

function readTopologyMode(
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

/** Every node's name in the governing Service, as wsrep_cluster_address lists them. */
function peersOf(ctx: KindContext, replicas: number): string[] {
  const name = ctx.db.metadata.name;
  const governing = nameWithSuffix(name, 'pods');
  const suffix = `.${governing}.${ctx.namespace}.svc.${ctx.settings.clusterDomain}`;
  return Array.from({ length: replicas }, (_, i) => `${name}-${i}${suffix}`);
}

/** The option files dbtls renders: client TLS and, for a cluster, Galera. */
function optionFiles(
  ctx: KindContext,
  plan: MariaDBPlan,
  server: IssuedCertificate | undefined,
  client: IssuedCertificate | undefined,
): Record<string, string> {
  const name = ctx.db.metadata.name;
  const peers = peersOf(ctx, plan.replicas);
  const files: Record<string, string> = {
    'my.cnf': clientTLSCnf('MariaDB', plan.requireSSL, server, client),
  };
  if (plan.galera) files['galera.cnf'] = galeraCnf(name, peers, plan.sstMethod, server);
  return files;
}

/**
 * The user's configuration, checked against the option files dbtls renders after it; first,
 * whether a cluster's peer list fits its line.
 */
function readMariaDBConfiguration(
  ctx: KindContext,
  plan: MariaDBPlan,
): UserConfiguration | undefined {
  // The certificates as the workload will mount them: only whether there are any matters here.
  const cert = (alias: string) => (ctx.tls ? { alias, name: alias, secretName: alias } : undefined);
  // At most as many peers as a rendered workload lists (more is an error in plan()).
  const bounded = { ...plan, replicas: Math.min(plan.replicas, MAX_RENDERED_NODES) };
  const peers = plan.galera ? peersOf(ctx, bounded.replicas) : [];
  const fit = peersThatFit(ctx, peers, plan.replicas <= MAX_RENDERED_NODES).length;
  if (plan.galera) bounded.replicas = fit;
  const files = () => Object.values(optionFiles(ctx, bounded, cert('server'), cert('client')));
  return readMysqlConfiguration(ctx, files, ctx.tls !== undefined);
}

/**
 * Galera: membership, and replication over TLS with the server certificate — group
 * communication and IST through the provider's socket.ssl options, SST through [sst] tca, tcert,
 * tkey (rsync tunnels through stunnel, mariabackup through socat with encrypt=3).
 */
export function galeraCnf(
  name: string,
  peers: readonly string[],
  sst: SSTMethod,
  server: IssuedCertificate | undefined,
): string {
  const lines: OptionLine[] = [
    { comment: 'Rendered by dbtls: Galera replication between the nodes.' },
    { group: 'mysqld' },
    ['wsrep_on', 'ON'],
    ['wsrep_provider', '/usr/lib/galera/libgalera_smm.so'],
    ['wsrep_cluster_name', name],
    ['wsrep_cluster_address', `gcomm://${peers.join(',')}`],
    ['wsrep_sst_method', sst],
    ['binlog_format', 'ROW'],
    ['default_storage_engine', 'InnoDB'],
    ['innodb_autoinc_lock_mode', 2],
  ];
  if (server) {
    lines.push(
      ['wsrep_provider_options', galeraSSLOptions()],
      { blank: true },
      { group: 'sst' },
      ...(sst === 'mariabackup' ? [['encrypt', 3] as const] : []),
      ...certOptions('t', 'server', ['ca', 'cert', 'key']),
    );
  }
  return renderOptionFile(lines);
}

/**
 * Pod 0 bootstraps a Galera cluster on an empty data directory; every other start joins the peers.
 * With TLS, the CA bundle is written before mariadbd reads it.
 */
export function startScript(galera: boolean, tls: boolean, requireSSL: boolean): string {
  const lines = ['#!/bin/sh', '# Rendered by dbtls.', 'set -eu'];
  if (tls) lines.push(...trustBundleLines(CONFIG_DIR));
  lines.push('bootstrap=""');
  if (galera) {
    lines.push(
      '# Pod 0 bootstraps a new cluster once; every other start joins ' + 'wsrep_cluster_address.',
      'ordinal="${HOSTNAME##*-}"',
      `if [ "$ordinal" = "0" ] && [ ! -e ${DATA_DIR}/grastate.dat ]; then ` +
        `bootstrap="--wsrep-new-cluster"; fi`,
    );
  }
  lines.push(
    `exec docker-entrypoint.sh mariadbd --defaults-extra-file=${CONFIG_DIR}/server.cnf` +
      `${pinnedServerArguments(requireSSL, tls)} $bootstrap`,
    '',
  );
  return lines.join('\n');
}

// The parts of the workload that every MariaDB shares (see `shared`).
const CONTAINER_PORTS = shared([{ name: 'mysql', containerPort: MYSQL_PORT, protocol: 'TCP' }]);
const CLUSTER_CONTAINER_PORTS = shared([
  ...CONTAINER_PORTS,
  ...GALERA_PORTS.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })),
]);
const READINESS = tcpReadiness(MYSQL_PORT);
const POD_SECURITY = podSecurityContext(MARIADB_UID);
const PRIMARY_PORTS = shared([{ name: 'primary', port: MYSQL_PORT }]);
const POD_PORTS = shared([{ name: 'db', port: MYSQL_PORT }]);
const CLUSTER_POD_PORTS = shared([...POD_PORTS, ...GALERA_PORTS]);

/** spec.topology's mode (GaleraCluster for several replicas), and what a cluster needs. */
function readClusterMode(ctx: KindContext, replicas: number) {
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
function checkRequireSSLVersion(version: string | undefined, report: Reporter): void {
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
function checkStandalone(ctx: KindContext, mode: string | undefined, replicas: number): void {
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
