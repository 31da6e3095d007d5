// The supported database kinds. Adding a kind: write its module beside this file and list it here.
import { groupOf, isObj } from '../io/objects.js';
import type { DatabaseKind } from './kind.js';
import { GITOPS_GROUP, GITOPS_SPECS } from './gitops.js';
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

const gitOpsKinds = new Map(
  KINDS.filter((k) => GITOPS_SPECS[k.kind] !== undefined).map((k) => [
    k.kind,
    { ...k, group: GITOPS_GROUP, versions: ['v1alpha1'], counterpart: GITOPS_SPECS[k.kind] },
  ]),
);
