// What a container of the pod template may do to the server's files: its data directory, its
// configuration, its certificates. A user's init container runs code of the user's choosing in the
// server's pod; were it able to write where the server reads its settings (postgresql.auto.conf in
// the data directory, an emptyDir the start script fills) it could turn TLS off under a policy
// that requires it. So:
// - a user's init container mounts a volume dbtls renders only read-only, and no volume of the
//   template claims the server's own data volume under another name (configMap, secret,
//   downwardAPI and projected volumes the kubelet mounts read-only whatever the mount says; the
//   data volume and emptyDirs are refused unless the mount has readOnly: true);
// - it runs before the server, not beside it: a sidecar (restartPolicy: Always) in a pod that
//   shares its process namespace could reach the server's files through /proc;
// - a mount the template adds to dbtls's own containers is not laid inside one of dbtls's
//   (over the server's configuration or certificates);
// - no variable of the template changes which code dbtls's containers run or how their TLS
//   library works (the loader's, the shell's, OpenSSL's, Go's).
// KubeDB users' init containers (waiting for a service, fetching a file into a volume of their
// own, reading the data directory) keep working; what could rewrite the server's settings is
// refused, naming the container, the volume and why.
import { posix } from 'node:path';
import { isObj, type Obj, shared } from '../../io/objects.js';
import type { Apply } from './fields.js';
import type { FieldPath } from '../../util/field-path.js';

/** The secure defaults every container dbtls renders has, a user's init container too. */
export const RESTRICTED_DEFAULT = shared({
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
});

/** Volume types the kubelet always mounts read-only (atomically written from API objects). */
const READ_ONLY_TYPES = ['configMap', 'secret', 'downwardAPI', 'projected', 'image'];

/**
 * Variables of the dynamic loader, the shell, OpenSSL, Go and libpq (a `*` ends a prefix): which
 * code a container runs, and how its TLS library works.
 */
export const RUNTIME_VARIABLES: readonly string[] = [
  'LD_*',
  'PATH',
  'BASH_ENV',
  'ENV',
  'OPENSSL_*',
  'SSL_CERT_*',
  'GODEBUG',
  'PGSSL*',
  'PGGSS*',
];
const isRuntimeVariable = (name: string) =>
  RUNTIME_VARIABLES.some((v) => (v.endsWith('*') ? name.startsWith(v.slice(0, -1)) : name === v));

/** False after an error when `name` is a variable dbtls's containers must not take. */
export function checkOwnEnv(own: Obj, name: string, at: FieldPath, a: Apply): boolean {
  if (!isRuntimeVariable(name)) return true;
  a.report.error(
    at,
    `variable ${name} for container ${JSON.stringify(own.name)} is refused: it changes which ` +
      'code the container runs or how its TLS library works (the dynamic loader, the shell, ' +
      "OpenSSL, Go or libpq read it), and dbtls's containers run the server with dbtls's TLS " +
      'settings only',
  );
  return false;
}

/** False after an error when the template's mount `m` would lie on or inside one of dbtls's. */
export function checkOwnMount(
  own: Obj,
  ownMounts: readonly Obj[],
  m: Obj,
  at: FieldPath,
  a: Apply,
): boolean {
  // normalize leaves at most one trailing slash: /\/$/ is exact, and linear where /\/+$/ was not.
  const path = posix.normalize(String(m.mountPath)).replace(/\/$/, '') || '/';
  for (const o of ownMounts) {
    const theirs = posix.normalize(String(o.mountPath)).replace(/\/$/, '') || '/';
    if (path === theirs) {
      a.report.error(
        at.child('mountPath'),
        `${String(m.mountPath)} is where dbtls mounts a volume of its own; choose another path`,
      );
      return false;
    }
    if (path.startsWith(theirs === '/' ? '/' : `${theirs}/`)) {
      a.report.error(
        at.child('mountPath'),
        `${String(m.mountPath)} is inside ${theirs}, where dbtls mounts volume ` +
          `${JSON.stringify(o.name)} in container ${JSON.stringify(own.name)}: a mount there ` +
          "would lay other files over the server's (its data, configuration or certificates); " +
          'choose a path outside it',
      );
      return false;
    }
  }
  return true;
}

/**
 * False after an error when the template's volume claims one of the StatefulSet's own
 * persistent volume claims (`<claim>-<statefulset>-<ordinal>`): the server's data directory,
 * writable under another name.
 */
export function checkClaim(volume: Obj, at: FieldPath, a: Apply): boolean {
  const claimName = isObj(volume.persistentVolumeClaim)
    ? volume.persistentVolumeClaim.claimName
    : undefined;
  if (typeof claimName !== 'string') return true;
  const own = a.claims.find(
    (c) =>
      claimName.startsWith(`${c}-${a.workload}-`) &&
      /^\d+$/.test(claimName.slice(c.length + a.workload.length + 2)),
  );
  if (own === undefined) return true;
  a.report.error(
    at.child('persistentVolumeClaim', 'claimName'),
    `${JSON.stringify(claimName)} is a claim of StatefulSet ${a.workload}'s own volume ` +
      `${JSON.stringify(own)} (the server's data directory): mount volume ${JSON.stringify(own)} ` +
      'read-only instead',
  );
  return false;
}

/** The rules above for the user's init containers of the rendered pod. */
export function checkUserContainers(podSpec: Obj, a: Apply): void {
  const containers = Array.isArray(podSpec.initContainers) ? podSpec.initContainers : [];
  for (const c of containers as Obj[]) {
    const at = a.userContainers.get(c.name as string);
    if (at === undefined) continue;
    const name = JSON.stringify(c.name);
    if (c.restartPolicy === 'Always' && podSpec.shareProcessNamespace === true)
      a.report.error(
        at.child('restartPolicy'),
        `init container ${name} is a sidecar (restartPolicy: Always): it would run beside the ` +
          "server in the pod's shared process namespace, where it can reach the server's files " +
          "through /proc; dbtls's server pods take init containers that finish before the server starts",
      );
    const mounts = Array.isArray(c.volumeMounts) ? c.volumeMounts : [];
    mounts.forEach((m, i) => {
      if (!isObj(m) || m.readOnly === true || !a.own.has(m.name as string)) return;
      const holds = writableVolume(podSpec, m.name as string, a);
      if (holds === undefined) return;
      a.report.error(
        at.child('volumeMounts').index(i),
        `init container ${name} mounts volume ${JSON.stringify(m.name)} writable: it holds ` +
          `${holds}, so a container of the pod template could rewrite the server's settings, ` +
          'TLS among them; mount it with readOnly: true',
      );
    });
  }
}

/** What a volume of dbtls's holds, when a mount of it can write there. */
function writableVolume(podSpec: Obj, name: string, a: Apply): string | undefined {
  if (a.claims.includes(name))
    return "the server's data directory, where the server also reads settings of its own (postgresql.auto.conf, mysqld-auto.cnf)";
  const volumes = Array.isArray(podSpec.volumes) ? (podSpec.volumes as Obj[]) : [];
  const volume = volumes.find((v) => isObj(v) && v.name === name);
  if (!volume || READ_ONLY_TYPES.some((t) => isObj(volume[t]))) return undefined;
  return "files dbtls's containers share with the server (its start-up, configuration or certificates)";
}
