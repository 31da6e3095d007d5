// The standalone MySQL workload: a single server on the upstream mysql image, rendered around the
// MySQL family's shared parts, and the parts every MySQL shares.
import type { KubeObject } from '../../io/objects.js';
import type { KindContext, Owner } from '../kind.js';
// The standalone MySQL workload: a single server on the upstream mysql image, rendered around the
// MySQL family's shared parts, and the parts every MySQL shares.
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
import { configFiles } from './config.js';
import { MYSQL_UID, type MySQLPlan } from './plan.js';

/** The objects of standalone mode, mounting `certificates`. */
export function mysqlWorkload(
  ctx: KindContext,
  plan: MySQLPlan,
  certificates: readonly IssuedCertificate[],
  owner: Owner,
): KubeObject[] {
  const name = ctx.db.metadata.name;
  const server = certificates.find((c) => c.alias === 'server');
  const client = certificates.find((c) => c.alias === 'client');
  const configName = nameWithSuffix(name, 'server-config');
  const certs = certVolumes(certificates, ctx.trust);
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
    bundle: certs.bundle,
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
}

/** The mysql container, started by start.sh with the root password from spec.authSecret. */
export function mysqlContainer(image: string, rootPassword: Obj, mounts: Obj[]) {
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

// The parts of the workload that every MySQL shares (see `shared`).
export const CONTAINER_PORTS = shared([
  { name: 'mysql', containerPort: MYSQL_PORT, protocol: 'TCP' },
]);
export const READINESS = tcpReadiness(MYSQL_PORT);
export const POD_SECURITY = podSecurityContext(MYSQL_UID);
export const PRIMARY_PORTS = shared([{ name: 'primary', port: MYSQL_PORT }]);
export const POD_PORTS = shared([{ name: 'db', port: MYSQL_PORT }]);
