// Trust bundles (issue 28): where a database's servers and clients take their trust anchors from
// when the database names one (`dbtls.dev/trust-bundle`). Types only; the annotations are read in
// fn/validate/trust-bundle.ts, the trust-manager Bundle is rendered by the pipeline stage
// fn/pipeline/render-trust-bundles.ts, servers mount it through fn/render/trust-bundle.ts and
// clients through fn/connect/.

/** One source of a trust-manager Bundle, read from the trust namespace. */
export interface TrustSource {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  key: string;
}

/**
 * The trust bundle a database names: the ConfigMap trust-manager writes into each target
 * namespace, named like its Bundle, and the key that holds the PEM certificates.
 */
export interface TrustBundle {
  /** The Bundle's name, and the name of the ConfigMap in every namespace it targets. */
  name: string;
  /** The key of the ConfigMap that holds the CA certificates. */
  key: string;
  /** A Bundle of that name is in the input: the user's, used as it is; dbtls renders none. */
  given: boolean;
  /** What this database adds to the Bundle dbtls renders: its issuers' CAs and its extra sources. */
  sources: readonly TrustSource[];
}
