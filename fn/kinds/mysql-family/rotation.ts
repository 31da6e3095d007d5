// Renewal in the MySQL family's standalone workloads: the SQL that makes mysqld (and Galera) reload
// its TLS files, and the reloader sidecar that runs it.
import { type ServerTrustBundle, withTrustBundle } from '../../render/trust-bundle.js';
import type { Obj } from '../../io/objects.js';
import {
  type Rotation,
  reloaderContainer,
  WATCHER_FILE,
  watcherScript,
} from '../../render/rotation.js';
import { USER_CONFIG_VOLUME } from '../../render/user-config.js';
import { CERT_DIR, CONFIG_DIR, MYSQL_PORT, TRUST_FILE } from './config.js';
import type { IssuedCertificate } from '../kind.js';
import { shellWord } from '../../text/shell.js';

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
  const client = certs.some((c) => c.alias === 'client') ? `${CERT_DIR}/client` : undefined;
  const identity = client
    ? ` --ssl-cert=${shellWord(`${client}/tls.crt`)} --ssl-key=${shellWord(`${client}/tls.key`)}`
    : '';
  const sql =
    `MYSQL_PWD="$${o.passwordEnv}" "$client" --no-defaults $tls${identity}` +
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
        ...LOOPBACK_WITHOUT_VERIFICATION,
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
 * The reload is a connection to this pod's own mysqld over loopback, and must reach a server whose
 * certificate the trust file may no longer hold: after a CA rollover removed the old CA from the
 * trust bundle, the server still serves its old certificate until this very reload replaces it
 * (found by test/servers/mariadb-client-ca-rollover.test.ts: the reload failed with "unable to get
 * local issuer certificate" and only a restart ended it). So this one connection reads no option
 * file (the [client] section's ssl-ca is the trust file, which MariaDB's client verifies the chain
 * against whenever it is set) and is TLS without verifying the server (mysqld requires a secure
 * transport), with the pod's client certificate, in each client's own words: MariaDB's `--ssl
 * --skip-ssl-verify-server-cert` (its 11.4+ client verifies by default), MySQL's and Percona's
 * `--ssl-mode=REQUIRED` (their 8.0 client has no --ssl).
 */
const LOOPBACK_WITHOUT_VERIFICATION = [
  'case "$("$client" --version 2>/dev/null)" in',
  '  *MariaDB*) tls="--ssl --skip-ssl-verify-server-cert" ;;',
  '  *) tls=--ssl-mode=REQUIRED ;;',
  'esac',
];

/**
 * The standalone workload's renewal: tls-watch.sh for the kind's ConfigMap and the tls-reloader
 * container (the server's image, for its shell and SQL client; every mount but the data).
 */
export function mysqlReloader(
  certificates: readonly IssuedCertificate[],
  o: {
    image: string;
    password: Obj;
    galera: boolean;
    mounts: readonly Obj[];
    bundle?: ServerTrustBundle;
  },
): { script: string; container: Obj } | undefined {
  const certs = ['server', 'client']
    .map((a) => certificates.find((c) => c.alias === a))
    .filter((c): c is IssuedCertificate => c !== undefined);
  if (!certs.some((c) => c.alias === 'server')) return undefined;
  // With a trust bundle the trust file is built from it alone (render/trust-bundle.ts).
  const rotation = withTrustBundle(
    mysqlRotation(certs, {
      passwordEnv: String(o.password.name),
      galera: o.galera,
      trustFile: TRUST_FILE,
    }),
    o.bundle,
  );
  const container = reloaderContainer({
    image: o.image,
    script: `${CONFIG_DIR}/${WATCHER_FILE}`,
    env: [o.password],
    // The reloader reads neither the data nor the user's configuration.
    mounts: o.mounts.filter((m) => m.name !== 'data' && m.name !== USER_CONFIG_VOLUME),
  });
  return { script: watcherScript(rotation), container };
}
