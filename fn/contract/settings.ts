// What the function config says, as every stage and kind reads it: the mode, the cluster's
// domain, what exists only in the cluster, and the organisation's rules. Types only; the config is
// read and checked in fn/policy/settings.ts, the rules in fn/policy/rules.ts.
import type { IssuerRef } from './tls.js';
import type { DeclaredVersion } from './versions.js';

/**
 * standalone: no KubeDB in the cluster, dbtls renders Certificates and the workload; operator: only
 * KubeDB's community operator, dbtls renders the Certificates its enterprise part would create;
 * validate: the full KubeDB creates everything itself, dbtls only checks and changes nothing.
 */
export type Mode = 'standalone' | 'operator' | 'validate';

export interface Settings {
  mode: Mode;
  clusterDomain: string;
  /**
   * trust-manager's trust namespace: where the sources of a Bundle are read from (the CA secrets
   * of the trust bundles dbtls renders, and their extra sources).
   */
  trustNamespace: string;
  externalIssuers: ExternalIssuer[];
  /** Databases that exist only in the cluster, which applications may connect to (fn/connect/). */
  externalDatabases: ExternalDatabase[];
  /** The organisation's rules (spec.rules); see fn/policy/rules.ts. */
  rules: PolicyRules;
  /** Version catalog objects the cluster has (spec.versions): what a spec.version names. */
  versions: DeclaredVersion[];
}

export interface ExternalIssuer {
  kind?: 'Issuer' | 'ClusterIssuer';
  namespace?: string;
  name: string;
}
/** `Kind/namespace/name`, or `Kind/name`: then in the namespace of the workload that connects. */
export interface ExternalDatabase {
  kind: string;
  namespace?: string;
  name: string;
}

export type Enforcement = 'enforce' | 'audit';

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: {
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values?: string[];
  }[];
}
export interface Match {
  namespaces?: string[];
  selector?: LabelSelector;
}
/** What every rule has: its enforcement and the databases it matches. */
export interface Rule {
  enforcement: Enforcement;
  match: Match;
  /**
   * Which policy the rule came from, when more than one policy is in play (a platform's policy
   * tightened by one in the repository): results name it. Unset for a single policy.
   */
  source?: string;
}

/** DatabaseTLSPolicy spec.rules after reading: one entry per rule the policy sets. */
export interface PolicyRules {
  requireTLS?: Rule & { defaultIssuerRef?: IssuerRef };
  connectionSecurity?: Rule & { minimum: Record<string, string | boolean> };
  allowedIssuers?: Rule & { issuers: AllowedIssuer[]; text: string[] };
  forbidSelfSignedIssuers?: Rule;
  privateKey?: Rule & {
    algorithm?: 'RSA' | 'ECDSA' | 'Ed25519';
    minimumSize?: number;
    encoding?: 'PKCS1' | 'PKCS8';
    rotationPolicy?: 'Always' | 'Never';
  };
  certificateLifetime?: Rule & { maximumDuration?: bigint; minimumRenewBefore?: bigint };
  /** TLS versions servers accept, where dbtls writes their configuration (MSSQL tlsprotocols). */
  tlsProtocols?: Rule & { versions: string[] };
  /** Workloads of other namespaces (or administrative users) granted the matched databases. */
  allowClients?: Rule & { clients: string[]; grants: ClientGrant[] };
  /** Matched databases are reached only from their own namespace, whatever they grant. */
  forbidCrossNamespaceClients?: Rule;
  /** The names outside the cluster matched databases' certificates may hold. */
  certificateNames?: Rule & { allowedDNSSuffixes?: string[]; allowedIPRanges?: string[] };
}
/**
 * Who may connect to a database besides the workloads of its own namespace (fn/connect/grants.ts):
 * a namespace's workloads, or one workload, as users other than the administrative ones, or as
 * exactly `user`.
 */
export interface ClientGrant {
  namespace: string;
  /** Undefined: every workload of the namespace. */
  workload?: string;
  /** Undefined: every user but the engine's administrative ones. */
  user?: string;
}

export interface AllowedIssuer {
  kind?: 'Issuer' | 'ClusterIssuer';
  namespace?: string;
  name: string;
}
