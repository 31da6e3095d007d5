// Test-only stand-in for the kubelet: lays out one pod's secret and ConfigMap volumes, from the
// rendered StatefulSet's pod template, under a temporary root — the files an item names, at the
// container's mountPath, in the kubelet's atomic-writer layout (`..data` → timestamped directory,
// one symlink per file), with the kubelet's ownership and modes: owner root, group fsGroup, file
// mode = item mode or defaultMode (default 0644), OR-ed with 0440 when fsGroup is set (secret and
// ConfigMap volumes are read-only, so the kubelet's fsGroup pass adds r--r----- and sets setgid
// on directories; pkg/volume/volume_linux.go changeFilePermission).
import {
  chmodSync,
  chownSync,
  lchownSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

export interface IdMap {
  uid(id: number): number;
  gid(id: number): number;
}
/** Maps the pod's numeric ids onto local accounts (e.g. the image's 999 → Debian's postgres). */
export const identity: IdMap = { uid: (i) => i, gid: (i) => i };

export interface MountOptions {
  /** Temporary root standing for the container's filesystem. */
  root: string;
  /** Secret name → directory holding one file per data key (what the CA issuer writes). */
  secrets: Record<string, string>;
  /** ConfigMap name → data (from the rendered ConfigMap). */
  configMaps: Record<string, Record<string, string>>;
  /** Container name; defaults to the first container. */
  container?: string;
  ids?: IdMap;
  /** Names of the StatefulSet's volumeClaimTemplates (persistent volumes the caller provides). */
  claims?: string[];
  /** Rewrites a ConfigMap file's content before it is written (the test's path remapping). */
  transform?: (configMap: string, key: string, content: string) => string;
}

export interface MountedFile {
  volume: string;
  path: string;
  mode: number;
  uid: number;
  gid: number;
}

export interface PodSpecLike {
  securityContext?: { fsGroup?: number; runAsUser?: number; runAsGroup?: number };
  containers: {
    name: string;
    volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  }[];
  volumes?: any[];
}

const TIMESTAMP_DIR = '..2026_01_01_00_00_00.000000001';

/** Lays out the secret, ConfigMap and projected volumes the container mounts; every file written. */
export function mountVolumes(podSpec: PodSpecLike, opts: MountOptions): MountedFile[] {
  const out: MountedFile[] = [];
  for (const { mount, volume } of mountedVolumes(podSpec, opts)) {
    const files = volumeFiles(volume, opts);
    const target = join(opts.root, mount.mountPath);
    if (volume.emptyDir?.medium === 'Memory') {
      // dbtls's in-memory emptyDirs (the CA bundle), as the kubelet makes them with an fsGroup:
      // empty, group fsGroup, setgid, writable. A data emptyDir stays the caller's.
      emptyDir(target, podSpec.securityContext?.fsGroup);
      continue;
    }
    if (files === undefined) continue; // persistent data volumes are the caller's
    out.push(...writeVolume(target, mount.name, TIMESTAMP_DIR, files, podSpec, opts));
  }
  return out;
}

let swaps = 0;

/**
 * The kubelet's update of a mounted volume after its Secret changed (pkg/volume/util/
 * atomic_writer.go): the new payload goes to a new timestamped directory, a `..data_tmp` link to
 * it is renamed over `..data` (the one atomic step), and the old directory is removed. Every
 * volume of the container that projects `secretName` is updated from `opts.secrets`, which the
 * caller has pointed at the renewed secret. Returns the mount paths updated.
 */
export function swapSecret(podSpec: PodSpecLike, opts: MountOptions, secretName: string): string[] {
  return swapVolumes(podSpec, opts, 'secret', secretName);
}

/**
 * The same update after a ConfigMap changed (what trust-manager's write of a bundle's target
 * ConfigMap becomes in a pod: the kubelet's atomic writer serves ConfigMap volumes as it serves
 * Secret ones). The caller has put the new data in `opts.configMaps`.
 */
export function swapConfigMap(podSpec: PodSpecLike, opts: MountOptions, name: string): string[] {
  return swapVolumes(podSpec, opts, 'configMap', name);
}

function swapVolumes(
  podSpec: PodSpecLike,
  opts: MountOptions,
  kind: 'secret' | 'configMap',
  name: string,
): string[] {
  const updated: string[] = [];
  for (const { mount, volume } of mountedVolumes(podSpec, opts)) {
    if (!sourceNames(volume, kind).includes(name)) continue;
    const files = volumeFiles(volume, opts)!;
    const target = join(opts.root, mount.mountPath);
    const old = readlinkSync(join(target, '..data'));
    const stamp = `..2026_01_01_00_00_${String(++swaps).padStart(2, '0')}.000000001`;
    writeVolume(target, mount.name, stamp, files, podSpec, opts, true);
    rmSync(join(target, old), { recursive: true, force: true });
    updated.push(mount.mountPath);
  }
  if (updated.length === 0) throw new Error(`the container mounts no volume of ${kind} ${name}`);
  return updated;
}

function mountedVolumes(podSpec: PodSpecLike, opts: MountOptions) {
  const container = opts.container
    ? podSpec.containers.find((c) => c.name === opts.container)
    : podSpec.containers[0];
  if (!container) throw new Error(`no container ${opts.container}`);
  const out: { mount: { name: string; mountPath: string }; volume: any }[] = [];
  for (const mount of container.volumeMounts ?? []) {
    const volume = (podSpec.volumes ?? []).find((v) => v.name === mount.name);
    if (!volume) {
      if (opts.claims?.includes(mount.name)) continue; // a volumeClaimTemplate: the caller's
      throw new Error(`volumeMount ${mount.name} has no volume`);
    }
    out.push({ mount, volume });
  }
  return out;
}

/** The names of the Secrets (or ConfigMaps) whose keys a volume holds. */
function sourceNames(volume: any, kind: 'secret' | 'configMap'): string[] {
  if (kind === 'secret' && volume.secret) return [volume.secret.secretName];
  if (kind === 'configMap' && volume.configMap) return [volume.configMap.name];
  const sources: any[] = volume.projected?.sources ?? [];
  return sources.filter((s) => s[kind]).map((s) => s[kind].name);
}

type VolumeFile = { path: string; content: Buffer; mode: number };

/** The files of a secret, ConfigMap or projected volume; undefined for other volumes. */
function volumeFiles(volume: any, opts: MountOptions): VolumeFile[] | undefined {
  const secretFiles = (source: any, name: string, defaultMode?: number) => {
    const dir = opts.secrets[name];
    if (dir === undefined) throw new Error(`no secret ${name} was issued`);
    const withMode = { ...source, defaultMode: source.defaultMode ?? defaultMode };
    return projected(withMode, readdirSync(dir), (key) => readFileSync(join(dir, key)));
  };
  const configMapFiles = (source: any, defaultMode?: number) => {
    const data = opts.configMaps[source.name];
    if (data === undefined) throw new Error(`no ConfigMap ${source.name} was rendered`);
    const withMode = { ...source, defaultMode: source.defaultMode ?? defaultMode };
    return projected(withMode, Object.keys(data), (key) => {
      if (!(key in data)) throw new Error(`ConfigMap ${source.name} has no key ${key}`);
      return Buffer.from(opts.transform ? opts.transform(source.name, key, data[key]) : data[key]);
    });
  };
  if (volume.secret) return secretFiles(volume.secret, volume.secret.secretName);
  if (volume.configMap) return configMapFiles(volume.configMap);
  if (volume.projected) {
    const mode = volume.projected.defaultMode;
    return (volume.projected.sources ?? []).flatMap((s: any) => {
      if (s.secret) return secretFiles(s.secret, s.secret.name, mode);
      if (s.configMap) return configMapFiles(s.configMap, mode);
      throw new Error(
        `projected source ${JSON.stringify(s)}: not laid out by the kubelet stand-in`,
      );
    });
  }
  return undefined;
}

/** Writes `files` into `<target>/<stamp>` and points `..data` at it (atomically when `swap`). */
function writeVolume(
  target: string,
  volume: string,
  stamp: string,
  files: VolumeFile[],
  podSpec: PodSpecLike,
  opts: MountOptions,
  swap = false,
): MountedFile[] {
  const ids = opts.ids ?? identity;
  const fsGroup = podSpec.securityContext?.fsGroup;
  const gid = fsGroup === undefined ? 0 : ids.gid(fsGroup);
  const versioned = join(target, stamp);
  mkdirSync(versioned, { recursive: true });
  const out: MountedFile[] = [];
  for (const f of files) {
    const real = join(versioned, f.path);
    mkdirSync(dirname(real), { recursive: true });
    writeFileSync(real, f.content);
    const mode = fsGroup === undefined ? f.mode : f.mode | 0o440;
    chownSync(real, 0, gid);
    chmodSync(real, mode);
    const top = f.path.split('/')[0];
    try {
      symlinkSync(join('..data', top), join(target, top));
    } catch (e: any) {
      if (e.code !== 'EEXIST') throw e; // a file of an earlier payload: its link stays
    }
    out.push({ volume, path: join(target, f.path), mode, uid: 0, gid });
  }
  for (const d of [target, versioned]) {
    chownSync(d, 0, gid);
    chmodSync(d, fsGroup === undefined ? 0o755 : 0o2755);
  }
  const link = join(target, swap ? '..data_tmp' : '..data');
  symlinkSync(stamp, link);
  lchownSync(link, 0, gid);
  if (swap) renameSync(link, join(target, '..data'));
  return out;
}

/** The files of a secret/ConfigMap volume: its items, or every key under its own name. */
function projected(
  source: { items?: { key: string; path: string; mode?: number }[]; defaultMode?: number },
  keys: string[],
  read: (key: string) => Buffer,
) {
  const defaultMode = source.defaultMode ?? 0o644;
  const items =
    source.items && source.items.length > 0
      ? source.items
      : keys.map((key) => ({ key, path: key, mode: undefined }));
  return items.map((i) => ({ path: i.path, content: read(i.key), mode: i.mode ?? defaultMode }));
}

function emptyDir(target: string, fsGroup: number | undefined): void {
  mkdirSync(target, { recursive: true });
  if (fsGroup !== undefined) chownSync(target, 0, fsGroup);
  chmodSync(target, 0o2777);
}
