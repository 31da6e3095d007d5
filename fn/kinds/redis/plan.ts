// Reading a Redis's spec into its plan: the mode and its topology (Standalone, Cluster, Sentinel),
// authentication, monitoring and the user's configuration, with what standalone mode cannot run.
import { isObj, type Obj } from '../../io/objects.js';
import type { Reporter } from '../../io/results.js';
import { type Monitor, readMonitor } from '../../render/monitor.js';
import type { UserConfiguration } from '../../render/user-config.js';
import {
  operatorOnlyFields,
  readBool,
  readEnum,
  readInt,
  readString,
  readUpstreamVersion,
  warnOperatorOnly,
} from '../../validate/fields.js';
import { versionNumbers } from '../../catalog/versions.js';
import { nameWithSuffix } from '../../util/names.js';
import { at } from '../../util/field-path.js';
import type { KindContext } from '../kind.js';
import type { SentinelLink } from '../redis-sentinel/link.js';
import { readSentinelLink } from '../redis-sentinel/data-nodes.js';
import type { ClusterShape } from './cluster.js';
import { PORT, readRedisConfiguration } from './config.js';
import { REDIS_VERSION_RULES, TLS_SINCE_MAJOR } from './versions.js';

const MODES = ['Standalone', 'Cluster', 'Sentinel'] as const;
type Mode = (typeof MODES)[number];
const MIN_SHARDS = 3;
const MIN_SHARD_REPLICAS = 2;

const OPERATOR_ONLY = operatorOnlyFields(
  'init',
  'autoOps',
  'deletionPolicy',
  'terminationPolicy',
  'halted',
  'healthChecker',
  ['acl', 'ACL users'],
);

export interface RedisPlan {
  version: string;
  mode: Mode;
  /** Shards and pods per shard, in Cluster mode. */
  cluster?: ClusterShape;
  disableAuth: boolean;
  authSecret: string;
  /** spec.monitor in standalone mode: the exporter sidecar and the stats Service. */
  monitor?: Monitor;
  /** The user's spec.configuration / configSecret (standalone mode). */
  userConfig?: UserConfiguration;
  /** Sentinel mode: the pods, and the sentinels of spec.sentinelRef (../redis-sentinel/data-nodes.ts). */
  replicas: number;
  sentinel?: SentinelLink;
}

/** The kind's `plan`: spec read and checked into what the certificates and workload need. */
export function readPlan(ctx: KindContext): RedisPlan {
  const { report } = ctx;
  const spec = ctx.db.spec as Obj;
  const standalone = ctx.settings.mode === 'standalone';
  const { engine } = readUpstreamVersion(ctx, spec, REDIS_VERSION_RULES);
  const major = versionNumbers(engine)[0];
  if (ctx.tls !== undefined && major < TLS_SINCE_MAJOR) {
    report.error(
      at('spec', 'tls'),
      `Redis ${engine} has no TLS; KubeDB supports spec.tls from Redis ` + `${TLS_SINCE_MAJOR}`,
    );
  }
  const mode = readEnum(spec, 'mode', at('spec', 'mode'), MODES, report) ?? 'Standalone';
  const shape = checkTopology(spec, mode, report);
  const disableAuth = readBool(spec, 'disableAuth', at('spec', 'disableAuth'), report) ?? false;
  if (disableAuth && isObj(spec.authSecret)) {
    report.error(
      at('spec', 'authSecret'),
      'spec.authSecret is refused by KubeDB with disableAuth: true; remove one of ' + 'the two',
    );
  }
  const named = isObj(spec.authSecret)
    ? readString(spec.authSecret, 'name', at('spec', 'authSecret', 'name'), report)
    : undefined;
  const authSecret = named ?? nameWithSuffix(ctx.db.metadata.name, 'auth');
  if (standalone) adviseStandalone(ctx, { mode, disableAuth, named, authSecret });
  const cluster = mode === 'Cluster' ? shape : undefined;
  const sentinel = mode === 'Sentinel' ? readSentinelLink(ctx) : undefined;
  const monitor = standalone ? readMonitor(spec, report, { reservedPorts: [PORT] }) : undefined;
  const plan: RedisPlan = {
    version: engine ?? '',
    mode,
    cluster,
    disableAuth,
    authSecret,
    monitor,
    // checkTopology reported a spec.replicas that is not a count.
    replicas: Number.isInteger(spec.replicas) ? (spec.replicas as number) : 1,
    sentinel,
  };
  if (standalone)
    plan.userConfig = readRedisConfiguration(ctx, {
      cluster: cluster !== undefined,
      disableAuth,
    });
  return plan;
}

function checkTopology(spec: Obj, mode: Mode, report: Reporter): ClusterShape {
  const replicas = readInt(spec, 'replicas', at('spec', 'replicas'), report, 1);
  if (mode === 'Standalone' && replicas !== undefined && replicas !== 1) {
    report.error(
      at('spec', 'replicas'),
      `${replicas} is refused by KubeDB in Standalone mode, which runs ` +
        `exactly 1 server (mode: Cluster or Sentinel for more)`,
    );
  }
  const cluster = spec.cluster;
  if (cluster !== undefined && cluster !== null && !isObj(cluster))
    report.error(at('spec', 'cluster'), 'spec.cluster must be a mapping with shards and replicas');
  const c = isObj(cluster) ? cluster : {};
  const shards = readInt(c, 'shards', at('spec', 'cluster', 'shards'), report, 1) ?? MIN_SHARDS;
  const perShard =
    readInt(c, 'replicas', at('spec', 'cluster', 'replicas'), report, 1) ?? MIN_SHARD_REPLICAS;
  if (mode === 'Cluster') {
    if (shards < MIN_SHARDS)
      report.error(
        at('spec', 'cluster', 'shards'),
        `${shards} is too few: a Redis ` +
          `cluster has at least ${MIN_SHARDS} shards (KubeDB refuses fewer)`,
      );
    if (perShard < MIN_SHARD_REPLICAS)
      report.error(
        at('spec', 'cluster', 'replicas'),
        `${perShard} is too ` +
          `few: each shard has a primary and at least one replica, ${MIN_SHARD_REPLICAS} in all ` +
          `(KubeDB refuses fewer)`,
      );
  }
  if (isObj(c.announce) && mode !== 'Cluster')
    report.error(
      at('spec', 'cluster', 'announce'),
      `spec.cluster.announce is only valid in Cluster mode, not ${mode}`,
    );
  if (mode === 'Sentinel') {
    const ref = spec.sentinelRef;
    if (!isObj(ref) || typeof ref.name !== 'string' || ref.name === '') {
      report.error(
        at('spec', 'sentinelRef', 'name'),
        'spec.sentinelRef.name is required in Sentinel mode: the RedisSentinel that ' +
          'watches this Redis (KubeDB refuses Sentinel mode without it)',
      );
    }
  }
  return { shards, perShard };
}

/** What standalone mode cannot run or leaves to the user: Sentinel, announce, the password. */
function adviseStandalone(
  ctx: KindContext,
  {
    mode,
    disableAuth,
    named,
    authSecret,
  }: { mode: Mode; disableAuth: boolean; named: string | undefined; authSecret: string },
): void {
  const { report } = ctx;
  const spec = ctx.db.spec as Obj;
  if (mode === 'Cluster' && isObj(spec.cluster) && spec.cluster.announce !== undefined) {
    report.error(
      at('spec', 'cluster', 'announce'),
      "spec.cluster.announce is applied by KubeDB's operator only; standalone mode announces each pod's DNS " +
        'name under the governing Service (remove it, or use mode: operator)',
    );
  }
  warnOperatorOnly(spec, OPERATOR_ONLY, report);
  if (ctx.tls === undefined)
    report.warn(
      at('spec', 'tls'),
      'spec.tls is not set: the server accepts plaintext ' +
        'connections from anyone who can reach it',
    );
  if (!disableAuth && named === undefined) {
    report.info(
      at('spec', 'authSecret'),
      `the workload reads the default user's password from Secret ` +
        `"${authSecret}" (key password), which standalone mode does not create`,
    );
  }
}
