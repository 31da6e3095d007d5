// Redis Cluster mode in standalone mode (fn/kinds/redis/cluster.ts): what is rendered per
// option, beyond examples/redis-cluster's golden. The real cluster formed from these objects is in
// test/servers/redis-cluster.test.ts.
import { describe, expect, it } from 'vitest';
import { errorsOf, issuer, itemsOf, resourceList, resultsOf, runFn } from './helpers.js';

const ISSUER = { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' };
const redis = (spec: Record<string, unknown>) => ({
  apiVersion: 'kubedb.com/v1',
  kind: 'Redis',
  metadata: { name: 'rd', namespace: 'demo' },
  spec: { version: '7.4.1', mode: 'Cluster', tls: { issuerRef: ISSUER }, ...spec },
});
const run = (item: unknown) => runFn(resourceList([issuer(), item]));
const file = (r: ReturnType<typeof run>, key: string) => itemsOf(r, 'ConfigMap')[0].data[key];
const containersOf = (sts: any) => sts.spec.template.spec.containers;

describe('Redis Cluster mode in standalone mode', () => {
  it("defaults as KubeDB's: 3 shards of 2 pods (spec.cluster.replicas counts the primary)", () => {
    const r = run(redis({}));
    expect(errorsOf(r)).toEqual([]);
    expect(itemsOf(r, 'StatefulSet').map((s) => [s.metadata.name, s.spec.replicas])).toEqual([
      ['rd-shard0', 2],
      ['rd-shard1', 2],
      ['rd-shard2', 2],
    ]);
  });

  it('one StatefulSet per shard, each selecting only its own pods, under one governing Service', () => {
    const r = run(redis({ cluster: { shards: 4, replicas: 3 } }));
    const sets = itemsOf(r, 'StatefulSet');
    expect(sets.map((s) => [s.metadata.name, s.spec.replicas, s.spec.serviceName])).toEqual([
      ['rd-shard0', 3, 'rd-pods'],
      ['rd-shard1', 3, 'rd-pods'],
      ['rd-shard2', 3, 'rd-pods'],
      ['rd-shard3', 3, 'rd-pods'],
    ]);
    sets.forEach((s, i) => {
      const selector = {
        'app.kubernetes.io/name': 'redises.kubedb.com',
        'app.kubernetes.io/instance': 'rd',
        'redis.kubedb.com/shard': String(i),
      };
      expect(s.spec.selector.matchLabels).toEqual(selector);
      expect(s.spec.template.metadata.labels).toEqual(selector);
    });
    expect(
      itemsOf(r, 'Service').map((s) => [s.metadata.name, s.spec.clusterIP, s.spec.ports]),
    ).toEqual([
      ['rd', undefined, [{ name: 'primary', port: 6379, targetPort: 6379, protocol: 'TCP' }]],
      [
        'rd-pods',
        'None',
        [
          { name: 'db', port: 6379, targetPort: 6379, protocol: 'TCP' },
          { name: 'gossip', port: 16379, targetPort: 16379, protocol: 'TCP' },
        ],
      ],
    ]);
    expect(containersOf(sets[0])[0].ports).toEqual([
      { name: 'db', containerPort: 6379, protocol: 'TCP' },
      { name: 'gossip', containerPort: 16379, protocol: 'TCP' },
    ]);
    // The bootstrap lists every pod, shard by shard, by the DNS name it announces.
    const nodes = /^NODES="\n([^"]*)"$/m.exec(file(r, 'cluster-create.sh'))![1];
    expect(nodes.trim().split('\n')).toHaveLength(12);
    expect(nodes.split('\n').slice(0, 4)).toEqual([
      '0 0 rd-shard0-0.rd-pods.$POD_NAMESPACE.svc 6379',
      '0 1 rd-shard0-1.rd-pods.$POD_NAMESPACE.svc 6379',
      '0 2 rd-shard0-2.rd-pods.$POD_NAMESPACE.svc 6379',
      '1 0 rd-shard1-0.rd-pods.$POD_NAMESPACE.svc 6379',
    ]);
    expect(file(r, 'cluster-create.sh')).toMatch(/^SELF=rd-shard0-0\nTOTAL=12$/m);
    // Pod 0 checks the pods' addresses every 30 s after forming the cluster.
    expect(file(r, 'cluster-create.sh')).toContain(
      'watch() { while :; do sleep "${DBTLS_CLUSTER_CHECK_SECONDS:-30}"; meet; done; }',
    );
  });

  it('redis.conf: TLS only, client certificates, replication and the cluster bus over TLS', () => {
    const conf = file(run(redis({})), 'redis.conf');
    const settings = conf.split('\n').filter((l: string) => l !== '' && !l.startsWith('#'));
    expect(settings).toEqual([
      'dir /data',
      'bind 0.0.0.0',
      'protected-mode no',
      'port 0',
      'tls-port 6379',
      'tls-cert-file /certs/server/tls.crt',
      'tls-key-file /certs/server/tls.key',
      'tls-ca-cert-file /certs/trust/ca.crt',
      'tls-auth-clients yes',
      'tls-replication yes',
      'cluster-enabled yes',
      'cluster-config-file nodes.conf',
      'cluster-node-timeout 5000',
      'cluster-migration-barrier 1',
      'cluster-preferred-endpoint-type hostname',
      'tls-cluster yes',
    ]);
  });

  it("each pod announces its DNS name, which the server certificate's wildcard covers", () => {
    const r = run(redis({}));
    expect(file(r, 'start.sh')).toContain(
      '--tls-cluster yes --cluster-announce-hostname "$HOSTNAME.rd-pods.$POD_NAMESPACE.svc" "$@"\n',
    );
    // The namespace comes from the downward API, in the server's and the bootstrap's containers.
    for (const c of containersOf(itemsOf(r, 'StatefulSet')[0]).filter(
      (c: any) => c.name !== 'tls-reloader',
    ))
      expect(c.env).toContainEqual({
        name: 'POD_NAMESPACE',
        valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } },
      });
    const server = itemsOf(r, 'Certificate').find((c) => c.metadata.name === 'rd-server-cert');
    expect(server.spec.dnsNames).toContain('*.rd-pods.demo.svc');
    expect(server.spec.usages).toEqual([
      'digital signature',
      'key encipherment',
      'server auth',
      'client auth',
    ]);
  });

  it('the bootstrap: in shard 0 only, restricted, with the client certificate and the password', () => {
    const sets = itemsOf(run(redis({})), 'StatefulSet');
    expect(sets.map((s) => containersOf(s).map((c: any) => c.name))).toEqual([
      ['redis', 'tls-reloader', 'cluster-create'],
      ['redis', 'tls-reloader'],
      ['redis', 'tls-reloader'],
    ]);
    expect(containersOf(sets[0])[2]).toEqual({
      name: 'cluster-create',
      image: 'redis:7.4.1',
      command: ['/bin/sh', '/usr/local/etc/redis/cluster-create.sh'],
      env: [
        { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        {
          name: 'REDISCLI_AUTH',
          valueFrom: { secretKeyRef: { name: 'rd-auth', key: 'password' } },
        },
      ],
      resources: { requests: { cpu: '5m', memory: '16Mi' }, limits: { memory: '64Mi' } },
      volumeMounts: [
        { name: 'config', mountPath: '/usr/local/etc/redis', readOnly: true },
        { name: 'tls-client', mountPath: '/certs/client', readOnly: true },
        { name: 'tls-trust', mountPath: '/certs/trust' },
      ],
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    });
    const script = file(run(redis({})), 'cluster-create.sh');
    expect(script).toContain(
      'cli() { redis-cli --tls --cacert /certs/trust/ca.crt --cert /certs/client/tls.crt ' +
        '--key /certs/client/tls.key "$@"; }',
    );
  });

  it('disableAuth: the bootstrap has no password', () => {
    const r = run(redis({ disableAuth: true }));
    expect(errorsOf(r)).toEqual([]);
    expect(containersOf(itemsOf(r, 'StatefulSet')[0])[2].env).toEqual([
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ]);
  });

  it('without TLS: a plaintext port, no tls-cluster, a plaintext bootstrap, and the warning', () => {
    const r = run(redis({ tls: undefined }));
    expect(file(r, 'redis.conf')).toContain('\nport 6379\n');
    expect(file(r, 'redis.conf')).not.toContain('tls-');
    expect(file(r, 'cluster-create.sh')).toContain('cli() { redis-cli "$@"; }');
    expect(resultsOf(r).filter((x) => x.severity === 'warning')).toEqual([
      {
        severity: 'warning',
        field: 'spec.tls',
        message:
          'spec.tls is not set: the server accepts plaintext connections from anyone who can reach it',
      },
    ]);
  });
});
