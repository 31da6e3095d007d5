// The workload of a Singlestore in standalone mode: the ConfigMap of memsql.cnf and the watcher,
// the Services, and a StatefulSet for the one node or for each group of spec.topology, with the
// reloader sidecar that runs SSL_RELOAD on renewal.
import type { KubeObject, Obj } from '../../io/objects.js';
import { isObj, merged, shared } from '../../io/objects.js';
import type { Owner } from '../../render/metadata.js';
import {
  reloaderContainer,
  WATCHER_DIR,
  WATCHER_FILE,
  WATCHER_MOUNT,
  watcherScript,
  watcherVolume,
} from '../../render/rotation.js';
import { inlineData, type UserConfiguration } from '../../render/user-config.js';
import {
  configMap,
  dataVolumeFrom,
  podSecurityContext,
  RESTRICTED_CONTAINER,
  service,
  statefulSet,
  tcpReadiness,
} from '../../render/workload.js';
import { at, type FieldPath } from '../../util/field-path.js';
import { nameWithSuffix } from '../../util/names.js';
import type { IssuedCertificate, KindContext } from '../kind.js';
import { CERT_DIR, CONFIG_DIR, memsqlCnf, PORT, singlestoreConfigVolume } from './config.js';
import type { NodeGroup, SinglestorePlan } from './plan.js';
import { rotation } from './rotation.js';

const MEMSQL_UID = 999; // SinglestoreVersion securityContext: runAsUser 999, runAsGroup 998
const MEMSQL_GID = 998;
const DATA_DIR = '/var/lib/memsql';
const KEY_MODE = 0o440;
const COMPONENT = 'app.kubernetes.io/component';

/**
 * KubeDB's default resources for the Singlestore container (DefaultResourcesMemoryIntensiveSDB:
 * kubedb/apimachinery 104ef573, apis/kubedb/constants.go).
 */
export const SINGLESTORE_RESOURCES = shared({
  requests: { cpu: '600m', memory: '2Gi' },
  limits: { memory: '2Gi' },
});

/** The kind's `workload`: the objects of the database in standalone mode. */
export function singlestoreWorkload(
  ctx: KindContext,
  plan: SinglestorePlan,
  certificates: readonly IssuedCertificate[],
  owner: Owner,
): KubeObject[] {
  const name = ctx.db.metadata.name;
  const server = certificates.find((c) => c.alias === 'server');
  const client = certificates.find((c) => c.alias === 'client');
  const governing = nameWithSuffix(name, 'pods');
  const configName = nameWithSuffix(name, 'server-config');
  const files = nodeFiles(configName, server, client, plan.userConfig);
  const config: Record<string, string> = {
    'memsql.cnf': memsqlCnf(server),
    ...inlineData(plan.userConfig),
  };
  if (server) config[WATCHER_FILE] = watcherScript(rotation(client !== undefined));
  const out: KubeObject[] = [
    configMap(owner, configName, config),
    service(
      owner,
      name,
      PRIMARY_PORTS,
      plan.topology ? { selector: { [COMPONENT]: 'aggregator' } } : {},
    ),
    service(owner, governing, POD_PORTS, { headless: true }),
  ];
  for (const group of plan.groups) {
    out.push(groupStatefulSet(owner, plan, group, governing, server !== undefined, files));
  }
  return out;
}

/** The volumes and mounts of every node: the custom configuration, and the certificates. */
function nodeFiles(
  configName: string,
  server: IssuedCertificate | undefined,
  client: IssuedCertificate | undefined,
  userConfig: UserConfiguration | undefined,
): { volumes: Obj[]; mounts: Obj[] } {
  // The custom configuration directory gets memsql.cnf only (the ConfigMap also has the watcher),
  // and the user's files.
  const volumes: Obj[] = [
    userConfig
      ? singlestoreConfigVolume(configName, userConfig)
      : { name: 'custom-config', configMap: { name: configName, items: CONFIG_ITEMS } },
  ];
  const mounts: Obj[] = [...BASE_MOUNTS];
  if (server) {
    // One directory with both certificates, as KubeDB lays it out (volume tls-volume).
    const sources: Obj[] = [{ secret: { name: server.secretName, items: SERVER_FILES } }];
    if (client) sources.push({ secret: { name: client.secretName, items: CLIENT_FILES } });
    volumes.push({ name: 'tls-volume', projected: { defaultMode: KEY_MODE, sources } });
    volumes.push(watcherVolume(configName));
    mounts.push(TLS_MOUNT);
  }
  return { volumes, mounts };
}

/** The StatefulSet of one node group (or the one node), with the reloader when TLS is on. */
function groupStatefulSet(
  owner: Owner,
  plan: SinglestorePlan,
  group: NodeGroup,
  governing: string,
  tls: boolean,
  files: { volumes: Obj[]; mounts: Obj[] },
): KubeObject {
  const rootPassword = {
    name: 'ROOT_PASSWORD',
    valueFrom: { secretKeyRef: { name: plan.authSecret, key: 'password' } },
  };
  const container = {
    name: 'singlestore',
    image: plan.image,
    env: [
      ROOT_USERNAME,
      rootPassword,
      {
        name: 'LICENSE_KEY',
        valueFrom: { secretKeyRef: { name: plan.licenseSecret, key: 'password' } },
      },
    ],
    ports: CONTAINER_PORTS,
    readinessProbe: READINESS,
    volumeMounts: files.mounts,
    securityContext: RESTRICTED_CONTAINER,
  };
  const sts = statefulSet(owner, {
    name: group.name,
    replicas: group.replicas,
    serviceName: governing,
    podLabels: group.role ? { [COMPONENT]: group.role } : undefined,
    securityContext: POD_SECURITY,
    // Renewal: a sidecar of the node image runs SSL_RELOAD over SQL, in place.
    containers: tls
      ? [
          container,
          reloaderContainer({
            image: plan.image,
            script: `${WATCHER_DIR}/${WATCHER_FILE}`,
            env: [rootPassword],
            mounts: [WATCHER_MOUNT, TLS_MOUNT],
          }),
        ]
      : [container],
    volumes: files.volumes,
    dataVolume: dataVolumeFrom(group.storage),
  });
  if (group.role) {
    // Two StatefulSets of one database: each selects only its own group's pods.
    const spec = sts.spec as { selector: { matchLabels: Record<string, string> } };
    spec.selector.matchLabels = merged(spec.selector.matchLabels, { [COMPONENT]: group.role });
  }
  return sts;
}

// The parts of the workload that every Singlestore shares (see `shared`).
const BASE_MOUNTS = shared([
  { name: 'data', mountPath: DATA_DIR },
  { name: 'custom-config', mountPath: CONFIG_DIR, readOnly: true },
]);
const CONFIG_ITEMS = shared([{ key: 'memsql.cnf', path: 'memsql.cnf' }]);
const TLS_MOUNT = shared({ name: 'tls-volume', mountPath: CERT_DIR, readOnly: true });
const SERVER_FILES = shared([
  { key: 'ca.crt', path: 'ca.crt' },
  { key: 'tls.crt', path: 'server.crt' },
  { key: 'tls.key', path: 'server.key' },
]);
const CLIENT_FILES = shared([
  { key: 'tls.crt', path: 'client.crt' },
  { key: 'tls.key', path: 'client.key' },
]);
const ROOT_USERNAME = shared({ name: 'ROOT_USERNAME', value: 'root' });
const CONTAINER_PORTS = shared([{ name: 'db', containerPort: PORT, protocol: 'TCP' }]);
const READINESS = tcpReadiness(PORT);
const POD_SECURITY = podSecurityContext(MEMSQL_UID, MEMSQL_GID);
const PRIMARY_PORTS = shared([{ name: 'primary', port: PORT }]);
const POD_PORTS = shared([{ name: 'db', port: PORT }]);

/** With spec.topology, each group's StatefulSet takes its own spec.topology.<role>.podTemplate. */
export function nodeTemplates(db: KubeObject): Record<string, FieldPath> {
  const spec = db.spec as Obj;
  const out: Record<string, FieldPath> = {};
  if (!isObj(spec.topology)) return out;
  for (const role of ['aggregator', 'leaf']) {
    const node = spec.topology[role];
    const suffix = isObj(node) && typeof node.suffix === 'string' ? node.suffix : '';
    const base = suffix ? nameWithSuffix(db.metadata.name, suffix) : db.metadata.name;
    out[nameWithSuffix(base, role)] = at('spec', 'topology', role, 'podTemplate');
  }
  return out;
}
