// Starts "pods" of the rendered Postgres StatefulSet as local processes: the kubelet stand-in lays
// out the volumes under a per-pod root, and the rendered start.sh runs as the pod's user with a
// stand-in for the image's docker-entrypoint.sh. Paths in the rendered files are remapped under
// the root; the pod's ids (999 in the official image) map to Debian's postgres account.
import { execFile, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import {
  type IdMap,
  type MountedFile,
  type MountOptions,
  mountVolumes,
  swapConfigMap,
  swapSecret,
} from './kubelet.js';
import { supervise } from './process.js';
import type { Rendered } from './render.js';

/** The newest PostgreSQL server installed from Debian's packages, or undefined. */
export function postgresBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin/postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(base, versions[0], 'bin') : undefined;
}

/** The local account a pod's numeric ids are mapped to. */
export function localAccount(name: string): { uid: number; gid: number } {
  return {
    uid: Number(execFileSync('id', ['-u', name]).toString().trim()),
    gid: Number(execFileSync('id', ['-g', name]).toString().trim()),
  };
}

/** The image's numeric ids (runAsUser/runAsGroup/fsGroup) → the local account's. */
export function idMapFor(podSpec: any, account: { uid: number; gid: number }): IdMap {
  const sc = podSpec.securityContext ?? {};
  const podIds = new Set([sc.runAsUser, sc.runAsGroup, sc.fsGroup].filter((i) => i !== undefined));
  return {
    uid: (i) => (i === sc.runAsUser ? account.uid : i),
    gid: (i) => (podIds.has(i) ? account.gid : i),
  };
}

const handedOut = new Set<number>();

/** A loopback port nothing listens on, never the same twice in this process (servers start concurrently). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const { port: p } = s.address() as { port: number };
        s.close(() => resolve(p));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/**
 * Rewrites the container paths in `text` to their place under `root`. Each mountPath is replaced
 * only where it starts a path (not inside an already remapped one).
 */
export function remapPaths(text: string, mountPaths: string[], root: string): string {
  const sorted = [...mountPaths]
    .sort((a, b) => b.length - a.length)
    .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const re = new RegExp(`(?<![\\w./-])(${sorted.join('|')})(?=[/'"\\s]|$)`, 'gm');
  return text.replace(re, (m) => join(root, m));
}

export interface PodOptions {
  rendered: Rendered;
  statefulSet?: string;
  ordinal: number;
  /** Secret name → issued directory. */
  secrets: Record<string, string>;
  /** Per-test directory; the pod's root is `<work>/<pod name>`. */
  work: string;
  /** Data directory initialised once (as the image's initdb would) and copied for each pod. */
  template: string;
  password: string;
  account: { uid: number; gid: number };
  /** The port the pod's server listens on; clients use it for the rendered port 5432. */
  port: number;
  /** Port of pod 0, which the rendered start.sh reaches as `host=<db> port=5432`. */
  primaryPort: number;
  /** Changes the laid-out files before the server starts (e.g. to break the key's mode). */
  beforeStart?: (files: MountedFile[]) => void;
  readyTimeoutMs?: number;
  /** ConfigMaps the cluster holds besides the rendered ones (what trust-manager writes). */
  configMaps?: Record<string, Record<string, string>>;
}

export interface Pod {
  name: string;
  root: string;
  port: number;
  socketDir: string;
  files: MountedFile[];
  log(): string;
  stop(): Promise<void>;
  /** The postmaster's PID, from postmaster.pid in the data directory. */
  postmasterPid(): number;
  /** The kubelet's update after `secretName` was renewed into `dir` (a new `..data` target). */
  swap(secretName: string, dir: string): void;
  /** The kubelet's update after ConfigMap `name` changed to `data` (a trust bundle). */
  swapConfigMap(name: string, data: Record<string, string>): void;
  /** Runs the rendered tls-reloader container of this pod with the watcher's period set. */
  startReloader(periodSeconds: number): Reloader;
}

export interface Reloader {
  log(): string;
  stop(): Promise<void>;
}

/** Starts one pod; rejects with the server's log when it exits before accepting connections. */
export async function startPod(o: PodOptions): Promise<Pod> {
  const sts = o.statefulSet
    ? o.rendered.statefulSets.find((s) => s.metadata.name === o.statefulSet)
    : o.rendered.statefulSets[0];
  const podSpec = sts.spec.template.spec;
  const container = podSpec.containers[0];
  const name = `${sts.metadata.name}-${o.ordinal}`;
  const root = join(o.work, name);
  const bin = postgresBin()!;
  const ids = idMapFor(podSpec, o.account);
  const mountPaths: string[] = (container.volumeMounts ?? []).map((m: any) => m.mountPath);
  mkdirSync(root, { recursive: true });
  chmodSync(root, 0o755);

  // The data volume (a PersistentVolumeClaim): writable by fsGroup, as the kubelet leaves it.
  const dataMount = container.volumeMounts.find((m: any) => m.name === 'data');
  const dataDir = join(root, dataMount.mountPath);
  mkdirSync(dataDir, { recursive: true });
  chownSync(dataDir, 0, ids.gid(podSpec.securityContext.fsGroup));
  chmodSync(dataDir, 0o2775);

  const mountOptions: MountOptions = {
    root,
    secrets: { ...o.secrets },
    configMaps: { ...o.rendered.configMaps, ...o.configMaps },
    ids,
    claims: (sts.spec.volumeClaimTemplates ?? []).map((c: any) => c.metadata.name),
    transform: (cm, key, content) => {
      if (!(cm in o.rendered.configMaps)) return content; // a bundle's PEM names no path
      const remapped = remapPaths(content, mountPaths, root);
      // start.sh reaches the primary Service on the rendered port; here pod 0 listens elsewhere.
      return key === 'start.sh'
        ? remapped.replace(/\bport=5432\b/g, `port=${o.primaryPort}`)
        : remapped;
    },
  };
  const files = mountVolumes(podSpec, mountOptions);
  // emptyDir volumes (the TLS trust bundle): empty, writable by fsGroup, as the kubelet makes them.
  for (const m of container.volumeMounts ?? []) {
    if (!(podSpec.volumes ?? []).some((v: any) => v.name === m.name && v.emptyDir)) continue;
    const dir = join(root, m.mountPath);
    mkdirSync(dir, { recursive: true });
    chownSync(dir, 0, ids.gid(podSpec.securityContext.fsGroup));
    chmodSync(dir, 0o2777);
  }
  o.beforeStart?.(files);

  // Stand-in for the image's docker-entrypoint.sh: a new data directory is a copy of one initdb
  // run (what the entrypoint's initdb would produce); then the server runs with the arguments
  // start.sh gives it, plus the test's listening address, port and socket directory.
  const shim = join(root, 'shim');
  const socketDir = join(root, 'run');
  mkdirSync(shim, { recursive: true });
  mkdirSync(socketDir, { recursive: true });
  chownSync(socketDir, o.account.uid, o.account.gid);
  writeFileSync(
    join(shim, 'docker-entrypoint.sh'),
    [
      '#!/bin/sh',
      'set -eu',
      'if [ ! -s "$PGDATA/PG_VERSION" ]; then cp -a "$DBTLS_TEMPLATE" "$PGDATA"; chmod 0700 "$PGDATA"; fi',
      `exec "$@" -c port=${o.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${socketDir}`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );

  const env: Record<string, string> = {
    PATH: `${shim}:${bin}:/usr/bin:/bin`,
    HOME: root,
    HOSTNAME: name,
    // Cluster DNS stand-in: every Service and pod name resolves to the loopback address.
    PGHOSTADDR: '127.0.0.1',
    PGCONNECT_TIMEOUT: '5',
    DBTLS_TEMPLATE: o.template,
  };
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = remapPaths(String(e.value), mountPaths, root);
    else if (e.valueFrom?.secretKeyRef?.key === 'password') env[e.name] = o.password;
  }
  const command: string[] = container.command.map((a: string) => remapPaths(a, mountPaths, root));
  const logFile = join(root, 'server.log');
  const fd = openSync(logFile, 'a');
  const sc = podSpec.securityContext;
  const proc = spawn(command[0], command.slice(1), {
    env,
    cwd: root,
    stdio: ['ignore', fd, fd],
    uid: ids.uid(sc.runAsUser),
    gid: ids.gid(sc.runAsGroup),
  });
  const { log, stop, waitUntilReady } = supervise(name, proc, logFile, 'SIGINT', 10_000); // SIGINT: fast shutdown
  await waitUntilReady(() => ready(bin, o.port), o.readyTimeoutMs ?? 30_000);
  const pgdataEnv = container.env.find((e: any) => e.name === 'PGDATA');
  const pgdata = remapPaths(String(pgdataEnv.value), mountPaths, root);
  const reloaders: Reloader[] = [];
  return {
    name,
    root,
    port: o.port,
    socketDir,
    files,
    log,
    stop: async () => {
      await Promise.all(reloaders.map((r) => r.stop()));
      await stop();
    },
    postmasterPid: () =>
      Number(readFileSync(join(pgdata, 'postmaster.pid'), 'utf8').split('\n')[0]),
    swap: (secretName, dir) => {
      mountOptions.secrets[secretName] = dir;
      swapSecret(podSpec, mountOptions, secretName);
    },
    swapConfigMap: (name, data) => {
      mountOptions.configMaps[name] = data;
      swapConfigMap(podSpec, mountOptions, name);
    },
    startReloader: (periodSeconds) => {
      const path = `${bin}:/usr/bin:/bin`;
      const r = startReloader(podSpec, root, { ...env, PATH: path }, ids, periodSeconds);
      reloaders.push(r);
      return r;
    },
  };
}

/**
 * The rendered tls-reloader container as a process of the pod: its command and environment with
 * the paths remapped, as the pod's user, beside the server (the pod shares its process namespace).
 */
export function startReloader(
  podSpec: any,
  root: string,
  baseEnv: Record<string, string>,
  ids: IdMap,
  periodSeconds: number,
): Reloader {
  const c = podSpec.containers.find((x: any) => x.name === 'tls-reloader');
  if (!c) throw new Error('the rendered pod has no tls-reloader container');
  const paths: string[] = (c.volumeMounts ?? []).map((m: any) => m.mountPath);
  const env: Record<string, string> = { ...baseEnv };
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = remapPaths(String(e.value), paths, root);
  }
  env.DBTLS_WATCH_PERIOD_SECONDS = String(periodSeconds);
  const command: string[] = c.command.map((a: string) => remapPaths(a, paths, root));
  const logFile = join(root, 'reloader.log');
  const fd = openSync(logFile, 'a');
  const sc = podSpec.securityContext;
  const proc = spawn(command[0], command.slice(1), {
    env,
    cwd: root,
    stdio: ['ignore', fd, fd],
    uid: ids.uid(sc.runAsUser),
    gid: ids.gid(sc.runAsGroup ?? sc.runAsUser),
  });
  const { log, stop } = supervise('tls-reloader', proc, logFile, 'SIGTERM', 5_000);
  return { log, stop };
}

function ready(bin: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(
      join(bin, 'pg_isready'),
      ['-q', '-h', '127.0.0.1', '-p', String(port), '-t', '1'],
      (err) => resolve(!err),
    );
  });
}

/** initdb once, as the image's entrypoint does (`--username=postgres --pwfile`), into `dir`. */
export function initTemplate(
  dir: string,
  password: string,
  account: { uid: number; gid: number },
): void {
  const bin = postgresBin()!;
  mkdirSync(dir, { recursive: true });
  chownSync(dir, account.uid, account.gid);
  chmodSync(dir, 0o700);
  const pwfile = join(dir, '..', 'initdb.pw');
  writeFileSync(pwfile, `${password}\n`);
  chownSync(pwfile, account.uid, account.gid);
  execFileSync(
    join(bin, 'initdb'),
    [
      '--pgdata',
      dir,
      '--username=postgres',
      `--pwfile=${pwfile}`,
      '--no-sync',
      '--encoding=UTF8',
      '--locale=C.UTF-8',
    ],
    {
      uid: account.uid,
      gid: account.gid,
      env: { PATH: '/usr/bin:/bin', HOME: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

export interface Attempt {
  ok: boolean;
  out: string;
  err: string;
}

/** One psql run (as `user`) with a connection string built from `conn`; -X, unaligned, tuples only. */
export function psql(
  conn: Record<string, string | number | undefined>,
  sql: string,
  o: { password?: string; account: { uid: number; gid: number }; home: string },
): Promise<Attempt> {
  const conninfo = Object.entries(conn)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}='${String(v).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`)
    .join(' ');
  const env: Record<string, string> = {
    PATH: '/usr/bin:/bin',
    HOME: o.home,
    PGCONNECT_TIMEOUT: '5',
  };
  if (o.password !== undefined) env.PGPASSWORD = o.password;
  return new Promise((resolve) => {
    execFile(
      join(postgresBin()!, 'psql'),
      ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql, conninfo],
      // In /, as a container starts: the clone may be in a private directory (0700) that the
      // account cannot enter, and psql changes back into its working directory.
      { env, cwd: '/', uid: o.account.uid, gid: o.account.gid, timeout: 20_000 },
      (err, stdout, stderr) => resolve({ ok: !err, out: stdout.trim(), err: stderr.trim() }),
    );
  });
}
