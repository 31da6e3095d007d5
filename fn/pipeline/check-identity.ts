// Stages (each database): a served apiVersion, and a name and namespace the API server would take
// (checkIdentity: false, and reported, when the database itself would be refused: every name
// dbtls derives starts from them; a database without a namespace is rendered for "default", with
// a warning); then the names derived from it (checkDerivedNames).
import type { DatabaseKind } from '../contract/kind.js';
import type { Mode } from '../contract/settings.js';
import { describeObject, type KubeObject } from '../io/objects.js';
import type { Reporter } from '../io/results.js';
import { dns1123SubdomainErrors } from '../validate/go-formats.js';
import { namespaceProblem } from '../validate/namespace.js';
import { reportGeneratedNames, reportOperatorServiceName } from '../validate/object-names.js';
import { at } from '../util/field-path.js';

export function checkIdentity(db: KubeObject, kind: DatabaseKind, report: Reporter): boolean {
  const version = db.apiVersion.slice(db.apiVersion.indexOf('/') + 1);
  if (!kind.versions.includes(version)) {
    report.error(
      at('apiVersion'),
      `${db.apiVersion} is not a served version of ${kind.kind}; use ${kind.versions.map((v) => `${kind.group}/${v}`).join(' or ')}`,
    );
    return false;
  }
  // Every name dbtls derives starts from this one: when the API server would refuse the database
  // itself, say that once instead of once per derived name.
  const nameErrors = dns1123SubdomainErrors(db.metadata.name);
  if (nameErrors.length) {
    report.error(
      at('metadata', 'name'),
      `metadata.name is not a valid Kubernetes name, and the API server would refuse the ${kind.kind} itself: ${nameErrors.join('; ')}`,
    );
    return false;
  }
  const namespace = namespaceProblem(db.metadata.namespace);
  if (namespace !== undefined) {
    report.error(
      at('metadata', 'namespace'),
      `metadata.namespace is not a valid namespace, and the API server would refuse the ${kind.kind} itself: ${namespace}`,
    );
    return false;
  }
  if (!db.metadata.namespace) report.warn(at('metadata', 'namespace'), noNamespace(db));
  return true;
}

/**
 * The names derived from the database's, as the API server checks them (validate/object-names.ts):
 * every object rendered, and outside standalone mode, where the operator renders the workload,
 * the Service it names after the database.
 */
export function checkDerivedNames(
  db: KubeObject,
  kind: DatabaseKind,
  mode: Mode,
  rendered: readonly KubeObject[],
  report: Reporter,
): void {
  reportGeneratedNames(rendered, report);
  if (mode !== 'standalone') reportOperatorServiceName(db, kind.operator, report);
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
