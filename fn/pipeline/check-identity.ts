// Stage (each database): a served apiVersion, and a name and namespace the API server would take.
// False (and reported) when the database itself would be refused: every name dbtls derives
// starts from them. A database without a namespace is rendered for "default", with a warning.
import type { DatabaseKind } from '../contract/kind.js';
import { describeObject, type KubeObject } from '../io/objects.js';
import type { Reporter } from '../io/results.js';
import { dns1123SubdomainErrors } from '../validate/certificate-spec.js';
import { namespaceProblem } from '../validate/namespace.js';

export function checkIdentity(db: KubeObject, kind: DatabaseKind, report: Reporter): boolean {
  const version = db.apiVersion.slice(db.apiVersion.indexOf('/') + 1);
  if (!kind.versions.includes(version)) {
    report.error(
      'apiVersion',
      `${db.apiVersion} is not a served version of ${kind.kind}; use ${kind.versions.map((v) => `${kind.group}/${v}`).join(' or ')}`,
    );
    return false;
  }
  // Every name dbtls derives starts from this one: when the API server would refuse the database
  // itself, say that once instead of once per derived name.
  const nameErrors = dns1123SubdomainErrors(db.metadata.name);
  if (nameErrors.length) {
    report.error(
      'metadata.name',
      `is not a valid Kubernetes name, and the API server would refuse the ${kind.kind} itself: ${nameErrors.join('; ')}`,
    );
    return false;
  }
  const namespace = namespaceProblem(db.metadata.namespace);
  if (namespace !== undefined) {
    report.error(
      'metadata.namespace',
      `is not a valid namespace, and the API server would refuse the ${kind.kind} itself: ${namespace}`,
    );
    return false;
  }
  if (!db.metadata.namespace) report.warn('metadata.namespace', noNamespace(db));
  return true;
}

/** What a database without a namespace is rendered for, and how to say where it goes. */
function noNamespace(db: KubeObject): string {
  return (
    `${describeObject(db)} has no metadata.namespace, so dbtls takes "default": its ` +
    'Certificates, Services and the DNS names in them are rendered for namespace "default" ' +
    "(kubectl would apply the database itself to its context's namespace); set " +
    'metadata.namespace, or for render and check pass --default-namespace (Argo CD passes the ' +
    "Application's destination namespace)"
  );
}
