// An application's pod (a workload wired with `dbtls.dev/connect-to`) as the connect tests run it:
// the rendered Deployment's volumes laid out by the kubelet stand-in under a temporary root, its
// container's rendered environment with the container paths remapped there, and the database
// clients run as the pod's user with that environment only. Renewed secrets and updated
// ConfigMaps (a trust bundle) arrive as the kubelet delivers them (swapSecret, swapConfigMap).
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MountOptions, mountVolumes, swapConfigMap, swapSecret } from './kubelet.js';
import { postgresBin, remapPaths } from './postgres-server.js';
import type { Rendered } from './render.js';

export interface AppPod {
  root: string;
  podSpec: any;
  /** The container's rendered environment (literal values), container paths remapped. */
  env: Record<string, string>;
  uid: number;
  gid: number;
  /** Supplementary groups of the container's processes (fsGroup). */
  groups: number[];
  /** The kubelet's update after `name` was renewed into `dir`. */
  swapSecret(name: string, dir: string): void;
  /** The kubelet's update after ConfigMap `name` changed to `data`. */
  swapConfigMap(name: string, data: Record<string, string>): void;
}

export interface AppOptions {
  root: string;
  /** Secret name → issued directory. */
  secrets: Record<string, string>;
  /** ConfigMaps the cluster holds besides the rendered ones (what trust-manager writes). */
  configMaps?: Record<string, Record<string, string>>;
  deployment?: string;
  container?: string;
}

export interface Attempt {
  ok: boolean;
  out: string;
  err: string;
}

/** Lays out the application pod's volumes and reads its container's environment. */
export function mountApp(r: Rendered, o: AppOptions): AppPod {
  const deployment = r.items.find(
    (i) =>
      i.kind === 'Deployment' && (o.deployment === undefined || i.metadata.name === o.deployment),
  );
  if (!deployment) throw new Error(`no Deployment ${o.deployment ?? ''} was rendered`);
  const podSpec = deployment.spec.template.spec;
  const container = o.container
    ? podSpec.containers.find((c: any) => c.name === o.container)
    : podSpec.containers[0];
  const mountPaths: string[] = (container.volumeMounts ?? []).map((m: any) => m.mountPath);
  mkdirSync(o.root, { recursive: true });
  const options: MountOptions = {
    root: o.root,
    secrets: { ...o.secrets },
    configMaps: { ...r.configMaps, ...o.configMaps },
    container: container.name,
    // Only the rendered files name container paths; a bundle's PEM is left as it is.
    transform: (cm, _key, content) =>
      cm in r.configMaps ? remapPaths(content, mountPaths, o.root) : content,
  };
  mountVolumes(podSpec, options);
  const env: Record<string, string> = {};
  for (const e of container.env ?? [])
    if (e.value !== undefined) env[e.name] = remapPaths(String(e.value), mountPaths, o.root);
  const sc = podSpec.securityContext ?? {};
  return {
    root: o.root,
    podSpec,
    env,
    uid: sc.runAsUser,
    gid: sc.runAsGroup ?? sc.runAsUser,
    groups: sc.fsGroup === undefined ? [] : [sc.fsGroup],
    swapSecret: (name, dir) => {
      options.secrets[name] = dir;
      swapSecret(podSpec, options, name);
    },
    swapConfigMap: (name, data) => {
      options.configMaps[name] = data;
      swapConfigMap(podSpec, options, name);
    },
  };
}

/**
 * psql as the application: the rendered environment, then `extra` (the test's adaptations: the
 * server's address and port, a password). Runs in /, as a container starts.
 */
export function appPsql(app: AppPod, sql: string, extra: Record<string, string>): Promise<Attempt> {
  const env = {
    PATH: '/usr/bin:/bin',
    HOME: app.root,
    PGCONNECT_TIMEOUT: '5',
    ...app.env,
    ...extra,
  };
  return new Promise((resolve) => {
    execFile(
      join(postgresBin()!, 'psql'),
      ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql],
      { env, cwd: '/', uid: app.uid, gid: app.gid, timeout: 20_000 },
      (err, stdout, stderr) => resolve({ ok: !err, out: stdout.trim(), err: stderr.trim() }),
    );
  });
}

/**
 * The mariadb client as the application, with its rendered environment only (MYSQL_HOME → the
 * rendered option file) and `--port`; cluster DNS stood in for by a private /etc/hosts naming
 * `host` 127.0.0.1 in the client's own mount namespace, so the server certificate is verified
 * against the name the option file gives.
 */
export function appMariadb(app: AppPod, host: string, port: number, sql: string): Promise<Attempt> {
  const hosts = join(app.root, 'hosts');
  writeFileSync(hosts, `127.0.0.1 localhost\n127.0.0.1 ${host}\n`);
  const script = 'mount --bind "$1" /etc/hosts && shift && exec setpriv "$@"';
  const groups = app.groups.length > 0 ? `--groups=${app.groups.join(',')}` : '--clear-groups';
  const args = ['--mount', 'sh', '-c', script, 'sh', hosts];
  args.push(`--reuid=${app.uid}`, `--regid=${app.gid}`, groups, '--');
  args.push('mariadb', `--port=${port}`, '--batch', '--skip-column-names', '--connect-timeout=5');
  return new Promise((resolve) => {
    execFile(
      'unshare',
      [...args, '-e', sql],
      { env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent', ...app.env }, timeout: 20_000 },
      (err, stdout, stderr) => resolve({ ok: !err, out: stdout.trim(), err: stderr.trim() }),
    );
  });
}
