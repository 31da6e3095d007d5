// KubeDB Redis (kubedb.com/v1, also v1alpha2): TLS fields, certificates and, in standalone mode,
// the workload of a single Redis server, or of a Redis cluster (redis-cluster.ts), on the
// upstream redis image.
//
// Facts (kubedb/apimachinery apis/kubedb/v1/redis_{types,helpers}.go,
// pkg/webhooks/kubedb/v1/redis.go, apis/kubedb/constants.go; kubedb/docs guides/redis/tls):
// aliases server, client, metrics-exporter, each `<db>-<alias>-cert`; the client certificate's
// common name is `default` (Redis's root user); services `<db>`, `<db>-standby` (sentinel) and
// governing `<db>-pods`; mode Standalone (the default; exactly 1 replica), Cluster (shards ≥ 3,
// default 3; replicas per shard ≥ 2, default 2; spec.cluster.announce only in Cluster mode, one
// entry per shard with one endpoint per replica) or Sentinel (spec.sentinelRef.name required);
// TLS needs Redis 6 or later; disableAuth refuses an authSecret. Redis has no requireSSL or
// sslMode: with spec.tls the server listens on TLS only (port 0, tls-port 6379) and requires
// client certificates (tls-auth-clients yes), in every mode, replication and cluster bus included.
// The cluster's pods are reached under `*.<db>-pods.<ns>.svc`, which the server certificate names.
import type { KubeObject, Obj } from '../../io/objects.js';
import { isObj, shared, sharedBy } from '../../io/objects.js';
import type { Reporter } from '../../io/results.js';
import { serverCertificateDefaults, USAGES } from '../../render/certificate.js';
import {
  CERT_FILES,
  configMap,
  configMapVolume,
  dataVolumeFrom,
  podSecurityContext,
  RESTRICTED_CONTAINER,
  secretVolume,
  service,
  type DataVolume,
  type StatefulSetInput,
  statefulSet,
  tcpReadiness,
} from '../../render/workload.js';
import type { Owner } from '../../render/metadata.js';
import {
  type ExporterParts,
  exporterContainer,
  type Monitor,
  monitorObjects,
  readMonitor,
  STATS_PATH,
} from '../../render/monitor.js';
import {
  reloaderContainer,
  type Rotation,
  trustVolume,
  WATCHER_FILE,
  watcherScript,
} from '../../render/rotation.js';
import {
  operatorOnlyFields,
  readBool,
  readEnum,
  readInt,
  readString,
  readUpstreamVersion,
  warnOperatorOnly,
} from '../../validate/fields.js';
import { versionNumbers } from '../../catalog/versions.js';
import { nameWithSuffix } from '../../util/names.js';
import {
  announceArgument,
  BUS_PORT,
  type ClusterShape,
  CREATE_FILE,
  createContainer,
  createScript,
  POD_NAMESPACE,
  SHARD_LABEL,
  shardName,
} from './cluster.js';
import {
  inlineData,
  USER_CONFIG_VOLUME,
  type UserConfiguration,
  userSecretVolume,
} from '../../render/user-config.js';
import {
  CERT_DIR,
  CONFIG_DIR,
  DATA_DIR,
  PORT,
  readRedisConfiguration,
  redisConf,
  startScript,
  TRUST_FILE,
  USER_CONF,
  USER_CONFIG_DIR,
} from './config.js';
import { defineKind, type IssuedCertificate, type KindContext } from '../kind.js';
import type { SentinelLink } from '../redis-sentinel/link.js';
import {
  FIND_PRIMARY_FILE,
  findPrimaryLine,
  findPrimaryScript,
  readSentinelLink,
  sentinelDataArguments,
  sentinelDataEnv,
} from '../redis-sentinel/data-nodes.js';
import type { VersionNaming } from '../../contract/versions.js';

/**
 * What spec.version names: a RedisVersion of KubeDB's catalog,
 * and the names KubeDB gives its builds besides the Official ones (kubedb/installer
 * charts/kubedb-catalog).
 */
export const VERSION_NAMING: VersionNaming = {
  catalogKind: 'RedisVersion',
  schemes: [{ pattern: /^valkey-(\d+(?:\.\d+)*)$/, distribution: 'Valkey' }],
};
import { at, type FieldPath } from '../../util/field-path.js';

const ALIASES = ['server', 'client', 'metrics-exporter'] as const;
const MODES = ['Standalone', 'Cluster', 'Sentinel'] as const;
type Mode = (typeof MODES)[number];
const REDIS_UID = 999; // the redis user of the official redis image
const KEY_MODE = 0o440;
const MIN_SHARDS = 3;
const MIN_SHARD_REPLICAS = 2;
export const TLS_SINCE_MAJOR = 6;

/** How Redis (and RedisSentinel, whose spec.version names a RedisVersion too) reads spec.version. */
export const REDIS_VERSION_RULES = {
  ...VERSION_NAMING,
  product: 'Redis',
  image: 'redis',
  example: '7.4.1',
  dependsOn: 'dbtls does not check that it has TLS (Redis 6 or later)',
  refusesDeprecated: true,
};

const OPERATOR_ONLY = operatorOnlyFields(
  'init',
  'autoOps',
  'deletionPolicy',
  'terminationPolicy',
  'halted',
  'healthChecker',
  ['acl', 'ACL users'],
);

interface RedisPlan {
  version: string;
  mode: Mode;
  /** Shards and pods per shard, in Cluster mode. */
  cluster?: ClusterShape;
  disableAuth: boolean;
  authSecret: string;
  /** spec.monitor in standalone mode: the exporter sidecar and the stats Service. */
  monitor?: Monitor;
  /** The user's spec.configuration / configSecret (standalone mode). */
  userConfig?: UserConfiguration;
  /** Sentinel mode: the pods, and the sentinels of spec.sentinelRef (redis-sentinel/data-nodes.ts). */
  replicas: number;
  sentinel?: SentinelLink;
}

export const redis = defineKind<RedisPlan>({
  group: 'kubedb.com',
  kind: 'Redis',
  versionNaming: VERSION_NAMING,
  operator: 'KubeDB',
  resource: 'redises',
  versions: ['v1', 'v1alpha2'],
  summary:
    'Redis: server, client and metrics-exporter certificates; standalone, cluster or ' +
    "sentinel mode (standalone and cluster in dbtls's standalone mode), TLS only with client " +
    'certificates, replication included',
  aliases: () => ALIASES,

  plan(ctx) {
    const { report } = ctx;
    const spec = ctx.db.spec as Obj;
    const standalone = ctx.settings.mode === 'standalone';
    const { engine } = readUpstreamVersion(ctx, spec, REDIS_VERSION_RULES);
    const major = versionNumbers(engine)[0];
    if (ctx.tls !== undefined && major < TLS_SINCE_MAJOR) {
      report.error(
        at('spec', 'tls'),
        `Redis ${engine} has no TLS; KubeDB supports spec.tls from Redis ` + `${TLS_SINCE_MAJOR}`,
      );
    }
    const mode = readEnum(spec, 'mode', at('spec', 'mode'), MODES, report) ?? 'Standalone';
    const shape = checkTopology(spec, mode, report);
    const disableAuth = readBool(spec, 'disableAuth', at('spec', 'disableAuth'), report) ?? false;
    if (disableAuth && isObj(spec.authSecret)) {
      report.error(
        at('spec', 'authSecret'),
        'spec.authSecret is refused by KubeDB with disableAuth: true; remove one of ' + 'the two',
      );
    }
    const named = isObj(spec.authSecret)
      ? readString(spec.authSecret, 'name', at('spec', 'authSecret', 'name'), report)
      : undefined;
    const authSecret = named ?? nameWithSuffix(ctx.db.metadata.name, 'auth');
    if (standalone) adviseStandalone(ctx, { mode, disableAuth, named, authSecret });
    const cluster = mode === 'Cluster' ? shape : undefined;
    const sentinel = mode === 'Sentinel' ? readSentinelLink(ctx) : undefined;
    const monitor = standalone ? readMonitor(spec, report, { reservedPorts: [PORT] }) : undefined;
    const plan: RedisPlan = {
      version: engine ?? '',
      mode,
      cluster,
      disableAuth,
      authSecret,
      monitor,
      // checkTopology reported a spec.replicas that is not a count.
      replicas: Number.isInteger(spec.replicas) ? (spec.replicas as number) : 1,
      sentinel,
    };
    if (standalone)
      plan.userConfig = readRedisConfiguration(ctx, {
        cluster: cluster !== undefined,
        disableAuth,
      });
    return plan;
  },

  issuesCertificates: (ctx) => ctx.tls !== undefined,

  clientServices: (ctx) => ({ primary: ctx.db.metadata.name }),

  certificateDefaults(ctx, plan, alias) {
    // KubeDB sets no default subject (SetTLSDefaults fills only secret names).
    const name = ctx.db.metadata.name;
    if (alias === 'server') {
      const services = plan.mode === 'Sentinel' ? [name, nameWithSuffix(name, 'standby')] : [name];
      // Replicas and cluster nodes connect to each other with the server certificate
      // (tls-replication, tls-cluster): it is client and server.
      return serverCertificateDefaults(
        ctx,
        services,
        nameWithSuffix(name, 'pods'),
        USAGES.serverAndClient,
      );
    }
    // Redis's root user (kubedb.RedisRootUsername), the docs' client certificate's common name.
    return { commonName: 'default', usages: USAGES.client };
  },

  // Not connectable (no client profile), but its users are facts of the kind: default is Redis's
  // own user, the one KubeDB's client certificate names.
  users: { noun: 'Redis ACL user', administrative: ['default'] },

  podTemplate: { container: 'redis' },

  workload(ctx, plan, certificates, owner) {
    const name = ctx.db.metadata.name;
    const server = certificates.find((c) => c.alias === 'server');
    const governing = nameWithSuffix(name, 'pods');
    const configName = nameWithSuffix(name, 'server-config');
    const { volumes, mounts } = serverFiles(configName, plan, certificates);
    const image = `redis:${plan.version}`;
    const password = { secretKeyRef: { name: plan.authSecret, key: 'password' } };
    const cluster = plan.cluster;
    const container = redisContainer(image, plan, password, mounts);
    const files: Record<string, string> = {
      'redis.conf': redisConf(server, cluster !== undefined, plan.userConfig),
      'start.sh': startScript(
        plan.disableAuth,
        cluster ? announceArgument(governing) : plan.sentinel && sentinelDataArguments(governing),
        server !== undefined,
        plan.sentinel ? [findPrimaryLine(CONFIG_DIR)] : [],
        cluster !== undefined,
      ),
      ...inlineData(plan.userConfig),
    };
    const cli = certificates.some((c) => c.alias === 'client') ? `${cliTLS('client')} ` : '';
    if (plan.sentinel)
      files[FIND_PRIMARY_FILE] = findPrimaryScript(ctx.db, plan.sentinel, server ? cli : '');
    // Renewal: a sidecar of the same image has redis-server load its TLS files again.
    const containers: Obj[] = [container];
    const reloadAs = certificates.find((c) => c.alias === 'client') ?? server;
    if (server && reloadAs) {
      files[WATCHER_FILE] = watcherScript(rotation(certificates, reloadAs.alias));
      containers.push(
        reloaderContainer({
          image,
          script: `${CONFIG_DIR}/${WATCHER_FILE}`,
          // redis-cli reads the password from REDISCLI_AUTH (not from its command line, which
          // every process could read).
          env: plan.disableAuth ? [] : [{ name: 'REDISCLI_AUTH', valueFrom: password }],
          mounts: mounts.filter((m) => m.name !== 'data' && m.name !== USER_CONFIG_VOLUME),
        }),
      );
    }
    if (plan.monitor) addExporter(ctx, plan.monitor, plan, certificates, { volumes, containers });
    const monitoring = plan.monitor ? monitorObjects(owner, plan.monitor) : [];
    const pods = { serviceName: governing, securityContext: POD_SECURITY, containers, volumes };
    const dataVolume = dataVolumeFrom(ctx.db.spec as Obj);
    if (cluster === undefined)
      return [
        configMap(owner, configName, files),
        service(owner, name, PRIMARY_PORTS),
        service(owner, governing, POD_PORTS, { headless: true }),
        statefulSet(owner, {
          name,
          replicas: plan.sentinel ? plan.replicas : 1,
          ...pods,
          dataVolume,
        }),
        ...monitoring,
      ] satisfies KubeObject[];
    const as = reloadAs?.alias;
    const w = { files, configName, pods, dataVolume, monitoring, image, password, mounts, as };
    return clusterWorkload(ctx, plan, cluster, owner, w);
  },
});

/** The exporter sidecar, with its certificate's volume when one is issued. */
function addExporter(
  ctx: KindContext,
  monitor: Monitor,
  plan: RedisPlan,
  certificates: readonly IssuedCertificate[],
  pod: { volumes: Obj[]; containers: Obj[] },
): void {
  const exporterCert = certificates.find((c) => c.alias === 'metrics-exporter');
  if (exporterCert)
    pod.volumes.push(
      secretVolume(EXPORTER_VOLUME, exporterCert.secretName, EXPORTER_FILES, KEY_MODE),
    );
  pod.containers.push(
    exporterContainer(monitor, exporter(plan, monitor, exporterCert !== undefined), ctx.report),
  );
}

/** The configuration, the user's redis.conf, and the certificates (not the exporter's). */
function serverFiles(
  configName: string,
  plan: RedisPlan,
  certificates: readonly IssuedCertificate[],
): { volumes: Obj[]; mounts: Obj[] } {
  const volumes: Obj[] = [configMapVolume('config', configName, 0o555)];
  const mounts: Obj[] = [...BASE_MOUNTS];
  if (plan.userConfig?.secret) {
    // Only its redis.conf: the pod does not start without it (an event names the key).
    const keys = [USER_CONF];
    const user = userSecretVolume(plan.userConfig.secret.name, USER_CONFIG_DIR, keys);
    volumes.push(user.volume);
    mounts.push(user.mount);
  }
  for (const cert of certificates) {
    if (cert.alias === 'metrics-exporter') continue;
    volumes.push(secretVolume(`tls-${cert.alias}`, cert.secretName, CERT_FILES, KEY_MODE));
    mounts.push(certMount(cert.alias));
  }
  if (certificates.some((c) => c.alias === 'server')) {
    volumes.push(trustVolume(TRUST_VOLUME));
    mounts.push(TRUST_MOUNT);
  }
  return { volumes, mounts };
}

/**
 * The server's variables: the password unless auth is disabled, and in Cluster mode the pod's
 * namespace from the downward API (start.sh announces the pod's DNS name with it: the namespace
 * the pod runs in, also after a kustomize namespace overlay, and never text in the script).
 */
function redisEnv(plan: RedisPlan, password: Obj): Obj[] | undefined {
  const env: Obj[] = plan.cluster ? [POD_NAMESPACE] : [];
  if (plan.sentinel) env.push(...sentinelDataEnv(plan.sentinel));
  if (!plan.disableAuth) env.push({ name: 'REDIS_PASSWORD', valueFrom: password });
  return env.length > 0 ? env : undefined;
}

/** The redis container, started by start.sh, with the password unless auth is disabled. */
function redisContainer(image: string, plan: RedisPlan, password: Obj, mounts: Obj[]): Obj {
  const container = {
    name: 'redis',
    image,
    command: COMMAND,
    env: redisEnv(plan, password),
    ports: plan.cluster ? CLUSTER_CONTAINER_PORTS : CONTAINER_PORTS,
    readinessProbe: READINESS,
    volumeMounts: mounts,
    securityContext: RESTRICTED_CONTAINER,
  };
  if (container.env === undefined) delete container.env;
  return container;
}

/**
 * Redis Cluster's objects: the shards' StatefulSets, the first with the container that creates
 * the cluster (with the client certificate, as the reloader), and the Services.
 */
function clusterWorkload(
  ctx: KindContext,
  plan: RedisPlan,
  cluster: ClusterShape,
  owner: Owner,
  w: {
    files: Record<string, string>;
    configName: string;
    pods: { serviceName: string; securityContext: Obj; containers: Obj[]; volumes: Obj[] };
    dataVolume: DataVolume;
    monitoring: KubeObject[];
    image: string;
    password: Obj;
    mounts: Obj[];
    /** The alias of the certificate redis-cli connects with. */
    as: string | undefined;
  },
): KubeObject[] {
  const name = ctx.db.metadata.name;
  const { files, configName, pods, dataVolume, monitoring, image, password, mounts, as } = w;
  const governing = pods.serviceName;
  const containers = pods.containers;
  // The bootstrap runs with the client certificate, as the reloader does.
  files[CREATE_FILE] = createScript({
    db: name,
    governing,
    port: PORT,
    shape: cluster,
    tls: as === undefined ? '' : `${cliTLS(as)} `,
  });
  const create = createContainer({
    image,
    script: `${CONFIG_DIR}/${CREATE_FILE}`,
    env: [
      POD_NAMESPACE,
      ...(plan.disableAuth ? [] : [{ name: 'REDISCLI_AUTH', valueFrom: password }]),
    ],
    mounts: mounts.filter(
      (m) => m.name === 'config' || m.name === `tls-${as}` || m.name === TRUST_VOLUME,
    ),
  });
  const shards: KubeObject[] = [];
  for (let i = 0; i < cluster.shards; i++) {
    const shardContainers = i === 0 ? [...containers, create] : containers;
    shards.push(
      shardStatefulSet(owner, i, cluster.perShard, { ...pods, dataVolume }, shardContainers),
    );
  }
  return [
    configMap(owner, configName, files),
    service(owner, name, PRIMARY_PORTS),
    service(owner, governing, CLUSTER_POD_PORTS, { headless: true }),
    ...shards,
    ...monitoring,
  ] satisfies KubeObject[];
}

/**
 * Shard `i`'s StatefulSet, `<db>-shard<i>`: its selector names the shard, so that no two of a
 * database's workloads select the same pods.
 */
function shardStatefulSet(
  owner: Owner,
  i: number,
  replicas: number,
  pods: Omit<StatefulSetInput, 'name' | 'replicas' | 'containers'>,
  containers: Obj[],
): KubeObject {
  const shard = { [SHARD_LABEL]: String(i) };
  const sts = statefulSet(owner, {
    ...pods,
    name: shardName(owner.db.metadata.name, i),
    replicas,
    containers,
    podLabels: shard,
  });
  const spec = sts.spec as Obj;
  const selector = spec.selector as Obj;
  spec.selector = { ...selector, matchLabels: { ...(selector.matchLabels as Obj), ...shard } };
  return sts;
}

function checkTopology(spec: Obj, mode: Mode, report: Reporter): ClusterShape {
  const replicas = readInt(spec, 'replicas', at('spec', 'replicas'), report, 1);
  if (mode === 'Standalone' && replicas !== undefined && replicas !== 1) {
    report.error(
      at('spec', 'replicas'),
      `${replicas} is refused by KubeDB in Standalone mode, which runs ` +
        `exactly 1 server (mode: Cluster or Sentinel for more)`,
    );
  }
  const cluster = spec.cluster;
  if (cluster !== undefined && cluster !== null && !isObj(cluster))
    report.error(at('spec', 'cluster'), 'spec.cluster must be a mapping with shards and replicas');
  const c = isObj(cluster) ? cluster : {};
  const shards = readInt(c, 'shards', at('spec', 'cluster', 'shards'), report, 1) ?? MIN_SHARDS;
  const perShard =
    readInt(c, 'replicas', at('spec', 'cluster', 'replicas'), report, 1) ?? MIN_SHARD_REPLICAS;
  if (mode === 'Cluster') {
    if (shards < MIN_SHARDS)
      report.error(
        at('spec', 'cluster', 'shards'),
        `${shards} is too few: a Redis ` +
          `cluster has at least ${MIN_SHARDS} shards (KubeDB refuses fewer)`,
      );
    if (perShard < MIN_SHARD_REPLICAS)
      report.error(
        at('spec', 'cluster', 'replicas'),
        `${perShard} is too ` +
          `few: each shard has a primary and at least one replica, ${MIN_SHARD_REPLICAS} in all ` +
          `(KubeDB refuses fewer)`,
      );
  }
  if (isObj(c.announce) && mode !== 'Cluster')
    report.error(
      at('spec', 'cluster', 'announce'),
      `spec.cluster.announce is only valid in Cluster mode, not ${mode}`,
    );
  if (mode === 'Sentinel') {
    const ref = spec.sentinelRef;
    if (!isObj(ref) || typeof ref.name !== 'string' || ref.name === '') {
      report.error(
        at('spec', 'sentinelRef', 'name'),
        'spec.sentinelRef.name is required in Sentinel mode: the RedisSentinel that ' +
          'watches this Redis (KubeDB refuses Sentinel mode without it)',
      );
    }
  }
  return { shards, perShard };
}

/**
 * Renewal: CONFIG SET of a TLS file, even to the path it already has, makes redis-server build a
 * new TLS context from every TLS file (tls-cert-file, tls-key-file and tls-ca-cert-file are
 * VOLATILE_CONFIG, redis/redis src/config.c, Redis 6 and from 7.0.1; 7.0.0 skipped an unchanged
 * value), keeping the old one if that fails ("atomic", src/tls.c). For new connections, replicas
 * included; open connections keep theirs. redis-cli connects with the certificate of `as`.
 */
function rotation(certificates: readonly IssuedCertificate[], as: string): Rotation {
  const dirs = certificates
    .filter((c) => c.alias !== 'metrics-exporter')
    .map((c) => `${CERT_DIR}/${c.alias}`);
  const cli = `redis-cli ${cliTLS(as)} -h 127.0.0.1 -p ${PORT}`;
  return {
    watched: dirs,
    pairs: dirs.map((d) => [`${d}/tls.crt`, `${d}/tls.key`] as const),
    trust: { file: TRUST_FILE, from: dirs.map((d) => `${d}/ca.crt`) },
    takeup: {
      reload: [
        `for f in tls-cert-file:${CERT_DIR}/server/tls.crt tls-key-file:${CERT_DIR}/server/tls.key ` +
          `tls-ca-cert-file:${TRUST_FILE}; do`,
        `  out="$(${cli} CONFIG SET "\${f%%:*}" "\${f#*:}" 2>&1)"`,
        '  [ "$out" = OK ] || { log "CONFIG SET ${f%%:*}: $out"; return 1; }',
        'done',
        'log "redis-server reloads its TLS files (CONFIG SET tls-cert-file, tls-key-file, ' +
          'tls-ca-cert-file)"',
      ],
    },
  };
}

/** redis-cli's TLS arguments with the certificate of alias `as`, trusting the CA bundle. */
function cliTLS(as: string): string {
  const dir = `${CERT_DIR}/${as}`;
  return `--tls --cacert ${TRUST_FILE} --cert ${dir}/tls.crt --key ${dir}/tls.key`;
}

const TRUST_VOLUME = 'tls-trust';
const TRUST_MOUNT = shared({ name: TRUST_VOLUME, mountPath: `${CERT_DIR}/trust` });

// The parts of the workload that every Redis shares (see `shared`).
const BASE_MOUNTS = shared([
  { name: 'data', mountPath: DATA_DIR },
  { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
]);
const certMount = sharedBy((alias: string) => ({
  name: `tls-${alias}`,
  mountPath: `${CERT_DIR}/${alias}`,
  readOnly: true,
}));
const COMMAND = shared(['/bin/sh', `${CONFIG_DIR}/start.sh`]);
const CONTAINER_PORTS = shared([{ name: 'db', containerPort: PORT, protocol: 'TCP' }]);
const CLUSTER_CONTAINER_PORTS = shared([
  { name: 'db', containerPort: PORT, protocol: 'TCP' },
  { name: 'gossip', containerPort: BUS_PORT, protocol: 'TCP' },
]);
const READINESS = tcpReadiness(PORT);
const POD_SECURITY = podSecurityContext(REDIS_UID);
const PRIMARY_PORTS = shared([{ name: 'primary', port: PORT }]);
const POD_PORTS = shared([{ name: 'db', port: PORT }]);
const CLUSTER_POD_PORTS = shared([
  { name: 'db', port: PORT },
  { name: 'gossip', port: BUS_PORT },
]);

// The exporter: redis_exporter, as KubeDB's Redis operator runs it (an older public version of
// its statefulset code, the newest readable: --redis.addr=rediss://localhost:6379 and the
// metrics-exporter certificate at /certs as ca.crt, exporter.crt, exporter.key). KubeDB's catalog names its own
// build (ghcr.io/kubedb/redis_exporter:1.66.0); dbtls runs the upstream image of that version,
// as it runs the upstream servers. The password, where auth is on, from REDIS_PASSWORD.
const EXPORTER_IMAGE = 'oliver006/redis_exporter:v1.66.0';
const EXPORTER_VOLUME = 'exporter-tls-volume';
const EXPORTER_FILES = shared([
  { key: 'ca.crt', path: 'ca.crt' },
  { key: 'tls.crt', path: 'exporter.crt' },
  { key: 'tls.key', path: 'exporter.key' },
]);
const EXPORTER_MOUNTS = shared([{ name: EXPORTER_VOLUME, mountPath: CERT_DIR, readOnly: true }]);
const EXPORTER_TLS_ARGS = [
  `--redis.addr=rediss://localhost:${PORT}`,
  `--tls-client-cert-file=${CERT_DIR}/exporter.crt`,
  `--tls-client-key-file=${CERT_DIR}/exporter.key`,
  `--tls-ca-cert-file=${CERT_DIR}/ca.crt`,
];

function exporter(plan: RedisPlan, monitor: Monitor, tls: boolean): ExporterParts {
  return {
    image: EXPORTER_IMAGE,
    args: [
      `--web.listen-address=:${monitor.port}`,
      `--web.telemetry-path=${STATS_PATH}`,
      ...(tls ? EXPORTER_TLS_ARGS : []),
    ],
    env: plan.disableAuth
      ? []
      : [
          {
            name: 'REDIS_PASSWORD',
            valueFrom: { secretKeyRef: { name: plan.authSecret, key: 'password' } },
          },
        ],
    volumeMounts: tls ? EXPORTER_MOUNTS : undefined,
    uid: REDIS_UID,
    gid: REDIS_UID,
  };
}

/** What standalone mode cannot run or leaves to the user: Sentinel, announce, the password. */
function adviseStandalone(
  ctx: KindContext,
  {
    mode,
    disableAuth,
    named,
    authSecret,
  }: { mode: Mode; disableAuth: boolean; named: string | undefined; authSecret: string },
): void {
  const { report } = ctx;
  const spec = ctx.db.spec as Obj;
  if (mode === 'Cluster' && isObj(spec.cluster) && spec.cluster.announce !== undefined) {
    report.error(
      at('spec', 'cluster', 'announce'),
      "spec.cluster.announce is applied by KubeDB's operator only; standalone mode announces each pod's DNS " +
        'name under the governing Service (remove it, or use mode: operator)',
    );
  }
  warnOperatorOnly(spec, OPERATOR_ONLY, report);
  if (ctx.tls === undefined)
    report.warn(
      at('spec', 'tls'),
      'spec.tls is not set: the server accepts plaintext ' +
        'connections from anyone who can reach it',
    );
  if (!disableAuth && named === undefined) {
    report.info(
      at('spec', 'authSecret'),
      `the workload reads the default user's password from Secret ` +
        `"${authSecret}" (key password), which standalone mode does not create`,
    );
  }
}
