// docs/certificates.md says what dbtls issues for each kind: every row of its table is compared
// with the Certificates dbtls renders for a database `db` in namespace `ns`, and every source the
// table cites is listed, at a pinned commit.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorsOf, itemsOf, resourceList, ROOT, runFn } from './helpers.js';

const doc = readFileSync(join(ROOT, 'docs/certificates.md'), 'utf8');
const DOMAIN = 'corp.internal';
const ISSUER = { apiGroup: 'cert-manager.io', kind: 'ClusterIssuer', name: 'ca' };
const USAGES: Record<string, string[]> = {
  server: ['digital signature', 'key encipherment', 'server auth'],
  client: ['digital signature', 'key encipherment', 'client auth'],
  'server, client': ['digital signature', 'key encipherment', 'server auth', 'client auth'],
};

/** One database of each kind, without a topology, as the table describes it. */
const DATABASES: Record<string, { apiVersion: string; spec: Record<string, unknown> }> = {
  Postgres: { apiVersion: 'kubedb.com/v1', spec: { version: '16.4' } },
  PerconaXtraDB: { apiVersion: 'kubedb.com/v1', spec: { version: '8.0.40', replicas: 3 } },
  Singlestore: {
    apiVersion: 'kubedb.com/v1alpha2',
    spec: { version: '8.9.3', licenseSecret: { name: 'license' } },
  },
  MSSQLServer: {
    apiVersion: 'kubedb.com/v1alpha2',
    spec: {
      version: '2022-cu12',
      podTemplate: {
        spec: { containers: [{ name: 'mssql', env: [{ name: 'MSSQL_PID', value: 'Express' }] }] },
      },
    },
  },
  VaultServer: {
    apiVersion: 'kubevault.com/v1alpha2',
    spec: { version: '1.18.4', backend: { inmem: {} } },
  },
  MariaDB: { apiVersion: 'kubedb.com/v1', spec: { version: '11.4.3' } },
  MySQL: { apiVersion: 'kubedb.com/v1', spec: { version: '8.4.3' } },
  Redis: { apiVersion: 'kubedb.com/v1', spec: { version: '7.4.1' } },
  MongoDB: { apiVersion: 'kubedb.com/v1', spec: { version: '8.0.17' } },
};

interface Row {
  kind: string;
  alias: string;
  name: string;
  commonName: string;
  subject: string;
  usages: string;
  dnsNames: string;
  sources: string;
}

const rows: Row[] = doc
  .split('\n')
  .filter((l) => l.startsWith('| ') && !l.startsWith('| kind') && !l.startsWith('|---'))
  .map((l) => {
    const c = l
      .split('|')
      .slice(1, -1)
      .map((s) => s.trim());
    return {
      kind: c[0],
      alias: c[1],
      name: c[2],
      commonName: c[3],
      subject: c[4],
      usages: c[5],
      dnsNames: c[6],
      sources: c[7],
    };
  });

const fill = (s: string) =>
  s
    .replaceAll('`', '')
    .replaceAll('<db>', 'db')
    .replaceAll('<ns>', 'ns')
    .replaceAll('<domain>', DOMAIN);

/** The DNS names a cell stands for, in its order: forms of, pods of, and literal names. */
function namesOf(cell: string): string[] {
  if (cell === 'none') return [];
  return cell.split(';').flatMap((part) => {
    const p = part.trim();
    const list = (s: string) => s.split(',').map((x) => fill(x.trim()));
    if (p.startsWith('forms of '))
      return list(p.slice(9)).flatMap((s) => [
        s,
        `${s}.ns`,
        `${s}.ns.svc`,
        `${s}.ns.svc.${DOMAIN}`,
      ]);
    if (p.startsWith('pods of '))
      return list(p.slice(8)).flatMap((s) => [`*.${s}.ns.svc`, `*.${s}.ns.svc.${DOMAIN}`]);
    return list(p);
  });
}

function subjectOf(cell: string): Record<string, string[]> | undefined {
  if (cell === 'none') return undefined;
  const parts = Object.fromEntries(cell.split(',').map((p) => p.trim().split('=')));
  return { organizations: [parts.O], organizationalUnits: [parts.OU] };
}

function certificatesOf(kind: string) {
  const { apiVersion, spec } = DATABASES[kind];
  const db = {
    apiVersion,
    kind,
    metadata: { name: 'db', namespace: 'ns' },
    spec: { ...spec, tls: { issuerRef: ISSUER } },
  };
  const config = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c' },
    data: { mode: 'operator', externalIssuers: 'ClusterIssuer/ca', clusterDomain: DOMAIN },
  };
  const r = runFn(resourceList([db], config));
  expect(errorsOf(r)).toEqual([]);
  return itemsOf(r, 'Certificate');
}

describe('docs/certificates.md says what dbtls issues', () => {
  it('has a row for every kind, and every alias each kind issues without a topology', () => {
    for (const kind of Object.keys(DATABASES)) {
      const aliases = certificatesOf(kind).map(
        (c) => c.metadata.labels['dbtls.dev/certificate-alias'],
      );
      expect(
        rows.filter((r) => r.kind === kind).map((r) => r.alias),
        kind,
      ).toEqual(aliases);
    }
  });

  for (const row of rows) {
    it(`${row.kind} ${row.alias}`, () => {
      const cert = certificatesOf(row.kind).find(
        (c) => c.metadata.labels['dbtls.dev/certificate-alias'] === row.alias,
      );
      expect(cert.metadata.name).toBe(fill(row.name));
      expect(cert.spec.secretName).toBe(fill(row.name));
      expect(cert.spec.commonName).toBe(fill(row.commonName));
      expect(cert.spec.subject).toEqual(subjectOf(row.subject));
      expect(cert.spec.usages).toEqual(USAGES[row.usages]);
      expect(cert.spec.dnsNames ?? []).toEqual(namesOf(row.dnsNames));
      expect(cert.spec.ipAddresses ?? []).toEqual(row.dnsNames === 'none' ? [] : ['127.0.0.1']);
    });
  }

  it('with a topology: the Services it adds, MSSQLServer endpoint, MongoDB per PetSet, raft storage', () => {
    const withSpec = (kind: string, extra: Record<string, unknown>) => {
      const saved = DATABASES[kind];
      DATABASES[kind] = { ...saved, spec: { ...saved.spec, ...extra } };
      try {
        return certificatesOf(kind);
      } finally {
        DATABASES[kind] = saved;
      }
    };
    const server = (certs: any[]) => certs.find((c) => c.metadata.name.endsWith('server-cert'));
    const group = { mode: 'GroupReplication' };
    expect(server(withSpec('MySQL', { topology: group })).spec.dnsNames).toContain('db-standby');
    const sentinel = { mode: 'Sentinel', sentinelRef: { name: 's', namespace: 'ns' } };
    expect(server(withSpec('Redis', sentinel)).spec.dnsNames).toContain('db-standby');
    const ag = withSpec('MSSQLServer', {
      replicas: 3,
      topology: { mode: 'AvailabilityGroup', availabilityGroup: { databases: ['a'] } },
    });
    expect(server(ag).spec.dnsNames).toContain('db-secondary');
    const endpoint = ag.find((c) => c.metadata.name === 'db-endpoint-cert');
    expect(endpoint.spec.subject).toEqual({
      organizations: ['kubedb'],
      organizationalUnits: ['endpoint'],
    });
    expect(endpoint.spec.usages).toEqual(USAGES['server, client']);
    expect(endpoint.spec.dnsNames).toEqual(server(ag).spec.dnsNames);
    const sharded = withSpec('MongoDB', {
      shardTopology: {
        shard: { shards: 1, replicas: 3 },
        configServer: { replicas: 3 },
        mongos: { replicas: 2 },
      },
    });
    expect(sharded.map((c) => c.metadata.name)).toEqual([
      'db-shard0-server-cert',
      'db-configsvr-server-cert',
      'db-mongos-server-cert',
      'db-client-cert',
      'db-metrics-exporter-cert',
    ]);
    expect(sharded[0].spec.dnsNames).toContain('*.db-shard0-pods.ns.svc');
    const raft = withSpec('VaultServer', { backend: { raft: {} } });
    const storage = raft.find((c) => c.metadata.name === 'db-storage-certs');
    expect(storage.spec.commonName).toBe('db-storage');
    expect(storage.spec.usages).toEqual(USAGES['server, client']);
    const vaultServer = raft.find((c) => c.metadata.name === 'db-server-certs');
    expect(storage.spec.dnsNames).toEqual(vaultServer.spec.dnsNames);
  });

  it('every source the table cites is listed, each link at a pinned commit', () => {
    const listed = new Set([...doc.matchAll(/^- ([A-Z]\d?) — /gm)].map((m) => m[1]));
    for (const row of rows)
      for (const s of row.sources.matchAll(/\b([A-Z]\d?)\b/g))
        expect(listed, row.kind).toContain(s[1]);
    for (const link of doc.matchAll(/\(https:\/\/github\.com\/([^/]+\/[^/]+)\/blob\/([^/]+)\//g))
      expect(link[2], link[1]).toMatch(/^[0-9a-f]{40}$/);
  });

  it('README links to it', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toMatch(/\]\(docs\/certificates\.md\)/);
  });
});
