// Messages a person can act on: the nearest issuer name for a typo, schema patterns in words.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { patternInWords } from '../fn/policy/settings.js';
import { nearestName } from '../fn/validate/issuers.js';
import { errorsOf, issuer, postgres, resourceList, ROOT, runFn } from './helpers.js';

describe('nearestName', () => {
  it.each([
    ['shopca', ['shop-ca', 'other'], 'shop-ca'],
    ['postgres-ca-isuer', ['postgres-ca-issuer'], 'postgres-ca-issuer'],
    ['ca-issuer', ['ca-isseur', 'ca'], 'ca-isseur'],
    ['ca', ['cb', 'ca-issuer'], 'cb'],
  ])('%s among %j: %s', (name, names, nearest) => expect(nearestName(name, names)).toBe(nearest));

  it.each([
    ['ca', ['letsencrypt']],
    ['shopca', ['billing-ca']],
    ['x', []],
  ])('%s among %j: nothing close enough', (name, names) =>
    expect(nearestName(name, names)).toBeUndefined(),
  );
});

describe('an issuerRef that names nothing', () => {
  it('points at its name and suggests the Issuer of that namespace with the nearest name', () => {
    const r = runFn(
      resourceList([
        issuer('shop-ca'),
        issuer('shopca-old'),
        postgres({ tls: { issuerRef: { kind: 'Issuer', name: 'shopca' } } }),
      ]),
    );
    expect(errorsOf(r)).toEqual([
      {
        severity: 'error',
        field: 'spec.tls.issuerRef.name',
        message:
          'Issuer "shopca" not found in namespace "demo"; did you mean "shop-ca"? Otherwise add it to the input, or list it in externalIssuers if it exists only in the cluster',
      },
    ]);
  });

  it("suggests only Issuers of the database's namespace (an Issuer signs only for its own)", () => {
    const r = runFn(
      resourceList([
        issuer('shop-ca', 'other'),
        postgres({ tls: { issuerRef: { kind: 'Issuer', name: 'shopca' } } }),
      ]),
    );
    expect(errorsOf(r).map((e) => e.message)).toEqual([
      'Issuer "shopca" not found in namespace "demo"; add it to the input, or list it in externalIssuers if it exists only in the cluster',
    ]);
  });

  it('suggests among ClusterIssuers for a ClusterIssuer', () => {
    const cluster = {
      apiVersion: 'cert-manager.io/v1',
      kind: 'ClusterIssuer',
      metadata: { name: 'corp-ca' },
      spec: { selfSigned: {} },
    };
    const r = runFn(
      resourceList([
        cluster,
        postgres({ tls: { issuerRef: { kind: 'ClusterIssuer', name: 'corpca' } } }),
      ]),
    );
    expect(errorsOf(r)).toEqual([
      {
        severity: 'error',
        field: 'spec.tls.issuerRef.name',
        message:
          'ClusterIssuer "corpca" not found in the input; did you mean "corp-ca"? Otherwise add it to the input, or list it in externalIssuers if it exists only in the cluster',
      },
    ]);
  });

  it('points at kind when the name exists as the other kind', () => {
    const r = runFn(
      resourceList([
        issuer('ca'),
        postgres({ tls: { issuerRef: { kind: 'ClusterIssuer', name: 'ca' } } }),
      ]),
    );
    expect(errorsOf(r).map((e) => e.field)).toEqual(['spec.tls.issuerRef.kind']);
  });
});

describe('schema patterns', () => {
  it('every pattern of the policy schema is said in words', () => {
    const schema = readFileSync(join(ROOT, 'fn/generated/database-tls-policy.schema.json'), 'utf8');
    const patterns = new Set(
      [...schema.matchAll(/"pattern": (".*")/g)].map((m) => JSON.parse(m[1]) as string),
    );
    expect(patterns.size).toBeGreaterThan(0);
    for (const p of patterns) expect(patternInWords(p), p).toBeDefined();
  });
});
