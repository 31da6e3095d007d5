// Checks on what a container may do beyond an ordinary process: privileged mode, Linux
// capabilities, gaining privileges (set-user-ID files), Windows host processes.
import {
  type Check,
  containersOf,
  everySecurityContext,
  isUnset,
  isWindows,
  mappingOf,
  quote,
  securityField,
  type Violation,
} from './check.js';

export const privileged: Check = {
  id: 'privileged',
  level: 'baseline',
  allows: 'no privileged container',
  run: (pod) => {
    const out: Violation[] = [];
    for (const c of containersOf(pod.spec)) {
      const sc = mappingOf(c.container, 'securityContext');
      const found = securityField(sc, c.at, c.subject, 'privileged', (v) => v === false);
      out.push(...found.map((v) => ({ ...v, check: 'privileged' })));
    }
    return out;
  },
};

export const windowsHostProcess: Check = {
  id: 'windowsHostProcess',
  level: 'baseline',
  allows: 'no Windows host process',
  run: (pod) =>
    everySecurityContext(pod, 'windowsHostProcess', (sc, at, subject) => {
      const hostProcess = mappingOf(sc, 'windowsOptions')?.hostProcess;
      if (isUnset(hostProcess) || hostProcess === false) return [];
      const field = 'securityContext.windowsOptions.hostProcess';
      const path = [...at, 'securityContext', 'windowsOptions', 'hostProcess'];
      return [{ check: '', at: path, subject, found: `sets ${field} to ${quote(hostProcess)}` }];
    }),
};

export const allowPrivilegeEscalation: Check = {
  id: 'allowPrivilegeEscalation',
  level: 'restricted',
  allows: 'only containers that set securityContext.allowPrivilegeEscalation to false',
  run: (pod) => {
    if (isWindows(pod)) return [];
    const out: Violation[] = [];
    for (const c of containersOf(pod.spec)) {
      const v = mappingOf(c.container, 'securityContext')?.allowPrivilegeEscalation;
      if (v === false) continue;
      const found = isUnset(v)
        ? 'does not set securityContext.allowPrivilegeEscalation to false'
        : `sets securityContext.allowPrivilegeEscalation to ${quote(v)}`;
      const at = [...c.at, 'securityContext', 'allowPrivilegeEscalation'];
      out.push({ check: 'allowPrivilegeEscalation', at, subject: c.subject, found });
    }
    return out;
  },
};

/** The capabilities a container runtime grants by default: baseline allows adding these. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
];

/** Each added capability not in `allowed`. */
function addedBeyond(pod: Parameters<Check['run']>[0], id: string, allowed: readonly string[]) {
  const out: Violation[] = [];
  for (const c of containersOf(pod.spec)) {
    const add = mappingOf(mappingOf(c.container, 'securityContext'), 'capabilities')?.add;
    if (!Array.isArray(add)) continue;
    add.forEach((cap, i) => {
      if (typeof cap === 'string' && allowed.includes(cap)) return;
      const at = [...c.at, 'securityContext', 'capabilities', 'add', i];
      out.push({ check: id, at, subject: c.subject, found: `adds capability ${quote(cap)}` });
    });
  }
  return out;
}

export const capabilitiesBaseline: Check = {
  id: 'capabilities_baseline',
  level: 'baseline',
  allows: `no added capability but ${DEFAULT_CAPABILITIES.join(', ')}`,
  run: (pod) => addedBeyond(pod, 'capabilities_baseline', DEFAULT_CAPABILITIES),
};

export const capabilitiesRestricted: Check = {
  id: 'capabilities_restricted',
  level: 'restricted',
  allows: 'only containers that drop ALL capabilities and add none but NET_BIND_SERVICE',
  overrides: ['capabilities_baseline'],
  run: (pod) => {
    if (isWindows(pod)) return [];
    const out: Violation[] = [];
    for (const c of containersOf(pod.spec)) {
      const drop = mappingOf(mappingOf(c.container, 'securityContext'), 'capabilities')?.drop;
      if (Array.isArray(drop) && drop.includes('ALL')) continue;
      const at = [...c.at, 'securityContext', 'capabilities', 'drop'];
      const found = 'does not drop ALL capabilities (securityContext.capabilities.drop)';
      out.push({ check: 'capabilities_restricted', at, subject: c.subject, found });
    }
    return [...out, ...addedBeyond(pod, 'capabilities_restricted', ['NET_BIND_SERVICE'])];
  },
};
