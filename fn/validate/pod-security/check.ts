// The Pod Security Standards as checks over a pod template (metadata and spec), each naming where
// in the template it found what it refuses. The rules are Kubernetes' own (the facts of
// kubernetes/pod-security-admission policy/check_*.go at the commit test/data/pod-security names,
// Kubernetes v1.37, written anew here): each check has upstream's ID, so a message names the check
// a namespace's admission would report.
//
// A value counts as the API server reads it: a field that is null or absent is unset, and a
// field is refused unless its value is one the standard allows (a string "true" for a boolean is
// not allowed, although the API server would refuse it anyway), so no spelling slips through.
import { isObj, type Obj } from '../../io/objects.js';

/** The two levels a namespace enforces (the third, privileged, allows everything). */
export type Level = 'baseline' | 'restricted';

/** One step of a path inside a pod template: a field name or a list index. */
export type Step = string | number;

/** Something a check refuses: where, in whom, what was found there. */
export interface Violation {
  check: string;
  /** The path in the pod template ({metadata, spec}) of the field to change. */
  at: readonly Step[];
  /** Who breaks the rule: `container "x"`, `volume "v"`, `the pod`, `annotation k`. */
  subject: string;
  /** What was found, as a predicate of the subject: `sets securityContext.privileged to true`. */
  found: string;
}

/** A pod template as checked: the pod's metadata (its annotations) and its spec. */
export interface PodTemplate {
  metadata: Obj;
  spec: Obj;
}

export interface Check {
  /** Upstream's check ID (policy/check_*.go). */
  id: string;
  level: Level;
  /** Who states the rule, for messages: Pod Security's checks unless given. */
  by?: string;
  /** What the check allows, for messages. */
  allows: string;
  /** Checks this one replaces at its level (upstream's OverrideCheckIDs). */
  overrides?: readonly string[];
  run(pod: PodTemplate): Violation[];
}

/** A container of the pod with where it is and how messages name it. */
export interface ContainerAt {
  container: Obj;
  at: readonly Step[];
  subject: string;
}

/** Init containers, containers, then ephemeral containers: the order upstream visits them. */
export function containersOf(spec: Obj): ContainerAt[] {
  const out: ContainerAt[] = [];
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    const containers = spec[list];
    if (!Array.isArray(containers)) continue;
    containers.forEach((container, i) => {
      if (!isObj(container)) return;
      const kind = list === 'containers' ? 'container' : list.replace(/Containers$/, ' container');
      out.push({ container, at: ['spec', list, i], subject: `${kind} ${quote(container.name)}` });
    });
  }
  return out;
}

/** A mapping field of `o`, or undefined when it is unset (null, absent) or not a mapping. */
export function mappingOf(o: unknown, key: string): Obj | undefined {
  if (!isObj(o)) return undefined;
  const v = o[key];
  return isObj(v) ? v : undefined;
}

/** Null and absent are the same to the API server. */
export function isUnset(v: unknown): boolean {
  return v === undefined || v === null;
}

export function quote(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

/** `sets <field> to <value>`: what a subject was found to set. */
export function sets(field: string, value: unknown): string {
  return `sets ${field} to ${quote(value)}`;
}

/** The pod's own security context, or an empty one. */
export function podSecurity(pod: PodTemplate): Obj {
  return mappingOf(pod.spec, 'securityContext') ?? {};
}

/** `hostUsers: false`: the pod runs in a user namespace, where some checks relax (v1.35). */
export function inUserNamespace(pod: PodTemplate): boolean {
  return pod.spec.hostUsers === false;
}

/** Windows pods skip the Linux-only restricted checks (v1.25). */
export function isWindows(pod: PodTemplate): boolean {
  return mappingOf(pod.spec, 'os')?.name === 'windows';
}

/** A field of a security context (pod or container) that is set to a value not allowed. */
export function securityField(
  sc: Obj | undefined,
  at: readonly Step[],
  subject: string,
  field: string,
  allowed: (v: unknown) => boolean,
): Violation[] {
  const v = sc?.[field];
  if (isUnset(v) || allowed(v)) return [];
  return [
    {
      check: '',
      at: [...at, 'securityContext', field],
      subject,
      found: sets(`securityContext.${field}`, v),
    },
  ];
}

/** Each `found` at the pod's and every container's security context, tagged with the check. */
export function everySecurityContext(
  pod: PodTemplate,
  id: string,
  check: (sc: Obj | undefined, at: readonly Step[], subject: string) => Violation[],
): Violation[] {
  const out = check(mappingOf(pod.spec, 'securityContext'), ['spec'], 'the pod');
  for (const c of containersOf(pod.spec))
    out.push(...check(mappingOf(c.container, 'securityContext'), c.at, c.subject));
  return out.map((v) => ({ ...v, check: id }));
}
