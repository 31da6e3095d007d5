// The standalone MariaDB workload: one server or a Galera cluster, rendered around the MySQL
// family's shared parts, and the parts every MariaDB shares.
import type { KubeObject } from '../../io/objects.js';
import type { Owner } from '../kind.js';
// The standalone MariaDB workload: one server or a Galera cluster, rendered around the MySQL
// family's shared parts, and the parts every MariaDB shares.
import type { Obj } from '../../io/objects.js';
import { shared } from '../../io/objects.js';
import {
  configMapVolume,
  podSecurityContext,
  RESTRICTED_CONTAINER,
  tcpReadiness,
} from '../../render/workload.js';
import { nameWithSuffix } from '../../util/names.js';
import type { IssuedCertificate } from '../kind.js';
import { mysqlReloader } from '../mysql-family/rotation.js';
import { familyWorkload, BASE_MOUNTS, certVolumes, COMMAND } from '../mysql-family/workload.js';
import { MYSQL_PORT, USER_CONFIG_DIR } from '../mysql-family/config.js';
import { WATCHER_FILE } from '../../render/rotation.js';
import { userSecretVolume } from '../../render/user-config.js';
import type { KindContext } from '../kind.js';
import { configFiles } from './config.js';
import { GALERA_PORTS, MARIADB_UID, type MariaDBPlan } from './plan.js';

/** The objects of standalone mode, mounting `certificates`. */
export function mariadbWorkload(
  ctx: KindContext,
  plan: MariaDBPlan,
  certificates: readonly IssuedCertificate[],
  owner: Owner,
): KubeObject[] {
  const name = ctx.db.metadata.name;
  const server = certificates.find((c) => c.alias === 'server');
  const client = certificates.find((c) => c.alias === 'client');
  const configName = nameWithSuffix(name, 'server-config');
  const certs = certVolumes(certificates, ctx.trust);
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
    bundle: certs.bundle,
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
}
/** The mariadb container, started by start.sh (which bootstraps Galera on the first node). */
export function mariadbContainer(
  image: string,
  plan: MariaDBPlan,
  rootPassword: Obj,
  mounts: Obj[],
) {
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

// The parts of the workload that every MariaDB shares (see `shared`).
export const CONTAINER_PORTS = shared([
  { name: 'mysql', containerPort: MYSQL_PORT, protocol: 'TCP' },
]);
export const CLUSTER_CONTAINER_PORTS = shared([
  ...CONTAINER_PORTS,
  ...GALERA_PORTS.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })),
]);
export const READINESS = tcpReadiness(MYSQL_PORT);
export const POD_SECURITY = podSecurityContext(MARIADB_UID);
export const PRIMARY_PORTS = shared([{ name: 'primary', port: MYSQL_PORT }]);
export const POD_PORTS = shared([{ name: 'db', port: MYSQL_PORT }]);
export const CLUSTER_POD_PORTS = shared([...POD_PORTS, ...GALERA_PORTS]);
