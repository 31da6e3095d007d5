// The metrics exporter of a Redis in standalone mode: redis_exporter as a sidecar, over TLS with
// the metrics-exporter certificate when one is issued.
import { type Obj, shared } from '../../io/objects.js';
import {
  type ExporterParts,
  exporterContainer,
  type Monitor,
  STATS_PATH,
} from '../../render/monitor.js';
import { secretVolume } from '../../render/workload.js';
import type { IssuedCertificate, KindContext } from '../kind.js';
import { CERT_DIR, KEY_MODE, PORT, REDIS_UID } from './config.js';
import type { RedisPlan } from './plan.js';

/** The exporter sidecar, with its certificate's volume when one is issued. */
export function addExporter(
  ctx: KindContext,
  monitor: Monitor,
  plan: RedisPlan,
  certificates: readonly IssuedCertificate[],
  pod: { volumes: Obj[]; containers: Obj[] },
): void {
  const exporterCert = certificates.find((c) => c.alias === 'metrics-exporter');
  if (exporterCert)
    pod.volumes.push(
      secretVolume(EXPORTER_VOLUME, exporterCert.secretName, EXPORTER_FILES, KEY_MODE),
    );
  pod.containers.push(
    exporterContainer(monitor, exporter(plan, monitor, exporterCert !== undefined), ctx.report),
  );
}

// The exporter: redis_exporter, as KubeDB's Redis operator runs it (an older public version of
// its statefulset code, the newest readable: --redis.addr=rediss://localhost:6379 and the
// metrics-exporter certificate at /certs as ca.crt, exporter.crt, exporter.key). KubeDB's catalog names its own
// build (ghcr.io/kubedb/redis_exporter:1.66.0); dbtls runs the upstream image of that version,
// as it runs the upstream servers. The password, where auth is on, from REDIS_PASSWORD.
const EXPORTER_IMAGE = 'oliver006/redis_exporter:v1.66.0';
const EXPORTER_VOLUME = 'exporter-tls-volume';
const EXPORTER_FILES = shared([
  { key: 'ca.crt', path: 'ca.crt' },
  { key: 'tls.crt', path: 'exporter.crt' },
  { key: 'tls.key', path: 'exporter.key' },
]);
const EXPORTER_MOUNTS = shared([{ name: EXPORTER_VOLUME, mountPath: CERT_DIR, readOnly: true }]);
const EXPORTER_TLS_ARGS = [
  `--redis.addr=rediss://localhost:${PORT}`,
  `--tls-client-cert-file=${CERT_DIR}/exporter.crt`,
  `--tls-client-key-file=${CERT_DIR}/exporter.key`,
  `--tls-ca-cert-file=${CERT_DIR}/ca.crt`,
];

function exporter(plan: RedisPlan, monitor: Monitor, tls: boolean): ExporterParts {
  return {
    image: EXPORTER_IMAGE,
    args: [
      `--web.listen-address=:${monitor.port}`,
      `--web.telemetry-path=${STATS_PATH}`,
      ...(tls ? EXPORTER_TLS_ARGS : []),
    ],
    env: plan.disableAuth
      ? []
      : [
          {
            name: 'REDIS_PASSWORD',
            valueFrom: { secretKeyRef: { name: plan.authSecret, key: 'password' } },
          },
        ],
    volumeMounts: tls ? EXPORTER_MOUNTS : undefined,
    uid: REDIS_UID,
    gid: REDIS_UID,
  };
}
