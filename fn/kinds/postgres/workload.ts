// The standalone Postgres workload: the ConfigMap of its files, the Services, the StatefulSet with
// the server, its renewal sidecar and the exporter, and the parts every Postgres shares.
import type { KubeObject, Obj } from '../../io/objects.js';
import { shared, sharedBy } from '../../io/objects.js';
import {
  CERT_FILES,
  configMap,
  configMapVolume,
  dataVolumeFrom,
  podSecurityContext,
  podSelector,
  RESTRICTED_CONTAINER,
  secretVolume,
  service,
  statefulSet,
} from '../../render/workload.js';
import {
  type ExporterParts,
  exporterContainer,
  type Monitor,
  monitorObjects,
  STATS_PATH,
} from '../../render/monitor.js';
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
import { nameWithSuffix } from '../../util/names.js';
import { inlineData, USER_CONFIG_VOLUME, userSecretVolume } from '../../render/user-config.js';
import {
  CERT_DIR,
  CONFIG_DIR,
  PORT,
  pgHbaConf,
  postgresqlConf,
  startScript,
  TRUST_DIR,
  USER_CONFIG_DIR,
} from './config.js';
import type { IssuedCertificate, KindContext, Owner } from '../kind.js';
import type { PostgresPlan } from './plan.js';
import { rotation } from './rotation.js';

export const POSTGRES_UID = 999; // the postgres user of the official Debian-based image
export const DATA_DIR = '/var/lib/postgresql';
const PGDATA = `${DATA_DIR}/pgdata`;
/** Where the TLS files are: certs/ (the secrets), trust/ (the trust file), trust-bundle/. */
const TLS_DIR = '/tls';
export const KEY_MODE = 0o640; // root-owned, group postgres: the one shared-readable mode PostgreSQL accepts

/** The objects of standalone mode: configuration, Services, the StatefulSet, monitoring. */
export function postgresWorkload(
  ctx: KindContext,
  plan: PostgresPlan,
  certificates: readonly IssuedCertificate[],
  owner: Owner,
): KubeObject[] {
  const name = ctx.db.metadata.name;
  const server = certificates.find((c) => c.alias === 'server');
  const client = certificates.find((c) => c.alias === 'client');
  const tls = server !== undefined && plan.sslMode !== 'disable';
  const configName = nameWithSuffix(name, 'server-config');
  const { volumes, mounts, bundle } = serverFiles(configName, plan, [server, client], ctx, tls);
  const image = `postgres:${plan.version}`;
  const container = postgresContainer(image, plan, mounts);
  const certs = [server, client].filter((c) => c !== undefined && tls) as IssuedCertificate[];
  // Renewal: a sidecar of the same image reloads the server (pg_ctl reload, i.e. SIGHUP).
  const containers: Obj[] = [container];
  if (tls) {
    containers.push(postgresReloader(image, mounts));
  }
  const exporterCert = certificates.find((c) => c.alias === 'metrics-exporter');
  if (plan.monitor) {
    if (tls && exporterCert)
      volumes.push(secretVolume(EXPORTER_VOLUME, exporterCert.secretName, CERT_FILES, KEY_MODE));
    containers.push(
      exporterContainer(
        plan.monitor,
        exporter(plan, plan.monitor, tls && !!exporterCert),
        ctx.report,
      ),
    );
  }
  const config: Record<string, string> = {
    'postgresql.conf': postgresqlConf(plan, tls),
    'pg_hba.conf': pgHbaConf(plan, tls),
    'start.sh': startScript(name, plan, tls, client),
    ...inlineData(plan.userConfig),
  };
  if (tls) config[WATCHER_FILE] = watcherScript(withTrustBundle(rotation(certs), bundle));
  return [
    configMap(owner, configName, config),
    service(owner, name, PRIMARY_PORTS, { selector: podSelector(name, 0) }),
    service(owner, nameWithSuffix(name, 'standby'), STANDBY_PORTS),
    service(owner, nameWithSuffix(name, 'pods'), POD_PORTS, { headless: true }),
    statefulSet(owner, {
      name,
      replicas: plan.replicas,
      serviceName: nameWithSuffix(name, 'pods'),
      securityContext: POD_SECURITY,
      containers,
      volumes,
      dataVolume: dataVolumeFrom(ctx.db.spec as Obj),
      shareProcessNamespace: tls || undefined,
    }),
    ...(plan.monitor ? monitorObjects(owner, plan.monitor) : []),
  ] satisfies KubeObject[];
}

/**
 * The configuration, the user's configuration Secret, and with TLS the certificates and trust:
 * with a trust bundle (dbtls.dev/trust-bundle), its ConfigMap at /tls/trust-bundle/ca.crt, from
 * which alone the watcher builds the trust file (render/trust-bundle.ts).
 */
function serverFiles(
  configName: string,
  plan: PostgresPlan,
  certificates: readonly (IssuedCertificate | undefined)[],
  ctx: KindContext,
  tls: boolean,
): { volumes: Obj[]; mounts: Obj[]; bundle?: ServerTrustBundle } {
  const volumes: Obj[] = [configMapVolume('config', configName, 0o555)];
  const mounts: Obj[] = [...BASE_MOUNTS];
  const userSecret = plan.userConfig?.secret;
  if (userSecret) {
    const { volume, mount } = userSecretVolume(userSecret.name, USER_CONFIG_DIR);
    volumes.push(volume);
    mounts.push(mount);
  }
  for (const cert of certificates) {
    if (!cert || !tls) continue;
    // server.crt / client.crt, as KubeDB names them
    volumes.push(
      secretVolume(`${cert.alias}-cert`, cert.secretName, certFiles(cert.alias), KEY_MODE),
    );
    mounts.push(certMount(cert.alias));
  }
  if (!tls) return { volumes, mounts };
  volumes.push(trustVolume('tls-trust'));
  mounts.push(TRUST_MOUNT);
  const bundle = serverTrustBundle(ctx.trust, TLS_DIR);
  if (bundle) {
    volumes.push(bundle.volume);
    mounts.push(bundle.mount);
  }
  return { volumes, mounts, bundle };
}

/** The postgres container, started by start.sh with the password from spec.authSecret. */
function postgresContainer(image: string, plan: PostgresPlan, mounts: Obj[]): Obj {
  return {
    name: 'postgres',
    image,
    command: COMMAND,
    env: [
      POSTGRES_USER,
      {
        name: 'POSTGRES_PASSWORD',
        valueFrom: { secretKeyRef: { name: plan.authSecret, key: 'password' } },
      },
      PGDATA_ENV,
    ],
    ports: CONTAINER_PORTS,
    readinessProbe: READINESS,
    volumeMounts: mounts,
    securityContext: RESTRICTED_CONTAINER,
  };
}

/** The renewal sidecar: pg_ctl reload (SIGHUP) from the same image. */
function postgresReloader(image: string, mounts: Obj[]): Obj {
  return reloaderContainer({
    image,
    script: `${CONFIG_DIR}/${WATCHER_FILE}`,
    env: [PGDATA_ENV],
    // pg_ctl only reads postmaster.pid from the data volume; the user's files are the
    // server's alone
    mounts: mounts
      .filter((m) => m.name !== USER_CONFIG_VOLUME)
      .map((m) => (m === BASE_MOUNTS[0] ? DATA_READ_ONLY : m)),
  });
}

// The parts of the workload that every Postgres shares (see `shared`).
const BASE_MOUNTS = shared([
  { name: 'data', mountPath: DATA_DIR },
  { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
]);
const certMount = sharedBy((alias: string) => ({
  name: `${alias}-cert`,
  mountPath: `${CERT_DIR}/${alias}`,
  readOnly: true,
}));
const certFiles = sharedBy((base: string) => [
  { key: 'ca.crt', path: 'ca.crt' },
  { key: 'tls.crt', path: `${base}.crt` },
  { key: 'tls.key', path: `${base}.key` },
]);
const DATA_READ_ONLY = shared({ name: 'data', mountPath: DATA_DIR, readOnly: true });
const TRUST_MOUNT = shared({ name: 'tls-trust', mountPath: TRUST_DIR });
const COMMAND = shared(['/bin/sh', `${CONFIG_DIR}/start.sh`]);
const POSTGRES_USER = shared({ name: 'POSTGRES_USER', value: 'postgres' });
const PGDATA_ENV = shared({ name: 'PGDATA', value: PGDATA });
const CONTAINER_PORTS = shared([{ name: 'postgres', containerPort: PORT, protocol: 'TCP' }]);
const READINESS = shared({
  exec: { command: ['pg_isready', '--host=127.0.0.1', `--port=${PORT}`] },
  periodSeconds: 10,
});
const POD_SECURITY = podSecurityContext(POSTGRES_UID);
const PRIMARY_PORTS = shared([{ name: 'primary', port: PORT }]);
const STANDBY_PORTS = shared([{ name: 'standby', port: PORT }]);
const POD_PORTS = shared([{ name: 'db', port: PORT }]);

// The exporter: KubeDB's catalog image for current PostgresVersions (kubedb/installer 0c6e2459,
// charts/kubedb-catalog/templates/postgres), its certificate where KubeDB mounts it.
const EXPORTER_IMAGE = 'prometheuscommunity/postgres-exporter:v0.18.1';
const EXPORTER_VOLUME = 'exporter-cert';
const EXPORTER_CERT_DIR = '/tls/certs/exporter';
const EXPORTER_MOUNTS = shared([
  { name: EXPORTER_VOLUME, mountPath: EXPORTER_CERT_DIR, readOnly: true },
]);
const EXPORTER_USER = shared({ name: 'DATA_SOURCE_USER', value: 'postgres' });

/**
 * The exporter's connection, as KubeDB's Postgres operator makes it (kubedb/postgres
 * pkg/controller/statefulset.go, upsertMonitoringContainer): to localhost, with the database's
 * sslMode (allow and prefer as require), the exporter certificate's ca.crt under verify-ca and
 * verify-full, its tls.crt and tls.key under clientAuthMode cert. KubeDB builds DATA_SOURCE_NAME
 * in a shell with the password inline; here the exporter's DATA_SOURCE_URI, DATA_SOURCE_USER and
 * DATA_SOURCE_PASS carry the same settings without a shell (the exporter escapes the password).
 * The listen address is a flag: current exporters read it from no environment variable.
 */
function exporter(plan: PostgresPlan, monitor: Monitor, tls: boolean): ExporterParts {
  const sslMode = !tls
    ? 'disable'
    : plan.sslMode === 'allow' || plan.sslMode === 'prefer'
      ? 'require'
      : plan.sslMode;
  const query = [`sslmode=${sslMode}`];
  if (tls && (sslMode === 'verify-ca' || sslMode === 'verify-full'))
    query.push(`sslrootcert=${EXPORTER_CERT_DIR}/ca.crt`);
  if (tls && plan.clientAuthMode === 'cert')
    query.push(`sslcert=${EXPORTER_CERT_DIR}/tls.crt`, `sslkey=${EXPORTER_CERT_DIR}/tls.key`);
  return {
    image: EXPORTER_IMAGE,
    args: [
      `--web.listen-address=:${monitor.port}`,
      `--web.telemetry-path=${STATS_PATH}`,
      '--log.level=info',
    ],
    env: [
      { name: 'DATA_SOURCE_URI', value: `localhost:${PORT}/postgres?${query.join('&')}` },
      EXPORTER_USER,
      {
        name: 'DATA_SOURCE_PASS',
        valueFrom: { secretKeyRef: { name: plan.authSecret, key: 'password' } },
      },
    ],
    volumeMounts: tls ? EXPORTER_MOUNTS : undefined,
    uid: POSTGRES_UID,
    gid: POSTGRES_UID,
  };
}
