// DatabaseTLSPolicy rules: each rule's violation with its exact message and field, enforce vs
// audit, matching by namespace and labels, the requireTLS default, and the policy's own checks.
import { describe, expect, it } from 'vitest';
import { matches } from '../fn/policy/rules.js';
import type { KubeObject } from '../fn/io/objects.js';
import {
  clusterIssuer,
  errorsOf,
  issuer,
  itemsOf,
  postgres,
  resourceList,
  resultsOf,
  runFn,
} from './helpers.js';

const policy = (rules: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'dbtls.dev/v1alpha1',
  kind: 'DatabaseTLSPolicy',
  metadata: { name: 'org' },
  spec: { ...extra, rules },
});
const run = (rules: Record<string, unknown>, ...items: unknown[]) =>
  runFn(resourceList(items, policy(rules)));
const policyResults = (r: ReturnType<typeof runFn>) =>
  resultsOf(r).filter((x) => x.message.startsWith('policy rule'));
const plain = (name = 'pg', namespace = 'demo', labels?: Record<string, string>) => {
  const db = postgres({ tls: undefined }, name, namespace) as any;
  delete db.spec.tls;
  if (labels) db.metadata.labels = labels;
  return db;
};

describe('requireTLS', () => {
  it('fails a matched database without spec.tls (enforce)', () => {
    const r = run(
      { requireTLS: { match: { namespaces: ['demo'] } } },
      plain(),
      plain('other', 'dev'),
    );
    expect(r.status).toBe(1);
    expect(policyResults(r)).toEqual([
      {
        severity: 'error',
        field: 'spec.tls',
        message:
          'policy rule requireTLS: TLS is required for this database; set spec.tls.issuerRef to a cert-manager Issuer or ClusterIssuer',
      },
    ]);
  });

  it('warns instead under audit', () => {
    const r = run({ requireTLS: { enforcement: 'audit' } }, plain());
    expect(r.status).toBe(0);
    expect(policyResults(r)).toEqual([
      {
        severity: 'warning',
        field: 'spec.tls',
        message:
          'policy rule requireTLS: TLS is required for this database; set spec.tls.issuerRef to a cert-manager Issuer or ClusterIssuer',
      },
    ]);
  });

  it('adds spec.tls from defaultIssuerRef, reported as info, and renders the certificates', () => {
    const r = run(
      {
        requireTLS: {
          match: { selector: { matchLabels: { tier: 'prod' } } },
          defaultIssuerRef: { kind: 'ClusterIssuer', name: 'cluster-ca' },
        },
      },
      clusterIssuer(),
      plain('pg', 'demo', { tier: 'prod' }),
      plain('dev', 'demo', { tier: 'dev' }),
    );
    expect(r.status).toBe(0);
    expect(policyResults(r)).toEqual([
      {
        severity: 'info',
        field: 'spec.tls',
        message:
          'policy rule requireTLS: TLS is required and spec.tls was not set; added spec.tls.issuerRef ClusterIssuer "cluster-ca" (the rule\'s defaultIssuerRef)',
      },
    ]);
    const pg = itemsOf(r, 'Postgres').find((p) => p.metadata.name === 'pg');
    expect(pg.spec.tls).toEqual({
      issuerRef: { apiGroup: 'cert-manager.io', kind: 'ClusterIssuer', name: 'cluster-ca' },
    });
    expect(itemsOf(r, 'Postgres').find((p) => p.metadata.name === 'dev').spec.tls).toBeUndefined();
    expect(itemsOf(r, 'Certificate').map((c) => [c.metadata.name, c.spec.issuerRef.name])).toEqual([
      ['pg-server-cert', 'cluster-ca'],
      ['pg-client-cert', 'cluster-ca'],
      ['pg-metrics-exporter-cert', 'cluster-ca'],
    ]);
  });

  it('mutates the database in operator mode too, so the operator issues the certificates', () => {
    const r = runFn(
      resourceList(
        [clusterIssuer(), plain()],
        policy(
          { requireTLS: { defaultIssuerRef: { kind: 'ClusterIssuer', name: 'cluster-ca' } } },
          { mode: 'operator' },
        ),
      ),
    );
    expect(r.status).toBe(0);
    expect(itemsOf(r, 'Postgres')[0].spec.tls.issuerRef.name).toBe('cluster-ca');
    expect(itemsOf(r, 'Postgres')[0].metadata.annotations).toBeUndefined();
  });

  it('leaves a database that has spec.tls alone', () => {
    const r = run(
      { requireTLS: { defaultIssuerRef: { kind: 'ClusterIssuer', name: 'cluster-ca' } } },
      issuer(),
      postgres(),
    );
    expect(policyResults(r)).toEqual([]);
    expect(itemsOf(r, 'Certificate')[0].spec.issuerRef.name).toBe('ca');
  });

  it('checks the default issuer like any other issuerRef', () => {
    const r = run(
      { requireTLS: { defaultIssuerRef: { kind: 'Issuer', name: 'missing' } } },
      plain(),
    );
    expect(errorsOf(r)).toEqual([
      {
        severity: 'error',
        field: 'spec.tls.issuerRef.name',
        message:
          'Issuer "missing" not found in namespace "demo"; add it to the input, or list it in externalIssuers if it exists only in the cluster',
      },
    ]);
  });
});

describe('connectionSecurity (settings the kinds declare)', () => {
  it('requires a minimum Postgres sslMode', () => {
    const r = run(
      { connectionSecurity: { minimum: { sslMode: 'verify-full' } } },
      issuer(),
      postgres({ sslMode: 'require' }),
    );
    expect(errorsOf(r)).toEqual([
      {
        severity: 'error',
        field: 'spec.sslMode',
        message:
          'policy rule connectionSecurity: sslMode is "require"; the policy requires at least "verify-full"',
      },
    ]);
  });

  it("counts the kind's default: no spec.tls means sslMode disable", () => {
    const r = run(
      { connectionSecurity: { enforcement: 'audit', minimum: { sslMode: 'require' } } },
      plain(),
    );
    expect(r.status).toBe(0);
    expect(policyResults(r)).toEqual([
      {
        severity: 'warning',
        field: 'spec.sslMode',
        message:
          'policy rule connectionSecurity: sslMode is "disable"; the policy requires at least "require"',
      },
    ]);
  });

  it('accepts a stricter value and the default with TLS (verify-full)', () => {
    expect(
      run({ connectionSecurity: { minimum: { sslMode: 'verify-ca' } } }, issuer(), postgres())
        .status,
    ).toBe(0);
    expect(
      run(
        { connectionSecurity: { minimum: { sslMode: 'verify-ca' } } },
        issuer(),
        postgres({ sslMode: 'verify-full' }),
      ).status,
    ).toBe(0);
  });

  it("rejects settings no kind declares, and values outside a kind's levels", () => {
    const r = run(
      { connectionSecurity: { minimum: { sslmode: 'require' } } },
      issuer(),
      postgres(),
    );
    expect(errorsOf(r)).toEqual([
      {
        severity: 'error',
        field: 'spec.rules.connectionSecurity.minimum.sslmode',
        message: expect.stringMatching(
          /^unknown setting "sslmode"; the supported kinds declare .*sslMode \(Postgres\)/,
        ),
      },
    ]);
    const r2 = run(
      { connectionSecurity: { minimum: { sslMode: 'strict' } } },
      issuer(),
      postgres(),
    );
    expect(errorsOf(r2)).toEqual([
      {
        severity: 'error',
        field: 'spec.rules.connectionSecurity.minimum.sslMode',
        message:
          '"strict" is not a value of Postgres spec.sslMode; use one of "disable", "allow", "prefer", "require", "verify-ca", "verify-full"',
      },
    ]);
  });
});

describe('allowedIssuers', () => {
  it('rejects an issuer not on the list, at the field that names it', () => {
    const db = postgres({
      tls: {
        issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' },
        certificates: [
          { alias: 'client', issuerRef: { kind: 'ClusterIssuer', name: 'cluster-ca' } },
        ],
      },
    });
    const r = run(
      { allowedIssuers: { issuers: ['Issuer/demo/ca', 'ClusterIssuer/corp'] } },
      issuer(),
      clusterIssuer(),
      db,
    );
    expect(errorsOf(r)).toEqual([
      {
        severity: 'error',
        field: 'spec.tls.certificates[0].issuerRef',
        message:
          'policy rule allowedIssuers: ClusterIssuer "cluster-ca" is not an allowed issuer; use one of Issuer/demo/ca, ClusterIssuer/corp',
      },
    ]);
  });

  it('matches a namespaced entry only in its namespace, and a bare name of either kind', () => {
    const r = run({ allowedIssuers: { issuers: ['Issuer/prod/ca'] } }, issuer(), postgres());
    expect(errorsOf(r)).toEqual([
      {
        severity: 'error',
        field: 'spec.tls.issuerRef',
        message:
          'policy rule allowedIssuers: Issuer "ca" is not an allowed issuer; use one of Issuer/prod/ca',
      },
    ]);
    expect(run({ allowedIssuers: { issuers: ['ca'] } }, issuer(), postgres()).status).toBe(0);
  });
});

describe('forbidSelfSignedIssuers', () => {
  const selfSigned = { ...issuer('self'), spec: { selfSigned: {} } };
  const db = postgres({
    tls: { issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'self' } },
  });

  it('rejects an Issuer with spec.selfSigned in the matched namespaces only', () => {
    const r = run({ forbidSelfSignedIssuers: { match: { namespaces: ['demo'] } } }, selfSigned, db);
    expect(errorsOf(r)).toEqual([
      {
        severity: 'error',
        field: 'spec.tls.issuerRef',
        message:
          'policy rule forbidSelfSignedIssuers: Issuer "self" is self-signed (spec.selfSigned); use an issuer backed by a CA (ca, vault, acme or an external issuer)',
      },
    ]);
    expect(
      run({ forbidSelfSignedIssuers: { match: { namespaces: ['prod'] } } }, selfSigned, db).status,
    ).toBe(0);
  });

  it('accepts a CA issuer and warns about an external one, which it cannot see', () => {
    expect(run({ forbidSelfSignedIssuers: {} }, issuer(), postgres()).status).toBe(0);
    const ext = postgres({
      tls: { issuerRef: { apiGroup: 'cert-manager.io', kind: 'ClusterIssuer', name: 'vault' } },
    });
    const r = run({ forbidSelfSignedIssuers: {} }, ext);
    expect(errorsOf(r)).toHaveLength(1); // not found: the issuer check's error, no policy noise
    const r2 = runFn(
      resourceList(
        [ext],
        policy({ forbidSelfSignedIssuers: {} }, { externalIssuers: ['ClusterIssuer/vault'] }),
      ),
    );
    expect(r2.status).toBe(0);
    expect(policyResults(r2)).toEqual([
      {
        severity: 'warning',
        field: 'spec.tls.issuerRef',
        message:
          'policy rule forbidSelfSignedIssuers: ClusterIssuer "vault" is not in the input, so whether it is self-signed cannot be checked',
      },
    ]);
  });
});

describe('privateKey', () => {
  it('sets algorithm, size (the smallest allowed at or above minimumSize), encoding and rotationPolicy on every Certificate', () => {
    const r = run(
      {
        privateKey: {
          algorithm: 'ECDSA',
          minimumSize: 300,
          encoding: 'PKCS8',
          rotationPolicy: 'Always',
        },
      },
      issuer(),
      postgres(),
    );
    expect(r.status).toBe(0);
    expect(itemsOf(r, 'Certificate').map((c) => c.spec.privateKey)).toEqual(
      Array(3).fill({ algorithm: 'ECDSA', size: 384, encoding: 'PKCS8', rotationPolicy: 'Always' }),
    );
  });

  it("rejects a user override that weakens it, at the user's field", () => {
    const db = postgres({
      tls: {
        issuerRef: { kind: 'Issuer', name: 'ca' },
        certificates: [{ alias: 'client' }, { alias: 'server', privateKey: { encoding: 'PKCS1' } }],
      },
    });
    const r = run({ privateKey: { encoding: 'PKCS8' } }, issuer(), db);
    expect(errorsOf(r)).toEqual([
      {
        severity: 'error',
        field: 'spec.tls.certificates[1].privateKey.encoding',
        message: 'policy rule privateKey: privateKey.encoding is PKCS1; the policy requires PKCS8',
      },
    ]);
  });

  it('keeps RSA sizes as given', () => {
    const r = run({ privateKey: { minimumSize: 3072 } }, issuer(), postgres());
    expect(itemsOf(r, 'Certificate')[0].spec.privateKey).toEqual({ size: 3072 });
  });

  it.each([
    [
      { algorithm: 'RSA', minimumSize: 1024 },
      'spec.rules.privateKey.minimumSize',
      '1024 is not an RSA key size cert-manager accepts; use 2048 to 8192',
    ],
    [
      { algorithm: 'ECDSA', minimumSize: 1024 },
      'spec.rules.privateKey.minimumSize',
      '1024 is larger than the largest ECDSA key (521); use 256, 384 or 521',
    ],
    [
      { algorithm: 'Ed25519', minimumSize: 256 },
      'spec.rules.privateKey.minimumSize',
      'Ed25519 keys have one size; remove minimumSize',
    ],
    [
      { algorithm: 'Ed25519', encoding: 'PKCS1' },
      'spec.rules.privateKey.encoding',
      'Ed25519 keys are always written as PKCS8; use encoding PKCS8 or remove it',
    ],
    [
      { algorithm: 'rsa' },
      'spec.rules.privateKey.algorithm',
      'spec.rules.privateKey.algorithm must be one of RSA, ECDSA, Ed25519; got "rsa"',
    ],
    [
      { rotationPolicy: 'Sometimes' },
      'spec.rules.privateKey.rotationPolicy',
      'spec.rules.privateKey.rotationPolicy must be one of Always, Never; got "Sometimes"',
    ],
  ])('policy %j is itself checked', (rule, field, message) => {
    const r = run({ privateKey: rule }, issuer(), postgres());
    expect(r.status).toBe(1);
    expect(errorsOf(r)).toEqual([{ severity: 'error', field, message }]);
    expect(itemsOf(r, 'Certificate')).toEqual([]);
  });
});

describe('certificateLifetime', () => {
  const withCert = (certificate: Record<string, unknown>) =>
    postgres({ tls: { issuerRef: { kind: 'Issuer', name: 'ca' }, certificates: [certificate] } });

  it('supplies a duration within maximumDuration, and a renewBefore meeting minimumRenewBefore', () => {
    const r = run(
      { certificateLifetime: { maximumDuration: '720h', minimumRenewBefore: '360h' } },
      issuer(),
      postgres(),
    );
    expect(r.status).toBe(0);
    expect(itemsOf(r, 'Certificate').map((c) => [c.spec.duration, c.spec.renewBefore])).toEqual(
      Array(3).fill(['720h0m0s', '360h0m0s']),
    );
  });

  it("leaves cert-manager's defaults when they already comply", () => {
    const r = run(
      { certificateLifetime: { maximumDuration: '8760h', minimumRenewBefore: '24h' } },
      issuer(),
      postgres(),
    );
    expect(itemsOf(r, 'Certificate').map((c) => [c.spec.duration, c.spec.renewBefore])).toEqual(
      Array(3).fill([undefined, undefined]),
    );
  });

  it.each([
    [
      { alias: 'server', duration: '8760h' },
      { maximumDuration: '2160h' },
      'spec.tls.certificates[0].duration',
      'policy rule certificateLifetime: duration is 8760h0m0s; the policy allows at most 2160h0m0s',
    ],
    [
      { alias: 'server', renewBefore: '1h' },
      { minimumRenewBefore: '24h' },
      'spec.tls.certificates[0].renewBefore',
      'policy rule certificateLifetime: renewBefore is 1h0m0s; the policy requires at least 24h0m0s',
    ],
    [
      { alias: 'client', duration: '12h' },
      { minimumRenewBefore: '24h' },
      'spec.tls.certificates[0].duration',
      'policy rule certificateLifetime: duration is 12h0m0s, too short to renew 24h0m0s before expiry as the policy requires; use a longer duration',
    ],
  ])('%j under %j → %s', (certificate, rule, field, message) => {
    const r = run({ certificateLifetime: rule }, issuer(), withCert(certificate));
    expect(errorsOf(r)).toEqual([{ severity: 'error', field, message }]);
  });

  it("audit reports a warning and emits the user's value", () => {
    const r = run(
      { certificateLifetime: { enforcement: 'audit', maximumDuration: '2160h' } },
      issuer(),
      withCert({ alias: 'server', duration: '8760h' }),
    );
    expect(r.status).toBe(0);
    expect(policyResults(r)).toEqual([
      {
        severity: 'warning',
        field: 'spec.tls.certificates[0].duration',
        message:
          'policy rule certificateLifetime: duration is 8760h0m0s; the policy allows at most 2160h0m0s',
      },
    ]);
    expect(itemsOf(r, 'Certificate')[0].spec.duration).toBe('8760h0m0s');
  });

  it.each([
    [
      { maximumDuration: '30m' },
      'spec.rules.certificateLifetime.maximumDuration',
      '30m0s is shorter than the 1h0m0s cert-manager requires of every certificate',
    ],
    [
      { minimumRenewBefore: '1m' },
      'spec.rules.certificateLifetime.minimumRenewBefore',
      '1m0s is shorter than the 5m0s cert-manager requires of renewBefore',
    ],
    [
      { maximumDuration: '24h', minimumRenewBefore: '24h' },
      'spec.rules.certificateLifetime.minimumRenewBefore',
      '24h0m0s is not shorter than the maximumDuration 24h0m0s; no certificate could satisfy both',
    ],
    [
      { maximumDuration: '90d' },
      'spec.rules.certificateLifetime.maximumDuration',
      '"90d" is not valid here: must be a Go duration such as 2160h or 1h30m (units h, m, s, ms, us, ns; no d)',
    ],
  ])('policy %j is itself checked', (rule, field, message) => {
    const r = run({ certificateLifetime: rule }, issuer(), postgres());
    expect(errorsOf(r)).toEqual([{ severity: 'error', field, message }]);
  });
});

describe('the policy document', () => {
  it.each([
    [
      { requireTLS: { enforcement: 'warn' } },
      'spec.rules.requireTLS.enforcement',
      'spec.rules.requireTLS.enforcement must be one of enforce, audit; got "warn"',
    ],
    [{ requireSSL: {} }, 'spec.rules.requireSSL', 'unknown field "requireSSL"'],
    [
      { requireTLS: { match: { namespace: ['a'] } } },
      'spec.rules.requireTLS.match.namespace',
      'unknown field "namespace"',
    ],
    [
      { requireTLS: { defaultIssuerRef: { name: 'x' } } },
      'spec.rules.requireTLS.defaultIssuerRef.kind',
      'spec.rules.requireTLS.defaultIssuerRef.kind is required',
    ],
    [
      { allowedIssuers: { issuers: [] } },
      'spec.rules.allowedIssuers.issuers',
      'spec.rules.allowedIssuers.issuers must NOT have fewer than 1 items',
    ],
    [
      { connectionSecurity: {} },
      'spec.rules.connectionSecurity.minimum',
      'spec.rules.connectionSecurity.minimum is required',
    ],
  ])('%j → %s', (rules, field, message) => {
    const r = run(rules, issuer(), postgres());
    expect(r.status).toBe(1);
    expect(errorsOf(r)).toEqual([{ severity: 'error', field, message }]);
  });
});

describe('match', () => {
  const db = (labels: Record<string, string>, namespace = 'demo') =>
    ({
      apiVersion: 'kubedb.com/v1',
      kind: 'Postgres',
      metadata: { name: 'x', namespace, labels },
    }) as KubeObject;
  it.each([
    [{}, {}, true],
    [{ namespaces: ['demo'] }, {}, true],
    [{ namespaces: ['prod'] }, {}, false],
    [{ selector: { matchLabels: { tier: 'prod' } } }, { tier: 'prod' }, true],
    [{ selector: { matchLabels: { tier: 'prod' } } }, { tier: 'dev' }, false],
    [
      { namespaces: ['prod'], selector: { matchLabels: { tier: 'prod' } } },
      { tier: 'prod' },
      false,
    ],
    [
      { selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] } },
      { tier: 'b' },
      true,
    ],
    [
      { selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['a'] }] } },
      {},
      false,
    ],
    [
      { selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['a'] }] } },
      {},
      true,
    ],
    [
      { selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['a'] }] } },
      { tier: 'a' },
      false,
    ],
    [{ selector: { matchExpressions: [{ key: 'pci', operator: 'Exists' }] } }, { pci: '' }, true],
    [
      { selector: { matchExpressions: [{ key: 'pci', operator: 'DoesNotExist' }] } },
      { pci: '' },
      false,
    ],
  ])('%j on labels %j → %s', (match, labels, expected) => {
    expect(matches(match as any, db(labels))).toBe(expected);
  });
});

describe('privateKey on values a kind sets itself', () => {
  // No kind sets key parameters today; a Certificate that arrives with them is still checked.
  it('reports each weaker value at metadata.name, naming the Certificate', async () => {
    const { applyCertificatePolicy, readRules } = await import('../fn/policy/rules.js');
    const { Reporter } = await import('../fn/io/results.js');
    const { KINDS } = await import('../fn/kinds/index.js');
    const db = postgres() as unknown as KubeObject;
    const { rules } = readRules(
      {
        privateKey: {
          enforcement: 'audit',
          algorithm: 'ECDSA',
          minimumSize: 384,
          rotationPolicy: 'Always',
        },
      },
      db,
      KINDS,
    );
    const report = new Reporter(db);
    const cert = {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'pg-server-cert' },
      spec: { privateKey: { algorithm: 'RSA', size: 256, rotationPolicy: 'Never' } },
    } as KubeObject;
    const out = applyCertificatePolicy(
      cert,
      {
        db,
        namespace: 'demo',
        report,
        tls: undefined,
        settings: {
          mode: 'standalone',
          clusterDomain: 'cluster.local',
          externalIssuers: [],
          rules,
        },
      } as any,
      undefined,
    );
    expect(out.spec).toEqual(cert.spec);
    expect(report.results.map((r) => [r.severity, r.field?.path, r.message])).toEqual([
      [
        'warning',
        'metadata.name',
        'policy rule privateKey: privateKey.algorithm of Certificate "pg-server-cert" is RSA; the policy requires ECDSA',
      ],
      [
        'warning',
        'metadata.name',
        'policy rule privateKey: privateKey.size of Certificate "pg-server-cert" is 256; the policy requires at least 384',
      ],
      [
        'warning',
        'metadata.name',
        'policy rule privateKey: privateKey.rotationPolicy of Certificate "pg-server-cert" is Never; the policy requires Always',
      ],
    ]);
  });
});
