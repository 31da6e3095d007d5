// Certificate renewal for Singlestore: the watcher's files, and SSL_RELOAD over SQL.
import { CERT_DIR, PORT } from './config.js';

/**
 * Renewal: SSL_RELOAD makes the node re-read ssl_ca, ssl_cert and ssl_key and keeps its current
 * TLS contexts if the new files fail; it needs a SUPER user's SQL connection, made here with the
 * MySQL-protocol client of the node image (singlestore, memsql or mysql, whichever it has).
 */
export function rotation(client: boolean) {
  const pairs: (readonly [string, string])[] = [
    [`${CERT_DIR}/server.crt`, `${CERT_DIR}/server.key`],
  ];
  if (client) pairs.push([`${CERT_DIR}/client.crt`, `${CERT_DIR}/client.key`]);
  return {
    watched: [CERT_DIR],
    pairs,
    takeup: {
      reload: [
        'client="$(command -v singlestore || command -v memsql || command -v mysql)" ||',
        '  { log "no SQL client in the image"; return 1; }',
        'MYSQL_PWD="$ROOT_PASSWORD" "$client" --protocol=TCP --host=127.0.0.1 \\',
        `  --port=${PORT} --user=root -e SSL_RELOAD || return 1`,
        'log "SingleStore reloads its TLS files (SSL_RELOAD)"',
      ],
    },
  };
}
