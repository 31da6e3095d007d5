// For the class, not the examples: pod templates generated from every kind of setting the checks
// look at (host namespaces, security contexts of the pod and its containers, volumes of one or
// two sources, host ports, probe hosts, annotations, mounts of dbtls's volumes, sidecars), in
// any combination and of any type. Whatever is generated, either the run refuses it with errors
// naming fields of spec.podTemplate, or the pod it renders passes both Pod Security levels and
// no user container can write the server's data or dbtls's shared volumes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { podViolations, SERVER_CHECKS } from '../fn/validate/pod-security/index.js';
import { errorsOf, issuer, itemsOf, postgres, resourceList, runFn } from './helpers.js';

const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const anyValue = fc.oneof(
  fc.boolean(),
  fc.constantFrom(0, 1000, '0', 'true', null, 'Unconfined', 'RuntimeDefault', 'Localhost'),
);
const profile = fc.record(
  { type: fc.constantFrom('RuntimeDefault', 'Localhost', 'Unconfined', 'other', '') },
  { requiredKeys: [] },
);
const securityContext = fc.record(
  {
    privileged: anyValue,
    allowPrivilegeEscalation: anyValue,
    runAsNonRoot: anyValue,
    runAsUser: anyValue,
    runAsGroup: anyValue,
    procMount: fc.constantFrom('Default', 'Unmasked', null),
    seccompProfile: profile,
    appArmorProfile: profile,
    seLinuxOptions: fc.record(
      {
        type: fc.constantFrom('container_t', 'spc_t', ''),
        user: fc.constantFrom('', 'system_u'),
        role: fc.constantFrom('', 'sysadm_r'),
      },
      { requiredKeys: [] },
    ),
    windowsOptions: fc.record({ hostProcess: anyValue }),
    capabilities: fc.record(
      {
        add: fc.array(fc.constantFrom('NET_BIND_SERVICE', 'CHOWN', 'SYS_ADMIN', 'NET_RAW', 'ALL')),
        drop: fc.array(fc.constantFrom('ALL', 'NET_RAW')),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
);
const podSecurityContext = fc.record(
  {
    runAsNonRoot: anyValue,
    runAsUser: anyValue,
    fsGroup: fc.constantFrom(0, 1000),
    supplementalGroups: fc.array(fc.constantFrom(0, 1000), { maxLength: 2 }),
    seccompProfile: profile,
    appArmorProfile: profile,
    sysctls: fc.array(
      fc.record({
        name: fc.constantFrom('net.ipv4.tcp_keepalive_time', 'kernel.msgmax', 'net.core.somaxconn'),
        value: fc.constant('1'),
      }),
      { maxLength: 2 },
    ),
    windowsOptions: fc.record({ hostProcess: anyValue }),
  },
  { requiredKeys: [] },
);
const SOURCES: Record<string, unknown> = {
  emptyDir: {},
  hostPath: { path: '/' },
  nfs: { server: 'nfs', path: '/' },
  configMap: { name: 'cm' },
  secret: { secretName: 's' },
  image: { reference: 'busybox' },
  gitRepo: { repository: 'x' },
  hostpath: { path: '/' },
  persistentVolumeClaim: { claimName: 'data-pg-0' },
};
const volume = (i: number) =>
  fc
    .record({
      sources: fc.subarray(Object.keys(SOURCES), { minLength: 1, maxLength: 2 }),
      nullFirst: fc.boolean(),
    })
    .map(({ sources, nullFirst }) => ({
      name: `v${i}`,
      ...(nullFirst ? { emptyDir: null } : {}),
      ...Object.fromEntries(sources.map((s) => [s, SOURCES[s]])),
    }));
const mount = fc.record({
  name: fc.constantFrom('data', 'config', 'tls-trust', 'server-cert', 'v0'),
  mountPath: fc.constantFrom('/a', '/var/lib/postgresql', '/tls/certs/server/x'),
  readOnly: fc.boolean(),
});
const initContainer = (i: number) =>
  fc.record(
    {
      name: fc.constant(`init${i}`),
      image: fc.constant('busybox:1.37'),
      securityContext,
      ports: fc.array(
        fc.record({ containerPort: fc.constant(80), hostPort: fc.constantFrom(0, 80) }),
      ),
      livenessProbe: fc.record({
        httpGet: fc.record({ port: fc.constant(80), host: fc.constantFrom('', 'evil') }),
      }),
      volumeMounts: fc.array(mount, { maxLength: 2 }),
      restartPolicy: fc.constantFrom('Always', 'OnFailure'),
    },
    { requiredKeys: ['name', 'image'] },
  );
const template = fc.record(
  {
    metadata: fc.record({
      annotations: fc.dictionary(
        fc.constantFrom(
          'container.apparmor.security.beta.kubernetes.io/postgres',
          'container.seccomp.security.alpha.kubernetes.io/postgres',
          'seccomp.security.alpha.kubernetes.io/pod',
          'example.com/team',
        ),
        fc.constantFrom('unconfined', 'runtime/default', 'localhost/x', ''),
      ),
    }),
    spec: fc.record(
      {
        hostNetwork: fc.boolean(),
        hostPID: fc.boolean(),
        hostUsers: fc.boolean(),
        securityContext: podSecurityContext,
        volumes: fc.tuple(volume(0), maybe(volume(1))).map((vs) => vs.filter((v) => v)),
        containers: fc.tuple(
          fc.record(
            {
              name: fc.constant('postgres'),
              securityContext,
              volumeMounts: fc.array(mount, { maxLength: 1 }),
            },
            { requiredKeys: ['name'] },
          ),
        ),
        initContainers: fc
          .tuple(initContainer(0), maybe(initContainer(1)))
          .map((cs) => cs.filter((c) => c)),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
);

/** Templates of allowed settings only, so that both outcomes are reached. */
const safeContext = fc.record(
  {
    allowPrivilegeEscalation: fc.constant(false),
    runAsUser: fc.constantFrom(1000, 70),
    seccompProfile: fc.record({ type: fc.constantFrom('RuntimeDefault', 'Localhost') }),
    capabilities: fc.record({ add: fc.constant(['NET_BIND_SERVICE']) }),
    seLinuxOptions: fc.record({ type: fc.constantFrom('container_t', '') }),
  },
  { requiredKeys: [] },
);
const safeTemplate = fc.record(
  {
    metadata: fc.record({
      annotations: fc.dictionary(
        fc.constantFrom(
          'container.apparmor.security.beta.kubernetes.io/postgres',
          'example.com/team',
        ),
        fc.constantFrom('runtime/default', 'localhost/x', ''),
      ),
    }),
    spec: fc.record(
      {
        hostNetwork: fc.constant(false),
        hostUsers: fc.boolean(),
        securityContext: fc.record(
          {
            fsGroup: fc.constant(1000),
            seccompProfile: fc.record({ type: fc.constantFrom('RuntimeDefault', 'Localhost') }),
            sysctls: fc.constant([{ name: 'net.ipv4.tcp_keepalive_time', value: '60' }]),
          },
          { requiredKeys: [] },
        ),
        volumes: fc.constantFrom(
          [{ name: 'v0', emptyDir: {} }],
          [{ name: 'v0', emptyDir: null, configMap: { name: 'cm' } }],
          [{ name: 'v0', image: { reference: 'busybox' } }],
        ),
        containers: fc.tuple(
          fc.record({ name: fc.constant('postgres'), securityContext: safeContext }),
        ),
        initContainers: fc.array(
          fc.record(
            {
              name: fc.constantFrom('init0', 'init1'),
              image: fc.constant('busybox:1.37'),
              securityContext: safeContext,
              // the mount rules' cases: dbtls's volumes read-only or not, a sidecar or not
              volumeMounts: fc.array(mount, { maxLength: 2 }),
              restartPolicy: fc.constantFrom('Always', 'OnFailure'),
            },
            { requiredKeys: ['name', 'image'] },
          ),
          { maxLength: 1 },
        ),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
);

const OWN_WRITABLE = ['data', 'tls-trust'];

describe('generated pod templates', () => {
  it('are refused naming a template field, or render a pod that passes both levels', () => {
    let rendered = 0;
    fc.assert(
      fc.property(fc.oneof(template, safeTemplate), (podTemplate) => {
        const r = runFn(resourceList([issuer(), postgres({ podTemplate })]));
        const errors = errorsOf(r);
        const sts = itemsOf(r, 'StatefulSet')[0];
        if (errors.length > 0) {
          for (const e of errors) expect(e.field, e.message).toMatch(/^spec\.podTemplate(\.|$)/);
          expect(sts).toBeUndefined();
          return;
        }
        rendered++;
        const pod = sts.spec.template;
        expect(podViolations(pod, SERVER_CHECKS)).toEqual([]);
        for (const c of pod.spec.initContainers ?? []) {
          if (!c.name.startsWith('init')) continue;
          expect(c.restartPolicy).not.toBe('Always');
          for (const m of c.volumeMounts ?? [])
            if (OWN_WRITABLE.includes(m.name)) expect(m.readOnly).toBe(true);
        }
        for (const v of pod.spec.volumes ?? [])
          expect(v.persistentVolumeClaim?.claimName).not.toBe('data-pg-0');
      }),
      { numRuns: 150, seed: 24 },
    );
    // the generators reach both outcomes
    expect(rendered).toBeGreaterThan(40);
  });
});
