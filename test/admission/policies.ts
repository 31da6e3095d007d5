// Policies the admission tests judge every database under.
import type { Obj } from '../../fn/io/objects.js';

export const policy = (name: string, rules: Obj): Obj => ({
  apiVersion: 'dbtls.dev/v1alpha1',
  kind: 'DatabaseTLSPolicy',
  metadata: { name },
  spec: { rules },
});

/** Policies every case is judged under: the examples' own and strict ones touching every rule. */
export const TEST_POLICIES: Obj[] = [
  policy('strict', {
    requireTLS: {},
    connectionSecurity: {
      minimum: {
        sslMode: 'verify-ca',
        requireSSL: true,
        clientTLS: true,
        mongodbSSLMode: 'requireSSL',
      },
    },
    allowedIssuers: {
      issuers: ['Issuer/ca', 'ClusterIssuer/corp-ca', 'Issuer/prod/vault', 'demo-ca'],
    },
    privateKey: { encoding: 'PKCS1' },
    certificateLifetime: { maximumDuration: '720h', minimumRenewBefore: '300h' },
    tlsProtocols: { versions: ['1.2'] },
  }),
  policy('scoped', {
    requireTLS: {
      enforcement: 'audit',
      match: {
        selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['critical'] }] },
      },
    },
    connectionSecurity: {
      match: { namespaces: ['demo'] },
      minimum: { sslMode: 'require', requireSSL: true },
    },
    privateKey: {
      algorithm: 'ECDSA',
      minimumSize: 384,
      rotationPolicy: 'Never',
      encoding: 'PKCS8',
    },
    certificateLifetime: {
      enforcement: 'audit',
      maximumDuration: '10000h',
      minimumRenewBefore: '3000h',
    },
    tlsProtocols: {
      versions: ['1.2', '1.1'],
      match: { selector: { matchLabels: { tier: 'critical' } } },
    },
  }),
  policy('lenient', {
    privateKey: { minimumSize: 4096 },
    certificateLifetime: { minimumRenewBefore: '800h' },
    allowedIssuers: { enforcement: 'audit', issuers: ['ca', 'ClusterIssuer/letsencrypt'] },
  }),
];
