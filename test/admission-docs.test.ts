// docs/admission.md, claim by claim.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildAdmission } from '../fn/admission/index.js';
import type { Obj } from '../fn/io/objects.js';
import { KINDS, REGISTRY } from '../fn/kinds/index.js';
import { readSettings } from '../fn/policy/settings.js';
import { admitAll, generate } from './admission/differential.js';
import { policy } from './admission/policies.js';
import { ROOT } from './helpers.js';

const doc = readFileSync(join(ROOT, 'docs/admission.md'), 'utf8');

const every = policy('tls-policy', {
  requireTLS: { match: { namespaces: ['prod'] } },
  connectionSecurity: { minimum: { sslMode: 'verify-full' } },
  allowedIssuers: { enforcement: 'audit', issuers: ['ClusterIssuer/corp-ca'] },
  forbidSelfSignedIssuers: {},
  privateKey: { encoding: 'PKCS8' },
  certificateLifetime: {
    match: { selector: { matchLabels: { tier: 'critical' } } },
    maximumDuration: '2160h',
  },
  tlsProtocols: { versions: ['1.2'] },
});
const built = (mode: 'standalone' | 'operator' | 'validate') =>
  buildAdmission(readSettings(every, REGISTRY).settings.rules, 'tls-policy', mode, KINDS);

const pg = (spec: Obj, labels: Obj = {}) => ({
  apiVersion: 'kubedb.com/v1',
  kind: 'Postgres',
  metadata: { name: 'pg', namespace: 'prod', labels },
  spec: { version: '16.4', ...spec },
});
const tls = { issuerRef: { apiGroup: 'cert-manager.io', kind: 'ClusterIssuer', name: 'corp-ca' } };

describe('docs/admission.md', () => {
  it('is linked from the README', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toMatch(/\]\(docs\/admission\.md\)/);
  });

  it("the table's admission column says which rules become objects, mode by mode", () => {
    const rows = [...doc.matchAll(/^\| `(\w+)` \| yes \| (yes|no)\b/gm)].map((m) => [m[1], m[2]]);
    expect(rows.map((r) => r[0])).toEqual(Object.keys((every.spec as Obj).rules as Obj));
    const { objects, uncovered } = built('operator');
    const rules = new Set(
      objects.map(
        (o) => String(o.metadata.annotations?.['dbtls.dev/admission-from']).split('spec.rules.')[1],
      ),
    );
    for (const [rule, admitted] of rows) {
      expect(rules.has(rule), rule).toBe(admitted === 'yes');
      if (admitted === 'no') expect(uncovered.map((u) => u.rule)).toContain(rule);
    }
    // tlsProtocols: outside standalone mode only.
    expect(
      built('standalone').objects.some((o) => o.metadata.name === 'dbtls-tls-policy-tls-protocols'),
    ).toBe(false);
  });

  it('names, labels, actions, matching and failure policy are as it says', () => {
    const { objects } = built('validate');
    const byName = new Map(objects.map((o) => [`${o.kind} ${o.metadata.name}`, o as any]));
    const vap = byName.get('ValidatingAdmissionPolicy dbtls-tls-policy-require-tls');
    expect(vap.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'dbtls' });
    expect(vap.spec.failurePolicy).toBe('Fail');
    expect(vap.spec.paramKind).toBeUndefined();
    expect(
      vap.spec.matchConstraints.resourceRules.every(
        (r: any) => r.operations.join() === 'CREATE,UPDATE',
      ),
    ).toBe(true);
    expect(vap.spec.matchConstraints.namespaceSelector).toEqual({
      matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['prod'] }],
    });
    expect(
      byName.get('ValidatingAdmissionPolicy dbtls-tls-policy-certificate-lifetime').spec
        .matchConditions,
    ).toHaveLength(1);
    expect(
      byName.get('ValidatingAdmissionPolicyBinding dbtls-tls-policy-require-tls').spec
        .validationActions,
    ).toEqual(['Deny']);
    expect(
      byName.get('ValidatingAdmissionPolicyBinding dbtls-tls-policy-allowed-issuers').spec
        .validationActions,
    ).toEqual(['Warn', 'Audit']);
  });

  it('messages are the field and the render-time message; a database without spec.tls is refused despite defaultIssuerRef', () => {
    const g = generate(every, 'operator');
    expect(
      admitAll(g, pg({ sslMode: 'require', tls })).get('connectionSecurity')?.messages,
    ).toEqual([
      'spec.sslMode: policy rule connectionSecurity: sslMode is "require"; the policy requires at least "verify-full"',
    ]);
    const withDefault = policy('p', {
      requireTLS: { defaultIssuerRef: { kind: 'ClusterIssuer', name: 'corp-ca' } },
    });
    expect(admitAll(generate(withDefault, 'operator'), pg({})).get('requireTLS')?.action).toBe(
      'Deny',
    );
  });

  it('states the defaults each kind declares', () => {
    const unset = (kind: string) =>
      KINDS.find((k) => k.kind === kind)?.connectionSettings?.[0].unset;
    expect(unset('Postgres')).toEqual({ withTLS: 'verify-full', withoutTLS: 'disable' });
    expect(unset('MongoDB')).toEqual({ withTLS: 'requireSSL', withoutTLS: 'disabled' });
    for (const kind of ['MySQL', 'MariaDB', 'PerconaXtraDB', 'MSSQLServer'])
      expect(unset(kind)).toEqual({ withTLS: false, withoutTLS: false });
    expect(doc).toContain(
      'Postgres `sslMode` is `verify-full` with\n`spec.tls` and `disable` without',
    );
  });

  it('refuses a certificate list longer than 16 entries, and an unreadable duration', () => {
    const g = generate(every, 'operator');
    const entries = Array.from({ length: 17 }, () => ({ alias: 'server' }));
    expect(
      admitAll(g, pg({ sslMode: 'verify-full', tls: { ...tls, certificates: entries } })).get(
        'privateKey',
      )?.messages,
    ).toEqual([
      'spec.tls.certificates has 17 entries; a database gives each of its aliases once, and at most 16 are read at admission',
    ]);
    const bad = pg(
      {
        sslMode: 'verify-full',
        tls: { ...tls, certificates: [{ alias: 'server', duration: '90d' }] },
      },
      { tier: 'critical' },
    );
    expect(admitAll(g, bad).get('certificateLifetime')?.messages).toEqual([
      'spec.tls.certificates[0].duration: "90d" is not a positive Go duration as cert-manager requires; use hours, e.g. 2160h for 90 days',
    ]);
  });

  it('shows a long value by its length and refuses a duration longer than 128 characters', () => {
    const g = generate(every, 'operator');
    const privateKey = { encoding: 'x'.repeat(300) };
    const certificates = [{ alias: 'server', privateKey }];
    expect(
      admitAll(g, pg({ sslMode: 'verify-full', tls: { ...tls, certificates } })).get('privateKey')
        ?.messages,
    ).toEqual([
      'spec.tls.certificates[0].privateKey.encoding: policy rule privateKey: privateKey.encoding is (300 characters); the policy requires PKCS8',
    ]);
    const duration = `${'0'.repeat(127)}1h`;
    const long = pg(
      { sslMode: 'verify-full', tls: { ...tls, certificates: [{ alias: 'server', duration }] } },
      { tier: 'critical' },
    );
    expect(admitAll(g, long).get('certificateLifetime')?.messages).toEqual([
      'spec.tls.certificates[0].duration: is 129 characters long; admission reads a duration of at most 128: use hours, e.g. 2160h for 90 days',
    ]);
    expect(doc).toContain('up to 253\ncharacters, a longer one by its length (`(300 characters)`)');
    expect(doc).toContain('longer than 128 characters is refused unread');
  });
});
