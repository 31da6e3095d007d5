// A database's trust bundle, as its annotations name it (docs/trust-bundles.md):
//
//   dbtls.dev/trust-bundle: db-roots
//   dbtls.dev/trust-bundle-add: "Secret/old-root-ca, ConfigMap/new-root/ca.crt"
//
// The first names the trust-manager Bundle (and the ConfigMap it writes into every namespace it
// targets) that the database's servers and clients trust; the second lists extra CAs for a
// rollover, read from trust-manager's trust namespace. A Bundle of that name in the input is the
// user's and is used as it is; otherwise dbtls renders it from what this module returns: the CA
// secret of each issuer the database uses, where dbtls can name it, and the extra sources.
// Every name and key is checked here, before it reaches a Bundle, a volume or a message.
import type { DatabaseKind, InputLookup } from '../contract/kind.js';
import type { Settings } from '../contract/settings.js';
import type { IssuerRef, TLSConfig } from '../contract/tls.js';
import type { TrustBundle, TrustSource } from '../contract/trust.js';
import {
  annotationsOf,
  describeObject,
  isObj,
  type KubeObject,
  namespaceOf,
} from '../io/objects.js';
import type { Reporter } from '../io/results.js';
import { at } from '../util/field-path.js';
import { dns1123SubdomainErrors } from './go-formats.js';
import type { IssuerIndex } from './issuers.js';

export const TRUST_BUNDLE = 'dbtls.dev/trust-bundle';
export const TRUST_BUNDLE_ADD = 'dbtls.dev/trust-bundle-add';
export const TRUST_PATH = at('metadata', 'annotations', TRUST_BUNDLE);
export const ADD_PATH = at('metadata', 'annotations', TRUST_BUNDLE_ADD);
/** trust-manager's Bundle (cert-manager/trust-manager, pkg/apis/trust/v1alpha1): cluster-scoped. */
export const BUNDLE_GROUP = 'trust.cert-manager.io';
export const BUNDLE_API_VERSION = `${BUNDLE_GROUP}/v1alpha1`;
/** The key of the ConfigMap dbtls's Bundles write, and the file name the bundle is mounted as. */
export const BUNDLE_KEY = 'ca.crt';

/**
 * cert-manager's CA issuer signs with the key pair in its secret's `tls.crt` and `tls.key`, both
 * required (pkg/util/kube SecretTLSKeyPairAndCA, which also appends an optional `ca.crt`): so
 * `tls.crt` is the key every CA issuer's secret has, and it holds the CA certificate.
 */
export const CA_SECRET_KEY = 'tls.crt';
/** The default key of an extra source: a Secret's certificate, a ConfigMap's CA bundle. */
const DEFAULT_KEY = { Secret: CA_SECRET_KEY, ConfigMap: 'ca.crt' } as const;

/** What the annotations are read with: the settings, the issuers, the input's Bundles. */
export interface TrustLookups {
  settings: Settings;
  issuers: IssuerIndex;
  inputs?: InputLookup;
}

/** The database's trust bundle, or undefined (reported when the annotations are wrong). */
export function readTrustBundle(
  db: KubeObject,
  tls: TLSConfig | undefined,
  lookups: TrustLookups,
  report: Reporter,
): TrustBundle | undefined {
  const annotations = annotationsOf(db);
  const named = annotations[TRUST_BUNDLE];
  const added = annotations[TRUST_BUNDLE_ADD];
  if (named === undefined) {
    if (added !== undefined)
      report.error(
        ADD_PATH,
        `${ADD_PATH} lists extra CAs for a trust bundle, but ${describeObject(db)} names none: ` +
          `set ${TRUST_BUNDLE} too, or remove ${TRUST_BUNDLE_ADD}`,
      );
    return undefined;
  }
  const name = readName(named, report);
  const extra = added === undefined ? [] : readExtraSources(added, report);
  if (name === undefined || extra === undefined) return undefined;
  const given = lookups.inputs
    ?.ofKind(BUNDLE_GROUP, 'Bundle')
    .find((b) => b.metadata.name === name);
  if (given) return usersBundle(given, name, extra, report);
  const sources = issuerSources(db, tls, name, lookups, extra.length > 0, report);
  if (sources === undefined) return undefined;
  return { name, key: BUNDLE_KEY, given: false, sources: sortedSources([...sources, ...extra]) };
}

function readName(value: unknown, report: Reporter): string | undefined {
  if (typeof value !== 'string') {
    report.error(TRUST_PATH, `${TRUST_PATH} must be a string: the name of a trust-manager Bundle`);
    return undefined;
  }
  const errors = dns1123SubdomainErrors(value);
  if (errors.length === 0) return value;
  report.error(
    TRUST_PATH,
    `${TRUST_PATH} names ${JSON.stringify(value)}, which is not the name of a Bundle and its ` +
      `ConfigMap: ${errors.join('; ')}`,
  );
  return undefined;
}

/** The extra sources, or undefined when an entry is wrong (each reported). */
function readExtraSources(value: unknown, report: Reporter): TrustSource[] | undefined {
  if (typeof value !== 'string') {
    report.error(
      ADD_PATH,
      `${ADD_PATH} must be a string: Secret/NAME or ConfigMap/NAME, each with an optional /KEY, ` +
        'comma-separated',
    );
    return undefined;
  }
  const out: TrustSource[] = [];
  let bad = false;
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const source = parseSource(entry);
    if ('problem' in source) {
      report.error(ADD_PATH, `${ADD_PATH} entry ${JSON.stringify(entry)} ${source.problem}`);
      bad = true;
    } else out.push(source);
  }
  return bad ? undefined : out;
}

/** `KIND/NAME[/KEY]`, or why it is not one. */
export function parseSource(entry: string): TrustSource | { problem: string } {
  const parts = entry.split('/');
  if (parts.length < 2 || parts.length > 3)
    return { problem: 'is not Secret/NAME or ConfigMap/NAME, either followed by an optional /KEY' };
  const [kind, name, key] = parts;
  if (kind !== 'Secret' && kind !== 'ConfigMap')
    return { problem: `names kind ${JSON.stringify(kind)}: a source is a Secret or a ConfigMap` };
  const nameErrors = dns1123SubdomainErrors(name);
  if (nameErrors.length)
    return {
      problem: `names ${JSON.stringify(name)}, which is not a ${kind}'s name: ${nameErrors.join('; ')}`,
    };
  const keyProblem = key === undefined ? undefined : configMapKeyProblem(key);
  if (keyProblem) return { problem: `names key ${JSON.stringify(key)}, which ${keyProblem}` };
  return { kind, name, key: key ?? DEFAULT_KEY[kind] };
}

const KEY_CHARACTERS = /^[-._a-zA-Z0-9]+$/;

/** apimachinery's IsConfigMapKey (Secret keys follow the same rule), in words. */
export function configMapKeyProblem(key: string): string | undefined {
  if (key.length > 253) return 'is longer than 253 characters';
  if (!KEY_CHARACTERS.test(key))
    return 'is not a key of a ConfigMap or Secret: letters, digits, "-", "_" and "." only';
  if (key === '.' || key === '..' || key.startsWith('..'))
    return 'is not a key of a ConfigMap or Secret: it must not be "." or "..", nor start with ".."';
  return undefined;
}

/**
 * The user's Bundle: used as it is, its ConfigMap target's key mounted. The API server checks the
 * rest of it against trust-manager's CRD when it is applied; dbtls checks the field it reads.
 * (Compiled from the CRD, ajv's validator added 68 KB to dist/dbtls.js, read at every start, for
 * an object the API server validates anyway.)
 */
function usersBundle(
  bundle: KubeObject,
  name: string,
  extra: readonly TrustSource[],
  report: Reporter,
): TrustBundle | undefined {
  const bundleName = `Bundle ${JSON.stringify(name)} of the input`;
  const target = isObj(bundle.spec) && isObj(bundle.spec.target) ? bundle.spec.target : {};
  const key = isObj(target.configMap) ? target.configMap.key : undefined;
  const problem =
    typeof key !== 'string'
      ? 'writes no ConfigMap: its spec.target.configMap.key is not set'
      : configMapKeyProblem(key) &&
        `has spec.target.configMap.key ${JSON.stringify(key)}, which ${configMapKeyProblem(key)}`;
  if (problem) {
    report.error(
      TRUST_PATH,
      `${TRUST_PATH} names ${bundleName}, which ${problem}; set it (servers and clients mount ` +
        'that key of the ConfigMap it writes), or name a Bundle for dbtls to render',
    );
    return undefined;
  }
  if (extra.length) {
    report.error(
      ADD_PATH,
      `${ADD_PATH} lists extra CAs, but ${bundleName} is yours and dbtls renders no Bundle of ` +
        `that name: add them to its spec.sources, and remove ${TRUST_BUNDLE_ADD}`,
    );
    return undefined;
  }
  return { name, key: key as string, given: true, sources: [] };
}

/**
 * The CA of each issuer the database's certificates use, as a source trust-manager reads from
 * its trust namespace. Where dbtls cannot name one, that is an error unless extra sources are
 * listed (the user then says where the CA is).
 */
function issuerSources(
  db: KubeObject,
  tls: TLSConfig | undefined,
  name: string,
  { settings, issuers }: TrustLookups,
  extra: boolean,
  report: Reporter,
): TrustSource[] | undefined {
  const refs = issuerRefs(tls);
  if (refs.length === 0 && !extra) {
    report.error(
      TRUST_PATH,
      `${TRUST_PATH} names trust bundle ${JSON.stringify(name)}, but ${describeObject(db)} has ` +
        `no spec.tls.issuerRef whose CA dbtls could put in it: set spec.tls.issuerRef, list the ` +
        `CA in ${TRUST_BUNDLE_ADD}, or remove ${TRUST_BUNDLE}`,
    );
    return undefined;
  }
  const out: TrustSource[] = [];
  for (const ref of refs) {
    const found = caSource(ref, db, settings.trustNamespace, issuers);
    if ('source' in found) out.push(found.source);
    else if (!extra) {
      report.error(
        TRUST_PATH,
        `${TRUST_PATH} names trust bundle ${JSON.stringify(name)}, for which dbtls cannot name ` +
          `the CA of ${ref.kind} "${ref.name}": ${found.why}; list the CA in ` +
          `${TRUST_BUNDLE_ADD} (Secret/NAME[/KEY] or ConfigMap/NAME[/KEY] in namespace ` +
          `"${settings.trustNamespace}"), or name a Bundle of your own`,
      );
      return undefined;
    }
  }
  return out;
}

/** Every issuerRef the database's certificates are issued by, each once. */
function issuerRefs(tls: TLSConfig | undefined): IssuerRef[] {
  const refs = [
    tls?.issuerRef,
    ...[...(tls?.overrides.values() ?? [])].filter((o) => !o.ignored).map((o) => o.issuerRef),
  ].filter((r): r is IssuerRef => r !== undefined);
  const seen = new Set<string>();
  return refs.filter((r) => !seen.has(`${r.kind}/${r.name}`) && seen.add(`${r.kind}/${r.name}`));
}

/**
 * A CA issuer's secret as a source: a ClusterIssuer's lives in cert-manager's cluster resource
 * namespace, which dbtls takes to be the trust namespace (both are cert-manager by default); a
 * namespaced Issuer's lives in its own namespace, usable only where that is the trust namespace.
 */
function caSource(
  ref: IssuerRef,
  db: KubeObject,
  trustNamespace: string,
  issuers: IssuerIndex,
): { source: TrustSource } | { why: string } {
  const namespace = namespaceOf(db);
  const issuer = issuers.find(ref, namespace);
  if (!issuer) return { why: 'it is not in the input, so where it keeps its CA is unknown' };
  const ca = isObj(issuer.spec) && isObj(issuer.spec.ca) ? issuer.spec.ca : undefined;
  if (!ca || typeof ca.secretName !== 'string')
    return {
      why: 'it is no CA issuer (spec.ca), so its CA is in no secret dbtls knows of',
    };
  const source: TrustSource = { kind: 'Secret', name: ca.secretName, key: CA_SECRET_KEY };
  if (ref.kind === 'ClusterIssuer' || namespace === trustNamespace) return { source };
  return {
    why:
      `its CA secret "${ca.secretName}" is in namespace "${namespace}", and ` +
      `trust-manager reads sources only from its trust namespace "${trustNamespace}"`,
  };
}

/** Sorted (ConfigMaps, then Secrets; by name, then key) and each once: a diff shows what changed. */
export function sortedSources(sources: readonly TrustSource[]): TrustSource[] {
  const key = (s: TrustSource) => `${s.kind}\u0000${s.name}\u0000${s.key}`;
  const byKey = new Map(sources.map((s) => [key(s), s]));
  return [...byKey.keys()].sort().map((k) => byKey.get(k)!);
}

/**
 * Where the bundle does not reach the database's servers, an info says so, once per database:
 * in operator mode KubeDB runs them; in standalone mode a kind whose server dbtls cannot point at
 * a trust file keeps its own secret's CA. Its clients read the bundle either way.
 */
export function noteServerTrust(
  kind: DatabaseKind,
  mode: Settings['mode'],
  trust: TrustBundle,
  report: Reporter,
): void {
  const bundle = `trust bundle ${JSON.stringify(trust.name)}`;
  const clients = `the ${bundle} reaches the applications that connect to it`;
  if (mode === 'operator')
    report.info(
      TRUST_PATH,
      `${TRUST_PATH}: the ${kind.operator} operator runs the ${kind.kind} servers, whose trust ` +
        `stays the operator's (the CA of their own secrets); ${clients}`,
    );
  else if (mode === 'standalone' && !kind.serverTrustBundle)
    report.info(
      TRUST_PATH,
      `${TRUST_PATH}: the ${kind.kind} server dbtls renders keeps trusting the CA of its own ` +
        `secrets (dbtls cannot point its trust at the bundle's file); ${clients}`,
    );
}
