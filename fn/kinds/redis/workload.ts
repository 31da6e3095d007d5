// The workload of a Redis in standalone mode: the ConfigMap of its files, the Services, and one
// StatefulSet (Standalone and Sentinel mode) or one per shard (Cluster mode), with the reloader
// sidecar that has redis-server take up renewed certificates.
import type { KubeObject, Obj } from '../../io/objects.js';
import { shared, sharedBy } from '../../io/objects.js';
import {
  CERT_FILES,
  configMap,
  configMapVolume,
  dataVolumeFrom,
  type DataVolume,
  podSecurityContext,
  RESTRICTED_CONTAINER,
  secretVolume,
  service,
  type StatefulSetInput,
  statefulSet,
  tcpReadiness,
} from '../../render/workload.js';
import type { Owner } from '../../render/metadata.js';
import { monitorObjects } from '../../render/monitor.js';
import {
  reloaderContainer,
  trustVolume,
  WATCHER_FILE,
  watcherScript,
} from '../../render/rotation.js';
import { inlineData, USER_CONFIG_VOLUME, userSecretVolume } from '../../render/user-config.js';
import { nameWithSuffix } from '../../util/names.js';
import type { IssuedCertificate, KindContext } from '../kind.js';
import {
  FIND_PRIMARY_FILE,
  findPrimaryLine,
  findPrimaryScript,
  sentinelDataArguments,
  sentinelDataEnv,
} from '../redis-sentinel/data-nodes.js';
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
  CERT_DIR,
  CONFIG_DIR,
  DATA_DIR,
  KEY_MODE,
  PORT,
  REDIS_UID,
  redisConf,
  startScript,
  USER_CONF,
  USER_CONFIG_DIR,
} from './config.js';
import { addExporter } from './exporter.js';
import type { RedisPlan } from './plan.js';
import { cliTLS, rotation } from './rotation.js';

/** The kind's `workload`: the objects of the database in standalone mode. */
export function redisWorkload(
  ctx: KindContext,
  plan: RedisPlan,
  certificates: readonly IssuedCertificate[],
  owner: Owner,
): KubeObject[] {
  const name = ctx.db.metadata.name;
  const server = certificates.find((c) => c.alias === 'server');
  const governing = nameWithSuffix(name, 'pods');
  const configName = nameWithSuffix(name, 'server-config');
  const { volumes, mounts } = serverFiles(configName, plan, certificates);
  const image = `redis:${plan.version}`;
  const password = { secretKeyRef: { name: plan.authSecret, key: 'password' } };
  const cluster = plan.cluster;
  const container = redisContainer(image, plan, password, mounts);
  const files = configFiles(ctx, plan, certificates, governing);
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
}

/** The ConfigMap's files: redis.conf, start.sh, the user's inline files, find-primary.sh. */
function configFiles(
  ctx: KindContext,
  plan: RedisPlan,
  certificates: readonly IssuedCertificate[],
  governing: string,
): Record<string, string> {
  const server = certificates.find((c) => c.alias === 'server');
  const cluster = plan.cluster;
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
  return files;
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
