// Checks on the kernel's confinement of a container: seccomp, AppArmor (field and the older
// annotation, which Kubernetes still applies) and SELinux.
import { isObj, type Obj } from '../../io/objects.js';
import {
  type Check,
  containersOf,
  everySecurityContext,
  isUnset,
  isWindows,
  mappingOf,
  podSecurity,
  quote,
  type Step,
  type Violation,
} from './check.js';

const PROFILE_TYPES = ['RuntimeDefault', 'Localhost'];

/** A seccomp or AppArmor profile whose type is set to one not allowed. */
function profileType(
  field: string,
): (sc: Obj | undefined, at: readonly Step[], subject: string) => Violation[] {
  return (sc, at, subject) => {
    const profile = sc?.[field];
    if (isUnset(profile)) return [];
    const type = isObj(profile) ? profile.type : profile;
    if (typeof type === 'string' && PROFILE_TYPES.includes(type)) return [];
    const path = [...at, 'securityContext', field, 'type'];
    return [
      {
        check: '',
        at: path,
        subject,
        found: `sets securityContext.${field}.type to ${quote(type)}`,
      },
    ];
  };
}

/** The annotations Kubernetes before v1.19 read for seccomp, with the values they allowed. */
const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_ANNOTATION = 'container.seccomp.security.alpha.kubernetes.io/';

export const seccompProfileBaseline: Check = {
  id: 'seccompProfile_baseline',
  level: 'baseline',
  allows: 'only the RuntimeDefault or a Localhost seccomp profile',
  run: (pod) => [
    ...everySecurityContext(pod, 'seccompProfile_baseline', profileType('seccompProfile')),
    ...annotations(pod, 'seccompProfile_baseline', (key) =>
      key === SECCOMP_POD_ANNOTATION || key.startsWith(SECCOMP_CONTAINER_ANNOTATION)
        ? (v) => v === 'runtime/default' || v === 'docker/default' || v.startsWith('localhost/')
        : undefined,
    ),
  ],
};

export const seccompProfileRestricted: Check = {
  id: 'seccompProfile_restricted',
  level: 'restricted',
  allows:
    'only pods with a RuntimeDefault or Localhost seccomp profile for the pod or every container',
  overrides: ['seccompProfile_baseline'],
  run: (pod) => {
    if (isWindows(pod)) return [];
    const out = everySecurityContext(
      pod,
      'seccompProfile_restricted',
      profileType('seccompProfile'),
    );
    // As upstream: containers without a profile only when no profile set is a bad one.
    if (out.length > 0 || !isUnset(podSecurity(pod).seccompProfile)) return out;
    for (const c of containersOf(pod.spec)) {
      if (!isUnset(mappingOf(c.container, 'securityContext')?.seccompProfile)) continue;
      out.push({
        check: 'seccompProfile_restricted',
        at: [...c.at, 'securityContext', 'seccompProfile', 'type'],
        subject: c.subject,
        found: 'sets no seccomp profile, nor does the pod',
      });
    }
    return out;
  },
};

const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';

export const appArmorProfile: Check = {
  id: 'appArmorProfile',
  level: 'baseline',
  allows:
    'only the RuntimeDefault or a Localhost AppArmor profile (in the annotation: runtime/default, ' +
    'localhost/<profile> or empty)',
  run: (pod) => [
    ...everySecurityContext(pod, 'appArmorProfile', profileType('appArmorProfile')),
    ...annotations(pod, 'appArmorProfile', (key) =>
      key.startsWith(APPARMOR_ANNOTATION)
        ? (v) => v === '' || v === 'runtime/default' || v.startsWith('localhost/')
        : undefined,
    ),
  ],
};

/** Each annotation whose key `rule` knows and whose value it does not allow. */
function annotations(
  pod: Parameters<Check['run']>[0],
  check: string,
  rule: (key: string) => ((value: string) => boolean) | undefined,
): Violation[] {
  const given = mappingOf(pod.metadata, 'annotations') ?? {};
  const out: Violation[] = [];
  for (const [key, value] of Object.entries(given)) {
    const allowed = rule(key);
    if (!allowed || (typeof value === 'string' && allowed(value))) continue;
    const at = ['metadata', 'annotations', key];
    out.push({ check, at, subject: `annotation ${key}`, found: `is ${quote(value)}` });
  }
  return out;
}

/** The SELinux types baseline allows (container_engine_t since v1.31); '' is unset. */
export const SELINUX_TYPES: readonly string[] = [
  'container_t',
  'container_init_t',
  'container_kvm_t',
  'container_engine_t',
];

export const seLinuxOptions: Check = {
  id: 'seLinuxOptions',
  level: 'baseline',
  allows: `no SELinux user or role, and no SELinux type but ${SELINUX_TYPES.join(', ')}`,
  run: (pod) =>
    everySecurityContext(pod, 'seLinuxOptions', (sc, at, subject) => {
      const options = mappingOf(sc, 'seLinuxOptions');
      if (!options) return [];
      const out: Violation[] = [];
      for (const key of ['type', 'user', 'role']) {
        const v = options[key];
        if (
          isUnset(v) ||
          v === '' ||
          (key === 'type' && typeof v === 'string' && SELINUX_TYPES.includes(v))
        )
          continue;
        const path = [...at, 'securityContext', 'seLinuxOptions', key];
        out.push({
          check: '',
          at: path,
          subject,
          found: `sets securityContext.seLinuxOptions.${key} to ${quote(v)}`,
        });
      }
      return out;
    }),
};
