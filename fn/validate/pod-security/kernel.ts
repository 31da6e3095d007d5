// Checks on what of the node's kernel a pod sees or changes: /proc's masks and sysctls.
import { isObj } from '../../io/objects.js';
import {
  type Check,
  containersOf,
  inUserNamespace,
  isUnset,
  mappingOf,
  podSecurity,
  quote,
  type Violation,
} from './check.js';

function procMounts(pod: Parameters<Check['run']>[0], check: string): Violation[] {
  const out: Violation[] = [];
  for (const c of containersOf(pod.spec)) {
    const v = mappingOf(c.container, 'securityContext')?.procMount;
    if (isUnset(v) || v === 'Default') continue;
    const at = [...c.at, 'securityContext', 'procMount'];
    out.push({
      check,
      at,
      subject: c.subject,
      found: `sets securityContext.procMount to ${quote(v)}`,
    });
  }
  return out;
}

export const procMount: Check = {
  id: 'procMount',
  level: 'baseline',
  allows:
    'only the default masks of /proc (procMount: Default), unless the pod has hostUsers: false',
  run: (pod) => (inUserNamespace(pod) ? [] : procMounts(pod, 'procMount')),
};

export const procMountRestricted: Check = {
  id: 'procMount_restricted',
  level: 'restricted',
  allows: 'only the default masks of /proc (procMount: Default)',
  overrides: ['procMount'],
  run: (pod) => procMounts(pod, 'procMount_restricted'),
};

/** The sysctls baseline allows: namespaced, and isolated from other pods (v1.37's list). */
export const SAFE_SYSCTLS: readonly string[] = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem',
  'net.ipv4.tcp_slow_start_after_idle',
  'net.ipv4.tcp_notsent_lowat',
];

export const sysctls: Check = {
  id: 'sysctls',
  level: 'baseline',
  allows: `only the safe sysctls: ${SAFE_SYSCTLS.join(', ')}`,
  run: (pod) => {
    const list = podSecurity(pod).sysctls;
    if (!Array.isArray(list)) return [];
    const out: Violation[] = [];
    list.forEach((s, i) => {
      const name = isObj(s) ? s.name : undefined;
      if (typeof name === 'string' && SAFE_SYSCTLS.includes(name)) return;
      const at = ['spec', 'securityContext', 'sysctls', i, 'name'];
      out.push({ check: 'sysctls', at, subject: 'the pod', found: `sets sysctl ${quote(name)}` });
    });
    return out;
  },
};
