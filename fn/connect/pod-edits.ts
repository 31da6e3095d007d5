// The workload's pod spec, appended to and never set over: the containers chosen, the client
// files' volumes and mounts, the client's environment variables, and warnings where the result
// would not work (no CA in the secret, a key only root can read).
/** The secret volume (and the option files' ConfigMap volume); returns their mounts. */
import type { ClientSettings } from '../contract/kind.js';
import type { IssuerRef } from '../contract/tls.js';
import { isObj, type KubeObject, type Obj } from '../io/objects.js';
import type { Reporter } from '../io/results.js';
import { nameWithSuffix } from '../util/names.js';
import type { IssuerIndex } from '../validate/issuers.js';
import { optionFiles } from './client-objects.js';
import {
  type Connection,
  type Edit,
  KEY_MODE,
  PUBLIC_MODE,
  type Run,
  TO_PATH,
  TRUST_DIR,
  TRUST_FILE,
} from './run.js';
import {
  type Addition,
  appendTo,
  CONTAINERS,
  type ContainerList,
  containerOf,
  podSpecPath,
} from './workload.js';
import { at } from '../util/field-path.js';

export function addVolumes(
  run: Run,
  edit: Edit,
  c: Connection,
  secretName: string,
  settings: ClientSettings,
  dir: string,
): Obj[] {
  const tls = volumeName(c.id, 'tls');
  const trust = c.target.ctx.trust;
  // With a trust bundle the CA comes from its ConfigMap: the secret's ca.crt is not mounted.
  const items = [
    ...(trust ? [] : [{ key: 'ca.crt', path: 'ca.crt', mode: PUBLIC_MODE }]),
    { key: 'tls.crt', path: 'tls.crt', mode: PUBLIC_MODE },
    { key: 'tls.key', path: 'tls.key', mode: KEY_MODE },
  ];
  addVolume(edit, { name: tls, secret: { secretName, items } }, run.report);
  const mounts: Obj[] = [{ name: tls, mountPath: `${dir}/tls`, readOnly: true }];
  if (trust) {
    const name = volumeName(c.id, 'trust');
    const bundleItems = [{ key: trust.key, path: TRUST_FILE }];
    const configMap = { name: trust.name, items: bundleItems, defaultMode: PUBLIC_MODE };
    addVolume(edit, { name, configMap }, run.report);
    mounts.push({ name, mountPath: `${dir}/${TRUST_DIR}`, readOnly: true });
  }
  if (settings.files && Object.keys(settings.files).length) {
    const config = volumeName(c.id, 'config');
    edit.objects.push(optionFiles(run.o, secretName, settings.files, c.target.ctx.db));
    const configMap = { name: secretName, defaultMode: PUBLIC_MODE };
    addVolume(edit, { name: config, configMap }, run.report);
    mounts.push({ name: config, mountPath: `${dir}/config`, readOnly: true });
  }
  return mounts;
}

/** The client's variables; one set for another database of this run is kept, with a warning. */
export function setVariables(
  run: Run,
  edit: Edit,
  list: ContainerList,
  container: Obj,
  settings: ClientSettings,
  db: string,
  dir: string,
): void {
  const mine = edit.setBy.get(container) ?? edit.setBy.set(container, new Map()).get(container)!;
  for (const variable of settings.env) {
    const first = mine.get(variable.name);
    if (first !== undefined) {
      run.report.warn(
        TO_PATH,
        `container "${String(container.name)}" connects to ${first} and ${db}: ${variable.name} ` +
          `is set for ${first}; the files for ${db} are in ${dir}`,
      );
      continue;
    }
    if (setEnv(container, list, variable, edit.added, run.report, db)) mine.set(variable.name, db);
  }
}

/** The containers `dbtls.dev/containers` names (default: every container). */
export function chooseContainers(
  pod: Obj,
  value: unknown,
  report: Reporter,
): Edit['chosen'] | undefined {
  const listed = (list: ContainerList) => {
    const entries = pod[list];
    return Array.isArray(entries) ? entries.filter(isObj) : [];
  };
  if (value === undefined) {
    return listed('containers').map((container) => ({ list: 'containers' as const, container }));
  }
  const path = at('metadata', 'annotations', CONTAINERS);
  const out: Edit['chosen'] = [];
  for (const name of String(value)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const list = (['containers', 'initContainers'] as const).find((l) => containerOf(pod, l, name));
    if (!list) {
      const names = [...listed('containers'), ...listed('initContainers')].map(
        (c) => `"${String(c.name)}"`,
      );
      report.error(
        path,
        `${path} names container "${name}", which the pod template does not have; its ` +
          `containers are ` +
          `${names.join(', ')}`,
      );
      continue;
    }
    out.push({ list, container: containerOf(pod, list, name)! });
  }
  if (out.length === 0 && !report.failed) report.error(path, `${path} names no container`);
  return report.failed ? undefined : out;
}

/** An issuer that puts no ca.crt in the secret (ACME): the CA must reach the app otherwise. */
export function warnNoCA(
  issuers: IssuerIndex,
  ref: IssuerRef,
  namespace: string,
  caPath: string,
  report: Reporter,
): void {
  const found = issuers.find(ref, namespace);
  if (!found || !isObj(found.spec) || found.spec.acme === undefined) return;
  report.warn(
    TO_PATH,
    `${ref.kind} "${ref.name}" is an ACME issuer, which puts no ca.crt in the secret: the file ` +
      `${caPath} will be missing; make the CA reach the application another way (e.g. a ` +
      `trust-manager Bundle mounted there)`,
  );
}

/**
 * The key is mounted 0440 and owned by root: without fsGroup only root reads it, and a key that
 * others may read is one libpq refuses. A container explicitly running as root needs none.
 */
export function warnUnreadableKey(
  o: KubeObject,
  pod: Obj,
  containers: Obj[],
  report: Reporter,
): void {
  const sc = isObj(pod.securityContext) ? pod.securityContext : {};
  if (sc.fsGroup !== undefined) return;
  const runsAs = (c: Obj) =>
    isObj(c.securityContext) && c.securityContext.runAsUser !== undefined
      ? c.securityContext.runAsUser
      : sc.runAsUser;
  if (containers.every((c) => runsAs(c) === 0)) return;
  const path = at(...podSpecPath(o)!, 'securityContext', 'fsGroup');
  report.warn(
    path,
    `${path} is not set: the client key is mounted 0440 and owned by root, so only a container running as root can read it; set fsGroup to a group of the container's user (client libraries refuse a key that others may read)`,
  );
}

/** Volume names are DNS labels: `dbtls-<connection>-tls`, cut to 63 characters. */
function volumeName(id: string, what: string): string {
  return nameWithSuffix(`dbtls-${id}`, what);
}

function addVolume(edit: Edit, volume: Obj, report: Reporter): void {
  const name = String(volume.name);
  const volumes = edit.pod.volumes;
  if (Array.isArray(volumes) && volumes.some((v) => isObj(v) && v.name === name)) {
    report.error(
      TO_PATH,
      `the pod template already has a volume named "${name}", the name dbtls gives the client ` +
        `files; rename that volume`,
    );
    return;
  }
  appendTo(edit.pod, 'volumes', volume, () => edit.added.push({ what: 'volumes' }));
  edit.added.push({ what: 'volume', name });
}

/** Sets a variable the container does not set itself; says so when it does. */
function setEnv(
  container: Obj,
  list: ContainerList,
  variable: { name: string; value: string },
  added: Addition[],
  report: Reporter,
  database: string,
): boolean {
  const name = String(container.name);
  const env = Array.isArray(container.env) ? container.env : [];
  const own = env.find((e) => isObj(e) && e.name === variable.name);
  if (own) {
    const ownValue =
      isObj(own) && typeof own.value === 'string' ? ` to ${JSON.stringify(own.value)}` : '';
    report.warn(
      TO_PATH,
      `container "${name}" sets ${variable.name}${ownValue} itself; dbtls leaves it as it is ` +
        `(for ${database} it would be ${JSON.stringify(variable.value)})`,
    );
    return false;
  }
  const value = { name: variable.name, value: variable.value };
  appendTo(container, 'env', value, () => added.push({ what: 'envList', list, container: name }));
  added.push({ what: 'env', list, container: name, name: variable.name });
  return true;
}
