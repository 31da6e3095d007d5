// What a Singlestore's spec.version names, and the node image dbtls runs for each version.
import type { VersionNaming } from '../../contract/versions.js';

/** What spec.version names: a SinglestoreVersion of KubeDB's catalog. */
export const VERSION_NAMING: VersionNaming = {
  catalogKind: 'SinglestoreVersion',
};

/** The node images of KubeDB's SinglestoreVersion catalog (kubedb/docs quickstart), by version. */
export const NODE_IMAGES: Record<string, string> = {
  '8.1.32': 'alma-8.1.32-e3d3cde6da',
  '8.5.7': 'alma-8.5.7-bf633c1a54',
  '8.5.30': 'alma-8.5.30-4f46ab16a5',
  '8.7.10': 'alma-8.7.10-95e2357384',
  '8.7.21': 'alma-8.7.21-f0b8de04d5',
  '8.9.3': 'alma-8.9.3-bfa36a984a',
};
export const IMAGE_REPOSITORY = 'ghcr.io/appscode-images/singlestore-node';
