// The supported database kinds. Adding a kind: write its module beside this file and list it here.
import { groupOf, isObj } from '../io/objects.js';
import type { DatabaseKind } from './kind.js';
import { postgres } from './postgres.js';
import { mssqlserver } from './mssqlserver.js';
import { vaultserver } from './vaultserver.js';
import { perconaXtraDB } from './perconaxtradb.js';
import { singlestore } from './singlestore.js';

export const KINDS: readonly DatabaseKind<any>[] = [postgres, perconaXtraDB, singlestore, mssqlserver, vaultserver];

const byGroupKind = new Map(KINDS.map((k) => [`${k.group}/${k.kind}`, k]));

export function findKind(o: unknown): DatabaseKind | undefined {
  if (!isObj(o) || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') return undefined;
  return byGroupKind.get(`${groupOf(o.apiVersion)}/${o.kind}`);
}
