// Redis Cluster mode in dbtls's standalone mode: the shards' names and labels, the cluster settings
// of redis.conf and the bootstrap that forms the cluster without the KubeDB operator (the shard
// StatefulSets themselves are rendered in workload.ts).
//
// Layout as KubeDB's (kubedb/apimachinery apis/kubedb/v1 redis_helpers.go PetSetNameWithShard,
// GoverningServiceName; kubedb/redis-node-finder pkg/node-finder/redis-finder): one workload per
// shard, `<db>-shard<N>`, of spec.cluster.replicas pods each — the count includes the shard's
// primary (the node finder gives redis-cli `replicas - 1` replicas per primary) — all under the
// governing Service `<db>-pods`; pod `<db>-shard<N>-0` is the shard's first primary; client port
// 6379 (`db`), cluster bus 16379 (`gossip`, kubedb constants.go). KubeDB runs PetSets; dbtls
// renders StatefulSets, as for every kind.
//
// Endpoints: without spec.cluster.announce, KubeDB announces pod IPs. dbtls announces each pod's
// DNS name, `<pod>.<db>-pods.<ns>.svc` (what KubeDB's node finder uses for announce type
// hostname), and prefers it in redirections: a pod IP is not known when the certificate is
// issued, the name is covered by the server certificate's `*.<db>-pods.<ns>.svc`, so a client
// that checks the server's name can follow MOVED and ASK.
import type { Obj } from '../../io/objects.js';
import { shared } from '../../io/objects.js';
import { RESTRICTED_CONTAINER } from '../../render/workload.js';
import { flat } from '../../util/strings.js';
import { shellDoubleQuotedText, shellWord } from '../../text/shell.js';
import type { RedisLine } from '../../text/redis-conf.js';

export const BUS_PORT = 16379; // kubedb.RedisGossipPort: the client port + 10000, Redis's default
export const CREATE_FILE = 'cluster-create.sh';
export const CREATE_CONTAINER = 'cluster-create';
/** The period, in seconds, of the bootstrap's address check (default 30). */
export const CHECK_ENV = 'DBTLS_CLUSTER_CHECK_SECONDS';
/** Pod label of a shard's pods, in its StatefulSet's selector (workloads may not overlap). */
export const SHARD_LABEL = 'redis.kubedb.com/shard'; // kubedb.RedisShardKey

export interface ClusterShape {
  shards: number;
  /** Pods per shard, the primary included (spec.cluster.replicas). */
  perShard: number;
}

export const shardName = (db: string, shard: number) => `${db}-shard${shard}`;

/**
 * The pod's namespace from the downward API: the scripts name the namespace the pod runs in
 * (also after a kustomize `namespace:` overlay), and no namespace is text in a script.
 */
export const POD_NAMESPACE = shared({
  name: 'POD_NAMESPACE',
  valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } },
});

/**
 * The DNS name a pod announces, covered by the server certificate's governing wildcard, as the
 * inside of a double-quoted shell word: `pod` may itself be a variable reference ("$HOSTNAME").
 */
function podHost(pod: string, governing: string): string {
  return flat(pod, '.', shellDoubleQuotedText(governing), '.$POD_NAMESPACE.svc');
}

/** The cluster settings of redis.conf, after the TLS settings. */
export function clusterConfLines(tls: boolean): RedisLine[] {
  const lines: RedisLine[] = [
    {
      comment:
        'Redis Cluster: this node keeps its view of the cluster in nodes.conf on the data volume.',
    },
    ['cluster-enabled', 'yes'],
    ['cluster-config-file', 'nodes.conf'],
    ['cluster-node-timeout', '5000'],
    ['cluster-migration-barrier', '1'],
    {
      comment:
        "Redirections (MOVED, ASK, CLUSTER SHARDS) name the node's DNS name (cluster-announce-hostname, from start.sh).",
    },
    ['cluster-preferred-endpoint-type', 'hostname'],
  ];
  if (tls) lines.push(...CLUSTER_TLS);
  return lines;
}

/** The cluster's TLS-only setting: in redis.conf and again on redis-server's command line. */
export const CLUSTER_TLS: readonly RedisLine[] = [
  { comment: 'The cluster bus (port + 10000) over TLS too, the server certificate both ways.' },
  ['tls-cluster', 'yes'],
];

/** start.sh's argument: announce this pod's DNS name (the pod's hostname is its name). */
export function announceArgument(governing: string): string {
  return `--cluster-announce-hostname "${podHost('$HOSTNAME', governing)}"`;
}

export interface CreateInput {
  db: string;
  governing: string;
  port: number;
  shape: ClusterShape;
  /** redis-cli's TLS arguments (client certificate), or '' without TLS. */
  tls: string;
}

/**
 * The bootstrap: forms the cluster once, from the cluster-create container of shard 0's pod 0.
 * Why a container beside the server rather than a Job: a Job runs once per apply, and GitOps tools
 * re-create it when its TTL deletes it or refuse to change it (its template is immutable); this
 * container comes and goes with the pod that owns the first slots, needs nothing but the rendered
 * objects (no API access, no operator), and is idempotent: each step runs only when the cluster
 * lacks it. It waits until every node answers, has redis-cli create the cluster from each shard's
 * pod 0 (no replicas), then makes the other pods of each shard replicas of its pod 0. redis-cli
 * is given IP addresses: CLUSTER MEET takes no host name. Then it watches: pods that restart get
 * new IP addresses, and when all of a cluster's nodes have (a node upgrade, a cluster restart) no
 * node can reach another at the address it keeps in nodes.conf; every CHECK_ENV seconds pod 0
 * has Redis meet each pod whose current address it does not know, and the cluster heals.
 * The script reads from top to bottom: its header and nodes here, its shell functions
 * (createFunctions), then its steps (WAIT_STEPS, FORM_STEPS).
 */
export function createScript(c: CreateInput): string {
  const nodes: string[] = [];
  for (let s = 0; s < c.shape.shards; s++)
    for (let p = 0; p < c.shape.perShard; p++) {
      const pod = shellDoubleQuotedText(`${shardName(c.db, s)}-${p}`);
      nodes.push(`${s} ${p} ${podHost(pod, c.governing)} ${c.port}`);
    }
  const total = nodes.length;
  return `${[
    '#!/bin/sh',
    '# Rendered by dbtls: forms the Redis cluster once (see the comment of the cluster-create',
    '# container). Each line of NODES: shard, pod ordinal, host, port.',
    'set -u',
    `SELF=${shellWord(`${shardName(c.db, 0)}-0`)}`,
    `TOTAL=${total}`,
    'NODES="',
    ...nodes,
    '"',
    ...createFunctions(c.tls),
    ...WAIT_STEPS,
    `SHARDS=${c.shape.shards}`,
    `PER_SHARD=${c.shape.perShard}`,
    ...FORM_STEPS,
  ].join('\n')}\n`;
}

/** The script's shell functions; `tls`: redis-cli's TLS arguments, or ''. */
function createFunctions(tls: string): string[] {
  return [
    'log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) cluster-create: $*"; }',
    'idle() { while :; do sleep 3600; done; }',
    `cli() { redis-cli ${tls}"$@"; }`,
    '# The IPv4 address of a host (CLUSTER MEET takes no name; the server binds 0.0.0.0),',
    '# empty until DNS answers.',
    'ip() { getent ahostsv4 "$1" | awk \'{ print $1; exit }\'; }',
    '# redis-cli at host $1, port $2.',
    'at() {',
    '  h="$(ip "$1")"; [ -n "$h" ] || return 1',
    '  p="$2"; shift 2; cli -h "$h" -p "$p" "$@"',
    '}',
    'node() { echo "$NODES" | awk -v s="$1" -v p="$2" \'$1 == s && $2 == p { print $3, $4 }\'; }',
    'addr() { set -- $(node "$1" "$2"); echo "$(ip "$1"):$2"; }',
    '# A field of CLUSTER INFO of the node of shard $1, pod $2.',
    'info() { at $(node "$1" "$2") cluster info | tr -d "\\r" | sed -n "s/^$3://p"; }',
    '# Pod 0 meets each pod whose current address (DNS) it does not know.',
    'meet() {',
    '  known="$(at $(node 0 0) cluster nodes)" || return 1',
    '  echo "$NODES" | while read -r s p host port; do',
    '    [ -n "$host" ] && [ "$s $p" != "0 0" ] || continue',
    '    a="$(ip "$host")"; [ -n "$a" ] || continue',
    '    case "$known" in *" $a:$port@"*) continue ;; esac',
    '    log "meeting pod $p of shard $s at $a:$port: $(at $(node 0 0) cluster meet "$a" "$port")"',
    '  done',
    '}',
    `watch() { while :; do sleep "\${${CHECK_ENV}:-30}"; meet; done; }`,
  ];
}

/** Pod 0 only: wait until every node answers; a cluster formed already is only watched. */
const WAIT_STEPS = [
  '[ "$HOSTNAME" = "$SELF" ] || idle',
  'echo "$NODES" | while read -r s p host port; do',
  '  [ -n "$host" ] || continue',
  '  until [ "$(at "$host" "$port" ping 2>/dev/null)" = PONG ]; do sleep 2; done',
  'done',
  'log "all $TOTAL nodes answer"',
  'if [ "$(info 0 0 cluster_state)" = ok ] &&',
  '  [ "$(info 0 0 cluster_known_nodes)" = "$TOTAL" ]; then',
  '  log "the cluster is formed already"; watch',
  'fi',
];

/** Create the cluster of each shard's pod 0, make the other pods their replicas, then watch. */
const FORM_STEPS = [
  'if [ "$(info 0 0 cluster_slots_assigned)" = 0 ]; then',
  '  primaries=""; s=0',
  '  while [ "$s" -lt "$SHARDS" ]; do primaries="$primaries $(addr "$s" 0)"; s=$((s + 1)); done',
  '  log "creating the cluster of$primaries"',
  '  # shellcheck disable=SC2086',
  '  cli --cluster create $primaries --cluster-replicas 0 --cluster-yes || exit 1',
  'fi',
  's=0',
  'while [ "$s" -lt "$SHARDS" ]; do',
  '  id="$(at $(node "$s" 0) cluster myid | tr -d "\\r")"; p=1',
  '  while [ "$p" -lt "$PER_SHARD" ]; do',
  '    if ! at $(node "$s" "$p") cluster nodes | grep myself | grep -q " $id"; then',
  '      log "pod $p of shard $s becomes a replica of $id"',
  '      if [ "$(info "$s" "$p" cluster_known_nodes)" = 1 ]; then',
  '        cli --cluster add-node "$(addr "$s" "$p")" "$(addr "$s" 0)" --cluster-slave \\',
  '          --cluster-master-id "$id" || exit 1',
  '      else',
  '        at $(node "$s" "$p") cluster replicate "$id" || exit 1',
  '      fi',
  '    fi',
  '    p=$((p + 1))',
  '  done',
  '  s=$((s + 1))',
  'done',
  '# Until pod 0 knows every node and every replica as one (news that comes by gossip).',
  'replicas() { at $(node 0 0) cluster nodes | grep -c " [a-z,]*slave "; }',
  'until [ "$(info 0 0 cluster_state)" = ok ] &&',
  '  [ "$(info 0 0 cluster_known_nodes)" = "$TOTAL" ] &&',
  '  [ "$(replicas)" = $((TOTAL - SHARDS)) ]; do meet; sleep 1; done',
  'log "the cluster is formed"',
  'watch',
];

/** The bootstrap container of shard 0's pods (it acts only in pod 0). */
export function createContainer(o: {
  image: string;
  script: string;
  env: Obj[];
  mounts: readonly Obj[];
}): Obj {
  return {
    name: CREATE_CONTAINER,
    image: o.image,
    command: ['/bin/sh', o.script],
    env: o.env.length > 0 ? o.env : undefined,
    resources: CREATE_RESOURCES,
    volumeMounts: o.mounts,
    securityContext: RESTRICTED_CONTAINER,
  };
}

const CREATE_RESOURCES = shared({
  requests: { cpu: '5m', memory: '16Mi' },
  limits: { memory: '64Mi' },
});
