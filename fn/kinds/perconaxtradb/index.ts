// KubeDB PerconaXtraDB (kubedb.com/v1, also v1alpha2): TLS fields, certificates and the
// standalone workload, a Percona XtraDB Cluster (Galera) of spec.replicas nodes.
//
// Facts (kubedb/apimachinery apis/kubedb/v1/perconaxtradb_*.go, pkg/webhooks/kubedb/v1/perconaxtradb.go,
// apis/kubedb/constants.go; kubedb/docs guides/percona-xtradb/tls): aliases server, client,
// metrics-exporter, each `<db>-<alias>-cert`; services `<db>` and governing `<db>-pods`;
// replicas default 3 and the webhook refuses fewer; the cluster name (the database's name) is at
// most 32 characters; certificates mounted under /etc/mysql/certs/<alias> with the secret's own
// file names (ca.crt, tls.crt, tls.key); `requireSSL` makes the server require_secure_transport.
// The docs require spec.tls.issuerRef with requireSSL (the public webhook does not check it).
import { resolveVersion } from '../../catalog/read-version.js';
import type { Obj } from '../../io/objects.js';
import { isObj, shared, sharedBy } from '../../io/objects.js';
import { serverCertificateDefaults, USAGES } from '../../render/certificate.js';
import {
  CERT_FILES,
  configMapVolume,
  podSecurityContext,
  RESTRICTED_CONTAINER,
  secretVolume,
  serviceWildcards,
  tcpReadiness,
} from '../../render/workload.js';
import { flat } from '../../util/strings.js';
import { type Monitor, readMonitor } from '../../render/monitor.js';
import {
  reloaderContainer,
  trustBundleLines,
  trustVolume,
  WATCHER_FILE,
  watcherScript,
} from '../../render/rotation.js';
import {
  operatorOnlyFields,
  readBool,
  readInt,
  readString,
  warnOperatorOnly,
} from '../../validate/fields.js';
import { nameWithSuffix } from '../../util/names.js';
import { defineKind, type IssuedCertificate, type KindContext } from '../kind.js';
import {
  familyWorkload,
  mysqlFamilyClient,
  mysqlRotation,
  REQUIRE_SSL_SETTING,
} from '../mysql-family/workload.js';
import { mysqlUsers } from '../mysql-family/client.js';
import {
  CERT_DIR,
  CONFIG_DIR,
  clientTLSCnf,
  peersThatFit,
  readMysqlConfiguration,
  serverCnf,
  TRUST_DIR,
  TRUST_FILE,
  USER_CONFIG_DIR,
  pinnedServerArguments,
} from '../mysql-family/config.js';
import { type OptionLine, renderOptionFile } from '../../text/my-cnf.js';
import {
  inlineData,
  USER_CONFIG_VOLUME,
  type UserConfiguration,
  userSecretVolume,
} from '../../render/user-config.js';
import type { VersionNaming } from '../../contract/versions.js';

/**
 * What spec.version names: a PerconaXtraDBVersion of KubeDB's catalog,
 * and the names KubeDB gives its builds besides the Official ones (kubedb/installer
 * charts/kubedb-catalog).
 */
const VERSION_NAMING: VersionNaming = {
  catalogKind: 'PerconaXtraDBVersion',
  schemes: [
    // Percona's own image tags (`8.0.39-30.1`), which standalone mode runs as they are.
    { pattern: /^(\d+(?:\.\d+)*-\d+(?:\.\d+)*)$/, distribution: 'Official' },
  ],
};
import { at } from '../../util/field-path.js';

const ALIASES = ['server', 'client', 'metrics-exporter'] as const;
const PORT = 3306;
const GALERA_PORTS = [
  { name: 'galera', port: 4567 },
  { name: 'ist', port: 4568 },
  { name: 'sst', port: 4444 },
] as const;
const MYSQL_UID = 1001; // PerconaXtraDBMySQLUserGroupID; the mysql user of the Percona image
const DATA_DIR = '/var/lib/mysql';
const KEY_MODE = 0o440; // readable by the mysql group (fsGroup) only
const MIN_CLUSTER = 3; // kubedb.PerconaXtraDBDefaultClusterSize: the default and the webhook's minimum
const MAX_CLUSTER_NAME = 32; // kubedb.PerconaXtraDBMaxClusterNameLength (wsrep_cluster_name)
const MAX_RENDERED_NODES = 1000; // dbtls's own bound: the Galera peer list grows with replicas

const OPERATOR_ONLY = operatorOnlyFields(
  'init',
  ['systemUserSecrets', 'system user secrets'],
  'autoOps',
  'deletionPolicy',
  'terminationPolicy',
  'halted',
  'healthChecker',
);

interface PerconaXtraDBPlan {
  version: string;
  replicas: number;
  requireSSL: boolean;
  authSecret: string;
  /** spec.monitor in standalone mode: the exporter sidecar and the stats Service. */
  monitor?: Monitor;
  /** The user's spec.configuration / configSecret (standalone mode). */
  userConfig?: UserConfiguration;
}

export const perconaXtraDB = defineKind<PerconaXtraDBPlan>({
  group: 'kubedb.com',
  kind: 'PerconaXtraDB',
  versionNaming: VERSION_NAMING,
  operator: 'KubeDB',
  resource: 'perconaxtradbs',
  versions: ['v1', 'v1alpha2'],
  summary:
    'Percona XtraDB Cluster: server, client and metrics-exporter certificates; Galera replication and client connections over TLS',
  aliases: () => ALIASES,

  plan(ctx) {
    const { report } = ctx;
    const spec = ctx.db.spec as Obj;
    const name = ctx.db.metadata.name;
    const version = readVersion(ctx, spec);
    const replicas = readClusterSize(ctx, spec);
    const { requireSSL, requireSSLReadable } = readRequireSSL(ctx, spec);
    const authSecret =
      isObj(spec.authSecret) &&
      typeof spec.authSecret.name === 'string' &&
      spec.authSecret.name !== ''
        ? spec.authSecret.name
        : nameWithSuffix(name, 'auth');

    if (ctx.settings.mode === 'standalone')
      adviseStandalone(ctx, { requireSSL, requireSSLReadable, authSecret });
    const monitor =
      ctx.settings.mode === 'standalone'
        ? readMonitor(spec, report, { reservedPorts: [PORT, ...GALERA_PORTS.map((p) => p.port)] })
        : undefined;
    const plan: PerconaXtraDBPlan = {
      version: version ?? '',
      replicas,
      requireSSL,
      authSecret,
      monitor,
    };
    if (ctx.settings.mode === 'standalone') plan.userConfig = readUserConfig(ctx, plan);
    return plan;
  },

  issuesCertificates: (ctx) => ctx.tls !== undefined,

  clientServices: (ctx) => ({ primary: ctx.db.metadata.name }),

  connectionSettings: [REQUIRE_SSL_SETTING],

  certificateDefaults(ctx, _plan, alias) {
    // KubeDB sets no default subject (SetTLSDefaults fills only secret names).
    const name = ctx.db.metadata.name;
    // Galera nodes connect to each other with the server certificate: it is client and server.
    if (alias === 'server') {
      // As KubeDB issues it (kubedb/docs percona-xtradb/reconfigure-tls/cluster): common name
      // <db>.<ns>.svc, and *.<db>.<ns>.svc among the names.
      const commonName = flat(name, '.', ctx.namespace, '.svc');
      const governing = nameWithSuffix(name, 'pods');
      const usages = USAGES.serverAndClient;
      const defaults = serverCertificateDefaults(ctx, [name], governing, usages, commonName);
      const wildcards = serviceWildcards(name, ctx.namespace, ctx.settings.clusterDomain);
      return { ...defaults, dnsNames: [...(defaults.dnsNames ?? []), ...wildcards] };
    }
    // The client certificate is the root user's; the exporter's is the monitor user's (<db>-monitor).
    return { commonName: alias === 'client' ? 'root' : 'monitor', usages: USAGES.client };
  },

  client: mysqlFamilyClient('PerconaXtraDB'),
  // Percona XtraDB Cluster is MySQL: MySQL's accounts and limit.
  users: mysqlUsers('MySQL'),

  podTemplate: { container: 'perconaxtradb' },

  workload(ctx, plan, certificates, owner) {
    const name = ctx.db.metadata.name;
    const server = certificates.find((c) => c.alias === 'server');
    const client = certificates.find((c) => c.alias === 'client');
    const configName = nameWithSuffix(name, 'server-config');
    const { volumes, mounts } = serverFiles(configName, plan, server, client);
    const peers = peersOf(name, ctx.namespace, ctx.settings.clusterDomain, plan.replicas);
    const image = `percona/percona-xtradb-cluster:${plan.version}`;
    const rootPassword = {
      name: 'MYSQL_ROOT_PASSWORD',
      valueFrom: { secretKeyRef: { name: plan.authSecret, key: 'password' } },
    };
    const container = nodeContainer(image, name, rootPassword, mounts);
    const config = serverConfig(name, peers, plan, certificates);
    // Renewal: a sidecar of the same image asks mysqld (and Galera) to reload TLS over SQL.
    const containers: Obj[] = [container];
    if (server) {
      const certs = [server, client].filter((c) => c !== undefined) as IssuedCertificate[];
      config[WATCHER_FILE] = watcherScript(rotation(certs));
      containers.push(
        reloaderContainer({
          image,
          script: `${CONFIG_DIR}/${WATCHER_FILE}`,
          env: [rootPassword],
          mounts: mounts.filter((m) => m.name !== 'data' && m.name !== USER_CONFIG_VOLUME),
        }),
      );
    }
    return familyWorkload(ctx, owner, {
      monitor: plan.monitor,
      authSecret: plan.authSecret,
      certificates,
      configName,
      files: config,
      containers,
      volumes,
      replicas: plan.replicas,
      uid: MYSQL_UID,
      podSecurity: POD_SECURITY,
      primaryPorts: PRIMARY_PORTS,
      podPorts: POD_PORTS,
    });
  },
});

/** The Galera node's container, started by start.sh with the cluster's name. */
function nodeContainer(image: string, name: string, rootPassword: Obj, mounts: Obj[]): Obj {
  return {
    name: 'perconaxtradb',
    image,
    command: COMMAND,
    env: [rootPassword, { name: 'CLUSTER_NAME', value: name }],
    ports: CONTAINER_PORTS,
    readinessProbe: READINESS,
    volumeMounts: mounts,
    securityContext: RESTRICTED_CONTAINER,
  };
}

/** The configuration, the user's configuration Secret, the certificates and the trust store. */
function serverFiles(
  configName: string,
  plan: PerconaXtraDBPlan,
  server: IssuedCertificate | undefined,
  client: IssuedCertificate | undefined,
): { volumes: Obj[]; mounts: Obj[] } {
  const volumes: Obj[] = [configMapVolume('config', configName, 0o555)];
  const mounts: Obj[] = [...BASE_MOUNTS];
  if (plan.userConfig?.secret) {
    const user = userSecretVolume(plan.userConfig.secret.name, USER_CONFIG_DIR);
    volumes.push(user.volume);
    mounts.push(user.mount);
  }
  for (const cert of [server, client]) {
    if (!cert) continue;
    // The volume names KubeDB reserves: tls-server-config, tls-client-config.
    const volume = `tls-${cert.alias}-config`;
    volumes.push(secretVolume(volume, cert.secretName, CERT_FILES, KEY_MODE));
    mounts.push(certMount(cert.alias));
  }
  if (server) {
    volumes.push(trustVolume('tls-trust'));
    mounts.push(TRUST_MOUNT);
  }
  return { volumes, mounts };
}

/** The ConfigMap's files: my.cnf, wsrep.cnf, server.cnf including them, start.sh. */
function serverConfig(
  name: string,
  peers: string[],
  plan: PerconaXtraDBPlan,
  certificates: readonly IssuedCertificate[],
): Record<string, string> {
  const server = certificates.find((c) => c.alias === 'server');
  const client = certificates.find((c) => c.alias === 'client');
  return {
    'my.cnf': clientTLSCnf('PerconaXtraDB', plan.requireSSL, server, client),
    'wsrep.cnf': galeraCnf(name, peers, server),
    'server.cnf': serverCnf('mysqld', ['my.cnf', 'wsrep.cnf'], plan.userConfig),
    'start.sh': startScript(server !== undefined, plan.requireSSL),
    ...inlineData(plan.userConfig),
  };
}

/** Galera: cluster membership, and replication (group communication, IST and SST) over TLS with the server certificate. */
export function galeraCnf(
  name: string,
  peers: readonly string[],
  server: IssuedCertificate | undefined,
): string {
  const lines: OptionLine[] = [
    { comment: 'Rendered by dbtls: Galera replication between the nodes.' },
    { group: 'mysqld' },
    ['wsrep_provider', '/usr/lib64/galera4/libgalera_smm.so'],
    ['wsrep_cluster_name', name],
    ['wsrep_cluster_address', `gcomm://${peers.join(',')}`],
    ['wsrep_sst_method', 'xtrabackup-v2'],
    ['binlog_format', 'ROW'],
    ['default_storage_engine', 'InnoDB'],
    ['innodb_autoinc_lock_mode', 2],
  ];
  if (server) {
    lines.push(
      ['pxc-encrypt-cluster-traffic', 'ON'],
      ['wsrep_provider_options', `socket.ssl=yes;${PXC_SSL_FILES}`],
      { blank: true },
      { group: 'sst' },
      ['encrypt', 4],
      ['ssl-ca', TRUST_FILE],
      ['ssl-cert', `${CERT_DIR}/server/tls.crt`],
      ['ssl-key', `${CERT_DIR}/server/tls.key`],
    );
  } else {
    lines.push(['pxc-encrypt-cluster-traffic', 'OFF']);
  }
  return renderOptionFile(lines);
}

const PXC_SSL_FILES = [
  `socket.ssl_ca=${TRUST_FILE}`,
  `socket.ssl_cert=${CERT_DIR}/server/tls.crt`,
  `socket.ssl_key=${CERT_DIR}/server/tls.key`,
].join(';');

/** Pod 0 bootstraps the cluster on an empty data directory; every other start joins the peers. */
export function startScript(tls: boolean, requireSSL: boolean): string {
  return [
    '#!/bin/sh',
    '# Rendered by dbtls. Pod 0 bootstraps a new cluster once; every other start joins wsrep_cluster_address.',
    'set -eu',
    ...(tls ? trustBundleLines(CONFIG_DIR) : []),
    'ordinal="${HOSTNAME##*-}"',
    'bootstrap=""',
    `if [ "$ordinal" = "0" ] && [ ! -e ${DATA_DIR}/grastate.dat ]; then bootstrap="--wsrep-new-cluster"; fi`,
    `exec /entrypoint.sh mysqld --defaults-extra-file=${CONFIG_DIR}/server.cnf` +
      `${pinnedServerArguments(requireSSL, tls)} $bootstrap`,
    '',
  ].join('\n');
}

/** Renewal: the MySQL family's SQL reload, with Galera, and the trust bundle. */
function rotation(certs: readonly IssuedCertificate[]) {
  const o = { passwordEnv: 'MYSQL_ROOT_PASSWORD', galera: true, trustFile: TRUST_FILE };
  return mysqlRotation(certs, o);
}

// The parts of the workload that every PerconaXtraDB shares (see `shared`).
const TRUST_MOUNT = shared({ name: 'tls-trust', mountPath: TRUST_DIR });
const BASE_MOUNTS = shared([
  { name: 'data', mountPath: DATA_DIR },
  { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
]);
const certMount = sharedBy((alias: string) => ({
  name: `tls-${alias}-config`,
  mountPath: `${CERT_DIR}/${alias}`,
  readOnly: true,
}));
const COMMAND = shared(['/bin/sh', `${CONFIG_DIR}/start.sh`]);
const CONTAINER_PORTS = shared([
  { name: 'mysql', containerPort: PORT, protocol: 'TCP' },
  ...GALERA_PORTS.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })),
]);
const READINESS = tcpReadiness(PORT);
const POD_SECURITY = podSecurityContext(MYSQL_UID);
const PRIMARY_PORTS = shared([{ name: 'primary', port: PORT }]);
const POD_PORTS = shared([{ name: 'db', port: PORT }, ...GALERA_PORTS]);

/** Every node's name in the governing Service, as wsrep_cluster_address lists them. */
function peersOf(name: string, namespace: string, domain: string, replicas: number): string[] {
  const governing = nameWithSuffix(name, 'pods');
  return Array.from(
    { length: replicas },
    (_, i) => `${name}-${i}.${governing}.${namespace}.svc.${domain}`,
  );
}

/**
 * spec.version: required; the PerconaXtraDBVersion it names gives the engine version, which
 * standalone mode's percona/percona-xtradb-cluster image is tagged with.
 */
function readVersion(ctx: KindContext, spec: Obj): string | undefined {
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
function readClusterSize(ctx: KindContext, spec: Obj): number {
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
function readRequireSSL(
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
function adviseStandalone(
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

/**
 * The user's configuration (spec.configuration), read against the files dbtls renders; first,
 * whether the peer list fits its line (at most as many peers as a rendered workload lists: more
 * is an error in readClusterSize).
 */
function readUserConfig(ctx: KindContext, plan: PerconaXtraDBPlan) {
  const name = ctx.db.metadata.name;
  const nodes = Math.min(plan.replicas, MAX_RENDERED_NODES);
  const all = peersOf(name, ctx.namespace, ctx.settings.clusterDomain, nodes);
  const peers = peersThatFit(ctx, all, plan.replicas <= MAX_RENDERED_NODES);
  const cert = (alias: string) => (ctx.tls ? { alias, name: alias, secretName: alias } : undefined);
  const rendered = () => [
    clientTLSCnf('PerconaXtraDB', plan.requireSSL, cert('server'), cert('client')),
    galeraCnf(name, peers, cert('server')),
  ];
  return readMysqlConfiguration(ctx, rendered, ctx.tls !== undefined);
}
