// The standalone MSSQLServer workload: the ConfigMap with mssql.conf, the Services, the
// StatefulSet with the server, its restart sidecar and the clientTLS trust step, and the parts
// every MSSQLServer shares.
import type { KubeObject, Obj } from '../../io/objects.js';
import { shared } from '../../io/objects.js';
import {
  configMap,
  dataVolumeFrom,
  emptyDirVolume,
  podSecurityContext,
  podSelector,
  RESTRICTED_CONTAINER,
  service,
  statefulSet,
  tcpReadiness,
} from '../../render/workload.js';
import type { Owner } from '../../render/metadata.js';
import {
  DEFAULT_RESTART_SLOT,
  reloaderContainer,
  RESTART_SLOT_ENV,
  WATCHER_DIR,
  WATCHER_FILE,
  WATCHER_MOUNT,
  watcherScript,
  watcherVolume,
} from '../../render/rotation.js';
import { nameWithSuffix } from '../../util/names.js';
import type { IssuedCertificate, KindContext } from '../kind.js';
import { at } from '../../util/field-path.js';
import { mssqlConf, withUserConf } from './config.js';
import {
  CONF_PATH,
  DATA_DIR,
  ENDPOINT_DIR,
  FORBIDDEN_ENV,
  KEY_MODE,
  MIRRORING_PORT,
  type MSSQLPlan,
  MSSQL_UID,
  OS_TRUST_BUNDLE,
  OS_TRUST_DIR,
  PORT,
  ROLE_LABEL,
  TLS_DIR,
  TRUST_BUILD_DIR,
} from './plan.js';
import { rotation } from './rotation.js';

/** The objects of standalone mode, mounting `certificates`. */
export function mssqlWorkload(
  ctx: KindContext,
  plan: MSSQLPlan,
  certificates: readonly IssuedCertificate[],
  owner: Owner,
): KubeObject[] {
  const name = ctx.db.metadata.name;
  const server = certificates.find((c) => c.alias === 'server');
  const client = certificates.find((c) => c.alias === 'client');
  const endpoint = certificates.find((c) => c.alias === 'endpoint');
  const ag = plan.mode === 'AvailabilityGroup';
  const configName = nameWithSuffix(name, 'server-config');
  const governing = nameWithSuffix(name, 'pods');
  const { volumes, mounts, initContainers, trustEnv } = serverFiles(configName, plan, certificates);
  const container = mssqlContainer(plan, mounts, trustEnv);
  const rendered = mssqlConf(plan, server !== undefined);
  const config: Record<string, string> = {
    'mssql.conf': withUserConf(plan, rendered),
  };
  const containers: Obj[] = [container];
  if (server) {
    // Renewal: SQL Server reads its certificate at start only; the sidecar restarts it.
    ctx.report.warn(at('spec', 'tls'), RESTART_WARNING);
    const withEndpoint = ag && endpoint !== undefined;
    config[WATCHER_FILE] = watcherScript(
      rotation(withEndpoint, client !== undefined, plan.replicas),
    );
    volumes.push(watcherVolume(configName));
    containers.push(
      reloaderContainer({
        image: plan.image as string,
        script: `${WATCHER_DIR}/${WATCHER_FILE}`,
        env: [RESTART_SLOT],
        // not the data volume, nor mssql.conf (a subPath)
        mounts: [
          WATCHER_MOUNT,
          ...mounts.filter((m) => !(BASE_MOUNTS as readonly Obj[]).includes(m)),
        ],
      }),
    );
  }
  return [
    configMap(owner, configName, config),
    service(owner, name, PRIMARY_PORTS, ag ? { selector: podSelector(name, 0) } : {}),
    ...(ag ? [secondaryService(owner, name)] : []),
    service(owner, governing, ag ? AG_POD_PORTS : POD_PORTS, { headless: true }),
    statefulSet(owner, {
      name,
      replicas: plan.replicas,
      serviceName: governing,
      securityContext: POD_SECURITY,
      initContainers: initContainers.length ? initContainers : undefined,
      containers,
      volumes,
      dataVolume: dataVolumeFrom(ctx.db.spec as Obj),
      podManagementPolicy: ag ? 'Parallel' : undefined,
      shareProcessNamespace: server !== undefined || undefined,
    }),
  ] satisfies KubeObject[];
}

/** The mssql container: the user's environment, the sa password, HADR with a group. */
export function mssqlContainer(plan: MSSQLPlan, mounts: Obj[], trustEnv: Obj[]): Obj {
  const ag = plan.mode === 'AvailabilityGroup';
  const env: Obj[] = [
    ...plan.env.filter((e) => !FORBIDDEN_ENV.includes(String(e.name))),
    {
      name: 'MSSQL_SA_PASSWORD',
      valueFrom: { secretKeyRef: { name: plan.authSecret, key: 'password' } },
    },
    ...(ag ? [ENABLE_HADR] : []),
    ...trustEnv,
  ];
  const ports = ag ? AG_CONTAINER_PORTS : CONTAINER_PORTS;
  return {
    name: 'mssql',
    image: plan.image,
    env,
    ports,
    readinessProbe: READINESS,
    volumeMounts: mounts,
    securityContext: CONTAINER_SECURITY,
  };
}

/**
 * The configuration, the certificates (server and client in one directory, the endpoint's with
 * AvailabilityGroup) and, with clientTLS, the CA in the pod's trust store.
 */
export function serverFiles(
  configName: string,
  plan: MSSQLPlan,
  certificates: readonly IssuedCertificate[],
): { volumes: Obj[]; mounts: Obj[]; initContainers: Obj[]; trustEnv: Obj[] } {
  const server = certificates.find((c) => c.alias === 'server');
  const client = certificates.find((c) => c.alias === 'client');
  const endpoint = certificates.find((c) => c.alias === 'endpoint');
  const volumes: Obj[] = [{ name: 'config', configMap: { name: configName } }];
  const mounts: Obj[] = [...BASE_MOUNTS];
  const initContainers: Obj[] = [];
  const trustEnv: Obj[] = [];
  if (server) {
    volumes.push({
      name: 'tls',
      projected: { defaultMode: KEY_MODE, sources: tlsSources(server, client) },
    });
    mounts.push(TLS_MOUNT);
    if (plan.clientTLS) {
      // As KubeDB does with clientTLS (csi-driver-cacerts), the CA joins the pod's operating
      // system trust store, so that in-pod clients (sqlcmd -S localhost -N) verify the server.
      volumes.push(TRUSTED_CERTS_VOLUME);
      initContainers.push(trustCAContainer(plan.image));
      mounts.push(TRUSTED_CERTS_MOUNT);
      trustEnv.push(...TRUST_ENV);
    }
  }
  if (endpoint && plan.mode === 'AvailabilityGroup') {
    volumes.push({
      name: 'endpoint-cert',
      secret: { secretName: endpoint.secretName, defaultMode: KEY_MODE },
    });
    mounts.push(ENDPOINT_MOUNT);
  }
  return { volumes, mounts, initContainers, trustEnv };
}

/** KubeDB's <db>-secondary: the pods its coordinator labels secondary (read-only routing). */
export function secondaryService(owner: Owner, name: string): KubeObject {
  const secondary = nameWithSuffix(name, 'secondary');
  return service(owner, secondary, SECONDARY_PORTS, { selector: SECONDARY_SELECTOR });
}

/** The server and client secrets in one directory, named as KubeDB names them there. */
export function tlsSources(
  server: IssuedCertificate,
  client: IssuedCertificate | undefined,
): Obj[] {
  const sources: Obj[] = [{ secret: { name: server.secretName, items: SERVER_FILES } }];
  if (client) sources.push({ secret: { name: client.secretName, items: CLIENT_FILES } });
  return sources;
}

/**
 * The init step of clientTLS: the image's own trust store, plus the CA as a file, a hashed link
 * (OpenSSL's lookup by subject) and an entry in the bundle, written into an emptyDir that the
 * server container mounts over /etc/ssl/certs. It runs as the pod's non-root user, so nothing of
 * the image is changed; the image's links into /usr/share/ca-certificates resolve in both.
 */
export function trustCAScript(): string {
  const out = TRUST_BUILD_DIR;
  return [
    'set -eu',
    `find ${out} -mindepth 1 -maxdepth 1 -exec rm -rf {} +`,
    `cp -RP ${OS_TRUST_DIR}/. ${out}/ 2>/dev/null || true`,
    `{ cat ${OS_TRUST_BUNDLE} 2>/dev/null || true; cat ${TLS_DIR}/ca.crt; } > ${out}/bundle.tmp`,
    `rm -f ${out}/ca-certificates.crt && mv ${out}/bundle.tmp ${out}/ca-certificates.crt`,
    `cp ${TLS_DIR}/ca.crt ${out}/dbtls-ca.crt`,
    'if command -v openssl >/dev/null 2>&1; then',
    `  hash="$(openssl x509 -hash -noout -in ${out}/dbtls-ca.crt)"`,
    `  i=0; while [ -e "${out}/$hash.$i" ]; do i=$((i + 1)); done`,
    `  ln -s dbtls-ca.crt "${out}/$hash.$i"`,
    'fi',
    '',
  ].join('\n');
}

// The parts of the workload that every MSSQLServer shares (see `shared`).
export const BASE_MOUNTS = shared([
  { name: 'data', mountPath: DATA_DIR },
  { name: 'config', mountPath: CONF_PATH, subPath: 'mssql.conf', readOnly: true },
]);
export const TLS_MOUNT = shared({ name: 'tls', mountPath: TLS_DIR, readOnly: true });
export const ENDPOINT_MOUNT = shared({
  name: 'endpoint-cert',
  mountPath: ENDPOINT_DIR,
  readOnly: true,
});
export const SERVER_FILES = shared([
  { key: 'ca.crt', path: 'ca.crt' },
  { key: 'tls.crt', path: 'server.crt' },
  { key: 'tls.key', path: 'server.key' },
]);
export const CLIENT_FILES = shared([
  { key: 'tls.crt', path: 'client.crt' },
  { key: 'tls.key', path: 'client.key' },
]);
export const RESTART_WARNING =
  'SQL Server reads its certificate only when it starts, so standalone mode' +
  ' restarts it when cert-manager renews a certificate: the tls-reloader container of each pod' +
  ` ends SQL Server in that pod's own ${DEFAULT_RESTART_SLOT}-second slot (${RESTART_SLOT_ENV}),` +
  ' one pod at a time, and the kubelet starts it again with the renewed files; each pod is' +
  ' unavailable for its restart once per renewal';
export const RESTART_SLOT = shared({ name: RESTART_SLOT_ENV, value: String(DEFAULT_RESTART_SLOT) });
export const ENABLE_HADR = shared({ name: 'MSSQL_ENABLE_HADR', value: '1' });
export const CONTAINER_PORTS = shared([{ name: 'db', containerPort: PORT, protocol: 'TCP' }]);
export const AG_CONTAINER_PORTS = shared([
  ...CONTAINER_PORTS,
  { name: 'mirroring', containerPort: MIRRORING_PORT, protocol: 'TCP' },
]);
export const READINESS = tcpReadiness(PORT);
// SQL Server binds its ports with NET_BIND_SERVICE.
export const CONTAINER_SECURITY = shared({
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
});
export const POD_SECURITY = podSecurityContext(MSSQL_UID);
export const PRIMARY_PORTS = shared([{ name: 'primary', port: PORT }]);
export const POD_PORTS = shared([{ name: 'db', port: PORT }]);
export const AG_POD_PORTS = shared([...POD_PORTS, { name: 'mirroring', port: MIRRORING_PORT }]);
export const SECONDARY_PORTS = shared([{ name: 'secondary', port: PORT }]);
export const SECONDARY_SELECTOR = shared({ [ROLE_LABEL]: 'secondary' });
export const TRUSTED_CERTS_VOLUME = emptyDirVolume('trusted-certs');
export const TRUSTED_CERTS_MOUNT = shared({
  name: 'trusted-certs',
  mountPath: OS_TRUST_DIR,
  readOnly: true,
});
// OpenSSL (msodbcsql's sqlcmd) and Go (go-sqlcmd) read these before their built-in paths.
export const TRUST_ENV = shared([
  { name: 'SSL_CERT_FILE', value: OS_TRUST_BUNDLE },
  { name: 'SSL_CERT_DIR', value: OS_TRUST_DIR },
]);
export const TRUST_CA_COMMAND = shared(['/bin/sh', '-c', trustCAScript()]);
export const TRUST_CA_MOUNTS = shared([
  TLS_MOUNT,
  { name: 'trusted-certs', mountPath: TRUST_BUILD_DIR },
]);
/** The init step runs the server's own image: its trust store is the one to extend. */
export function trustCAContainer(image: string | undefined): Obj {
  return {
    name: 'trust-ca',
    image,
    command: TRUST_CA_COMMAND,
    volumeMounts: TRUST_CA_MOUNTS,
    securityContext: RESTRICTED_CONTAINER,
  };
}
