// What MySQL and MariaDB share in dbtls's standalone workload: the MySQL option-file syntax for
// TLS of client connections, and how the certificates are mounted (one secret volume per alias
// under /etc/mysql/certs/<alias>, with the secret's own file names). KubeDB mounts MariaDB's
// certificates the same way (MariaDB.CertMountPath); PerconaXtraDB keeps its own copy.
import type { KubeObject, Obj } from '../../io/objects.js';
import { isObj, shared, sharedBy } from '../../io/objects.js';
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
import {
  type Rotation,
  reloaderContainer,
  trustVolume,
  WATCHER_FILE,
  watcherScript,
} from '../../render/rotation.js';
import {
  exporterContainer,
  type Monitor,
  monitorObjects,
  STATS_PATH,
} from '../../render/monitor.js';
import type { Reporter } from '../../io/results.js';
import { readBool, readString } from '../../validate/fields.js';
import { nameWithSuffix } from '../../util/names.js';
import { USER_CONFIG_VOLUME } from '../../render/user-config.js';
import { CERT_DIR, CONFIG_DIR, exporterCnf, MYSQL_PORT, TRUST_DIR, TRUST_FILE } from './config.js';
import type { ClientProfile, ConnectionSetting, IssuedCertificate, KindContext } from '../kind.js';
import { mysqlClientSettings } from './client.js';
import { at } from '../../util/field-path.js';

export const DATA_DIR = '/var/lib/mysql';
/** Readable by the server's group (fsGroup) only: mysqld and mariadbd accept a group-readable key. */
export const KEY_MODE = 0o440;
/** What both kinds read the same way: requireSSL (and whether it was readable) and the auth secret. */
export interface SecureTransport {
  requireSSL: boolean;
  requireSSLReadable: boolean;
  authSecret: string;
}

export function readSecureTransport(ctx: KindContext): SecureTransport {
  const spec = ctx.db.spec as Obj;
  const value = readBool(spec, 'requireSSL', at('spec', 'requireSSL'), ctx.report);
  const requireSSL = value ?? false; // REQUIRE_SSL_SETTING.unset
  // A requireSSL of the wrong type is already reported: no advice that assumes it is false.
  const requireSSLReadable =
    value !== undefined || spec.requireSSL === undefined || spec.requireSSL === null;
  // A spec.tls without issuerRef is already reported at spec.tls.issuerRef.
  if (requireSSL && ctx.tls === undefined && (spec.tls === undefined || spec.tls === null)) {
    ctx.report.error(
      at('spec', 'requireSSL'),
      'requireSSL: true needs TLS: set spec.tls.issuerRef, or ' + 'remove requireSSL',
    );
  }
  const named = isObj(spec.authSecret)
    ? readString(spec.authSecret, 'name', at('spec', 'authSecret', 'name'), ctx.report)
    : undefined;
  return {
    requireSSL,
    requireSSLReadable,
    authSecret: named ?? nameWithSuffix(ctx.db.metadata.name, 'auth'),
  };
}

/** Standalone-mode advice both kinds give about requireSSL and the auth secret. */
export function adviseStandalone(ctx: KindContext, t: SecureTransport, user: string): void {
  const spec = ctx.db.spec as Obj;
  if (ctx.tls !== undefined && !t.requireSSL && t.requireSSLReadable) {
    ctx.report.info(
      at('spec', 'requireSSL'),
      'the server offers TLS but also accepts connections without ' +
        'it; set requireSSL: true to refuse them',
    );
  }
  if (!(isObj(spec.authSecret) && typeof spec.authSecret.name === 'string')) {
    ctx.report.info(
      at('spec', 'authSecret'),
      `the workload reads the ${user} password from Secret ` +
        `"${t.authSecret}" (key password), which standalone mode does not create`,
    );
  }
}

/**
 * The server and client certificates as volumes and mounts (the volume names KubeDB reserves), and
 * with the server certificate the emptyDir of the CA bundle (TRUST_FILE).
 */
export function certVolumes(certificates: readonly IssuedCertificate[]): {
  volumes: Obj[];
  mounts: Obj[];
} {
  const volumes: Obj[] = [];
  const mounts: Obj[] = [];
  for (const alias of ['server', 'client']) {
    const cert = certificates.find((c) => c.alias === alias);
    if (!cert) continue;
    volumes.push(secretVolume(`tls-${alias}-config`, cert.secretName, CERT_FILES, KEY_MODE));
    mounts.push(certMount(alias));
  }
  if (certificates.some((c) => c.alias === 'server')) {
    volumes.push(trustVolume('tls-trust'));
    mounts.push(TRUST_MOUNT);
  }
  return { volumes, mounts };
}

const TRUST_MOUNT = shared({ name: 'tls-trust', mountPath: TRUST_DIR });

const certMount = sharedBy((alias: string) => ({
  name: `tls-${alias}-config`,
  mountPath: `${CERT_DIR}/${alias}`,
  readOnly: true,
}));
export const BASE_MOUNTS = shared([
  { name: 'data', mountPath: DATA_DIR },
  { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
]);
export const COMMAND = shared(['/bin/sh', `${CONFIG_DIR}/start.sh`]);

/**
 * Renewal: mysqld re-reads ssl-ca/ssl-cert/ssl-key on ALTER INSTANCE RELOAD TLS (MySQL 8, Percona
 * XtraDB Cluster) or FLUSH SSL (MariaDB), keeping its TLS context if they fail to load; Galera
 * re-reads its socket.ssl files on socket.ssl_reload; SST reads the files at every transfer. The
 * statement is chosen by the server's version(), so one script serves every MySQL-family image.
 * `passwordEnv` names the reloader's variable holding root's password; `galera`: the server may
 * run Galera (MySQL has no @@wsrep_on to ask); `trustFile`: the kind keeps a trust bundle there.
 */
export function mysqlRotation(
  certs: readonly IssuedCertificate[],
  o: { passwordEnv: string; galera: boolean; trustFile?: string },
): Rotation {
  const dirs = certs.map((c) => `${CERT_DIR}/${c.alias}`);
  const sql =
    `MYSQL_PWD="$${o.passwordEnv}" "$client" --defaults-extra-file=${CONFIG_DIR}/my.cnf` +
    ` --protocol=TCP --host=127.0.0.1 --port=${MYSQL_PORT} --user=root --batch` +
    ' --skip-column-names -e';
  const galera = [
    `if [ "$(${sql} 'SELECT @@wsrep_on')" = 1 ]; then`,
    `  ${sql} "SET GLOBAL wsrep_provider_options='socket.ssl_reload=1'" &&`,
    '    log "Galera reloads its TLS files"',
    'fi',
  ];
  return {
    watched: dirs,
    pairs: dirs.map((d) => [`${d}/tls.crt`, `${d}/tls.key`] as const),
    ...(o.trustFile ? { trust: { file: o.trustFile, from: dirs.map((d) => `${d}/ca.crt`) } } : {}),
    takeup: {
      reload: [
        'client="$(command -v mysql || command -v mariadb)" ||',
        '  { log "no mysql client in the image"; return 1; }',
        `version="$(${sql} 'SELECT VERSION()')" || { log "could not reach mysqld"; return 1; }`,
        'case "$version" in',
        '  *MariaDB*) stmt="FLUSH SSL" ;;',
        '  *) stmt="ALTER INSTANCE RELOAD TLS" ;;',
        'esac',
        `${sql} "$stmt" || return 1`,
        'log "mysqld $version reloads its TLS files ($stmt)"',
        ...(o.galera ? galera : []),
      ],
    },
  };
}

/**
 * The standalone workload's renewal: tls-watch.sh for the kind's ConfigMap and the tls-reloader
 * container (the server's image, for its shell and SQL client; every mount but the data).
 */
export function mysqlReloader(
  certificates: readonly IssuedCertificate[],
  o: { image: string; password: Obj; galera: boolean; mounts: readonly Obj[] },
): { script: string; container: Obj } | undefined {
  const certs = ['server', 'client']
    .map((a) => certificates.find((c) => c.alias === a))
    .filter((c): c is IssuedCertificate => c !== undefined);
  if (!certs.some((c) => c.alias === 'server')) return undefined;
  const rotation = mysqlRotation(certs, {
    passwordEnv: String(o.password.name),
    galera: o.galera,
    trustFile: TRUST_FILE,
  });
  const container = reloaderContainer({
    image: o.image,
    script: `${CONFIG_DIR}/${WATCHER_FILE}`,
    env: [o.password],
    // The reloader reads neither the data nor the user's configuration.
    mounts: o.mounts.filter((m) => m.name !== 'data' && m.name !== USER_CONFIG_VOLUME),
  });
  return { script: watcherScript(rotation), container };
}

/**
 * How applications connect to a MySQL-family server (`dbtls.dev/connect-to`): as the user the
 * workload names (root, KubeDB's, only where the database grants it) to the primary Service on 3306, with the
 * `[client]` option files of client.ts. requireSSL false is refused: the server would then
 * accept the application without TLS.
 */
export function mysqlFamilyClient(kind: string): ClientProfile<{ requireSSL: boolean }> {
  return {
    endpoint: (ctx) => ({ service: ctx.db.metadata.name, port: MYSQL_PORT }),
    weakVerification: (_ctx, plan) =>
      plan.requireSSL
        ? undefined
        : {
            path: at('spec', 'requireSSL'),
            setting: 'requireSSL false',
            fix: 'set spec.requireSSL: true',
          },
    settings: (c, ctx) =>
      mysqlClientSettings(c, `${kind} ${ctx.namespace}/${ctx.db.metadata.name}`),
  };
}

/** The setting the policy's connectionSecurity can require of every MySQL-protocol kind. */
export const REQUIRE_SSL_SETTING: ConnectionSetting<{ requireSSL: boolean }> = {
  key: 'requireSSL',
  path: at('spec', 'requireSSL'),
  levels: [false, true],
  value: (_ctx, plan) => plan.requireSSL,
  // A boolean KubeDB leaves unset: false, with or without spec.tls.
  unset: { withTLS: false, withoutTLS: false },
};

// spec.monitor: mysqld_exporter, the exporter of KubeDB's MariaDB, MySQL and PerconaXtraDB
// catalogs (kubedb/installer 0c6e2459, charts/kubedb-catalog: prom/mysqld-exporter v0.18.0;
// MySQL's entries name KubeDB's fork of it, dbtls the upstream image as for the servers), with
// the metrics-exporter certificate where KubeDB mounted it for MariaDB (kubedb/mariadb
// pkg/controller/statefulset.go: /etc/mysql/certs/exporter).
const EXPORTER_IMAGE = 'prom/mysqld-exporter:v0.18.0';
const EXPORTER_VOLUME = 'tls-exporter-config';
const EXPORTER_CERT_DIR = `${CERT_DIR}/exporter`;
const EXPORTER_CNF = 'exporter.cnf';
const EXPORTER_CONFIG_MOUNT = shared({ name: 'config', mountPath: CONFIG_DIR, readOnly: true });
const EXPORTER_CERT_MOUNT = shared({
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
function addMysqlExporter(
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
