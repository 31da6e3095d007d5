// What the MySQL-family kinds share in their standalone workloads: the certificate volumes (one
// secret volume per alias under /etc/mysql/certs/<alias>, with the secret's own file names), the
// mounts, the exporter sidecar, and the objects around a kind's pod. KubeDB mounts MariaDB's
// certificates the same way (MariaDB.CertMountPath); PerconaXtraDB keeps its own copy.
import type { KubeObject, Obj } from '../../io/objects.js';
import { shared, sharedBy } from '../../io/objects.js';
import type { Owner } from '../../render/metadata.js';
import {
  CERT_FILES,
  configMap,
  dataVolumeFrom,
  type Port,
  secretVolume,
  service,
  statefulSet,
} from '../../render/workload.js';
import { trustVolume } from '../../render/rotation.js';
import { type ServerTrustBundle, serverTrustBundle } from '../../render/trust-bundle.js';
import type { TrustBundle } from '../../contract/trust.js';
import {
  exporterContainer,
  type Monitor,
  monitorObjects,
  STATS_PATH,
} from '../../render/monitor.js';
import type { Reporter } from '../../io/results.js';
import { nameWithSuffix } from '../../util/names.js';
import { CERT_DIR, CONFIG_DIR, exporterCnf, TRUST_DIR } from './config.js';
import type { IssuedCertificate, KindContext } from '../kind.js';

export const DATA_DIR = '/var/lib/mysql';
/** Readable by the server's group (fsGroup) only: mysqld and mariadbd accept a group-readable key. */
export const KEY_MODE = 0o440;
/**
 * The server and client certificates as volumes and mounts (the volume names KubeDB reserves), and
 * with the server certificate the emptyDir of the CA bundle (TRUST_FILE) and, where the database
 * names a trust bundle (`trust`), its ConfigMap at <CERT_DIR>/trust-bundle (render/trust-bundle.ts).
 */
export function certVolumes(
  certificates: readonly IssuedCertificate[],
  trust?: TrustBundle,
): { volumes: Obj[]; mounts: Obj[]; bundle?: ServerTrustBundle } {
  const volumes: Obj[] = [];
  const mounts: Obj[] = [];
  for (const alias of ['server', 'client']) {
    const cert = certificates.find((c) => c.alias === alias);
    if (!cert) continue;
    volumes.push(secretVolume(`tls-${alias}-config`, cert.secretName, CERT_FILES, KEY_MODE));
    mounts.push(certMount(alias));
  }
  if (!certificates.some((c) => c.alias === 'server')) return { volumes, mounts };
  volumes.push(trustVolume('tls-trust'));
  mounts.push(TRUST_MOUNT);
  const bundle = serverTrustBundle(trust, CERT_DIR);
  if (bundle) {
    volumes.push(bundle.volume);
    mounts.push(bundle.mount);
  }
  return { volumes, mounts, bundle };
}

export const TRUST_MOUNT = shared({ name: 'tls-trust', mountPath: TRUST_DIR });

export const certMount = sharedBy((alias: string) => ({
  name: `tls-${alias}-config`,
  mountPath: `${CERT_DIR}/${alias}`,
  readOnly: true,
}));
export const BASE_MOUNTS = shared([
  { name: 'data', mountPath: DATA_DIR },
  { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
]);
export const COMMAND = shared(['/bin/sh', `${CONFIG_DIR}/start.sh`]);

// spec.monitor: mysqld_exporter, the exporter of KubeDB's MariaDB, MySQL and PerconaXtraDB
// catalogs (kubedb/installer 0c6e2459, charts/kubedb-catalog: prom/mysqld-exporter v0.18.0;
// MySQL's entries name KubeDB's fork of it, dbtls the upstream image as for the servers), with
// the metrics-exporter certificate where KubeDB mounted it for MariaDB (kubedb/mariadb
// pkg/controller/statefulset.go: /etc/mysql/certs/exporter).
export const EXPORTER_IMAGE = 'prom/mysqld-exporter:v0.18.0';
export const EXPORTER_VOLUME = 'tls-exporter-config';
export const EXPORTER_CERT_DIR = `${CERT_DIR}/exporter`;
export const EXPORTER_CNF = 'exporter.cnf';
export const EXPORTER_CONFIG_MOUNT = shared({
  name: 'config',
  mountPath: CONFIG_DIR,
  readOnly: true,
});
export const EXPORTER_CERT_MOUNT = shared({
  name: EXPORTER_VOLUME,
  mountPath: EXPORTER_CERT_DIR,
  readOnly: true,
});

/** What a MySQL-family kind renders around its pod's containers and volumes. */
export interface FamilyWorkload {
  monitor: Monitor | undefined;
  authSecret: string;
  certificates: readonly IssuedCertificate[];
  configName: string;
  files: Record<string, string>;
  containers: Obj[];
  volumes: Obj[];
  replicas: number;
  /** The server's uid (and group): the pod's and the exporter's. */
  uid: number;
  podSecurity: Obj;
  primaryPorts: readonly Port[];
  podPorts: readonly Port[];
}

/**
 * The workload every MySQL-family kind renders in standalone mode: its ConfigMap, the primary
 * Service `<db>`, the governing Service `<db>-pods`, the StatefulSet, and with spec.monitor the
 * exporter sidecar, the stats Service and the ServiceMonitor.
 */
export function familyWorkload(ctx: KindContext, owner: Owner, w: FamilyWorkload): KubeObject[] {
  const name = ctx.db.metadata.name;
  const governing = nameWithSuffix(name, 'pods');
  if (w.monitor) {
    const { monitor, authSecret, certificates, uid } = w;
    addMysqlExporter(w, { monitor, authSecret, certificates, uid, report: ctx.report });
  }
  return [
    configMap(owner, w.configName, w.files),
    service(owner, name, w.primaryPorts),
    service(owner, governing, w.podPorts, { headless: true }),
    statefulSet(owner, {
      name,
      replicas: w.replicas,
      serviceName: governing,
      securityContext: w.podSecurity,
      containers: w.containers,
      volumes: w.volumes,
      dataVolume: dataVolumeFrom(ctx.db.spec as Obj),
    }),
    ...(w.monitor ? monitorObjects(owner, w.monitor) : []),
  ];
}

/** The exporter sidecar with its option file and certificate, added to a kind's workload. */
export function addMysqlExporter(
  w: { files: Record<string, string>; volumes: Obj[]; containers: Obj[] },
  o: {
    monitor: Monitor;
    authSecret: string;
    certificates: readonly IssuedCertificate[];
    uid: number;
    report: Reporter;
  },
): void {
  const cert = o.certificates.find((c) => c.alias === 'metrics-exporter');
  w.files[EXPORTER_CNF] = exporterCnf(cert !== undefined, EXPORTER_CERT_DIR);
  if (cert) w.volumes.push(secretVolume(EXPORTER_VOLUME, cert.secretName, CERT_FILES, KEY_MODE));
  const parts = {
    image: EXPORTER_IMAGE,
    args: [
      `--web.listen-address=:${o.monitor.port}`,
      `--web.telemetry-path=${STATS_PATH}`,
      `--config.my-cnf=${CONFIG_DIR}/${EXPORTER_CNF}`,
    ],
    env: [
      {
        name: 'MYSQLD_EXPORTER_PASSWORD',
        valueFrom: { secretKeyRef: { name: o.authSecret, key: 'password' } },
      },
    ],
    volumeMounts: cert ? [EXPORTER_CONFIG_MOUNT, EXPORTER_CERT_MOUNT] : [EXPORTER_CONFIG_MOUNT],
    uid: o.uid,
    gid: o.uid,
  };
  w.containers.push(exporterContainer(o.monitor, parts, o.report));
}
