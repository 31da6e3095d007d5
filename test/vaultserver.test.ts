// VaultServer: every validation rule with its exact message and field path, and what is rendered.
import { describe, expect, it } from 'vitest';
import { errorsOf, issuer, itemsOf, resourceList, resultsOf, runFn } from './helpers.js';

const ISSUER = { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' };
const RAFT = {
  raft: { storage: { storageClassName: 'standard', resources: { requests: { storage: '1Gi' } } } },
};

/** A VaultServer as KubeVault's TLS guide writes it; `spec` is merged over the defaults. */
function vault(spec: Record<string, unknown> = {}, name = 'vault', namespace = 'demo') {
  return {
    apiVersion: 'kubevault.com/v1alpha2',
    kind: 'VaultServer',
    metadata: { name, namespace },
    spec: { version: '1.18.4', replicas: 3, backend: RAFT, tls: { issuerRef: ISSUER }, ...spec },
  };
}
const run = (db: unknown, config?: unknown) => runFn(resourceList([issuer(), db], config));
const operator = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'function-input' },
  data: { mode: 'operator' },
};
const SEALED = {
  severity: 'warning',
  field: 'spec',
  message:
    'standalone Vault starts uninitialised and sealed: run "vault operator init" and unseal each pod yourself, then configure auth methods, secret engines and policies (VaultPolicy, VaultPolicyBinding), which only the KubeVault operator applies',
};

describe('VaultServer validation', () => {
  it.each([
    [
      { version: undefined },
      'spec.version',
      'spec.version is required: a KubeVault VaultServerVersion such as "1.18.4"',
    ],
    [
      { version: '2.6.1-sigilr' },
      'spec.version',
      '"2.6.1-sigilr" is not a VaultServerVersion that standalone mode can map to an image; use a Vault version such as "1.18.4" (hashicorp/vault) or "openbao-2.4.3" (openbao/openbao), or use mode: operator',
    ],
    [
      { replicas: 0 },
      'spec.replicas',
      'spec.replicas must be an integer of at least 1, got number 0',
    ],
    [
      { backend: undefined },
      'spec.backend',
      'spec.backend is required: one storage backend, e.g. raft (inmem, etcd, gcs, s3, azure, postgresql, mysql, file, dynamodb, swift, consul, raft)',
    ],
    [
      { backend: {} },
      'spec.backend',
      'spec.backend names no backend; set exactly one of inmem, etcd, gcs, s3, azure, postgresql, mysql, file, dynamodb, swift, consul, raft',
    ],
    [
      { backend: { ...RAFT, inmem: {} } },
      'spec.backend',
      'spec.backend sets raft and inmem; KubeVault refuses more than one backend: keep exactly one',
    ],
    [
      { backend: { ceph: {} } },
      'spec.backend.ceph',
      'unknown backend "ceph"; spec.backend has inmem, etcd, gcs, s3, azure, postgresql, mysql, file, dynamodb, swift, consul, raft',
    ],
    [
      { backend: { etcd: { address: 'https://etcd:2379' } } },
      'spec.backend.etcd',
      'the etcd backend needs credentials and connection settings that only the KubeVault operator renders; standalone mode can run raft, file or inmem storage (or use mode: operator)',
    ],
    [
      { backend: { file: { path: '/vault/file', volumeClaimTemplate: {} } } },
      'spec.replicas',
      'the file backend is not shared between pods, so 3 replicas would be 3 separate Vaults behind one service; standalone mode cannot run that: set replicas: 1 or use the raft backend',
    ],
    [
      { backend: { file: { volumeClaimTemplate: {} } }, replicas: 1 },
      'spec.backend.file.path',
      'spec.backend.file.path is required: the directory Vault stores its data in',
    ],
    [
      { tls: { certificates: [] } },
      'spec.tls.issuerRef',
      'spec.tls.issuerRef is required in standalone mode: without it the KubeVault operator creates a self-signed CA and the certificates at run time, and dbtls never creates secret material; name a cert-manager Issuer or ClusterIssuer, or use mode: operator',
    ],
    [
      { tls: { issuerRef: { kind: 'Issuer' } } },
      'spec.tls.issuerRef.name',
      'spec.tls.issuerRef.name is required',
    ],
  ])('%j → %s', (spec, field, message) => {
    const r = run(vault(spec as Record<string, unknown>));
    expect(r.status).toBe(1);
    expect(errorsOf(r)).toEqual([{ severity: 'error', field, message }]);
  });

  it('accepts spec.tls without issuerRef in operator mode, where KubeVault self-signs (alias ca included)', () => {
    const r = run(
      vault({ tls: { certificates: [{ alias: 'ca', secretName: 'vault-own-ca' }] } }),
      operator,
    );
    expect(r.status).toBe(0);
    expect(resultsOf(r)).toEqual([
      {
        severity: 'info',
        field: 'spec.tls.issuerRef',
        message:
          'spec.tls.issuerRef is not set: the KubeVault operator will create a self-signed CA and the server and client certificates itself (valid 365 days); dbtls renders no Certificates for this VaultServer',
      },
    ]);
    expect(itemsOf(r, 'Certificate')).toEqual([]);
  });

  it('refuses an API version KubeVault does not serve, and accepts v1alpha1', () => {
    expect(errorsOf(run({ ...vault(), apiVersion: 'kubevault.com/v1' }))).toEqual([
      {
        severity: 'error',
        field: 'apiVersion',
        message:
          'kubevault.com/v1 is not a served version of VaultServer; use kubevault.com/v1alpha2 or kubevault.com/v1alpha1',
      },
    ]);
    const old = run({
      ...vault({ backend: { raft: { path: '/vault/raft' } } }),
      apiVersion: 'kubevault.com/v1alpha1',
    });
    expect(old.status).toBe(0);
    expect(itemsOf(old, 'ConfigMap')[0].data['vault.hcl']).toContain(
      'storage "raft" {\n  path = "/vault/raft"\n',
    );
  });

  it('warns about what only the KubeVault operator does', () => {
    const r = run(
      vault({
        unsealer: {
          secretShares: 5,
          secretThreshold: 3,
          mode: { kubernetesSecret: { secretName: 'vault-keys' } },
        },
        authMethods: [{ type: 'kubernetes', path: 'kubernetes' }],
      }),
    );
    expect(resultsOf(r).filter((x) => x.severity === 'warning')).toEqual([
      {
        severity: 'warning',
        field: 'spec.unsealer',
        message:
          'initialising and unsealing Vault (spec.unsealer) is done by the KubeVault operator only; standalone mode does not render it (use mode: operator to keep it)',
      },
      {
        severity: 'warning',
        field: 'spec.authMethods',
        message:
          'enabling auth methods (spec.authMethods) is done by the KubeVault operator only; standalone mode does not render it (use mode: operator to keep it)',
      },
      SEALED,
    ]);
    expect(resultsOf(run(vault(), operator)).filter((x) => x.severity === 'warning')).toEqual([]);
  });
});

describe('VaultServer rendering', () => {
  it('names secrets <name>-<alias>-certs with common names <name>-<alias>, as KubeVault does', () => {
    const r = run(
      vault({
        tls: {
          issuerRef: ISSUER,
          certificates: [
            { alias: 'client', secretName: 'my-client', subject: { organizations: ['kubevault'] } },
          ],
        },
      }),
    );
    const certs = itemsOf(r, 'Certificate');
    expect(certs.map((c) => [c.metadata.name, c.spec.secretName, c.spec.commonName])).toEqual([
      ['vault-server-certs', 'vault-server-certs', 'vault-server'],
      ['vault-client-certs', 'my-client', 'vault-client'],
      ['vault-storage-certs', 'vault-storage-certs', 'vault-storage'],
    ]);
    expect(certs[1].spec.subject).toEqual({ organizations: ['kubevault'] });
    expect(certs[0].spec.subject).toBeUndefined();
    expect(certs[0].spec.dnsNames).toEqual([
      'vault',
      'vault.demo',
      'vault.demo.svc',
      'vault.demo.svc.cluster.local',
      'vault-internal',
      'vault-internal.demo',
      'vault-internal.demo.svc',
      'vault-internal.demo.svc.cluster.local',
      '*.vault-internal.demo.svc',
      '*.vault-internal.demo.svc.cluster.local',
      'localhost',
      '*.demo.pod',
      '*.demo.pod.cluster.local',
    ]);
    // KubeVault's own server and storage certificates name every pod by its IP (*.<ns>.pod).
    expect(certs[2].spec.dnsNames).toEqual(certs[0].spec.dnsNames);
    expect(certs[1].spec.dnsNames).toBeUndefined();
    expect(certs[0].spec.ipAddresses).toEqual(['127.0.0.1']);
    expect(certs[2].spec.usages).toEqual([
      'digital signature',
      'key encipherment',
      'server auth',
      'client auth',
    ]);
  });

  it('gives inmem storage an emptyDir data volume (an empty emptyDir is kept, not compacted away)', () => {
    const r = run(vault({ replicas: 1, backend: { inmem: {} } }));
    expect(itemsOf(r, 'StatefulSet')[0].spec.template.spec.volumes).toContainEqual({
      name: 'data',
      emptyDir: {},
    });
  });

  it('configures the tcp listener with the mounted server certificate and joins raft peers over TLS', () => {
    const r = run(vault());
    const hcl = itemsOf(r, 'ConfigMap')[0].data['vault.hcl'] as string;
    expect(hcl).toContain(
      'listener "tcp" {\n  address = "0.0.0.0:8200"\n  cluster_address = "0.0.0.0:8201"\n  tls_cert_file = "/etc/vault/tls/server/tls.crt"\n  tls_key_file = "/etc/vault/tls/server/tls.key"\n  tls_client_ca_file = "/etc/vault/tls/server/ca.crt"\n  tls_min_version = "tls12"\n}\n',
    );
    expect(hcl).toContain(
      '  retry_join {\n    leader_api_addr = "https://vault-2.vault-internal.demo.svc:8200"\n    leader_ca_cert_file = "/etc/vault/tls/storage/ca.crt"\n    leader_client_cert_file = "/etc/vault/tls/storage/tls.crt"\n    leader_client_key_file = "/etc/vault/tls/storage/tls.key"\n  }\n',
    );
    const pod = itemsOf(r, 'StatefulSet')[0].spec.template.spec;
    expect(pod.containers[0].volumeMounts.map((m: any) => [m.name, m.mountPath])).toEqual([
      ['config', '/etc/vault/config'],
      ['vault-server-certs', '/etc/vault/tls/server'],
      ['vault-client-certs', '/etc/vault/tls/client'],
      ['storage-cert', '/etc/vault/tls/storage'],
      ['data', '/vault/data'],
    ]);
    expect(pod.containers[0].image).toBe('hashicorp/vault:1.18.4');
    expect(itemsOf(r, 'Service').map((s) => [s.metadata.name, s.spec.clusterIP])).toEqual([
      ['vault', undefined],
      ['vault-internal', 'None'],
    ]);
    expect(itemsOf(r, 'StatefulSet')[0].spec.serviceName).toBe('vault-internal');
  });

  it('runs plain HTTP without spec.tls, file and inmem storage, and OpenBao', () => {
    const plain = run(
      vault({
        tls: undefined,
        backend: {
          file: {
            path: '/vault/file',
            volumeClaimTemplate: { spec: { resources: { requests: { storage: '2Gi' } } } },
          },
        },
        replicas: 1,
      }),
    );
    expect(itemsOf(plain, 'Certificate')).toEqual([]);
    const hcl = itemsOf(plain, 'ConfigMap')[0].data['vault.hcl'] as string;
    expect(hcl).toContain('  tls_disable = true\n');
    expect(hcl).toContain('storage "file" {\n  path = "/vault/file"\n}\n');
    expect(itemsOf(plain, 'StatefulSet')[0].spec.volumeClaimTemplates[0].spec.resources).toEqual({
      requests: { storage: '2Gi' },
    });
    const bao = run(vault({ version: 'openbao-2.4.3', backend: { inmem: {} }, replicas: 1 }));
    expect(itemsOf(bao, 'Certificate').map((c) => c.metadata.name)).toEqual([
      'vault-server-certs',
      'vault-client-certs',
    ]);
    const c = itemsOf(bao, 'StatefulSet')[0].spec.template.spec.containers[0];
    expect([c.image, c.command]).toEqual([
      'openbao/openbao:2.4.3',
      ['bao', 'server', '-config=/etc/vault/config/vault.hcl'],
    ]);
    expect(resultsOf(bao)).toContainEqual({
      severity: 'warning',
      field: 'spec.backend.inmem',
      message: 'inmem storage loses every secret when the pod restarts; use it for tests only',
    });
  });

  it('in operator mode emits the Certificates and passes the VaultServer through unchanged, any backend', () => {
    const db = vault({
      backend: { etcd: { address: 'https://etcd:2379' } },
      version: '2.6.1-sigilr',
    });
    const r = run(db, operator);
    expect(r.status).toBe(0);
    expect(itemsOf(r).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Issuer/ca',
      'VaultServer/vault',
      'Certificate/vault-server-certs',
      'Certificate/vault-client-certs',
    ]);
    expect(itemsOf(r, 'VaultServer')[0]).toEqual(db);
  });
});
