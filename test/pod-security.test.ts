// Pod Security's `restricted` level (kubernetes.io/docs/concepts/security/pod-security-standards),
// applied to every pod dbtls renders for the examples: what a namespace that enforces it admits.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseYamlStream } from '../fn/io/yaml.js';
import { podViolations, SERVER_CHECKS } from '../fn/validate/pod-security/index.js';
import { ROOT } from './helpers.js';

const ALLOWED_VOLUMES = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
];

/** Each way `pod` (a pod spec) falls short of the restricted level, as the admission names it. */
function restrictedViolations(pod: any): string[] {
  const out: string[] = [];
  const podSc = pod.securityContext ?? {};
  const containers = [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) out.push('host namespaces');
  for (const v of pod.volumes ?? []) {
    const type = Object.keys(v).find((k) => k !== 'name');
    if (!ALLOWED_VOLUMES.includes(String(type))) out.push(`volume ${v.name} of type ${type}`);
  }
  if (podSc.runAsUser === 0) out.push('pod runAsUser 0');
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    const at = `container ${c.name}`;
    if (sc.privileged) out.push(`${at}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) out.push(`${at}: allowPrivilegeEscalation != false`);
    const drop: string[] = sc.capabilities?.drop ?? [];
    if (!drop.includes('ALL')) out.push(`${at}: capabilities not dropping ALL`);
    const add: string[] = sc.capabilities?.add ?? [];
    if (add.some((a) => a !== 'NET_BIND_SERVICE')) out.push(`${at}: capabilities added ${add}`);
    if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true) out.push(`${at}: runAsNonRoot != true`);
    if ((sc.runAsUser ?? podSc.runAsUser) === 0) out.push(`${at}: runAsUser 0`);
    const seccomp = (sc.seccompProfile ?? podSc.seccompProfile)?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') out.push(`${at}: seccompProfile`);
    for (const p of c.ports ?? []) if (p.hostPort) out.push(`${at}: hostPort`);
  }
  return out;
}

const examples = readdirSync(join(ROOT, 'examples')).filter((d) =>
  existsSync(join(ROOT, 'examples', d, '.expected/manifests.yaml')),
);

describe('every rendered pod passes Pod Security restricted', () => {
  it('renders pods to check', () => {
    const pods = examples.flatMap((d) => podsOf(d));
    expect(pods.length).toBeGreaterThan(10);
  });
  for (const d of examples) {
    it(d, () => {
      for (const { name, pod } of podsOf(d)) expect(restrictedViolations(pod), name).toEqual([]);
    });
  }

  it("and dbtls's own checks of both levels (fn/validate/pod-security/) find nothing either", () => {
    for (const d of examples)
      for (const { name, template } of podsOf(d))
        expect(podViolations(template, SERVER_CHECKS), name).toEqual([]);
  });

  it('the rules catch what restricted refuses', () => {
    const ok = {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'c',
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        },
      ],
    };
    expect(restrictedViolations(ok)).toEqual([]);
    expect(restrictedViolations({ ...ok, securityContext: { runAsNonRoot: true } })).toEqual([
      'container c: seccompProfile',
    ]);
    expect(
      restrictedViolations({ ...ok, volumes: [{ name: 'h', hostPath: { path: '/' } }] }),
    ).toEqual(['volume h of type hostPath']);
  });
});

/** The pods of the StatefulSets dbtls renders for an example (its golden output). */
function podsOf(example: string): { name: string; pod: any; template: any }[] {
  const text = readFileSync(join(ROOT, 'examples', example, '.expected/manifests.yaml'), 'utf8');
  return (parseYamlStream(text) as any[])
    .filter(
      (o) => o?.kind === 'StatefulSet' && o.metadata?.annotations?.['dbtls.dev/generated-from'],
    )
    .map((o) => ({
      name: `${example}: StatefulSet/${o.metadata.name}`,
      pod: o.spec.template.spec,
      template: { metadata: o.spec.template.metadata ?? {}, spec: o.spec.template.spec },
    }));
}
