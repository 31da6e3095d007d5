// The supported database kinds: the registry. Adding a kind: write its folder beside this file,
// list it here, and add its example (ARCHITECTURE.md, "Adding a kind"). Only the pipeline and the
// entry points import this module; every other stage is handed the registry.
import { type KindRegistry, kindRegistry } from '../contract/registry.js';
import type { DatabaseKind } from '../contract/kind.js';
import { gitOpsKinds } from './gitops.js';
import { postgres } from './postgres/index.js';
import { mssqlserver } from './mssqlserver/index.js';
import { vaultserver } from './vaultserver/index.js';
import { perconaXtraDB } from './perconaxtradb/index.js';
import { singlestore } from './singlestore/index.js';
import { mariadb } from './mariadb/index.js';
import { mysql } from './mysql/index.js';
import { redis } from './redis/index.js';
import { redisSentinel } from './redis-sentinel/index.js';
import { mongodb } from './mongodb.js';

export const KINDS: readonly DatabaseKind[] = [
  postgres,
  perconaXtraDB,
  singlestore,
  mssqlserver,
  vaultserver,
  mariadb,
  mysql,
  redis,
  redisSentinel,
  mongodb,
];

// KubeDB's GitOps kinds stand in for the kinds they mirror (gitops.ts).
export const REGISTRY: KindRegistry = kindRegistry(KINDS, gitOpsKinds(KINDS));

/** The kind of an item, when it is a database of a supported kind. */
export const findKind = REGISTRY.find;
