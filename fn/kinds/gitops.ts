// KubeDB's GitOps kinds (gitops.kubedb.com/v1alpha1): what dbtls knows of them beside the kinds
// they mirror, which kinds/index.ts looks them up as.
import { describeObject, groupOf, type KubeObject, namespaceOf } from '../io/objects.js';
import { fileOf } from '../io/results.js';
import type { Settings } from '../policy/settings.js';

/**
 * KubeDB's GitOps kinds (kubedb/apimachinery apis/gitops/v1alpha1): each carries the spec of its
 * kubedb.com counterpart (dbv1.PostgresSpec, …; dbv1alpha2 for MSSQLServer and Singlestore), from
 * which the KubeDB GitOps operator creates the kubedb.com object of the same name and namespace,
 * and later the OpsRequests that bring it to a changed spec. dbtls checks and renders one as that
 * object: `counterpart` is its apiVersion.
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

/** What dbtls does with a KubeDB GitOps object, which the GitOps operator turns into a database. */
export function gitOpsNote(db: KubeObject, counterpart: string, settings: Settings): string {
  const made =
    `the KubeDB GitOps operator creates ${counterpart} ${db.kind} ${namespaceOf(db)}/` +
    `${db.metadata.name} from this object (and the OpsRequests that apply its later changes)`;
  if (settings.mode === 'operator')
    return `${made}; dbtls issues the Certificates that ${db.kind} waits for, under KubeDB's names, and passes this object through`;
  if (settings.mode === 'validate') return `${made}; dbtls checks this object as that ${db.kind}`;
  return `${made}; without KubeDB, standalone mode renders that ${db.kind} itself`;
}

/** One database given twice: the same object, or a GitOps object and the one it makes. */
export function givenTwice(o: KubeObject, first: KubeObject): string {
  if (o.apiVersion === first.apiVersion)
    return `${describeObject(o)} is given twice${where(first)}; each database must appear once`;
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
