// Certificate renewal for VaultServer: the watcher's files, and SIGHUP to the server.
import { signalReload } from '../../render/rotation.js';
import type { IssuedCertificate } from '../kind.js';
import { CERT_DIR } from './config.js';

/** The watcher for the mounted certificates; the server process is `binary` (vault or bao). */
export function rotation(certificates: readonly IssuedCertificate[], binary: string) {
  const dirs = certificates.map((c) => `${CERT_DIR}/${c.alias}`);
  return {
    watched: dirs,
    pairs: dirs.map((d) => [`${d}/tls.crt`, `${d}/tls.key`] as const),
    takeup: {
      reload: signalReload(binary, 'HUP', 'the server, which reloads its listener certificates'),
    },
  };
}
