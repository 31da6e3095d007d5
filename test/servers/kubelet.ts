// Test-only stand-in for the kubelet: lays out one pod's secret and ConfigMap volumes, from the
// rendered StatefulSet's pod template, under a temporary root — the files an item names, at the
// container's mountPath, in the kubelet's atomic-writer layout (`..data` → timestamped directory,
// one symlink per file), with the kubelet's ownership and modes: owner root, group fsGroup, file
// mode = item mode or defaultMode (default 0644), OR-ed with 0440 when fsGroup is set (secret and
// ConfigMap volumes are read-only, so the kubelet's fsGroup pass adds r--r----- and sets setgid
// on directories; pkg/volume/volume_linux.go changeFilePermission).
import { chmodSync, chownSync, lchownSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface IdMap { uid(id: number): number; gid(id: number): number }
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

export interface MountedFile { volume: string; path: string; mode: number; uid: number; gid: number }

export interface PodSpecLike {
  securityContext?: { fsGroup?: number; runAsUser?: number; runAsGroup?: number };
  containers: { name: string; volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[] }[];
  volumes?: any[];
}

const TIMESTAMP_DIR = '..2026_01_01_00_00_00.000000001';

/** Lays out the secret and ConfigMap volumes the container mounts; returns every file written. */
export function mountVolumes(podSpec: PodSpecLike, opts: MountOptions): MountedFile[] {
  const ids = opts.ids ?? identity;
  const container = opts.container ? podSpec.containers.find((c) => c.name === opts.container) : podSpec.containers[0];
  if (!container) throw new Error(`no container ${opts.container}`);
  const fsGroup = podSpec.securityContext?.fsGroup;
  const gid = fsGroup === undefined ? 0 : ids.gid(fsGroup);
  const out: MountedFile[] = [];
  for (const mount of container.volumeMounts ?? []) {
    const volume = (podSpec.volumes ?? []).find((v) => v.name === mount.name);
    if (!volume) {
      if (opts.claims?.includes(mount.name)) continue; // a volumeClaimTemplate: the caller's
      throw new Error(`volumeMount ${mount.name} has no volume`);
    }
    let files: { path: string; content: Buffer; mode: number }[];
    if (volume.secret) {
      const dir = opts.secrets[volume.secret.secretName];
      if (dir === undefined) throw new Error(`no secret ${volume.secret.secretName} was issued`);
      files = projected(volume.secret, readdirSync(dir), (key) => readFileSync(join(dir, key)));
    } else if (volume.configMap) {
      const data = opts.configMaps[volume.configMap.name];
      if (data === undefined) throw new Error(`no ConfigMap ${volume.configMap.name} was rendered`);
      files = projected(volume.configMap, Object.keys(data), (key) => {
        if (!(key in data)) throw new Error(`ConfigMap ${volume.configMap.name} has no key ${key}`);
        return Buffer.from(opts.transform ? opts.transform(volume.configMap.name, key, data[key]) : data[key]);
      });
    } else {
      continue; // data volumes (PVC, emptyDir) are the caller's
    }
    const target = join(opts.root, mount.mountPath);
    const versioned = join(target, TIMESTAMP_DIR);
    mkdirSync(versioned, { recursive: true });
    for (const f of files) {
      const real = join(versioned, f.path);
      mkdirSync(dirname(real), { recursive: true });
      writeFileSync(real, f.content);
      const mode = fsGroup === undefined ? f.mode : f.mode | 0o440;
      chownSync(real, 0, gid);
      chmodSync(real, mode);
      const top = f.path.split('/')[0];
      try { symlinkSync(join('..data', top), join(target, top)); } catch (e: any) { if (e.code !== 'EEXIST') throw e; }
      out.push({ volume: mount.name, path: join(target, f.path), mode, uid: 0, gid });
    }
    symlinkSync(TIMESTAMP_DIR, join(target, '..data'));
    for (const d of [target, versioned]) {
      chownSync(d, 0, gid);
      chmodSync(d, fsGroup === undefined ? 0o755 : 0o2755);
    }
    lchownSync(join(target, '..data'), 0, gid);
  }
  return out;
}

/** The files of a secret/ConfigMap volume: its items, or every key under its own name. */
function projected(source: { items?: { key: string; path: string; mode?: number }[]; defaultMode?: number }, keys: string[], read: (key: string) => Buffer) {
  const defaultMode = source.defaultMode ?? 0o644;
  const items = source.items && source.items.length > 0 ? source.items : keys.map((key) => ({ key, path: key, mode: undefined }));
  return items.map((i) => ({ path: i.path, content: read(i.key), mode: i.mode ?? defaultMode }));
}
