// The shared shape of `spec.tls` as the kinds and the stages read it (kmodules' TLSConfig, which
// every KubeDB and KubeVault kind uses): types only. fn/validate/tls-config.ts reads it from the
// database, reporting each problem at its field.
import type { Obj } from '../io/objects.js';
import type { FieldPath } from '../util/field-path.js';

export interface IssuerRef {
  apiGroup: string;
  kind: 'Issuer' | 'ClusterIssuer';
  name: string;
}

export interface Subject {
  organizations?: string[];
  countries?: string[];
  organizationalUnits?: string[];
  localities?: string[];
  provinces?: string[];
  streetAddresses?: string[];
  postalCodes?: string[];
  serialNumber?: string;
}

/** One `spec.tls.certificates[]` entry after validation; `path` is where it sits in the source. */
export interface CertificateOverride {
  alias: string;
  path: FieldPath;
  /** An alias the operator issues nothing for: the entry is read, reported and not applied. */
  ignored?: boolean;
  issuerRef?: IssuerRef;
  secretName?: string;
  subject?: Subject;
  duration?: string;
  renewBefore?: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  uris?: string[];
  emailAddresses?: string[];
  privateKey?: { encoding?: 'PKCS1' | 'PKCS8' };
}

export interface TLSConfig {
  issuerRef?: IssuerRef;
  overrides: Map<string, CertificateOverride>;
  /** Extra keys on `spec.tls` that a kind reads itself (MSSQLServer's clientTLS). */
  extra: Obj;
}
