// Issue 24's findings on the pods dbtls renders, each a regression test with its exact message:
// what the API server would see is what is checked (a hostPath behind a null first source, a host
// port in an init container, the AppArmor annotation), and a container of the pod template cannot
// rewrite the server's TLS settings (the hostile init container). Beside each, what KubeDB users
// write in the same places and keep writing.
import { describe, expect, it } from 'vitest';
import { errorsOf, issuer, itemsOf, postgres, resourceList, runFn } from './helpers.js';

const run = (podTemplate: unknown, spec: Record<string, unknown> = {}) =>
  runFn(resourceList([issuer(), postgres({ ...spec, podTemplate })]));
const LEVELS = "every pod dbtls renders passes Pod Security's baseline and restricted levels";
const podOf = (r: ReturnType<typeof run>) => itemsOf(r, 'StatefulSet')[0]?.spec.template.spec;

/** The hostile init container: TLS off and trust-everyone in postgresql.auto.conf. */
const HOSTILE = {
  name: 'hostile',
  image: 'postgres:16.4',
  command: [
    'sh',
    '-c',
    "printf 'local all all trust\\nhost all all all trust\\n' > /var/lib/postgresql/pgdata/hba.conf\n" +
      'printf "ssl = off\\nhba_file = \'/var/lib/postgresql/pgdata/hba.conf\'\\n" >> /var/lib/postgresql/pgdata/postgresql.auto.conf\n',
  ],
  volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql' }],
};

describe('issue 24: Pod Security on what is rendered', () => {
  it('a hostPath behind a null emptyDir is the hostPath the API server sees', () => {
    const r = run({
      spec: { volumes: [{ name: 'host', emptyDir: null, hostPath: { path: '/' } }] },
    });
    expect(errorsOf(r)).toEqual([
      {
        severity: 'error',
        field: 'spec.podTemplate.spec.volumes[0].hostPath',
        message: `volume "host" is a hostPath volume: Pod Security's baseline check hostPathVolumes allows no hostPath volume; ${LEVELS}`,
      },
    ]);
    expect(podOf(r)).toBeUndefined();
  });

  it('a volume with two sources is refused as the API server refuses it, and its hostPath too', () => {
    const r = run({ spec: { volumes: [{ name: 'two', emptyDir: {}, hostPath: { path: '/' } }] } });
    expect(errorsOf(r).map((e) => e.field)).toEqual([
      'spec.podTemplate.spec.volumes[0]',
      'spec.podTemplate.spec.volumes[0].hostPath',
    ]);
    expect(errorsOf(r)[0].message).toBe(
      `volume "two" has 2 sources (emptyDir, hostPath): the API server's volume validation allows exactly one source per volume; ${LEVELS}`,
    );
  });

  it('a hostPort in an init container is refused', () => {
    const init = {
      name: 'listen',
      image: 'busybox:1.37',
      ports: [{ containerPort: 80, hostPort: 80 }],
    };
    expect(errorsOf(run({ spec: { initContainers: [init] } }))).toEqual([
      {
        severity: 'error',
        field: 'spec.podTemplate.spec.initContainers[0].ports[0].hostPort',
        message: `init container "listen" sets ports[0].hostPort to 80: Pod Security's baseline check hostPorts allows no container port bound on the node (hostPort unset or 0); ${LEVELS}`,
      },
    ]);
  });

  it('the AppArmor annotation unconfined is refused; runtime/default and localhost/ render', () => {
    const key = 'container.apparmor.security.beta.kubernetes.io/postgres';
    expect(errorsOf(run({ metadata: { annotations: { [key]: 'unconfined' } } }))).toEqual([
      {
        severity: 'error',
        field: `spec.podTemplate.metadata.annotations.${key}`,
        message: `annotation ${key} is "unconfined": Pod Security's baseline check appArmorProfile allows only the RuntimeDefault or a Localhost AppArmor profile (in the annotation: runtime/default, localhost/<profile> or empty); ${LEVELS}`,
      },
    ]);
    for (const ok of ['runtime/default', 'localhost/db-profile'])
      expect(errorsOf(run({ metadata: { annotations: { [key]: ok } } }))).toEqual([]);
  });
});

describe('issue 24: TLS undone from inside the pod', () => {
  it("the hostile init container, writing the data directory's postgresql.auto.conf, is refused", () => {
    const r = run({ spec: { initContainers: [HOSTILE] } }, { sslMode: 'verify-full' });
    expect(errorsOf(r)).toEqual([
      {
        severity: 'error',
        field: 'spec.podTemplate.spec.initContainers[0].volumeMounts[0]',
        message:
          'init container "hostile" mounts volume "data" writable: it holds the server\'s data directory, where the server also reads settings of its own (postgresql.auto.conf, mysqld-auto.cnf), so a container of the pod template could rewrite the server\'s settings, TLS among them; mount it with readOnly: true',
      },
    ]);
    expect(podOf(r)).toBeUndefined();
  });

  it('the same container mounting the data directory read-only renders (it can read, not rewrite)', () => {
    const readOnly = { ...HOSTILE, volumeMounts: [{ ...HOSTILE.volumeMounts[0], readOnly: true }] };
    const r = run({ spec: { initContainers: [readOnly] } });
    expect(errorsOf(r)).toEqual([]);
    const init = podOf(r).initContainers.find((c: any) => c.name === 'hostile');
    expect(init.volumeMounts).toEqual([
      { name: 'data', mountPath: '/var/lib/postgresql', readOnly: true },
    ]);
  });

  it("the server's own data claim under another volume's name is refused", () => {
    const r = run({
      spec: {
        volumes: [{ name: 'mine', persistentVolumeClaim: { claimName: 'data-pg-0' } }],
        initContainers: [
          { ...HOSTILE, volumeMounts: [{ name: 'mine', mountPath: '/var/lib/postgresql' }] },
        ],
      },
    });
    expect(errorsOf(r)).toEqual([
      {
        severity: 'error',
        field: 'spec.podTemplate.spec.volumes[0].persistentVolumeClaim.claimName',
        message:
          '"data-pg-0" is a claim of StatefulSet pg\'s own volume "data" (the server\'s data directory): mount volume "data" read-only instead',
      },
    ]);
    // another claim of the namespace is the user's to mount
    const other = run({
      spec: {
        volumes: [{ name: 'mine', persistentVolumeClaim: { claimName: 'data-pg-archive' } }],
      },
    });
    expect(errorsOf(other)).toEqual([]);
  });

  it("init containers that KubeDB users write keep rendering: their own volumes, dbtls's configuration read-only", () => {
    const r = run({
      spec: {
        volumes: [{ name: 'seed', emptyDir: {} }],
        initContainers: [
          {
            name: 'wait',
            image: 'busybox:1.37',
            command: ['sh', '-c', 'until nslookup pg; do sleep 1; done'],
          },
          {
            name: 'fetch',
            image: 'busybox:1.37',
            volumeMounts: [
              { name: 'seed', mountPath: '/seed' },
              // a configMap and a secret volume the kubelet mounts read-only whatever the mount says
              { name: 'config', mountPath: '/dbtls-config' },
              { name: 'server-cert', mountPath: '/server-cert' },
            ],
          },
        ],
        containers: [{ name: 'postgres', volumeMounts: [{ name: 'seed', mountPath: '/seed' }] }],
      },
    });
    expect(errorsOf(r)).toEqual([]);
  });

  it("dbtls's emptyDir volumes are refused writable to a user's init container, as the data volume is", () => {
    const r = run({
      spec: {
        initContainers: [
          {
            name: 'trust',
            image: 'busybox:1.37',
            volumeMounts: [{ name: 'tls-trust', mountPath: '/t' }],
          },
        ],
      },
    });
    expect(errorsOf(r)).toEqual([
      {
        severity: 'error',
        field: 'spec.podTemplate.spec.initContainers[0].volumeMounts[0]',
        message:
          'init container "trust" mounts volume "tls-trust" writable: it holds files dbtls\'s containers share with the server (its start-up, configuration or certificates), so a container of the pod template could rewrite the server\'s settings, TLS among them; mount it with readOnly: true',
      },
    ]);
  });

  it("a mount at a parent of one of dbtls's renders (the runtime mounts dbtls's on top)", () => {
    const r = run({
      spec: {
        volumes: [{ name: 'scratch', emptyDir: {} }],
        containers: [{ name: 'postgres', volumeMounts: [{ name: 'scratch', mountPath: '/tls' }] }],
      },
    });
    expect(errorsOf(r)).toEqual([]);
  });
});
