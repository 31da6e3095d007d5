// Pod 0 of the rendered PerconaXtraDB StatefulSet on MariaDB (Debian's mariadb-server-core), the
// stand-in for Percona XtraDB Cluster, which Debian does not package: the kubelet stand-in lays
// out the pod's volumes, and mariadbd runs with the [mysqld] options of the rendered option files
// (paths remapped under the pod's root), without the Galera/PXC-only ones.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestCA } from './ca-issuer.js';
import {
  type MountedFile,
  type MountOptions,
  mountVolumes,
  swapConfigMap,
  swapSecret,
} from './kubelet.js';
import {
  type MariaDB,
  mariadb,
  mariadbTemplate,
  optionName,
  parseIni,
  startMariadb,
} from './mariadb-server.js';
import { freePort, remapPaths } from './postgres-server.js';
import { supervise } from './process.js';
import { issueAll, type Rendered, renderItems } from './render.js';

/** Options of the rendered [mysqld] section that MariaDB does not share with PXC. */
const NOT_SHARED = (key: string) => /^(wsrep|pxc)/.test(optionName(key).replace(/-/g, '_'));
/** The test sets these itself (data directory, address, port, socket, pid file). */
const OWN = new Set(['datadir', 'port', 'bind-address', 'socket', 'pid-file', 'user']);

export interface PxcPod {
  r: Rendered;
  server: MariaDB;
  files: MountedFile[];
  kept: [string, string | undefined][];
  skipped: string[];
  root: string;
  /** mysqld's PID, from its pid file. */
  mysqldPid(): number;
  /** The kubelet's update after `secretName` was renewed into `dir` (a new `..data` target). */
  swap(secretName: string, dir: string): void;
  /** The kubelet's update after ConfigMap `name` changed to `data` (a trust bundle). */
  swapConfigMap(name: string, data: Record<string, string>): void;
  /** Runs the rendered tls-reloader container (port 3306 remapped), its period set. */
  startReloader(periodSeconds: number): { log(): string; stop(): Promise<void> };
}

export interface PxcPodOptions {
  items: unknown[];
  root: string;
  ca: TestCA;
  template: string;
  password: string;
  /** ConfigMaps the cluster holds besides the rendered ones (what trust-manager writes). */
  configMaps?: Record<string, Record<string, string>>;
}

/** Renders `items`, issues the certificates, mounts pod 0's volumes, starts MariaDB on [mysqld]. */
export async function startPxcPod(o: PxcPodOptions): Promise<PxcPod> {
  const r = renderItems(o.items);
  const sts = r.statefulSets[0];
  const podSpec = sts.spec.template.spec;
  const container = podSpec.containers[0];
  const mountPaths: string[] = (container.volumeMounts ?? []).map((m: any) => m.mountPath);
  const pod = join(o.root, `${sts.metadata.name}-0`);
  const port = await freePort();
  const mountOptions: MountOptions = {
    root: pod,
    secrets: issueAll(o.ca, r.certificates, join(o.root, 'secrets')),
    configMaps: { ...r.configMaps, ...o.configMaps },
    container: container.name,
    claims: (sts.spec.volumeClaimTemplates ?? []).map((c: any) => c.metadata.name),
    // The watcher reaches mysqld on the rendered port; here it listens elsewhere.
    transform: (cm, key, content) => {
      if (!(cm in r.configMaps)) return content; // a bundle's PEM names no path
      const remapped = remapPaths(content, mountPaths, pod);
      if (key !== 'tls-watch.sh') return remapped;
      return remapped.replace(/--port=3306\b/g, `--port=${port}`);
    },
  };
  const files = mountVolumes(podSpec, mountOptions);
  const sc = podSpec.securityContext ?? {};
  const gid = sc.runAsGroup ?? sc.runAsUser;
  writeTrustBundle(podSpec, container, pod, files);
  const asPodUser = [`--reuid=${sc.runAsUser}`, `--regid=${gid}`, `--groups=${sc.fsGroup}`, '--'];
  const startSh = files.find((f) => f.path.endsWith('/start.sh'));
  // The option files mysqld reads: start.sh's --defaults-extra-file and what it !includes.
  const extra =
    startSh && /--defaults-extra-file=(\S+)/.exec(readFileSync(startSh.path, 'utf8'))?.[1];
  if (!extra) throw new Error('the rendered start.sh passes mysqld no --defaults-extra-file');
  const mysqld = optionFiles(extra)
    .flatMap((text) => parseIni(text))
    .filter((sec) => sec.name === 'mysqld')
    .flatMap((sec) => sec.entries);
  const kept = mysqld.filter(([k]) => !NOT_SHARED(k) && !OWN.has(optionName(k)));
  const skipped = mysqld.filter(([k]) => NOT_SHARED(k)).map(([k]) => k);
  if (!existsSync(o.template)) mariadbTemplate(o.template, sc.runAsUser, gid);
  const server = await startMariadb({
    root: pod,
    options: kept,
    port,
    uid: sc.runAsUser,
    gid,
    groups: sc.fsGroup === undefined ? [] : [sc.fsGroup],
    template: o.template,
  });
  // Stand-in for the image's entrypoint: the root account reachable over the network with the
  // password from the auth secret.
  const made = await mariadb([
    '-S',
    server.socket,
    '-uroot',
    '-e',
    `create user 'root'@'%' identified by '${o.password}'; grant all on *.* to 'root'@'%' with grant option`,
  ]);
  if (!made.ok) throw new Error(made.err);
  const reloaders: { stop(): Promise<void> }[] = [];
  const stop = server.stop;
  server.stop = async () => {
    await Promise.all(reloaders.map((x) => x.stop()));
    await stop();
  };
  return {
    r,
    server,
    files,
    kept,
    skipped,
    root: pod,
    mysqldPid: () => Number(readFileSync(join(pod, 'run', 'mysqld.pid'), 'utf8').trim()),
    swap: (secretName, dir) => {
      mountOptions.secrets[secretName] = dir;
      swapSecret(podSpec, mountOptions, secretName);
    },
    swapConfigMap: (name, data) => {
      mountOptions.configMaps[name] = data;
      swapConfigMap(podSpec, mountOptions, name);
    },
    startReloader: (periodSeconds) => {
      const c = podSpec.containers.find((x: any) => x.name === 'tls-reloader');
      if (!c) throw new Error('the rendered pod has no tls-reloader container');
      const paths: string[] = (c.volumeMounts ?? []).map((m: any) => m.mountPath);
      const env: Record<string, string> = {
        PATH: '/usr/bin:/bin',
        HOME: pod,
        HOSTNAME: `${sts.metadata.name}-0`,
      };
      for (const e of c.env ?? []) {
        if (e.value !== undefined) env[e.name] = remapPaths(String(e.value), paths, pod);
        else if (e.valueFrom?.secretKeyRef?.key === 'password') env[e.name] = o.password;
      }
      env.DBTLS_WATCH_PERIOD_SECONDS = String(periodSeconds);
      const command: string[] = c.command.map((a: string) => remapPaths(a, paths, pod));
      const logFile = join(pod, 'reloader.log');
      const fd = openSync(logFile, 'a');
      const proc = spawn('setpriv', [...asPodUser, ...command], {
        env,
        cwd: pod,
        stdio: ['ignore', fd, fd],
      });
      const sup = supervise('tls-reloader', proc, logFile, 'SIGTERM', 5_000);
      reloaders.push(sup);
      return sup;
    },
  };
}

/** An option file and, depth first, the files it !includes. */
function optionFiles(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const included = [...text.matchAll(/^!include\s+(\S+)\s*$/gm)].flatMap((m) => optionFiles(m[1]));
  return [text, ...included];
}

/**
 * The pod's emptyDir volumes (the CA bundle's), and what the rendered start.sh does before the
 * server starts: `tls-watch.sh bundle` as the pod's user writes the bundle.
 */
export function writeTrustBundle(
  podSpec: any,
  container: any,
  pod: string,
  files: MountedFile[],
): void {
  const sc = podSpec.securityContext ?? {};
  const gid = sc.runAsGroup ?? sc.runAsUser;
  for (const m of container.volumeMounts ?? []) {
    if (!(podSpec.volumes ?? []).some((v: any) => v.name === m.name && v.emptyDir)) continue;
    const dir = join(pod, m.mountPath);
    mkdirSync(dir, { recursive: true });
    chownSync(dir, 0, sc.fsGroup);
    chmodSync(dir, 0o2777);
  }
  const watcher = files.find((f) => f.path.endsWith('/tls-watch.sh'));
  const startSh = files.find((f) => f.path.endsWith('/start.sh'));
  const asPodUser = [`--reuid=${sc.runAsUser}`, `--regid=${gid}`, `--groups=${sc.fsGroup}`, '--'];
  if (
    watcher &&
    startSh &&
    readFileSync(startSh.path, 'utf8').includes(`sh ${watcher.path} bundle`)
  )
    execFileSync('setpriv', [...asPodUser, '/bin/sh', watcher.path, 'bundle']);
}
