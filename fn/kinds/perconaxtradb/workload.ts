// The standalone PerconaXtraDB workload: a Galera cluster of spec.replicas nodes, its volumes and
// mounts, and the parts every PerconaXtraDB shares.
import type { KubeObject } from '../../io/objects.js';
import type { Owner } from '../kind.js';
import type { Obj } from '../../io/objects.js';
import { shared, sharedBy } from '../../io/objects.js';
import {
  CERT_FILES,
  configMapVolume,
  podSecurityContext,
  RESTRICTED_CONTAINER,
  secretVolume,
  tcpReadiness,
} from '../../render/workload.js';
import {
  reloaderContainer,
  trustVolume,
  WATCHER_FILE,
  watcherScript,
} from '../../render/rotation.js';
import {
  type ServerTrustBundle,
  serverTrustBundle,
  withTrustBundle,
} from '../../render/trust-bundle.js';
import type { TrustBundle } from '../../contract/trust.js';
import { nameWithSuffix } from '../../util/names.js';
import type { IssuedCertificate, KindContext } from '../kind.js';
import { familyWorkload } from '../mysql-family/workload.js';
import { CERT_DIR, CONFIG_DIR, TRUST_DIR, USER_CONFIG_DIR } from '../mysql-family/config.js';
import { USER_CONFIG_VOLUME, userSecretVolume } from '../../render/user-config.js';
import { peersOf, serverConfig } from './config.js';
import {
  DATA_DIR,
  GALERA_PORTS,
  KEY_MODE,
  MYSQL_UID,
  PORT,
  type PerconaXtraDBPlan,
} from './plan.js';
import { rotation } from './rotation.js';

/** The objects of standalone mode, mounting `certificates`. */
export function perconaXtraDBWorkload(
  ctx: KindContext,
  plan: PerconaXtraDBPlan,
  certificates: readonly IssuedCertificate[],
  owner: Owner,
): KubeObject[] {
  const name = ctx.db.metadata.name;
  const server = certificates.find((c) => c.alias === 'server');
  const client = certificates.find((c) => c.alias === 'client');
  const configName = nameWithSuffix(name, 'server-config');
  const { volumes, mounts, bundle } = serverFiles(configName, plan, server, client, ctx.trust);
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
    config[WATCHER_FILE] = watcherScript(withTrustBundle(rotation(certs), bundle));
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
}

/** The Galera node's container, started by start.sh with the cluster's name. */
export function nodeContainer(image: string, name: string, rootPassword: Obj, mounts: Obj[]): Obj {
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

/**
 * The configuration, the user's configuration Secret, the certificates and the trust store; with
 * a trust bundle (`trust`), its ConfigMap at <CERT_DIR>/trust-bundle (render/trust-bundle.ts).
 */
export function serverFiles(
  configName: string,
  plan: PerconaXtraDBPlan,
  server: IssuedCertificate | undefined,
  client: IssuedCertificate | undefined,
  trust?: TrustBundle,
): { volumes: Obj[]; mounts: Obj[]; bundle?: ServerTrustBundle } {
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
  if (!server) return { volumes, mounts };
  volumes.push(trustVolume('tls-trust'));
  mounts.push(TRUST_MOUNT);
  const bundle = serverTrustBundle(trust, CERT_DIR);
  if (bundle) {
    volumes.push(bundle.volume);
    mounts.push(bundle.mount);
  }
  return { volumes, mounts, bundle };
}

// The parts of the workload that every PerconaXtraDB shares (see `shared`).
export const TRUST_MOUNT = shared({ name: 'tls-trust', mountPath: TRUST_DIR });
export const BASE_MOUNTS = shared([
  { name: 'data', mountPath: DATA_DIR },
  { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
]);
export const certMount = sharedBy((alias: string) => ({
  name: `tls-${alias}-config`,
  mountPath: `${CERT_DIR}/${alias}`,
  readOnly: true,
}));
export const COMMAND = shared(['/bin/sh', `${CONFIG_DIR}/start.sh`]);
export const CONTAINER_PORTS = shared([
  { name: 'mysql', containerPort: PORT, protocol: 'TCP' },
  ...GALERA_PORTS.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })),
]);
export const READINESS = tcpReadiness(PORT);
export const POD_SECURITY = podSecurityContext(MYSQL_UID);
export const PRIMARY_PORTS = shared([{ name: 'primary', port: PORT }]);
export const POD_PORTS = shared([{ name: 'db', port: PORT }, ...GALERA_PORTS]);
