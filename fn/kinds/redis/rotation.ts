// Certificate renewal for Redis: the watcher's files and how redis-server takes up new ones, and
// the TLS arguments redis-cli connects with (the reloader and the cluster bootstrap use them).
import type { Rotation } from '../../render/rotation.js';
import type { IssuedCertificate } from '../kind.js';
import { CERT_DIR, PORT, TRUST_FILE } from './config.js';

/**
 * Renewal: CONFIG SET of a TLS file, even to the path it already has, makes redis-server build a
 * new TLS context from every TLS file (tls-cert-file, tls-key-file and tls-ca-cert-file are
 * VOLATILE_CONFIG, redis/redis src/config.c, Redis 6 and from 7.0.1; 7.0.0 skipped an unchanged
 * value), keeping the old one if that fails ("atomic", src/tls.c). For new connections, replicas
 * included; open connections keep theirs. redis-cli connects with the certificate of `as`.
 */
export function rotation(certificates: readonly IssuedCertificate[], as: string): Rotation {
  const dirs = certificates
    .filter((c) => c.alias !== 'metrics-exporter')
    .map((c) => `${CERT_DIR}/${c.alias}`);
  const cli = `redis-cli ${cliTLS(as)} -h 127.0.0.1 -p ${PORT}`;
  return {
    watched: dirs,
    pairs: dirs.map((d) => [`${d}/tls.crt`, `${d}/tls.key`] as const),
    trust: { file: TRUST_FILE, from: dirs.map((d) => `${d}/ca.crt`) },
    takeup: {
      reload: [
        ...LOOPBACK_WITHOUT_VERIFICATION,
        `for f in tls-cert-file:${CERT_DIR}/server/tls.crt tls-key-file:${CERT_DIR}/server/tls.key ` +
          `tls-ca-cert-file:${TRUST_FILE}; do`,
        `  out="$(${cli} $insecure CONFIG SET "\${f%%:*}" "\${f#*:}" 2>&1)"`,
        '  [ "$out" = OK ] || { log "CONFIG SET ${f%%:*}: $out"; return 1; }',
        'done',
        'log "redis-server reloads its TLS files (CONFIG SET tls-cert-file, tls-key-file, ' +
          'tls-ca-cert-file)"',
      ],
    },
  };
}

/**
 * The reload connects to this pod's own redis-server over loopback, and must reach a server whose
 * certificate the trust file may no longer hold: after a CA rollover removed the old CA from the
 * trust bundle, the server serves its old certificate until this very reload replaces it (the
 * MySQL family's watcher failed so: test/servers/mariadb-client-ca-rollover.test.ts). redis-cli
 * skips verifying it with --insecure (Redis 6.2 and later); an older redis-cli verifies as before.
 */
const LOOPBACK_WITHOUT_VERIFICATION = [
  'insecure=""',
  'redis-cli --help 2>&1 | grep -q -e --insecure && insecure=--insecure',
];

/** redis-cli's TLS arguments with the certificate of alias `as`, trusting the CA bundle. */
export function cliTLS(as: string): string {
  const dir = `${CERT_DIR}/${as}`;
  return `--tls --cacert ${TRUST_FILE} --cert ${dir}/tls.crt --key ${dir}/tls.key`;
}
