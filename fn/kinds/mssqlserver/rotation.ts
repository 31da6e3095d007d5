// Renewal of MSSQLServer's certificates in standalone mode: what the watcher sidecar checks.
import { ENDPOINT_DIR, TLS_DIR } from './plan.js';

/** What the watcher checks: the server and client pairs, and with an availability group the endpoint's. */
export function rotation(endpoint: boolean, client: boolean, replicas: number) {
  const pairs: (readonly [string, string])[] = [[`${TLS_DIR}/server.crt`, `${TLS_DIR}/server.key`]];
  if (client) pairs.push([`${TLS_DIR}/client.crt`, `${TLS_DIR}/client.key`]);
  if (endpoint) pairs.push([`${ENDPOINT_DIR}/tls.crt`, `${ENDPOINT_DIR}/tls.key`]);
  return {
    watched: endpoint ? [TLS_DIR, ENDPOINT_DIR] : [TLS_DIR],
    pairs,
    takeup: { restart: { process: 'sqlservr', replicas, what: 'SQL Server' } },
  };
}
