// KubeDB's GitOps kinds (gitops.kubedb.com/v1alpha1), each a stand-in for the kubedb.com kind it
// mirrors: kinds/index.ts registers them beside the kinds, and the pipeline reads one as the
// object its operator creates (DatabaseKind.counterpart).
import type { DatabaseKind } from '../contract/kind.js';
import type { Mode } from '../contract/settings.js';
import { describeObject, groupOf, type KubeObject, namespaceOf } from '../io/objects.js';
import { fileOf } from '../io/results.js';

/**
 * KubeDB's GitOps kinds (kubedb/apimachinery apis/gitops/v1alpha1): each carries the spec of its
 * kubedb.com counterpart (dbv1.PostgresSpec, …; dbv1alpha2 for MSSQLServer and Singlestore), from
 * which the KubeDB GitOps operator creates the kubedb.com object of the same name and namespace,
 * and later the OpsRequests that bring it to a changed spec.
 */
export const GITOPS_GROUP = 'gitops.kubedb.com';
export const GITOPS_SPECS: Readonly<Record<string, string>> = {
  Postgres: 'kubedb.com/v1',
  PerconaXtraDB: 'kubedb.com/v1',
  Singlestore: 'kubedb.com/v1alpha2',
  MSSQLServer: 'kubedb.com/v1alpha2',
  MariaDB: 'kubedb.com/v1',
  MySQL: 'kubedb.com/v1',
  Redis: 'kubedb.com/v1',
  MongoDB: 'kubedb.com/v1',
};

/** The GitOps kind of each of `kinds` that KubeDB's GitOps operator serves. */
export function gitOpsKinds(kinds: readonly DatabaseKind[]): DatabaseKind[] {
  return kinds
    .filter((k) => GITOPS_SPECS[k.kind] !== undefined)
    .map((k) => ({
      ...k,
      group: GITOPS_GROUP,
      versions: ['v1alpha1'],
      counterpart: { apiVersion: GITOPS_SPECS[k.kind], note: gitOpsNote, givenTwice },
    }));
}

/** What dbtls does with a KubeDB GitOps object, which the GitOps operator turns into a database. */
function gitOpsNote(db: KubeObject, mode: Mode): string {
  const counterpart = GITOPS_SPECS[db.kind];
  const made =
    `the KubeDB GitOps operator creates ${counterpart} ${db.kind} ${namespaceOf(db)}/` +
    `${db.metadata.name} from this object (and the OpsRequests that apply its later changes)`;
  if (mode === 'operator')
    return `${made}; dbtls issues the Certificates that ${db.kind} waits for, under KubeDB's names, and passes this object through`;
  if (mode === 'validate') return `${made}; dbtls checks this object as that ${db.kind}`;
  return `${made}; without KubeDB, standalone mode renders that ${db.kind} itself`;
}

/** A GitOps object and the one it makes, both given. */
function givenTwice(o: KubeObject, first: KubeObject): string {
  const [gitops, made] = groupOf(o.apiVersion) === GITOPS_GROUP ? [o, first] : [first, o];
  return (
    `${describeObject(o)} is given twice: as ${made.apiVersion}${where(made)} and as ` +
    `${gitops.apiVersion}${where(gitops)}, from which the KubeDB GitOps operator creates the ` +
    `${made.apiVersion} object itself; keep one of the two`
  );
}

function where(o: KubeObject): string {
  const f = fileOf(o);
  return f ? ` (in ${f.path})` : '';
}
