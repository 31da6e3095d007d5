// A standalone server's trust from its trust bundle (docs/trust-bundles.md): the ConfigMap
// trust-manager writes into the database's namespace, mounted read-only beside the certificates,
// and the watcher (rotation.ts) told to build the server's trust file from that file alone. The
// kubelet swaps a ConfigMap volume's `..data` link as it swaps a Secret's, so the watcher sees a
// changed bundle as it sees a renewed certificate, rewrites the trust file and has the server
// take it up; a CA removed from the bundle is then refused. Each kind with a Rotation.trust calls
// this in a few lines (DatabaseKind.serverTrustBundle).
import type { TrustBundle } from '../contract/trust.js';
import type { Obj } from '../io/objects.js';
import type { Rotation } from './rotation.js';

/** The volume's name in the server's pod, and the directory's name beside the certificates. */
export const TRUST_BUNDLE_VOLUME = 'tls-trust-bundle';
const TRUST_BUNDLE_DIR = 'trust-bundle';
/** The bundle's file in that directory (the ConfigMap's key is mounted under this name). */
const TRUST_BUNDLE_FILE = 'ca.crt';
/** World-readable: CA certificates are public, and the server runs as its own user. */
const PUBLIC_MODE = 0o444;

/** What a server mounts of its trust bundle. */
export interface ServerTrustBundle {
  volume: Obj;
  mount: Obj;
  /** The mounted directory, which the watcher watches. */
  dir: string;
  /** The bundle's file, from which the server's trust file is built. */
  file: string;
}

/** The bundle mounted at `<base>/trust-bundle/ca.crt`; undefined without a trust bundle. */
export function serverTrustBundle(
  trust: TrustBundle | undefined,
  base: string,
): ServerTrustBundle | undefined {
  if (!trust) return undefined;
  const dir = `${base}/${TRUST_BUNDLE_DIR}`;
  const items = [{ key: trust.key, path: TRUST_BUNDLE_FILE }];
  return {
    volume: {
      name: TRUST_BUNDLE_VOLUME,
      configMap: { name: trust.name, items, defaultMode: PUBLIC_MODE },
    },
    mount: { name: TRUST_BUNDLE_VOLUME, mountPath: dir, readOnly: true },
    dir,
    file: `${dir}/${TRUST_BUNDLE_FILE}`,
  };
}

/**
 * The watcher with the bundle: its directory watched beside the certificates', and the trust
 * file built from the bundle alone, no longer from the secrets' `ca.crt`.
 */
export function withTrustBundle(
  rotation: Rotation,
  bundle: ServerTrustBundle | undefined,
): Rotation {
  if (!bundle || !rotation.trust) return rotation;
  return {
    ...rotation,
    watched: [...rotation.watched, bundle.dir],
    trust: { file: rotation.trust.file, from: [bundle.file] },
  };
}
