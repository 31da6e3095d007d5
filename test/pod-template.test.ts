// spec.podTemplate in standalone mode (fn/render/pod-template.ts): what each kind's StatefulSets
// take from it, KubeDB's default resources, the PodDisruptionBudget, and every refusal and
// warning with its exact message and field.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KINDS } from '../fn/kinds/index.js';
import {
  COPIED_POD_FIELDS,
  DEFAULT_INIT_RESOURCES,
  DEFAULT_RESOURCES,
  fillResources,
  OPERATOR_POD_FIELDS,
  quantity,
} from '../fn/render/pod-template.js';
import {
  errorsOf,
  issuer,
  itemsOf,
  postgres,
  resourceList,
  resultsOf,
  ROOT,
  runFn,
  type SimpleResult,
} from './helpers.js';

const run = (db: unknown) => runFn(resourceList([issuer(), db]));
const ISSUER = { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' };
/** The pod spec of the StatefulSet named `name` (the first one without a name). */
const podOf = (r: ReturnType<typeof run>, name?: string) =>
  itemsOf(r, 'StatefulSet').find((s) => name === undefined || s.metadata.name === name).spec
    .template;
const containerOf = (pod: any, name: string) =>
  pod.spec.containers.find((c: any) => c.name === name);
/** The results about the pod template only. */
const templateResults = (r: ReturnType<typeof run>): SimpleResult[] =>
  resultsOf(r).filter((x) => /podTemplate/.test(x.field ?? ''));
const warn = (field: string, message: string) => ({ severity: 'warning', field, message });
const error = (field: string, message: string) => ({ severity: 'error', field, message });
/** A refusal by the Pod Security check of the rendered pod (fn/validate/pod-security/). */
const PSS = (what: string, level: string, check: string, allows: string) =>
  `${what}: Pod Security's ${level} check ${check} allows ${allows}; every pod dbtls renders ` +
  "passes Pod Security's baseline and restricted levels";
const OPERATOR_ONLY = (what: string) =>
  `${what}: applied by the KubeDB operator only; standalone mode does not render it (use mode: operator to keep it)`;

const KUBEDB_DEFAULT = { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '1Gi' } };

describe('spec.podTemplate (api/v2: KubeDB v1 kinds)', () => {
  const production = postgres({
    replicas: 3,
    podTemplate: {
      metadata: { labels: { team: 'payments' }, annotations: { 'example.com/owner': 'db-team' } },
      controller: { labels: { tier: 'database' } },
      spec: {
        nodeSelector: { 'node.kubernetes.io/pool': 'databases' },
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }],
        priorityClassName: 'database-critical',
        serviceAccountName: 'pg',
        imagePullSecrets: [{ name: 'registry' }],
        securityContext: { fsGroupChangePolicy: 'OnRootMismatch' },
        volumes: [{ name: 'scratch', emptyDir: { sizeLimit: '1Gi' } }],
        containers: [
          {
            name: 'postgres',
            resources: { requests: { cpu: '2', memory: '4Gi' }, limits: { memory: '4Gi' } },
            env: [{ name: 'TZ', value: 'UTC' }],
            securityContext: { readOnlyRootFilesystem: false },
            volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }],
          },
          { name: 'tls-reloader', resources: { requests: { cpu: '10m', memory: '16Mi' } } },
        ],
        initContainers: [{ name: 'wait-for-disk', image: 'busybox:1.37', command: ['true'] }],
      },
    },
  });

  it('applies every honoured field to the pods and the StatefulSet, and says nothing', () => {
    const r = run(production);
    expect(templateResults(r)).toEqual([]);
    const sts = itemsOf(r, 'StatefulSet')[0];
    expect(sts.metadata.labels.tier).toBe('database');
    const pod = podOf(r);
    expect(pod.metadata).toEqual({
      labels: {
        'app.kubernetes.io/name': 'postgreses.kubedb.com',
        'app.kubernetes.io/instance': 'pg',
        team: 'payments',
      },
      annotations: { 'example.com/owner': 'db-team' },
    });
    expect(pod.spec.nodeSelector).toEqual({ 'node.kubernetes.io/pool': 'databases' });
    expect(pod.spec.tolerations).toEqual([
      { key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' },
    ]);
    expect(pod.spec.priorityClassName).toBe('database-critical');
    expect(pod.spec.serviceAccountName).toBe('pg');
    expect(pod.spec.imagePullSecrets).toEqual([{ name: 'registry' }]);
    // merged with the secure defaults, which stay
    expect(pod.spec.securityContext).toEqual({
      runAsUser: 999,
      runAsGroup: 999,
      fsGroup: 999,
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
      fsGroupChangePolicy: 'OnRootMismatch',
    });
    const pg = containerOf(pod, 'postgres');
    expect(pg.resources).toEqual({
      requests: { cpu: '2', memory: '4Gi' },
      limits: { memory: '4Gi' },
    });
    expect(pg.env.map((e: any) => e.name)).toEqual([
      'POSTGRES_USER',
      'POSTGRES_PASSWORD',
      'PGDATA',
      'TZ',
    ]);
    expect(pg.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: false,
    });
    expect(pg.volumeMounts.at(-1)).toEqual({ name: 'scratch', mountPath: '/scratch' });
    expect(pod.spec.volumes.at(-1)).toEqual({ name: 'scratch', emptyDir: { sizeLimit: '1Gi' } });
    expect(containerOf(pod, 'tls-reloader').resources).toEqual({
      requests: { cpu: '10m', memory: '16Mi' },
    });
    // the user's init container, held to the secure defaults, with KubeDB's init default
    expect(pod.spec.initContainers).toEqual([
      {
        name: 'wait-for-disk',
        image: 'busybox:1.37',
        command: ['true'],
        resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '512Mi' } },
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      },
    ]);
  });

  it("keeps dbtls's selector labels and TLS env, and says which entry it ignored", () => {
    const r = run(
      postgres({
        podTemplate: {
          metadata: { labels: { 'app.kubernetes.io/instance': 'other' } },
          spec: {
            containers: [
              { name: 'postgres', env: [{ name: 'PGDATA', value: '/tmp' }], args: ['-c', 'x'] },
              { name: 'exporter', image: 'prom/postgres-exporter' },
            ],
            podPlacementPolicy: { name: 'default' },
          },
        },
      }),
    );
    expect(templateResults(r)).toEqual([
      warn(
        'spec.podTemplate.metadata.labels.app.kubernetes.io/instance',
        'dbtls sets label app.kubernetes.io/instance to "pg" (the workload selects its pods by it); "other" is ignored',
      ),
      warn(
        'spec.podTemplate.spec.podPlacementPolicy',
        OPERATOR_ONLY('podPlacementPolicy (names a PlacementPolicy that the operator resolves)'),
      ),
      warn('spec.podTemplate.spec.containers[0].args', OPERATOR_ONLY('args of container postgres')),
      warn(
        'spec.podTemplate.spec.containers[0].env[0].name',
        "PGDATA is set by dbtls in container postgres (its TLS and start settings) and keeps dbtls's value; this entry is ignored",
      ),
      warn(
        'spec.podTemplate.spec.containers[1].name',
        'standalone mode renders no container "exporter" (its containers: postgres, tls-reloader); this entry is ignored',
      ),
    ]);
    const pg = containerOf(podOf(r), 'postgres');
    expect(pg.env.find((e: any) => e.name === 'PGDATA').value).toBe('/var/lib/postgresql/pgdata');
    expect(pg.args).toBeUndefined();
  });

  it('refuses every setting that would loosen the secure defaults, naming the field', () => {
    const r = run(
      postgres({
        podTemplate: {
          spec: {
            hostNetwork: true,
            securityContext: { runAsNonRoot: false, seccompProfile: { type: 'Unconfined' } },
            volumes: [{ name: 'host', hostPath: { path: '/' } }],
            containers: [
              {
                name: 'postgres',
                securityContext: {
                  privileged: true,
                  allowPrivilegeEscalation: true,
                  runAsUser: 0,
                  capabilities: { add: ['NET_BIND_SERVICE', 'SYS_ADMIN'] },
                },
              },
            ],
            initContainers: [
              { name: 'fix', image: 'busybox', securityContext: { procMount: 'Unmasked' } },
            ],
          },
        },
      }),
    );
    const c = 'spec.podTemplate.spec.containers[0].securityContext';
    expect(errorsOf(r)).toEqual([
      error(
        'spec.podTemplate.spec.hostNetwork',
        PSS(
          'the pod sets hostNetwork to true',
          'baseline',
          'hostNamespaces',
          "no pod that shares the node's network, process or IPC namespace",
        ),
      ),
      error(
        `${c}.privileged`,
        PSS(
          'container "postgres" sets securityContext.privileged to true',
          'baseline',
          'privileged',
          'no privileged container',
        ),
      ),
      error(
        `${c}.capabilities.add[1]`,
        PSS(
          'container "postgres" adds capability "SYS_ADMIN"',
          'baseline',
          'capabilities_baseline',
          'no added capability but AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT',
        ),
      ),
      error(
        'spec.podTemplate.spec.volumes[0].hostPath',
        PSS(
          'volume "host" is a hostPath volume',
          'baseline',
          'hostPathVolumes',
          'no hostPath volume',
        ),
      ),
      error(
        'spec.podTemplate.spec.initContainers[0].securityContext.procMount',
        PSS(
          'init container "fix" sets securityContext.procMount to "Unmasked"',
          'baseline',
          'procMount',
          'only the default masks of /proc (procMount: Default), unless the pod has hostUsers: false',
        ),
      ),
      error(
        'spec.podTemplate.spec.securityContext.seccompProfile.type',
        PSS(
          'the pod sets securityContext.seccompProfile.type to "Unconfined"',
          'baseline',
          'seccompProfile_baseline',
          'only the RuntimeDefault or a Localhost seccomp profile',
        ),
      ),
      error(
        `${c}.allowPrivilegeEscalation`,
        PSS(
          'container "postgres" sets securityContext.allowPrivilegeEscalation to true',
          'restricted',
          'allowPrivilegeEscalation',
          'only containers that set securityContext.allowPrivilegeEscalation to false',
        ),
      ),
      error(
        'spec.podTemplate.spec.securityContext.runAsNonRoot',
        PSS(
          'the pod sets securityContext.runAsNonRoot to false',
          'restricted',
          'runAsNonRoot',
          'only pods whose containers must run as a non-root user (runAsNonRoot: true)',
        ),
      ),
      error(
        `${c}.runAsUser`,
        PSS(
          'container "postgres" sets securityContext.runAsUser to 0',
          'restricted',
          'runAsUser',
          'no container running as user 0 (root)',
        ),
      ),
    ]);
    expect(itemsOf(r, 'StatefulSet')).toEqual([]);
  });

  it('refuses what the baseline level forbids: sysctls, AppArmor, SELinux; keeps own labels', () => {
    const r = run(
      postgres({
        podTemplate: {
          controller: { labels: { 'app.kubernetes.io/managed-by': 'helm' } },
          spec: {
            securityContext: {
              sysctls: [
                { name: 'net.ipv4.tcp_keepalive_time', value: '60' },
                { name: 'kernel.msgmax', value: '65536' },
              ],
              seLinuxOptions: { type: 'spc_t' },
            },
            containers: [
              {
                name: 'postgres',
                securityContext: {
                  appArmorProfile: { type: 'Unconfined' },
                  seLinuxOptions: { user: 'system_u' },
                },
              },
            ],
          },
        },
      }),
    );
    const c = 'spec.podTemplate.spec.containers[0].securityContext';
    expect(templateResults(r)).toEqual([
      warn(
        'spec.podTemplate.controller.labels.app.kubernetes.io/managed-by',
        'dbtls sets label app.kubernetes.io/managed-by to "dbtls" (dbtls marks its own output by it); "helm" is ignored',
      ),
      error(
        `${c}.appArmorProfile.type`,
        PSS(
          'container "postgres" sets securityContext.appArmorProfile.type to "Unconfined"',
          'baseline',
          'appArmorProfile',
          'only the RuntimeDefault or a Localhost AppArmor profile (in the annotation: runtime/default, localhost/<profile> or empty)',
        ),
      ),
      error(
        'spec.podTemplate.spec.securityContext.seLinuxOptions.type',
        PSS(
          'the pod sets securityContext.seLinuxOptions.type to "spc_t"',
          'baseline',
          'seLinuxOptions',
          'no SELinux user or role, and no SELinux type but container_t, container_init_t, container_kvm_t, container_engine_t',
        ),
      ),
      error(
        `${c}.seLinuxOptions.user`,
        PSS(
          'container "postgres" sets securityContext.seLinuxOptions.user to "system_u"',
          'baseline',
          'seLinuxOptions',
          'no SELinux user or role, and no SELinux type but container_t, container_init_t, container_kvm_t, container_engine_t',
        ),
      ),
      error(
        'spec.podTemplate.spec.securityContext.sysctls[1].name',
        PSS(
          'the pod sets sysctl "kernel.msgmax"',
          'baseline',
          'sysctls',
          'only the safe sysctls: kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, net.ipv4.ip_unprivileged_port_start, net.ipv4.ip_local_reserved_ports, net.ipv4.tcp_keepalive_time, net.ipv4.tcp_fin_timeout, net.ipv4.tcp_keepalive_intvl, net.ipv4.tcp_keepalive_probes, net.ipv4.tcp_rmem, net.ipv4.tcp_wmem, net.ipv4.tcp_slow_start_after_idle, net.ipv4.tcp_notsent_lowat',
        ),
      ),
    ]);
  });

  it('refuses values of the wrong type and names clashing with dbtls', () => {
    const r = run(
      postgres({
        podTemplate: {
          spec: {
            nodeSelector: ['ssd'],
            tolerations: { key: 'a' },
            priority: '10',
            volumes: [{ name: 'data', emptyDir: {} }],
            containers: [
              {
                name: 'postgres',
                resources: { requests: { memory: 'lots' }, limits: [] },
                env: { TZ: 'UTC' },
                volumeMounts: [{ name: 'config', mountPath: '/etc/dbtls' }],
              },
            ],
          },
        },
      }),
    );
    const c = 'spec.podTemplate.spec.containers[0]';
    expect(errorsOf(r)).toEqual([
      error(
        'spec.podTemplate.spec.nodeSelector',
        'spec.podTemplate.spec.nodeSelector must be a mapping of strings, got a list',
      ),
      error(
        'spec.podTemplate.spec.tolerations',
        'spec.podTemplate.spec.tolerations must be a list, got a mapping',
      ),
      error(
        'spec.podTemplate.spec.priority',
        'spec.podTemplate.spec.priority must be an integer, got the string "10"',
      ),
      error(
        'spec.podTemplate.spec.volumes[0].name',
        '"data" is a volume dbtls renders; choose another name',
      ),
      error(
        `${c}.resources.requests.memory`,
        '"lots" is not a Kubernetes quantity (e.g. 500m, 2Gi)',
      ),
      error(`${c}.resources.limits`, `${c}.resources.limits must be a mapping, got a list`),
      error(`${c}.env`, `${c}.env must be a list, got a mapping`),
      error(
        `${c}.volumeMounts[0].mountPath`,
        '/etc/dbtls is where dbtls mounts a volume of its own; choose another path',
      ),
    ]);
  });

  it('gives containers without resources KubeDB defaults, filling in what the user left out', () => {
    const pod = podOf(run(postgres()));
    expect(containerOf(pod, 'postgres').resources).toEqual(KUBEDB_DEFAULT);
    expect(containerOf(pod, 'tls-reloader').resources).toEqual({
      requests: { cpu: '5m', memory: '16Mi' },
      limits: { memory: '32Mi' },
    });
    const only = (resources: unknown) =>
      containerOf(
        podOf(
          run(
            postgres({ podTemplate: { spec: { containers: [{ name: 'postgres', resources }] } } }),
          ),
        ),
        'postgres',
      ).resources;
    // a limit alone is also the request; a request alone also the limit (SetDefaultResourceLimits)
    expect(only({ limits: { memory: '2Gi' } })).toEqual({
      requests: { cpu: '500m', memory: '2Gi' },
      limits: { memory: '2Gi' },
    });
    expect(only({ requests: { memory: '3Gi' } })).toEqual({
      requests: { memory: '3Gi', cpu: '500m' },
      limits: { memory: '3Gi' },
    });
  });

  it('fills resources as apimachinery SetDefaultResourceLimits does', () => {
    // a limit below the request is raised to it
    expect(
      fillResources({ requests: { memory: '3Gi' }, limits: { memory: '2Gi' } }, KUBEDB_DEFAULT),
    ).toEqual({
      requests: { memory: '3Gi', cpu: '500m' },
      limits: { memory: '3Gi' },
    });
    expect(fillResources(undefined, KUBEDB_DEFAULT)).toBe(fillResources(undefined, KUBEDB_DEFAULT));
    expect([quantity('500m'), quantity('1Gi'), quantity('1.5'), quantity('2e3')]).toEqual([
      0.5,
      2 ** 30,
      1.5,
      2000,
    ]);
    expect([quantity('1 Gi'), quantity('-1'), quantity('Gi')]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('PodDisruptionBudget', () => {
  const pdbOf = (replicas: number) => itemsOf(run(postgres({ replicas })), 'PodDisruptionBudget');

  it('is rendered as KubeDB keeps it: replicas > 1, maxUnavailable max(1, (replicas-1)/2)', () => {
    expect(pdbOf(1)).toEqual([]);
    expect(pdbOf(3)).toEqual([
      {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: {
          name: 'pg',
          namespace: 'demo',
          labels: {
            'app.kubernetes.io/name': 'postgreses.kubedb.com',
            'app.kubernetes.io/instance': 'pg',
            'app.kubernetes.io/managed-by': 'dbtls',
          },
          annotations: { 'dbtls.dev/generated-from': 'Postgres/demo/pg' },
        },
        spec: {
          maxUnavailable: 1,
          selector: {
            matchLabels: {
              'app.kubernetes.io/name': 'postgreses.kubedb.com',
              'app.kubernetes.io/instance': 'pg',
            },
          },
        },
      },
    ]);
    expect(pdbOf(2)[0].spec.maxUnavailable).toBe(1);
    expect(pdbOf(5)[0].spec.maxUnavailable).toBe(2);
    expect(pdbOf(6)[0].spec.maxUnavailable).toBe(2);
  });

  it('is replaced, not doubled, when the output is rendered again', () => {
    const first = run(postgres({ replicas: 3 }));
    const again = runFn(resourceList(first.output.items));
    expect(itemsOf(again, 'PodDisruptionBudget')).toEqual(itemsOf(first, 'PodDisruptionBudget'));
  });

  it('is not rendered for a VaultServer (KubeVault keeps none)', () => {
    const r = run({
      apiVersion: 'kubevault.com/v1alpha2',
      kind: 'VaultServer',
      metadata: { name: 'vault', namespace: 'demo' },
      spec: {
        version: '1.18.4',
        replicas: 3,
        backend: { raft: { storage: { resources: { requests: { storage: '1Gi' } } } } },
        tls: { issuerRef: ISSUER },
      },
    });
    expect(itemsOf(r, 'StatefulSet')).toHaveLength(1);
    expect(itemsOf(r, 'PodDisruptionBudget')).toEqual([]);
  });
});

describe('spec.podTemplate (api/v1: KubeDB v1alpha2 and KubeVault)', () => {
  it('applies the flat container fields to the database container, and affinity', () => {
    const affinity = {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 100,
            podAffinityTerm: {
              topologyKey: 'kubernetes.io/hostname',
              labelSelector: { matchLabels: { 'app.kubernetes.io/instance': 'pg' } },
            },
          },
        ],
      },
    };
    const r = run({
      ...postgres({
        podTemplate: {
          spec: {
            affinity,
            resources: { requests: { cpu: '1', memory: '2Gi' } },
            env: [{ name: 'TZ', value: 'UTC' }],
            containerSecurityContext: { allowPrivilegeEscalation: true },
            livenessProbe: { tcpSocket: { port: 5432 } },
          },
        },
      }),
      apiVersion: 'kubedb.com/v1alpha2',
    });
    expect(templateResults(r)).toEqual([
      warn(
        'spec.podTemplate.spec.livenessProbe',
        OPERATOR_ONLY("livenessProbe (the database container's liveness probe)"),
      ),
      error(
        'spec.podTemplate.spec.containerSecurityContext.allowPrivilegeEscalation',
        PSS(
          'container "postgres" sets securityContext.allowPrivilegeEscalation to true',
          'restricted',
          'allowPrivilegeEscalation',
          'only containers that set securityContext.allowPrivilegeEscalation to false',
        ),
      ),
    ]);
    const ok = run({
      ...postgres({
        podTemplate: {
          spec: {
            affinity,
            resources: { requests: { cpu: '1', memory: '2Gi' } },
            env: [{ name: 'TZ', value: 'UTC' }],
          },
        },
      }),
      apiVersion: 'kubedb.com/v1alpha2',
    });
    const pod = podOf(ok);
    expect(pod.spec.affinity).toEqual(affinity);
    const pg = containerOf(pod, 'postgres');
    expect(pg.resources).toEqual({
      requests: { cpu: '1', memory: '2Gi' },
      limits: { memory: '2Gi' },
    });
    expect(pg.env.at(-1)).toEqual({ name: 'TZ', value: 'UTC' });
  });

  it('says KubeVault, not KubeDB, for what a VaultServer leaves to its operator', () => {
    const r = run({
      apiVersion: 'kubevault.com/v1alpha2',
      kind: 'VaultServer',
      metadata: { name: 'vault', namespace: 'demo' },
      spec: {
        version: '1.18.4',
        backend: { raft: { storage: { resources: { requests: { storage: '1Gi' } } } } },
        tls: { issuerRef: ISSUER },
        podTemplate: { spec: { nodeSelector: { a: 'b' }, args: ['server'] } },
      },
    });
    expect(templateResults(r)).toEqual([
      warn(
        'spec.podTemplate.spec.args',
        "args (the database container's arguments belong to dbtls's start script): applied by the KubeVault operator only; standalone mode does not render it (use mode: operator to keep it)",
      ),
    ]);
    const pod = podOf(r);
    expect(pod.spec.nodeSelector).toEqual({ a: 'b' });
    expect(containerOf(pod, 'vault').resources).toEqual(KUBEDB_DEFAULT);
  });
});

describe('spec.podTemplate per kind', () => {
  it("Singlestore: each group's StatefulSet takes spec.topology.<role>.podTemplate", () => {
    const node = (replicas: number, pool: string) => ({
      replicas,
      storage: { resources: { requests: { storage: '1Gi' } } },
      podTemplate: { spec: { nodeSelector: { pool } } },
    });
    const r = run({
      apiVersion: 'kubedb.com/v1alpha2',
      kind: 'Singlestore',
      metadata: { name: 'sdb', namespace: 'demo' },
      spec: {
        version: '8.9.3',
        licenseSecret: { kind: 'Secret', name: 'license' },
        tls: { issuerRef: ISSUER },
        topology: { aggregator: node(1, 'aggregators'), leaf: node(3, 'leaves') },
        podTemplate: { spec: { nodeSelector: { pool: 'ignored' } } },
      },
    });
    expect(resultsOf(r).find((x) => x.field === 'spec.podTemplate')).toEqual(
      warn(
        'spec.podTemplate',
        'spec.podTemplate is not used with spec.topology: each group has its own pod template (spec.topology.aggregator.podTemplate, spec.topology.leaf.podTemplate)',
      ),
    );
    expect(podOf(r, 'sdb-aggregator').spec.nodeSelector).toEqual({ pool: 'aggregators' });
    expect(podOf(r, 'sdb-leaf').spec.nodeSelector).toEqual({ pool: 'leaves' });
    // KubeDB's Singlestore default (DefaultResourcesMemoryIntensiveSDB)
    expect(containerOf(podOf(r, 'sdb-leaf'), 'singlestore').resources).toEqual({
      requests: { cpu: '600m', memory: '2Gi' },
      limits: { memory: '2Gi' },
    });
    expect(itemsOf(r, 'PodDisruptionBudget').map((p) => p.metadata.name)).toEqual(['sdb-leaf']);
  });

  it.each([
    ['PerconaXtraDB', 'perconaxtradbs', 'perconaxtradb', { version: '8.0.40' }],
    ['MariaDB', 'mariadbs', 'mariadb', { version: '11.4.4' }],
    ['MySQL', 'mysqls', 'mysql', { version: '8.4.3' }],
    ['Redis', 'redises', 'redis', { version: '7.4.1' }],
  ])('%s: the pod template reaches its %s container %s', (kind, _resource, container, spec) => {
    const r = run({
      apiVersion: 'kubedb.com/v1',
      kind,
      metadata: { name: 'db', namespace: 'demo' },
      spec: {
        ...spec,
        tls: { issuerRef: ISSUER },
        podTemplate: {
          spec: {
            tolerations: [{ operator: 'Exists' }],
            containers: [{ name: container, resources: { requests: { cpu: '1' } } }],
          },
        },
      },
    });
    expect(templateResults(r)).toEqual([]);
    const pod = podOf(r);
    expect(pod.spec.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(containerOf(pod, container).resources).toEqual({
      requests: { cpu: '1', memory: '1Gi' },
      limits: { memory: '1Gi' },
    });
  });

  it("MSSQLServer: its env stays the kind's own; KubeDB's SQL Server default resources", () => {
    const r = run({
      apiVersion: 'kubedb.com/v1alpha2',
      kind: 'MSSQLServer',
      metadata: { name: 'ms', namespace: 'demo' },
      spec: {
        version: '2022-cu12',
        tls: { issuerRef: ISSUER, clientTLS: false },
        podTemplate: {
          spec: {
            nodeSelector: { os: 'linux' },
            containers: [
              {
                name: 'mssql',
                env: [
                  { name: 'ACCEPT_EULA', value: 'Y' },
                  { name: 'MSSQL_PID', value: 'Evaluation' },
                ],
              },
            ],
          },
        },
      },
    });
    expect(errorsOf(r)).toEqual([]);
    const pod = podOf(r);
    expect(pod.spec.nodeSelector).toEqual({ os: 'linux' });
    const mssql = containerOf(pod, 'mssql');
    expect(mssql.env.map((e: any) => e.name)).toEqual([
      'ACCEPT_EULA',
      'MSSQL_PID',
      'MSSQL_SA_PASSWORD',
    ]);
    expect(mssql.resources).toEqual({
      requests: { cpu: '1500m', memory: '2Gi' },
      limits: { memory: '4Gi' },
    });
  });
});

describe("docs/standalone.md's pod template section says what the code does", () => {
  const readme = readFileSync(join(ROOT, 'docs/standalone.md'), 'utf8');
  const section = readme.slice(
    readme.indexOf('## Pod template, resources and disruption budget'),
    readme.indexOf('## What dbtls leaves alone'),
  );
  const row = (start: string) => section.split('\n').find((l) => l.startsWith(start)) ?? '';
  const names = (text: string) => [...text.matchAll(/`([A-Za-z]+)`/g)].map((m) => m[1]);

  it('lists every kind with a pod template, and every copied and operator-only field', () => {
    const kinds = KINDS.filter((k) => k.podTemplate).map((k) => k.kind);
    const intro = section.slice(0, section.indexOf('(a Singlestore')).replace(/\s+/g, ' ');
    expect(
      intro
        .match(/for ([^.(]+)/)?.[1]
        .trim()
        .split(/, | and /)
        .sort(),
    ).toEqual([...kinds].sort());
    expect(names(row('| `spec.` `nodeSelector`').split('|')[1])).toEqual(COPIED_POD_FIELDS);
    expect(names(row('| `podPlacementPolicy`').split('|')[1])).toEqual(OPERATOR_POD_FIELDS);
  });

  it('gives the resources each kind gets by default', () => {
    const table = (r: string) => {
      const [, requests, limits] = row(r).split('|').slice(1);
      const pairs = (t: string) =>
        Object.fromEntries([...t.matchAll(/(cpu|memory) (\w+)/g)].map((m) => [m[1], m[2]]));
      return { requests: pairs(requests), limits: pairs(limits) };
    };
    const ofKind = (kind: string) => KINDS.find((k) => k.kind === kind)?.podTemplate;
    for (const kind of ['Postgres', 'PerconaXtraDB', 'MariaDB', 'MySQL', 'Redis', 'VaultServer'])
      expect(ofKind(kind)?.resources ?? DEFAULT_RESOURCES).toEqual(table('| Postgres,'));
    expect(ofKind('MSSQLServer')?.resources).toEqual(table('| MSSQLServer'));
    expect(ofKind('Singlestore')?.resources).toEqual(table('| Singlestore'));
    expect(DEFAULT_INIT_RESOURCES).toEqual(table('| init containers'));
  });
});
