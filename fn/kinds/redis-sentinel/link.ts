// The link between a Redis in Sentinel mode and the RedisSentinel its spec.sentinelRef names:
// KubeDB's cross-checks of the two, read from the input, and what each side's workload needs of
// the other in dbtls's standalone mode (the sentinels' addresses, the data nodes' names).
//
// Facts (kubedb/apimachinery 104ef5739e1d7a54c0afb6c4c04700c04a3203c5):
// - apis/kubedb/v1/redis_types.go RedisSentinelRef: name and namespace; redis_helpers.go
//   SetDefaults fills an empty namespace with the Redis's own.
// - pkg/webhooks/kubedb/v1/redis.go ValidateForSentinel: both spec.tls or neither ("can not start
//   monitoring with TLS enabled Sentinel as Redis is not TLS enabled", and the reverse), and with
//   TLS the same issuerRef kind and name ("can not use different issuer for redis and sentinel");
//   the two RedisVersions' distributions must match (checkSentinelDistributionMatches).
// - kubedb/docs guides/redis/tls/sentinel.md: the same two rules, in prose.
// - apis/kubedb/constants.go: RedisSentinelPort 26379; RedisSentinelTLSVolumePath /sentinel-certs.
// - apis/kubedb/v1/redis_sentinel_helpers.go: GoverningServiceName `<sentinel>-pods`.
import { at } from '../../util/field-path.js';
import type { KindContext } from '../../contract/kind.js';
import { isObj, type KubeObject, namespaceOf, type Obj } from '../../io/objects.js';
import { nameWithSuffix } from '../../util/names.js';
import { GITOPS_GROUP } from '../gitops.js';

export const SENTINEL_KIND = 'RedisSentinel';
export const SENTINEL_GROUP = 'kubedb.com';
export const SENTINEL_PORT = 26379; // kubedb.RedisSentinelPort
export const SENTINEL_CERT_DIR = '/sentinel-certs'; // kubedb.RedisSentinelTLSVolumePath

export interface SentinelRef {
  name: string;
  namespace: string;
}

/** spec.sentinelRef as KubeDB defaults it (namespace: the Redis's own), or undefined. */
export function sentinelRefOf(db: KubeObject): SentinelRef | undefined {
  const spec = db.spec as Obj;
  const ref = isObj(spec) ? spec.sentinelRef : undefined;
  if (!isObj(ref) || typeof ref.name !== 'string' || ref.name === '') return undefined;
  const namespace =
    typeof ref.namespace === 'string' && ref.namespace !== '' ? ref.namespace : namespaceOf(db);
  return { name: ref.name, namespace };
}

/** The RedisSentinel of the input that `ref` names. */
export function findSentinel(ctx: KindContext, ref: SentinelRef): KubeObject | undefined {
  return ofKind(ctx, SENTINEL_KIND).find(
    (s) => s.metadata.name === ref.name && namespaceOf(s) === ref.namespace,
  );
}

/** The Redises of the input, in Sentinel mode, whose spec.sentinelRef names `sentinel`. */
export function monitoredBy(ctx: KindContext, sentinel: KubeObject): KubeObject[] {
  return ofKind(ctx, 'Redis').filter((db) => {
    if (!isObj(db.spec) || db.spec.mode !== 'Sentinel') return false;
    const ref = sentinelRefOf(db);
    return ref?.name === sentinel.metadata.name && ref.namespace === namespaceOf(sentinel);
  });
}

/**
 * The input's objects of `kind`: kubedb.com's, and the gitops.kubedb.com stand-ins from which
 * KubeDB's GitOps operator creates them (../gitops.ts).
 */
function ofKind(ctx: KindContext, kind: string): KubeObject[] {
  const inputs = ctx.inputs;
  if (inputs === undefined) return [];
  return [...inputs.ofKind(SENTINEL_GROUP, kind), ...inputs.ofKind(GITOPS_GROUP, kind)];
}

const describe = (s: KubeObject) => `RedisSentinel ${namespaceOf(s)}/${s.metadata.name}`;

/**
 * KubeDB's checks of a Redis against its RedisSentinel, reported on the Redis: TLS on both or on
 * neither, and one issuer (kind and name) for both.
 */
export function checkSentinelTLS(ctx: KindContext, sentinel: KubeObject): void {
  const tls = isObj(sentinel.spec) ? sentinel.spec.tls : undefined;
  const theirs = isObj(tls) ? tls : undefined;
  const { report } = ctx;
  const both = 'KubeDB requires spec.tls on both or on neither';
  if (ctx.tls === undefined && theirs !== undefined)
    report.error(
      at('spec', 'tls'),
      `spec.tls is not set, but ${describe(sentinel)} (spec.sentinelRef) has TLS: ${both}; set spec.tls here with its issuer`,
    );
  if (ctx.tls !== undefined && theirs === undefined)
    report.error(
      at('spec', 'tls'),
      `spec.tls is set, but ${describe(sentinel)} (spec.sentinelRef) has no spec.tls: ${both}; set spec.tls there with this issuer`,
    );
  const mine = ctx.tls?.issuerRef;
  const other = isObj(theirs?.issuerRef) ? theirs.issuerRef : undefined;
  if (mine === undefined || other === undefined) return;
  if (mine.kind !== other.kind || mine.name !== other.name)
    report.error(
      at('spec', 'tls', 'issuerRef'),
      `spec.tls.issuerRef (${mine.kind} "${mine.name}") differs from the issuer of ${describe(sentinel)} ` +
        `(spec.sentinelRef), ${String(other.kind)} "${String(other.name)}": KubeDB requires a ` +
        'Redis and its RedisSentinel to use the same issuer (kind and name); use one for both',
    );
}

/** What a Redis's standalone workload needs of its sentinels. */
export interface SentinelLink {
  /** The master name the sentinels monitor this Redis under: the Redis's name. */
  master: string;
  /** Each sentinel pod's stable DNS name. */
  hosts: string[];
  /** The Secret holding the sentinels' password, unless they have auth disabled. */
  authSecret?: string;
}

/** The sentinels' pods as the Redis's workload reaches them. */
export function sentinelLink(db: KubeObject, sentinel: KubeObject): SentinelLink {
  const spec = isObj(sentinel.spec) ? sentinel.spec : {};
  const replicas = typeof spec.replicas === 'number' && spec.replicas > 0 ? spec.replicas : 1;
  const name = sentinel.metadata.name;
  const governing = nameWithSuffix(name, 'pods');
  const hosts: string[] = [];
  for (let i = 0; i < replicas; i++)
    hosts.push(`${name}-${i}.${governing}.${namespaceOf(sentinel)}.svc`);
  return { master: db.metadata.name, hosts, authSecret: authSecretOf(sentinel) };
}

/**
 * The password Secret of a RedisSentinel or a Redis (KubeDB's GetAuthSecretName: `<name>-auth`
 * unless spec.authSecret names one), unless it has auth disabled.
 */
export function authSecretOf(db: KubeObject): string | undefined {
  const spec = isObj(db.spec) ? db.spec : {};
  if (spec.disableAuth === true) return undefined;
  const named = isObj(spec.authSecret) ? spec.authSecret.name : undefined;
  return typeof named === 'string' && named !== ''
    ? named
    : nameWithSuffix(db.metadata.name, 'auth');
}

/** A Redis data node's stable DNS name: pod `ordinal` under the governing Service. */
export function dataNodeHost(db: KubeObject, ordinal: number): string {
  const name = db.metadata.name;
  return `${name}-${ordinal}.${nameWithSuffix(name, 'pods')}.${namespaceOf(db)}.svc`;
}
