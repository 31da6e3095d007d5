// Renewal of Postgres's certificates in standalone mode: what the watcher sidecar watches, the
// trust bundle it assembles, and how PostgreSQL takes up new files.
import type { IssuedCertificate } from '../kind.js';
import { CERT_DIR, TRUST_FILE } from './config.js';

/**
 * Renewal of the server and client certificates: PostgreSQL re-reads ssl_cert_file, ssl_key_file
 * and ssl_ca_file on a configuration reload and keeps its current TLS context if they fail to
 * load; libpq (standbys' walreceiver, pg_basebackup) reads the client files at every connection.
 */
export function rotation(certs: readonly IssuedCertificate[]) {
  const dirs = certs.map((c) => `${CERT_DIR}/${c.alias}`);
  return {
    watched: dirs,
    pairs: certs.map(
      (c) =>
        [`${CERT_DIR}/${c.alias}/${c.alias}.crt`, `${CERT_DIR}/${c.alias}/${c.alias}.key`] as const,
    ),
    trust: { file: TRUST_FILE, from: dirs.map((d) => `${d}/ca.crt`) },
    takeup: {
      reload: [
        'pg_ctl reload --silent -D "$PGDATA" &&',
        '  log "PostgreSQL reloads its TLS files (SIGHUP)"',
      ],
    },
  };
}
