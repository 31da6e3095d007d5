// The workload of a VaultServer in standalone mode: the ConfigMap of vault.hcl and the watcher,
// the Services, and the StatefulSet of Vault (or OpenBao) nodes, with the reloader sidecar that
// signals the server on renewal.
import type { KubeObject, Obj } from '../../io/objects.js';
import { isObj, shared, sharedBy } from '../../io/objects.js';
import type { Owner } from '../../render/metadata.js';
import { reloaderContainer, WATCHER_FILE, watcherScript } from '../../render/rotation.js';
import { USER_CONFIG_VOLUME } from '../../render/user-config.js';
import {
  CERT_FILES,
  configMap,
  configMapVolume,
  dataVolumeFrom,
  podSecurityContext,
  RESTRICTED_CONTAINER,
  secretVolume,
  service,
  statefulSet,
} from '../../render/workload.js';
import { nameWithSuffix } from '../../util/names.js';
import type { IssuedCertificate, KindContext } from '../kind.js';
import {
  API_PORT,
  CERT_DIR,
  CLUSTER_PORT,
  CONFIG_DIR,
  vaultHcl,
  vaultUserConfig,
} from './config.js';
import type { Backend, VaultPlan } from './plan.js';
import { rotation } from './rotation.js';

const VAULT_UID = 100; // the vault (and openbao) user of the upstream images
const VAULT_GID = 1000;
const KEY_MODE = 0o440;

/** The kind's `workload`: the objects of the server in standalone mode. */
export function vaultWorkload(
  ctx: KindContext,
  plan: VaultPlan,
  certificates: readonly IssuedCertificate[],
  owner: Owner,
): KubeObject[] {
  const name = ctx.db.metadata.name;
  const internal = nameWithSuffix(name, 'internal');
  const configName = nameWithSuffix(name, 'vault-config');
  const server = certificates.find((c) => c.alias === 'server');
  const scheme = server ? 'https' : 'http';
  const { volumes, mounts } = vaultFiles(configName, plan, certificates);
  const persistent = plan.backend === 'raft' || plan.backend === 'file';
  if (persistent) mounts.push({ name: 'data', mountPath: plan.dataPath });
  const container = {
    name: 'vault',
    image: plan.image,
    command: serverCommand(plan, volumes, mounts),
    env: vaultEnv(`$(POD_NAME).${internal}.${ctx.namespace}.svc`, plan, server !== undefined),
    ports: CONTAINER_PORTS,
    readinessProbe: readiness(scheme),
    volumeMounts: mounts,
    securityContext: RESTRICTED_CONTAINER,
  };
  const config: Record<string, string> = { 'vault.hcl': vaultHcl(ctx, plan, certificates) };
  const mounted = certificates.filter((c) => c.alias !== 'storage' || plan.backend === 'raft');
  const containers: Obj[] = [container];
  if (server) {
    // Renewal: Vault re-reads its listener's certificate and key on SIGHUP; raft joins read
    // the storage certificate at each join.
    config[WATCHER_FILE] = watcherScript(rotation(mounted, plan.binary));
    containers.push(
      reloaderContainer({
        image: plan.image as string,
        script: `${CONFIG_DIR}/${WATCHER_FILE}`,
        mounts: mounts.filter((m) => m.name !== 'data' && m.name !== USER_CONFIG_VOLUME),
      }),
    );
  }
  return [
    configMap(owner, configName, config),
    service(owner, name, SERVICE_PORTS),
    service(owner, internal, INTERNAL_PORTS, { headless: true }),
    statefulSet(owner, {
      name,
      replicas: plan.replicas,
      serviceName: internal,
      securityContext: POD_SECURITY,
      containers,
      volumes,
      shareProcessNamespace: server !== undefined || undefined,
      dataVolume: persistent
        ? dataVolumeFrom(storageSpec(ctx.db.spec as Obj, plan.backend))
        : { emptyDir: {} },
      podManagementPolicy: plan.backend === 'raft' ? 'Parallel' : undefined,
    }),
  ] satisfies KubeObject[];
}

/** The server's command; with spec.configSecret, the user's vault.hcl mounted and named first. */
function serverCommand(plan: VaultPlan, volumes: Obj[], mounts: Obj[]): readonly string[] {
  const cmd = command(plan.binary);
  if (!plan.userConfigSecret) return cmd;
  // The user's file first: Vault merges each -config onto the ones before (config.ts).
  const user = vaultUserConfig(plan.userConfigSecret);
  volumes.push(user.volume);
  mounts.push(user.mount);
  return [cmd[0], cmd[1], user.flag, ...cmd.slice(2)];
}

/** The configuration and the certificates mounted (the storage certificate with raft only). */
function vaultFiles(
  configName: string,
  plan: VaultPlan,
  certificates: readonly IssuedCertificate[],
): { volumes: Obj[]; mounts: Obj[] } {
  const volumes: Obj[] = [configMapVolume('config', configName)];
  const mounts: Obj[] = [CONFIG_MOUNT];
  for (const cert of certificates) {
    if (cert.alias === 'storage' && plan.backend !== 'raft') continue;
    // KubeVault's volume names: vault-server-certs, vault-client-certs (and storage-cert).
    const volume = cert.alias === 'storage' ? 'storage-cert' : `vault-${cert.alias}-certs`;
    volumes.push(secretVolume(volume, cert.secretName, CERT_FILES, KEY_MODE));
    mounts.push(certMount(cert.alias));
  }
  return { volumes, mounts };
}

/** Vault's addresses: its own, the API and cluster addresses of the pod, the CA it trusts. */
function vaultEnv(podAddress: string, plan: VaultPlan, tls: boolean): Obj[] {
  const scheme = tls ? 'https' : 'http';
  const env: Obj[] = [
    POD_NAME,
    { name: 'VAULT_ADDR', value: `${scheme}://127.0.0.1:${API_PORT}` },
    { name: 'VAULT_API_ADDR', value: `${scheme}://${podAddress}:${API_PORT}` },
    { name: 'VAULT_CLUSTER_ADDR', value: `https://${podAddress}:${CLUSTER_PORT}` },
  ];
  if (tls) env.push({ name: 'VAULT_CACERT', value: `${CERT_DIR}/server/ca.crt` });
  if (plan.backend === 'raft')
    env.push({
      name: 'VAULT_RAFT_NODE_ID',
      valueFrom: { fieldRef: { fieldPath: 'metadata.name' } },
    });
  return env;
}

/** The data volume claim: spec.backend.raft.storage, or the file backend's volumeClaimTemplate. */
function storageSpec(spec: Obj, backend: Backend | undefined): Obj {
  const b = isObj(spec.backend) ? spec.backend : {};
  if (backend === 'raft' && isObj(b.raft) && isObj(b.raft.storage))
    return { storage: b.raft.storage };
  if (
    backend === 'file' &&
    isObj(b.file) &&
    isObj(b.file.volumeClaimTemplate) &&
    isObj(b.file.volumeClaimTemplate.spec)
  )
    return { storage: b.file.volumeClaimTemplate.spec };
  return {};
}

// The parts of the workload that every VaultServer shares (see `shared`).
const CONFIG_MOUNT = shared({ name: 'config', mountPath: CONFIG_DIR, readOnly: true });
const certMount = sharedBy((alias: string) => ({
  name: alias === 'storage' ? 'storage-cert' : `vault-${alias}-certs`,
  mountPath: `${CERT_DIR}/${alias}`,
  readOnly: true,
}));
const command = sharedBy((binary: string) => [binary, 'server', `-config=${CONFIG_DIR}/vault.hcl`]);
const POD_NAME = shared({
  name: 'POD_NAME',
  valueFrom: { fieldRef: { fieldPath: 'metadata.name' } },
});
const CONTAINER_PORTS = shared([
  { name: 'client', containerPort: API_PORT, protocol: 'TCP' },
  { name: 'cluster', containerPort: CLUSTER_PORT, protocol: 'TCP' },
]);
// Ready once unsealed (standbys included): sealed pods get no client traffic.
const readiness = sharedBy((scheme: string) => ({
  httpGet: { path: '/v1/sys/health?standbyok=true', port: API_PORT, scheme: scheme.toUpperCase() },
  periodSeconds: 10,
}));
const POD_SECURITY = podSecurityContext(VAULT_UID, VAULT_GID);
const SERVICE_PORTS = shared([
  { name: 'client', port: API_PORT },
  { name: 'cluster', port: CLUSTER_PORT },
]);
const INTERNAL_PORTS = shared([
  { name: 'client-internal', port: API_PORT },
  { name: 'cluster-internal', port: CLUSTER_PORT },
]);
