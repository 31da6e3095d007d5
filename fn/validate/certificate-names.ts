// A database's certificate names only what the database is. Through a shared ClusterIssuer, a name
// in a database's certificate is a name the issuer's CA vouches for: the Kubernetes API server's
// own (`kubernetes.default.svc`), another namespace's Service, a Kubernetes group in the subject
// (`O=system:masters`: a certificate from a CA the API server trusts logs in as cluster admin), or
// the SPIFFE identity of another namespace's workloads. These are refused in every Certificate
// dbtls renders, whatever wrote them (the kind's defaults, the user's overrides, a service
// template). External names are the policy's to allow (fn/policy/certificate-names.ts).
import { isObj, type Obj } from '../io/objects.js';

/** One name of a rendered Certificate spec that the database does not own. */
export interface ForeignName {
  /** The spec field, as `dnsNames`, `subject.organizations`. */
  field: string;
  value: string;
  why: string;
}

const KUBERNETES_SERVICE = 'kubernetes';
/** Kubernetes reserves the `system:` prefix for its own users and groups. */
const SYSTEM_PREFIX = 'system:';

/** A DNS name as clients compare it: lower case, without the root's trailing dot. */
export function normalDNSName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/**
 * The namespace a cluster-internal name belongs to (`<svc>.<ns>.svc[.<domain>]`, a pod's
 * `<…>.<ns>.pod.<domain>`, with any labels before), '' for another name under the cluster's
 * domain, or undefined for a name outside the cluster.
 */
export function clusterNamespaceOf(name: string, clusterDomain: string): string | undefined {
  const n = normalDNSName(name);
  const domain = normalDNSName(clusterDomain);
  let labels = n.split('.');
  const underDomain = n === domain || n.endsWith(`.${domain}`);
  if (underDomain) labels = labels.slice(0, labels.length - domain.split('.').length);
  const last = labels[labels.length - 1];
  if ((last === 'svc' || last === 'pod') && labels.length >= 3) return labels[labels.length - 2];
  return underDomain ? '' : undefined;
}

/** Why a DNS name is not one the database in `namespace` owns, if it is not. */
export function foreignDNSName(
  name: string,
  namespace: string,
  clusterDomain: string,
): string | undefined {
  const n = normalDNSName(name);
  const labels = n.split('.');
  if (labels[0] === KUBERNETES_SERVICE && (labels.length === 1 || labels[1] === 'default'))
    return "is the Kubernetes API server's name (the Service kubernetes of namespace default)";
  const ns = clusterNamespaceOf(n, clusterDomain);
  if (ns === undefined || ns === namespace) return undefined;
  if (ns === '')
    return `is a cluster-internal name (under ${clusterDomain}) that is no Service of namespace "${namespace}"`;
  return `is a name of namespace "${ns}"; a database's certificate names only Services of its own namespace "${namespace}"`;
}

/** Why a subject's common name or organization is not the database's to hold, if it is not. */
export function privilegedSubject(value: string): string | undefined {
  if (!value.toLowerCase().startsWith(SYSTEM_PREFIX)) return undefined;
  return (
    'begins with "system:", the prefix Kubernetes reserves for its own users and groups: from an ' +
    'issuer the API server trusts, the certificate would log in as one (system:masters is cluster-admin)'
  );
}

/** Why a URI is not the database's identity, if it is not: a SPIFFE ID of another namespace. */
export function foreignURI(uri: string, namespace: string): string | undefined {
  const m = /^spiffe:\/\/[^/]*\/(.*)$/i.exec(uri);
  if (!m) return undefined;
  const parts = m[1].split('/');
  const at = parts.indexOf('ns');
  if (at < 0 || at + 1 >= parts.length) return undefined;
  const ns = decodeURIComponent(parts[at + 1]);
  if (ns === namespace) return undefined;
  return `is a SPIFFE identity of namespace "${ns}"; a database's certificate names only its own namespace "${namespace}"`;
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];

/** Every name of a rendered Certificate `spec` that the database of `namespace` does not own. */
export function foreignNames(spec: Obj, namespace: string, clusterDomain: string): ForeignName[] {
  const out: ForeignName[] = [];
  const add = (field: string, value: string, why: string | undefined) => {
    if (why) out.push({ field, value, why });
  };
  if (typeof spec.commonName === 'string') {
    add('commonName', spec.commonName, privilegedSubject(spec.commonName));
    add('commonName', spec.commonName, foreignDNSName(spec.commonName, namespace, clusterDomain));
  }
  for (const d of strings(spec.dnsNames))
    add('dnsNames', d, foreignDNSName(d, namespace, clusterDomain));
  for (const u of strings(spec.uris)) add('uris', u, foreignURI(u, namespace));
  const subject = isObj(spec.subject) ? spec.subject : {};
  for (const field of ['organizations', 'organizationalUnits'])
    for (const o of strings(subject[field])) add(`subject.${field}`, o, privilegedSubject(o));
  return out;
}
