// The supported database kinds. Adding a kind: write its module beside this file and list it here.
import { groupOf, isObj } from '../io/objects.js';
import type { DatabaseKind } from './kind.js';
import { postgres } from './postgres.js';
import { mssqlserver } from './mssqlserver.js';
import { vaultserver } from './vaultserver.js';
import { perconaXtraDB } from './perconaxtradb.js';
import { singlestore } from './singlestore.js';
import { mariadb } from './mariadb.js';
import { mysql } from './mysql.js';
import { redis } from './redis.js';
import { mongodb } from './mongodb.js';

export const KINDS: readonly DatabaseKind<any>[] = [
  postgres,
  perconaXtraDB,
  singlestore,
  mssqlserver,
  vaultserver,
  mariadb,
  mysql,
  redis,
  mongodb,
];

const byKind = new Map(KINDS.map((k) => [k.kind, k]));
if (byKind.size !== KINDS.length)
  throw new Error('two supported kinds share a kind name: look them up by group as well');

export function findKind(o: unknown): DatabaseKind | undefined {
  if (!isObj(o) || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') return undefined;
  // By kind first: most items are not databases, and this builds no string for them.
  const kind = byKind.get(o.kind);
  if (kind === undefined) return undefined;
  const group = groupOf(o.apiVersion);
  if (group === kind.group) return kind;
  return group === GITOPS_GROUP ? gitOpsKinds.get(o.kind) : undefined;
}

/**
 * KubeDB's GitOps kinds (kubedb/apimachinery apis/gitops/v1alpha1): each carries the spec of its
 * kubedb.com counterpart (dbv1.PostgresSpec, …; dbv1alpha2 for MSSQLServer and Singlestore), from
 * which the KubeDB GitOps operator creates the kubedb.com object of the same name and namespace,
 * and later the OpsRequests that bring it to a changed spec. dbtls checks and renders one as that
 * object: `counterpart` is its apiVersion.
 */
export const GITOPS_GROUP = 'gitops.kubedb.com';
const GITOPS_SPECS: Readonly<Record<string, string>> = {
  Postgres: 'kubedb.com/v1',
  PerconaXtraDB: 'kubedb.com/v1',
  Singlestore: 'kubedb.com/v1alpha2',
  MSSQLServer: 'kubedb.com/v1alpha2',
  MariaDB: 'kubedb.com/v1',
  MySQL: 'kubedb.com/v1',
  Redis: 'kubedb.com/v1',
  MongoDB: 'kubedb.com/v1',
};
const gitOpsKinds = new Map(
  KINDS.filter((k) => GITOPS_SPECS[k.kind] !== undefined).map((k) => [
    k.kind,
    { ...k, group: GITOPS_GROUP, versions: ['v1alpha1'], counterpart: GITOPS_SPECS[k.kind] },
  ]),
);
