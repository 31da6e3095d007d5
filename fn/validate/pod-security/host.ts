// Checks that keep a pod off its node's own resources: the host's namespaces, ports on the node's
// addresses, and probes or hooks that the kubelet would send to another host (baseline).
import { isObj, type Obj } from '../../io/objects.js';
import { type Check, containersOf, isUnset, mappingOf, sets, type Violation } from './check.js';

export const hostNamespaces: Check = {
  id: 'hostNamespaces',
  level: 'baseline',
  allows: "no pod that shares the node's network, process or IPC namespace",
  run: (pod) =>
    ['hostNetwork', 'hostPID', 'hostIPC']
      .filter((key) => !isUnset(pod.spec[key]) && pod.spec[key] !== false)
      .map((key) => ({
        check: 'hostNamespaces',
        at: ['spec', key],
        subject: 'the pod',
        found: sets(key, pod.spec[key]),
      })),
};

export const hostPorts: Check = {
  id: 'hostPorts',
  level: 'baseline',
  allows: 'no container port bound on the node (hostPort unset or 0)',
  run: (pod) => {
    const out: Violation[] = [];
    for (const { container, at, subject } of containersOf(pod.spec)) {
      const ports = container.ports;
      if (!Array.isArray(ports)) continue;
      ports.forEach((p, i) => {
        const hostPort = isObj(p) ? p.hostPort : undefined;
        if (isUnset(hostPort) || hostPort === 0) return;
        const field = `ports[${i}].hostPort`;
        out.push({
          check: 'hostPorts',
          at: [...at, 'ports', i, 'hostPort'],
          subject,
          found: sets(field, hostPort),
        });
      });
    }
    return out;
  },
};

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'];
const HOOKS = ['postStart', 'preStop'];

export const hostProbesAndHostLifecycle: Check = {
  id: 'hostProbesAndHostLifecycle',
  level: 'baseline',
  allows: 'no host in a probe or lifecycle handler (the kubelet would connect to another host)',
  run: (pod) => {
    const out: Violation[] = [];
    for (const { container, at, subject } of containersOf(pod.spec)) {
      for (const probe of PROBES)
        out.push(...handlerHosts(mappingOf(container, probe), [...at, probe], subject));
      const lifecycle = mappingOf(container, 'lifecycle');
      for (const hook of HOOKS)
        out.push(...handlerHosts(mappingOf(lifecycle, hook), [...at, 'lifecycle', hook], subject));
    }
    return out;
  },
};

function handlerHosts(
  handler: Obj | undefined,
  at: (string | number)[],
  subject: string,
): Violation[] {
  const out: Violation[] = [];
  for (const action of ['httpGet', 'tcpSocket']) {
    const host = mappingOf(handler, action)?.host;
    if (isUnset(host) || host === '') continue;
    const path = [...at, action, 'host'];
    const field = path.slice(3).join('.');
    out.push({ check: 'hostProbesAndHostLifecycle', at: path, subject, found: sets(field, host) });
  }
  return out;
}
