// Generated DatabaseTLSPolicies for the admission tests: every rule, its enforcement and match,
// drawn from values dbtls accepts; and hostile ones, whose names, namespaces, labels and issuers
// are any text a policy's author could write (only policies dbtls accepts are kept).
import fc from 'fast-check';
import type { Obj } from '../../fn/io/objects.js';
import { REGISTRY } from '../../fn/kinds/index.js';
import { readSettings } from '../../fn/policy/settings.js';
import { hostileString } from '../hostile-strings.js';
import { policy } from './policies.js';

const optional = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const accepted = (p: Obj) => !readSettings(p, REGISTRY).results.some((r) => r.severity === 'error');

const matchArb = fc.constantFrom<Obj | undefined>(
  undefined,
  { namespaces: ['prod'] },
  { selector: { matchLabels: { tier: 'critical' } } },
  { selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['critical'] }] } },
  { selector: { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] } },
  { namespaces: ['demo'], selector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] } },
);
const ruleArb = (fields: Record<string, fc.Arbitrary<unknown>>) =>
  fc.record({
    enforcement: optional(fc.constantFrom('enforce', 'audit')),
    match: matchArb,
    ...fields,
  });

/** Policies over the values the differential test's databases use. */
export const policyArb = fc
  .record(
    {
      requireTLS: ruleArb({
        defaultIssuerRef: optional(fc.constant({ kind: 'ClusterIssuer', name: 'corp-ca' })),
      }),
      connectionSecurity: ruleArb({
        minimum: fc.record(
          {
            sslMode: fc.constantFrom(
              'disable',
              'allow',
              'prefer',
              'require',
              'verify-ca',
              'verify-full',
            ),
            requireSSL: fc.boolean(),
            clientTLS: fc.boolean(),
            mongodbSSLMode: fc.constantFrom('disabled', 'allowSSL', 'preferSSL', 'requireSSL'),
          },
          { requiredKeys: [] },
        ),
      }),
      allowedIssuers: ruleArb({
        issuers: fc.subarray(
          ['ca', 'Issuer/ca', 'Issuer/prod/vault', 'ClusterIssuer/corp-ca', 'other-ca'],
          { minLength: 1 },
        ),
      }),
      privateKey: ruleArb({
        algorithm: optional(fc.constantFrom('RSA', 'ECDSA')),
        minimumSize: optional(fc.constantFrom(256, 2048, 3072, 4096)),
        encoding: optional(fc.constantFrom('PKCS1', 'PKCS8')),
        rotationPolicy: optional(fc.constantFrom('Always', 'Never')),
      }),
      certificateLifetime: ruleArb({
        maximumDuration: optional(fc.constantFrom('720h', '2160h', '4000h')),
        minimumRenewBefore: optional(fc.constantFrom('5m', '300h', '800h', '3000h')),
      }),
      tlsProtocols: ruleArb({ versions: fc.subarray(['1.0', '1.1', '1.2'], { minLength: 1 }) }),
    },
    { requiredKeys: [] },
  )
  .map((rules) => policy('generated', JSON.parse(JSON.stringify(rules)) as Obj))
  .filter(accepted);

const text = fc.oneof(
  hostileString,
  fc.string(),
  fc.constantFrom('prod', 'tier', 'a.b/c', 'x'.repeat(64)),
);
const hostileMatch = fc.record(
  {
    namespaces: fc.array(text, { minLength: 1, maxLength: 3 }),
    selector: fc.record(
      {
        matchLabels: fc.dictionary(text, text, { maxKeys: 2 }),
        matchExpressions: fc.array(
          fc.record({
            key: text,
            operator: fc.constantFrom('In', 'NotIn', 'Exists', 'DoesNotExist'),
            values: fc.array(text, { maxLength: 2 }),
          }),
          { maxLength: 2 },
        ),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
);

/**
 * Policies whose every free text is drawn from hostile strings: the objects written for any
 * policy dbtls accepts must still be objects the API server takes.
 */
export const hostilePolicyArb = fc
  .record({
    name: text,
    match: hostileMatch,
    issuers: fc.array(
      fc
        .tuple(fc.constantFrom('', 'Issuer/', 'ClusterIssuer/', 'Issuer/prod/'), text)
        .map(([k, n]) => k + n),
      { minLength: 1, maxLength: 3 },
    ),
    maximumDuration: fc.oneof(fc.constantFrom('2160h', '1h30m', '0.5s'), text),
  })
  .map(({ name, match, issuers, maximumDuration }) =>
    policy(name, {
      requireTLS: { match },
      allowedIssuers: { match, issuers },
      certificateLifetime: { match, maximumDuration },
      privateKey: { match, encoding: 'PKCS8' },
    }),
  )
  .filter(accepted);
