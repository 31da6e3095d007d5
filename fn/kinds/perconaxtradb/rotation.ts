// Renewal of PerconaXtraDB's certificates in standalone mode: the MySQL family's reload, with
// Galera.

import type { IssuedCertificate } from '../kind.js';
import { mysqlRotation } from '../mysql-family/rotation.js';
import { TRUST_FILE } from '../mysql-family/config.js';

/** Renewal: the MySQL family's SQL reload, with Galera, and the trust bundle. */
export function rotation(certs: readonly IssuedCertificate[]) {
  const o = { passwordEnv: 'MYSQL_ROOT_PASSWORD', galera: true, trustFile: TRUST_FILE };
  return mysqlRotation(certs, o);
}
