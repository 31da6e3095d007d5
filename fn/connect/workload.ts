// The workloads that may connect, where their pod template is, and the exact record of what dbtls
// added to one: a re-render first takes away everything the record lists (the workload is then as
// it was before dbtls touched it), then adds afresh. Removing `dbtls.dev/connect-to` therefore
// removes everything dbtls added, and rendering twice adds nothing twice.
import { isObj, type KubeObject, type Obj } from '../io/objects.js';

export const CONNECT_TO = 'dbtls.dev/connect-to';
export const CONNECT_AS = 'dbtls.dev/connect-as';
export const CONTAINERS = 'dbtls.dev/containers';
export const CONNECT_ISSUER = 'dbtls.dev/connect-issuer';
/** What dbtls added, one entry per env var, volume mount, volume or whole list it created. */
export const ADDED = 'dbtls.dev/connect-added';

/** Where each workload kind keeps its pod spec. */
const POD_SPEC_PATHS: Record<string, readonly string[]> = {
  'apps/v1 Deployment': ['spec', 'template', 'spec'],
  'apps/v1 StatefulSet': ['spec', 'template', 'spec'],
  'apps/v1 DaemonSet': ['spec', 'template', 'spec'],
  'batch/v1 Job': ['spec', 'template', 'spec'],
  'batch/v1 CronJob': ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

export function podSpecPath(o: KubeObject): readonly string[] | undefined {
  return POD_SPEC_PATHS[`${o.apiVersion} ${o.kind}`];
}

export const WORKLOAD_KINDS = Object.keys(POD_SPEC_PATHS).map((t) => t.split(' ')[1]);

/** Which list of the pod spec a container is in. */
export type ContainerList = 'containers' | 'initContainers';

/** One thing dbtls added: parsed from, and written to, the ADDED annotation. */
export type Addition =
  | { what: 'volume'; name: string }
  | { what: 'volumes' }
  | { what: 'env' | 'volumeMount'; list: ContainerList; container: string; name: string }
  | { what: 'envList' | 'volumeMountList'; list: ContainerList; container: string };

export function formatAdditions(added: readonly Addition[]): string {
  return added
    .map((a) => {
      switch (a.what) {
        case 'volume':
          return `volumes/${a.name}`;
        case 'volumes':
          return 'volumes';
        case 'env':
          return `${a.list}/${a.container}/env/${a.name}`;
        case 'volumeMount':
          return `${a.list}/${a.container}/volumeMounts/${a.name}`;
        case 'envList':
          return `${a.list}/${a.container}/env`;
        default:
          return `${a.list}/${a.container}/volumeMounts`; // volumeMountList
      }
    })
    .join(', ');
}

export function parseAdditions(text: string): Addition[] | undefined {
  const out: Addition[] = [];
  for (const entry of text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const parts = entry.split('/');
    if (parts[0] === 'volumes') {
      const name = parts.slice(1).join('/');
      out.push(parts.length === 1 ? { what: 'volumes' } : { what: 'volume', name });
      continue;
    }
    const [list, container, field] = parts;
    if (list !== 'containers' && list !== 'initContainers') return undefined;
    if (container === undefined) return undefined;
    const name = parts.slice(3).join('/');
    const whole = parts.length === 3;
    if (field === 'env') {
      out.push(
        whole ? { what: 'envList', list, container } : { what: 'env', list, container, name },
      );
    } else if (field === 'volumeMounts') {
      out.push(
        whole
          ? { what: 'volumeMountList', list, container }
          : { what: 'volumeMount', list, container, name },
      );
    } else {
      return undefined;
    }
  }
  return out;
}

/** A deep copy of the pod spec's path, so that the input object stays as it was read. */
export function copyWorkload(o: KubeObject): { copy: KubeObject; pod: Obj } | undefined {
  const path = podSpecPath(o);
  if (!path) return undefined;
  const copy = structuredClone(o);
  let cur: unknown = copy;
  for (const key of path) {
    if (!isObj(cur)) return undefined;
    cur = cur[key];
  }
  return isObj(cur) ? { copy, pod: cur } : undefined;
}

export function containerOf(pod: Obj, list: ContainerList, name: string): Obj | undefined {
  const containers = pod[list];
  if (!Array.isArray(containers)) return undefined;
  return containers.find((c): c is Obj => isObj(c) && c.name === name);
}

/** Takes away what `added` lists: the pod spec is then as it was before dbtls added it. */
export function removeAdditions(pod: Obj, added: readonly Addition[]): void {
  const without = (list: unknown, name: string) =>
    Array.isArray(list) ? list.filter((e) => !(isObj(e) && e.name === name)) : list;
  for (const a of added) {
    if (a.what === 'volume') pod.volumes = without(pod.volumes, a.name);
    else if (a.what === 'env' || a.what === 'volumeMount') {
      const c = containerOf(pod, a.list, a.container);
      const field = a.what === 'env' ? 'env' : 'volumeMounts';
      if (c) c[field] = without(c[field], a.name);
    }
  }
  // A list dbtls created goes when it is empty again (a list the user keeps entries in stays).
  for (const a of added) {
    const empty = (list: unknown) => Array.isArray(list) && list.length === 0;
    if (a.what === 'volumes' && empty(pod.volumes)) delete pod.volumes;
    if (a.what === 'envList' || a.what === 'volumeMountList') {
      const c = containerOf(pod, a.list, a.container);
      const field = a.what === 'envList' ? 'env' : 'volumeMounts';
      if (c && Array.isArray(c[field]) && (c[field] as unknown[]).length === 0) delete c[field];
    }
  }
}

/** Appends `entry` to the list `field` of `o`, recording the list when dbtls creates it. */
export function appendTo(o: Obj, field: string, entry: Obj, created: () => void): void {
  const list = o[field];
  if (Array.isArray(list)) list.push(entry);
  else {
    o[field] = [entry];
    created();
  }
}
