// kustomize's own build files, which configure a build and are no resource to render. kpt passes
// a package's `kustomization.yaml` to functions as an item (without apiVersion or kind when the
// file has none), and functions leave it alone; `render DIR` leaves the file out.
import { groupOf, isObj } from './objects.js';
import { INTERNAL_PATH_ANNOTATION, PATH_ANNOTATION } from './results.js';

/** The names kustomize reads a build file under. */
export const KUSTOMIZATION_FILE_NAMES: readonly string[] = [
  'kustomization.yaml',
  'kustomization.yml',
  'Kustomization',
];

/** kustomize's build file, which configures a build and is not a resource to render. */
export function isKustomizeFile(name: string): boolean {
  return KUSTOMIZATION_FILE_NAMES.includes(name);
}

/**
 * An item that is kustomize's: of its group (`kustomize.config.k8s.io`: a Kustomization, a
 * Component), or read from a file of a build file's name.
 */
export function isKustomization(item: unknown): boolean {
  if (!isObj(item)) return false;
  if (typeof item.apiVersion === 'string' && groupOf(item.apiVersion) === 'kustomize.config.k8s.io')
    return true;
  const md = isObj(item.metadata) ? item.metadata : {};
  const annotations = isObj(md.annotations) ? md.annotations : {};
  const path = annotations[INTERNAL_PATH_ANNOTATION] ?? annotations[PATH_ANNOTATION];
  return typeof path === 'string' && isKustomizeFile(path.slice(path.lastIndexOf('/') + 1));
}
