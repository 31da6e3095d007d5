// docs/security-connections.md, claim by claim, and a property over hostile users and grants:
// whatever a workload names as its user and whatever a database lists in dbtls.dev/allow-clients,
// a client Certificate is rendered only for a user the engine takes, and only for a connection
// the database (or the policy) grants.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAdministrative, userProblem } from '../fn/connect/grants.js';
import { KINDS } from '../fn/kinds/index.js';
import { foreignNames, normalDNSName } from '../fn/validate/certificate-names.js';
import { hostileString } from './hostile-strings.js';
import { clusterIssuer, errorsOf, itemsOf, resourceList, ROOT, runFn } from './helpers.js';

const doc = readFileSync(join(ROOT, 'docs/security-connections.md'), 'utf8');
const ISSUER = { apiGroup: 'cert-manager.io', kind: 'ClusterIssuer', name: 'cluster-ca' };

function orders(allow?: string, namespace = 'db') {
  return {
    apiVersion: 'kubedb.com/v1',
    kind: 'Postgres',
    metadata: {
      name: 'orders',
      namespace,
      ...(allow !== undefined && { annotations: { 'dbtls.dev/allow-clients': allow } }),
    },
    spec: {
      version: '16.4',
      sslMode: 'verify-full',
      clientAuthMode: 'cert',
      tls: { issuerRef: ISSUER },
    },
  };
}

function workload(namespace: string, name: string, as?: string, kind = 'Deployment') {
  const annotations: Record<string, string> = { 'dbtls.dev/connect-to': 'Postgres/db/orders' };
  if (as !== undefined) annotations['dbtls.dev/connect-as'] = as;
  const pod = { securityContext: { fsGroup: 1000 }, containers: [{ name: 'app', image: 'x' }] };
  const template = { spec: pod };
  return kind === 'CronJob'
    ? {
        apiVersion: 'batch/v1',
        kind,
        metadata: { name, namespace, annotations },
        spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template } } },
      }
    : {
        apiVersion: 'apps/v1',
        kind,
        metadata: { name, namespace, annotations },
        spec: { template },
      };
}

const render = (items: unknown[], policy?: unknown) =>
  runFn(resourceList([clusterIssuer('cluster-ca'), ...items], policy));
const clientCerts = (run: ReturnType<typeof runFn>) =>
  itemsOf(run, 'Certificate').filter(
    (c: any) =>
      c.spec.usages?.includes('client auth') && c.metadata.labels?.['dbtls.dev/client-of'],
  );
const connects = (run: ReturnType<typeof runFn>) =>
  errorsOf(run).length === 0 && clientCerts(run).length === 1;

describe('docs/security-connections.md', () => {
  it('README links it', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain(
      '(docs/security-connections.md)',
    );
  });

  it("a workload of the database's namespace connects as a user of its own, without a grant", () => {
    expect(doc).toContain("A workload in the **database's namespace** may connect");
    const run = render([orders(), workload('db', 'app', 'app')]);
    expect(connects(run)).toBe(true);
  });

  it('a workload of another namespace connects only where the database grants it', () => {
    expect(connects(render([orders(), workload('shop', 'report', 'report')]))).toBe(false);
    expect(connects(render([orders('shop'), workload('shop', 'report', 'report')]))).toBe(true);
  });

  it('administrative users are never a default, and need the grant by name in the namespace too', () => {
    expect(connects(render([orders(), workload('db', 'postgres')]))).toBe(false);
    expect(connects(render([orders(), workload('db', 'app', 'postgres')]))).toBe(false);
    expect(connects(render([orders('db'), workload('db', 'app', 'postgres')]))).toBe(false);
    expect(
      connects(render([orders('db/app as postgres'), workload('db', 'app', 'postgres')])),
    ).toBe(true);
  });

  it('each entry of the table grants what it says', () => {
    const allow = 'shop, billing/invoicer, db/migrate as postgres';
    expect(doc).toContain(`dbtls.dev/allow-clients: "${allow}"`);
    const cases: [string, unknown, boolean][] = [
      ['shop', workload('shop', 'any', 'any'), true],
      ['shop', workload('shop', 'any', 'postgres'), false],
      ['billing/invoicer', workload('billing', 'invoicer', 'inv', 'CronJob'), true],
      ['billing/invoicer', workload('billing', 'other', 'inv'), false],
      ['db/migrate as postgres', workload('db', 'migrate', 'postgres'), true],
      ['db/migrate as postgres', workload('db', 'migrate', 'other'), true], // its own namespace
      ['db/migrate as postgres', workload('db', 'other', 'postgres'), false],
      ['shop as shop_report', workload('shop', 'any', 'shop_report'), true],
      ['shop as shop_report', workload('shop', 'any', 'other'), false],
    ];
    for (const [entry, w, ok] of cases) {
      expect(doc).toContain(`| \`${entry}\` |`);
      expect(connects(render([orders(entry), w])), `${entry}`).toBe(ok);
    }
  });

  it("the user is connect-as, or else the workload's own name", () => {
    expect(doc).toContain("or else **the workload's own\nname**");
    const run = render([orders(), workload('db', 'nightly')]);
    expect(clientCerts(run)[0].spec.commonName).toBe('nightly');
  });

  it("the table of administrative users and names is each kind's module", () => {
    for (const kind of KINDS.filter((k) => k.client)) {
      const row = doc.split('\n').find((l) => l.startsWith('|') && l.includes(`\`${kind.kind}\``));
      expect(row, kind.kind).toBeDefined();
      const admins = kind.users!.administrative;
      for (const a of admins) expect(row, kind.kind).toContain(`\`${a}\``);
      if (admins.length === 0) expect(row).toContain('| none');
    }
    expect(isAdministrative('SA', KINDS.find((k) => k.kind === 'MSSQLServer')!.users)).toBe(true);
    const pg = KINDS.find((k) => k.kind === 'Postgres')!.users;
    expect(userProblem('a'.repeat(64), pg)).toContain('63 bytes');
    expect(userProblem('pg_monitor', pg)).toContain('pg_');
    const my = KINDS.find((k) => k.kind === 'MySQL')!.users;
    expect(userProblem('a'.repeat(33), my)).toContain('at most 32');
    expect(userProblem('a'.repeat(32), my)).toBeUndefined();
    const md = KINDS.find((k) => k.kind === 'MariaDB')!.users;
    expect(md!.invalid!('a'.repeat(81))).toContain('at most 80');
    expect(md!.invalid!('a'.repeat(80))).toBeUndefined();
    expect(userProblem('##MS_x##', KINDS.find((k) => k.kind === 'MSSQLServer')!.users)).toContain(
      '##',
    );
    for (const k of ['Redis', 'MongoDB'])
      expect(KINDS.find((x) => x.kind === k)!.users!.administrative.length).toBe(1);
  });

  it('the refusal shown is the exact message', () => {
    const line = doc
      .split('\n')
      .find((l) => l.startsWith('error: Postgres/db/orders does not allow'))!;
    const run = render([orders(), workload('other-team', 'app')]);
    expect(errorsOf(run).map((e) => `error: ${e.message}`)).toEqual([line]);
  });

  it('a malformed entry is an error on the database, at the annotation', () => {
    const run = render([orders('shop/a/b')]);
    expect(errorsOf(run)).toEqual([
      {
        severity: 'error',
        field: 'metadata.annotations.dbtls.dev/allow-clients',
        message:
          'metadata.annotations.dbtls.dev/allow-clients entry "shop/a/b" has more than one "/"',
      },
    ]);
  });

  it('the policy rules: allowClients grants, forbidCrossNamespaceClients forbids, allowedIssuers holds connect-issuer', () => {
    const policy = (rules: unknown, extra: object = {}) => ({
      apiVersion: 'dbtls.dev/v1alpha1',
      kind: 'DatabaseTLSPolicy',
      metadata: { name: 'p' },
      spec: { rules, ...extra },
    });
    const allow = { allowClients: { match: { namespaces: ['db'] }, clients: ['shop/report'] } };
    expect(connects(render([orders(), workload('shop', 'report', 'r')], policy(allow)))).toBe(true);
    const forbid = { forbidCrossNamespaceClients: { match: { namespaces: ['db'] } } };
    expect(
      connects(render([orders('shop'), workload('shop', 'report', 'r')], policy(forbid))),
    ).toBe(false);
    const issuers = { allowedIssuers: { issuers: ['ClusterIssuer/cluster-ca'] } };
    const via = (name: string) => {
      const w: any = workload('db', 'app', 'app');
      w.metadata.annotations['dbtls.dev/connect-issuer'] = `ClusterIssuer/${name}`;
      return w;
    };
    expect(connects(render([orders(), via('cluster-ca')], policy(issuers)))).toBe(true);
    expect(
      connects(render([orders(), clusterIssuer('other'), via('other')], policy(issuers))),
    ).toBe(false);
    // An external database's only grant is the policy's.
    const external = {
      externalDatabases: ['Postgres/db/orders'],
      externalIssuers: ['ClusterIssuer/cluster-ca'],
    };
    const w: any = workload('shop', 'report', 'r');
    w.metadata.annotations['dbtls.dev/connect-issuer'] = 'ClusterIssuer/cluster-ca';
    expect(connects(runFn(resourceList([w], policy({}, external))))).toBe(false);
    expect(connects(runFn(resourceList([w], policy(allow, external))))).toBe(true);
  });
});

// Hostile strings, and the near misses of real names and grants.
const users_ = fc.oneof(
  hostileString,
  fc.constantFrom('postgres', ' postgres ', 'app', 'Postgres', 'pg_x', 'app\npostgres', 'a\u200bb'),
);
const grants_ = fc.oneof(
  hostileString,
  fc.constantFrom(
    'shop',
    'shop/app',
    'shop/app as postgres',
    'db/app as postgres',
    'shop, db',
    'shop as  app',
  ),
);

describe('hostile users and grants', () => {
  it('a client Certificate names only a user the engine takes, granted by the database', () => {
    const users = KINDS.find((k) => k.kind === 'Postgres')!.users;
    fc.assert(
      fc.property(users_, grants_, fc.boolean(), (as, allow, same) => {
        const ns = same ? 'db' : 'shop';
        const run = render([orders(allow), workload(ns, 'app', as)]);
        expect(run.stdout).not.toContain('Error:');
        for (const cert of clientCerts(run)) {
          const cn: string = cert.spec.commonName;
          expect(cn).toBe(as.trim());
          expect(userProblem(cn, users)).toBeUndefined();
          expect(/[\p{C}\u2028\u2029]/u.test(cn)).toBe(false);
          // Granted: the database's own namespace for an ordinary user, or a grant that names it.
          const grants = allow.split(',').map((e) => e.split(' ').filter((w) => w !== ''));
          const names = (g: string[]) =>
            (g[0] === ns || g[0] === `${ns}/app`) &&
            (g.length === 1 ? !isAdministrative(cn, users) : g[1] === 'as' && g[2] === cn);
          if (isAdministrative(cn, users) || !same) expect(grants.some(names)).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe("docs/security-connections.md: a database's certificate names only what it is", () => {
  const pg = (tls: Record<string, unknown>, spec: Record<string, unknown> = {}) => ({
    apiVersion: 'kubedb.com/v1',
    kind: 'Postgres',
    metadata: { name: 'pg', namespace: 'demo' },
    spec: { version: '16.4', tls: { issuerRef: ISSUER, ...tls }, ...spec },
  });
  const server = (fields: Record<string, unknown>) =>
    pg({ certificates: [{ alias: 'server', ...fields }] });
  const fieldsOf = (run: ReturnType<typeof runFn>) => errorsOf(run).map((e) => e.field);
  const names = (fields: Record<string, unknown>, policy?: unknown) =>
    fieldsOf(render([server(fields)], policy));
  const policy = (certificateNames: unknown) => ({
    apiVersion: 'dbtls.dev/v1alpha1',
    kind: 'DatabaseTLSPolicy',
    metadata: { name: 'p' },
    spec: { rules: { certificateNames } },
  });
  const at = 'spec.tls.certificates[0]';

  it('each row of the table is refused at the field that wrote it', () => {
    expect(names({ dnsNames: ['kubernetes', 'kubernetes.default'] })).toEqual([
      `${at}.dnsNames[0]`,
      `${at}.dnsNames[1]`,
    ]);
    expect(
      names({ dnsNames: ['a.other.svc', 'b.other.svc.cluster.local', 'c.other.pod'] }),
    ).toEqual([`${at}.dnsNames[0]`, `${at}.dnsNames[1]`, `${at}.dnsNames[2]`]);
    expect(names({ dnsNames: ['pg.demo.svc', '*.pg-pods.demo.svc.cluster.local'] })).toEqual([]);
    expect(names({ dnsNames: ['registry.cluster.local'] })).toEqual([`${at}.dnsNames[0]`]);
    for (const o of ['system:masters', 'system:nodes', 'system:node:n1', 'system:kube-proxy'])
      expect(names({ subject: { organizations: ['kubedb', o] } })).toEqual([
        `${at}.subject.organizations[1]`,
      ]);
    expect(
      names({ uris: ['spiffe://td/ns/kube-system/sa/x', 'spiffe://td/ns/demo/sa/pg'] }),
    ).toEqual([`${at}.uris[0]`]);
    expect(names({ dnsNames: ['*.corp.example.com'] })).toEqual([`${at}.dnsNames[0]`]);
    expect(
      names(
        { dnsNames: ['*.corp.example.com'] },
        policy({ allowedDNSSuffixes: ['corp.example.com'] }),
      ),
    ).toEqual([]);
    const external = pg(
      {},
      { serviceTemplates: [{ alias: 'primary', spec: { externalIPs: ['8.8.8.8'] } }] },
    );
    expect(fieldsOf(render([external]))).toEqual(['spec.serviceTemplates[0].spec.externalIPs[0]']);
    expect(fieldsOf(render([external], policy({ allowedIPRanges: ['8.8.8.0/24'] })))).toEqual([]);
  });

  it('connect-as beginning with system: is refused', () => {
    const run = render([orders(), workload('db', 'app', 'system:masters')]);
    expect(errorsOf(run).map((e) => e.field)).toEqual([
      'metadata.annotations.dbtls.dev/connect-as',
    ]);
  });

  it('the error shown is the exact message, resource and field', () => {
    const line = doc.split('\n').find((l) => l.startsWith('error: Certificate "pg-server-cert"'))!;
    const run = render([server({ dnsNames: ['kubernetes.default.svc'] })]);
    const e = errorsOf(run)[0];
    expect(`error: ${e.message} (Postgres/demo/pg, ${e.field})`).toBe(line);
  });

  it('without the rule, plain external names and IPs are allowed; with it, only what it lists; never the kind’s own', () => {
    const fields = { dnsNames: ['pg.example.com'], ipAddresses: ['192.0.2.1', '127.0.0.1'] };
    expect(names(fields)).toEqual([]);
    const rule = { allowedDNSSuffixes: ['db.example.com'], allowedIPRanges: ['10.0.0.0/8'] };
    expect(names(fields, policy(rule))).toEqual([`${at}.dnsNames[0]`, `${at}.ipAddresses[0]`]);
    expect(
      names({ dnsNames: ['pg.db.example.com'], ipAddresses: ['10.1.2.3'] }, policy(rule)),
    ).toEqual([]);
    expect(doc).toContain('allowedIPRanges: [10.0.0.0/8, 203.0.113.10/32]');
  });
});

describe('hostile certificate names', () => {
  const LABELS = [
    'kubernetes',
    'default',
    'svc',
    'cluster',
    'local',
    'pod',
    'demo',
    'kube-system',
    'x',
    '*',
    'KUBE-SYSTEM',
    'example',
    'com',
    'ns',
  ];
  const dnsName = fc.oneof(
    fc
      .tuple(fc.array(fc.constantFrom(...LABELS), { minLength: 1, maxLength: 6 }), fc.boolean())
      .map(([l, dot]) => l.join('.') + (dot ? '.' : '')),
    hostileString,
  );
  const subject = fc.oneof(
    fc.constantFrom(
      'system:masters',
      'System:Nodes',
      'system:node:n1',
      'kubedb',
      'SYSTEM:kube-scheduler',
    ),
    hostileString,
  );
  const uri = fc.oneof(
    fc.constantFrom(
      'spiffe://td/ns/kube-system/sa/x',
      'SPIFFE://td/ns/other/sa/x',
      'spiffe://td/ns/demo/sa/pg',
      'https://x/ns/other',
    ),
    hostileString,
  );

  it('no Certificate rendered for a database names another namespace, the API server or a Kubernetes group', () => {
    fc.assert(
      fc.property(
        fc.array(dnsName, { maxLength: 4 }),
        fc.array(subject, { maxLength: 2 }),
        fc.array(uri, { maxLength: 2 }),
        (dnsNames, organizations, uris) => {
          const db = {
            apiVersion: 'kubedb.com/v1',
            kind: 'Postgres',
            metadata: { name: 'pg', namespace: 'demo' },
            spec: {
              version: '16.4',
              tls: {
                issuerRef: ISSUER,
                certificates: [
                  { alias: 'server', dnsNames, uris },
                  { alias: 'client', subject: { organizations } },
                ],
              },
            },
          };
          const run = render([db]);
          // Refused (no Certificate), or rendered with only the database's own names.
          if (errorsOf(run).length === 0)
            expect(itemsOf(run, 'Certificate').length).toBeGreaterThan(0);
          for (const c of itemsOf(run, 'Certificate')) {
            expect(foreignNames(c.spec, 'demo', 'cluster.local')).toEqual([]);
            for (const d of c.spec.dnsNames ?? [])
              expect(normalDNSName(d).split('.').slice(0, 2).join('.')).not.toBe(
                'kubernetes.default',
              );
          }
        },
      ),
      { numRuns: 80 },
    );
  });
});
