// One cert-manager Certificate per alias: the kind's defaults merged with the user's
// `spec.tls.certificates[]` entry the way KubeDB merges them (each subject list the user sets
// replaces the default one; SANs are added to the defaults).
import { compact, type KubeObject, shared, unique } from '../io/objects.js';
import type { CertificateDefaults, KindContext } from '../contract/kind.js';
import { formatGoDuration, parseGoDuration } from '../util/duration.js';
import type { CertificateOverride, IssuerRef } from '../contract/tls.js';
import { kubeObject, objectMeta, type Owner } from './metadata.js';
import { serverDNSNames } from './workload.js';

/** Key usages as KubeDB and KubeVault request them, shared by every Certificate that asks for them. */
export const USAGES = {
  server: shared(['digital signature', 'key encipherment', 'server auth']),
  client: shared(['digital signature', 'key encipherment', 'client auth']),
  serverAndClient: shared(['digital signature', 'key encipherment', 'server auth', 'client auth']),
};

/**
 * A server certificate's defaults as every kind asks for them: each name of its Services and of
 * the pods under the governing Service, localhost and 127.0.0.1 for clients inside the pod.
 */
export function serverCertificateDefaults(
  ctx: KindContext,
  services: string[],
  governing: string,
  usages: string[],
  commonName: string = ctx.db.metadata.name,
): CertificateDefaults {
  return {
    commonName,
    dnsNames: serverDNSNames(services, governing, ctx.namespace, ctx.settings.clusterDomain),
    ipAddresses: ['127.0.0.1'],
    usages,
  };
}

export interface CertificateInput {
  owner: Owner;
  alias: string;
  name: string;
  secretName: string;
  issuerRef: IssuerRef;
  defaults: CertificateDefaults;
  override?: CertificateOverride;
}

export function buildCertificate(c: CertificateInput): KubeObject {
  const o = c.override;
  const spec = compact({
    secretName: c.secretName,
    issuerRef: { group: c.issuerRef.apiGroup, kind: c.issuerRef.kind, name: c.issuerRef.name },
    commonName: c.defaults.commonName,
    // Per list, as KubeDB's SetTLSDefaults merges: the user's list replaces the kind's default.
    subject:
      o?.subject && c.defaults.subject
        ? { ...c.defaults.subject, ...o.subject }
        : (o?.subject ?? c.defaults.subject),
    dnsNames: unique([...(c.defaults.dnsNames ?? []), ...(o?.dnsNames ?? [])]),
    ipAddresses: unique([...(c.defaults.ipAddresses ?? []), ...(o?.ipAddresses ?? [])]),
    uris: unique(o?.uris ?? []),
    emailAddresses: unique(o?.emailAddresses ?? []),
    // Canonical Go form (2160h0m0s): what cert-manager stores, so GitOps tools see no drift.
    duration: canonicalDuration(o?.duration),
    renewBefore: canonicalDuration(o?.renewBefore),
    privateKey: o?.privateKey?.encoding ? { encoding: o.privateKey.encoding } : undefined,
    usages: c.defaults.usages,
  });
  return kubeObject(
    'cert-manager.io/v1',
    'Certificate',
    objectMeta(c.owner, c.name, { 'dbtls.dev/certificate-alias': c.alias }),
    { spec },
  );
}

function canonicalDuration(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const d = parseGoDuration(v);
  return d.ok ? formatGoDuration(d.nanos) : v;
}
