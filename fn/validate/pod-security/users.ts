// Checks on who a container runs as (restricted): not root, unless the pod runs in a user
// namespace (hostUsers: false, v1.35), where root in the container is not root on the node. And
// dbtls's own rule for the pods it renders: no root group either.
import type { Obj } from '../../io/objects.js';
import {
  type Check,
  containersOf,
  everySecurityContext,
  inUserNamespace,
  isUnset,
  mappingOf,
  podSecurity,
  quote,
  securityField,
  type Step,
  type Violation,
} from './check.js';

export const runAsNonRoot: Check = {
  id: 'runAsNonRoot',
  level: 'restricted',
  allows: 'only pods whose containers must run as a non-root user (runAsNonRoot: true)',
  run: (pod) => {
    if (inUserNamespace(pod)) return [];
    const explicit = everySecurityContext(pod, 'runAsNonRoot', (sc, at, subject) =>
      securityField(sc, at, subject, 'runAsNonRoot', (v) => v === true),
    );
    // As upstream: a container that inherits the pod's setting is reported only when nothing
    // sets runAsNonRoot to false explicitly (that setting is what to change).
    if (explicit.length > 0) return explicit;
    const podSays = podSecurity(pod).runAsNonRoot === true;
    const implicit: Violation[] = [];
    for (const c of containersOf(pod.spec)) {
      if (podSays || !isUnset(mappingOf(c.container, 'securityContext')?.runAsNonRoot)) continue;
      implicit.push({
        check: 'runAsNonRoot',
        at: [...c.at, 'securityContext', 'runAsNonRoot'],
        subject: c.subject,
        found: 'does not set securityContext.runAsNonRoot to true, nor does the pod',
      });
    }
    return implicit;
  },
};

export const runAsUser: Check = {
  id: 'runAsUser',
  level: 'restricted',
  allows: 'no container running as user 0 (root)',
  run: (pod) =>
    inUserNamespace(pod)
      ? []
      : everySecurityContext(pod, 'runAsUser', (sc, at, subject) =>
          securityField(sc, at, subject, 'runAsUser', (v) => v !== 0 && v !== '0'),
        ),
};

/**
 * dbtls's rule for the pods it renders, beyond the standard: no process and no volume of the
 * server's pod gets group 0 (root). Files that images leave writable by group root (/etc/passwd in
 * images built for random user IDs, the server's own directories) would become writable by it.
 */
export const rootGroup: Check = {
  id: 'rootGroup',
  level: 'restricted',
  by: "dbtls's rule for the pods it renders",
  allows: 'no group 0 (root) for the pod, its containers or its volumes',
  run: (pod) => {
    const out = everySecurityContext(pod, 'rootGroup', (sc, at, subject) =>
      securityField(sc, at, subject, 'runAsGroup', (v) => v !== 0 && v !== '0'),
    );
    const sc = podSecurity(pod);
    out.push(...groupField(sc, 'fsGroup', (v) => v === 0 || v === '0'));
    const groups = sc.supplementalGroups;
    if (Array.isArray(groups))
      groups.forEach((g, i) => {
        if (g === 0 || g === '0')
          out.push(
            groupViolation(
              ['spec', 'securityContext', 'supplementalGroups', i],
              `supplementalGroups[${i}]`,
              g,
            ),
          );
      });
    return out;
  },
};

function groupField(sc: Obj, field: string, root: (v: unknown) => boolean): Violation[] {
  return root(sc[field])
    ? [groupViolation(['spec', 'securityContext', field], field, sc[field])]
    : [];
}

function groupViolation(at: Step[], field: string, value: unknown): Violation {
  return {
    check: 'rootGroup',
    at,
    subject: 'the pod',
    found: `sets securityContext.${field} to ${quote(value)}`,
  };
}
