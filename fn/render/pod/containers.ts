// The template's volumes and containers applied to a rendered pod: volumes added, containers
// merged by name into dbtls's (resources, env, securityContext, volumeMounts), other init
// containers added after dbtls's own. Each applied part's template field is recorded (Origins)
// for the Pod Security check of the rendered pod.
import { isObj, type Obj } from '../../io/objects.js';
import type { Step } from '../../validate/pod-security/index.js';
import { type Apply, CONTAINER_FIELDS, FLAT_CONTAINER, notApplied } from './fields.js';
import { readList } from '../read-fields.js';
import { readResources } from './resources.js';
import { mergeContainerSecurity } from './security-context.js';
import { checkClaim, checkOwnEnv, checkOwnMount, RESTRICTED_DEFAULT } from './server-files.js';
import type { FieldPath } from '../../util/field-path.js';

type ContainerList = 'containers' | 'initContainers';

/** The template's volumes after dbtls's, none under a name dbtls uses. */
export function addVolumes(v: unknown, at: FieldPath, podSpec: Obj, a: Apply): void {
  const given = readList(v, at, a.report);
  if (!given) return;
  const volumes = Array.isArray(podSpec.volumes) ? [...(podSpec.volumes as Obj[])] : [];
  const names = new Set([...volumes.map((o) => o.name), ...a.claims]);
  given.forEach((volume, i) => {
    const field = at.index(i);
    if (!isObj(volume) || typeof volume.name !== 'string' || volume.name === '') {
      a.report.error(field, `${field} must be a mapping with a name`);
      return;
    }
    if (names.has(volume.name)) {
      a.report.error(
        field.child('name'),
        `${JSON.stringify(volume.name)} is a volume dbtls renders; choose another name`,
      );
      return;
    }
    if (!checkClaim(volume, field, a)) return;
    names.add(volume.name);
    a.origins.record(['spec', 'volumes', volumes.length], field);
    volumes.push(volume);
  });
  podSpec.volumes = volumes;
}

/** api/v1's flat container fields, as an entry for the database container. */
export function mergeFlatContainer(flat: Obj, at: FieldPath, podSpec: Obj, a: Apply): void {
  const containers = (podSpec.containers as Obj[]) ?? [];
  const i = containers.findIndex((c) => c.name === a.rules.container);
  if (i < 0) return;
  const paths: Record<string, FieldPath> = {};
  for (const [key, field] of Object.entries(FLAT_CONTAINER)) paths[field] = at.child(key);
  const merged = mergeContainer(containers[i], flat, paths, ['spec', 'containers', i], podSpec, a);
  podSpec.containers = containers.map((c, j) => (j === i ? merged : c));
}

/** The template's `containers` or `initContainers`, merged by name or (init) added. */
export function mergeContainers(
  v: unknown,
  at: FieldPath,
  podSpec: Obj,
  list: ContainerList,
  a: Apply,
): void {
  const given = readList(v, at, a.report);
  if (!given) return;
  const containers = [...((podSpec[list] as Obj[] | undefined) ?? [])];
  given.forEach((c, i) => {
    const field = at.index(i);
    if (!isObj(c) || typeof c.name !== 'string' || c.name === '') {
      a.report.error(field, `${field} must be a mapping with a name`);
      return;
    }
    const j = containers.findIndex((own) => own.name === c.name);
    if (j >= 0) {
      const paths: Record<string, FieldPath> = {};
      for (const k of Object.keys(c)) paths[k] = field.child(k);
      for (const k of Object.keys(c))
        if (!CONTAINER_FIELDS.includes(k))
          notApplied(field.child(k), `${k} of container ${c.name}`, a);
      containers[j] = mergeContainer(containers[j], c, paths, ['spec', list, j], podSpec, a);
    } else if (list === 'initContainers') {
      // The user's own init step, after dbtls's.
      containers.push(userInitContainer(c, field, ['spec', list, containers.length], a));
    } else {
      const rendered = containers.map((o) => o.name).join(', ');
      a.report.warn(
        field.child('name'),
        `standalone mode renders no container ${JSON.stringify(c.name)} (its containers: ` +
          `${rendered}); this entry is ignored`,
      );
    }
  });
  podSpec[list] = containers;
}

/** A user's init container, over the secure defaults every rendered container has. */
function userInitContainer(c: Obj, at: FieldPath, where: Step[], a: Apply): Obj {
  a.origins.record(where, at);
  a.userContainers.set(c.name as string, at);
  const securityContext = mergeContainerSecurity(
    c.securityContext,
    at.child('securityContext'),
    RESTRICTED_DEFAULT,
    where,
    a,
  );
  return { ...c, securityContext };
}

/** The user's resources, env, security context and mounts merged into a rendered container. */
function mergeContainer(
  own: Obj,
  given: Obj,
  paths: Record<string, FieldPath>,
  where: Step[],
  podSpec: Obj,
  a: Apply,
): Obj {
  const out: Obj = { ...own };
  const database = own.name === a.rules.container;
  const kindApplies = (field: string) => database && a.rules.kindApplies?.includes(field);
  const set = (k: string) => given[k] !== undefined && given[k] !== null;
  if (set('resources') && !kindApplies('resources')) {
    const r = readResources(given.resources, paths.resources, a);
    if (r) out.resources = r;
  }
  if (set('env') && !kindApplies('env')) out.env = mergeEnv(own, given.env, paths.env, a);
  if (set('securityContext')) {
    const sc = own.securityContext as Obj | undefined;
    out.securityContext = mergeContainerSecurity(
      given.securityContext,
      paths.securityContext,
      sc,
      where,
      a,
    );
  }
  if (set('volumeMounts'))
    out.volumeMounts = mergeMounts(own, given.volumeMounts, paths.volumeMounts, podSpec, a);
  return out;
}

/** The user's variables after dbtls's; a variable dbtls sets keeps dbtls's value. */
function mergeEnv(own: Obj, v: unknown, at: FieldPath, a: Apply): Obj[] {
  const env = [...((own.env as Obj[] | undefined) ?? [])];
  const ownNames = new Set(env.map((e) => e.name));
  readList(v, at, a.report)?.forEach((e, i) => {
    const field = at.index(i);
    if (!isObj(e) || typeof e.name !== 'string' || e.name === '') {
      a.report.error(field, `${field} must be a mapping with a name`);
    } else if (ownNames.has(e.name)) {
      a.report.warn(
        field.child('name'),
        `${e.name} is set by dbtls in container ${String(own.name)} (its TLS and start ` +
          "settings) and keeps dbtls's value; this entry is ignored",
      );
    } else if (checkOwnEnv(own, e.name, field.child('name'), a)) env.push(e);
  });
  return env;
}

function mergeMounts(own: Obj, v: unknown, at: FieldPath, podSpec: Obj, a: Apply): Obj[] {
  const mounts = [...((own.volumeMounts as Obj[] | undefined) ?? [])];
  const declared = ((podSpec.volumes as Obj[] | undefined) ?? []).map((o) => o.name);
  const volumes = new Set([...declared, ...a.claims]);
  const ownMounts = [...mounts];
  readList(v, at, a.report)?.forEach((m, i) => {
    const field = at.index(i);
    if (!isObj(m) || typeof m.name !== 'string' || typeof m.mountPath !== 'string') {
      a.report.error(field, `${field} must be a mapping with a name and a mountPath`);
    } else if (!volumes.has(m.name)) {
      const name = field.child('name');
      a.report.error(name, `${name} names no volume of the pod: ${JSON.stringify(m.name)}`);
    } else if (checkOwnMount(own, ownMounts, m, field, a)) mounts.push(m);
  });
  return mounts;
}
