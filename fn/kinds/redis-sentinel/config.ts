// The files of Redis Sentinel in dbtls's standalone mode: sentinel.conf (written by fn/text's
// redis.conf module), the sentinels' start.sh, and find-primary.sh, which a Redis data node runs
// before it starts to learn which pod it replicates from.
//
// Sentinel settings (redis/redis sentinel.conf and src/sentinel.c, Redis 6.2 and later): with
// `tls-port` and `port 0` a sentinel listens on TLS only; `tls-replication yes` makes its own
// connections (to the data nodes and to the other sentinels) TLS too, with tls-cert-file as its
// client certificate; `resolve-hostnames` lets `sentinel monitor` name a host, and
// `announce-hostnames` makes the sentinels report the names the data nodes announce
// (replica-announce-ip), which the data nodes' server certificate covers. A sentinel rewrites its
// configuration file, so start.sh copies the rendered file onto the data volume at each start; a
// sentinel that restarts after a failover learns the current primary from the other sentinels'
// hello messages (a newer configuration epoch wins).
import type { KubeObject } from '../../io/objects.js';
import { type RedisLine, renderRedisConf } from '../../text/redis-conf.js';
import { shellDoubleQuotedText, shellWord } from '../../text/shell.js';
import { nameWithSuffix } from '../../util/names.js';
import { dataNodeHost, SENTINEL_CERT_DIR, SENTINEL_PORT, type SentinelLink } from './link.js';

export const SENTINEL_CONFIG_DIR = '/etc/redis-sentinel';
export const SENTINEL_DATA_DIR = '/data';
const REDIS_PORT = 6379;
/** How long a data node may not answer before a sentinel calls it down (ms). */
const DOWN_AFTER_MS = 5000;
const FAILOVER_TIMEOUT_MS = 60_000;

/** One Redis the sentinels monitor: its master name, pod 0's DNS name, and the quorum. */
export interface Monitored {
  db: KubeObject;
  /** The env variable with its password, unless it has auth disabled. */
  passwordEnv?: string;
}

/** The quorum: a majority of the sentinels. */
export const quorumOf = (sentinels: number) => Math.floor(sentinels / 2) + 1;

/** sentinel.conf: TLS only with client certificates, and each monitored Redis by its pod 0. */
export function sentinelConf(tls: boolean, monitored: readonly Monitored[], sentinels: number) {
  const lines: RedisLine[] = [
    { comment: 'Rendered by dbtls from the RedisSentinel resource.' },
    ['dir', SENTINEL_DATA_DIR],
    ['bind', '0.0.0.0'],
    ['protected-mode', 'no'],
  ];
  if (tls)
    lines.push(
      { comment: 'TLS only: no plaintext port.' },
      ['port', '0'],
      ['tls-port', String(SENTINEL_PORT)],
      ['tls-cert-file', `${SENTINEL_CERT_DIR}/server/tls.crt`],
      ['tls-key-file', `${SENTINEL_CERT_DIR}/server/tls.key`],
      ['tls-ca-cert-file', `${SENTINEL_CERT_DIR}/server/ca.crt`],
      { comment: 'Every client presents a certificate from the CA.' },
      ['tls-auth-clients', 'yes'],
      {
        comment:
          "The sentinel's own connections, to the data nodes and the other sentinels, over TLS with the server certificate.",
      },
      ['tls-replication', 'yes'],
    );
  else lines.push(['port', String(SENTINEL_PORT)]);
  lines.push(
    { comment: 'Hosts by their stable DNS names, as the data nodes announce them.' },
    ['sentinel', 'resolve-hostnames', 'yes'],
    ['sentinel', 'announce-hostnames', 'yes'],
  );
  for (const m of monitored) {
    const name = m.db.metadata.name;
    lines.push(
      { comment: `Redis ${name}: pod 0 is the first primary.` },
      [
        'sentinel',
        'monitor',
        name,
        dataNodeHost(m.db, 0),
        String(REDIS_PORT),
        String(quorumOf(sentinels)),
      ],
      ['sentinel', 'down-after-milliseconds', name, String(DOWN_AFTER_MS)],
      ['sentinel', 'failover-timeout', name, String(FAILOVER_TIMEOUT_MS)],
      ['sentinel', 'parallel-syncs', name, '1'],
    );
  }
  return renderRedisConf(lines);
}

/**
 * The sentinels' start.sh: the rendered sentinel.conf copied to the data volume (a sentinel
 * rewrites it), the passwords appended there escaped byte by byte (never on a command line),
 * then redis-server in sentinel mode.
 */
export function sentinelStartScript(
  ownPasswordEnv: string | undefined,
  monitored: readonly Monitored[],
): string {
  const conf = `${SENTINEL_DATA_DIR}/sentinel.conf`;
  const lines = [
    '#!/bin/sh',
    '# Rendered by dbtls.',
    'set -eu',
    'umask 077',
    // cat, not cp: a copy keeps the ConfigMap file's read-only mode; this one is the umask's 0600.
    `cat ${SENTINEL_CONFIG_DIR}/sentinel.conf > ${conf}`,
    "hex() { printf '%s' \"$1\" | od -An -v -tx1 | tr -d ' \\n' | sed 's/../\\\\x&/g'; }",
  ];
  if (ownPasswordEnv)
    lines.push(`printf 'requirepass "%s"\\n' "$(hex "$${ownPasswordEnv}")" >> ${conf}`);
  for (const m of monitored)
    if (m.passwordEnv)
      lines.push(
        `printf 'sentinel auth-pass %s "%s"\\n' ${shellWord(m.db.metadata.name)} "$(hex "$${m.passwordEnv}")" >> ${conf}`,
      );
  lines.push(`exec redis-server ${conf} --sentinel "$@"`);
  return `${lines.join('\n')}\n`;
}

export const FIND_PRIMARY_FILE = 'find-primary.sh';
/** The data node's variable with the sentinels' password, for find-primary.sh. */
export const SENTINEL_PASSWORD_ENV = 'SENTINEL_PASSWORD';
/** The include file find-primary.sh writes: `replicaof <primary> <port>`, or nothing on the primary. */
export const REPLICAOF_CONF = '/data/dbtls-replicaof.conf';

/**
 * find-primary.sh, run by a data node's start.sh before redis-server: asks each sentinel for the
 * current primary (SENTINEL get-master-addr-by-name, over TLS with the client certificate) and,
 * when none answers (the first start), takes pod 0. A node that is not the primary replicates
 * from it; the answer is used only when it is a plain host name and port.
 */
export function findPrimaryScript(db: KubeObject, link: SentinelLink, tls: string): string {
  const name = db.metadata.name;
  const governing = shellDoubleQuotedText(nameWithSuffix(name, 'pods'));
  const auth = link.authSecret ? `REDISCLI_AUTH="$${SENTINEL_PASSWORD_ENV}" ` : '';
  return `${[
    '#!/bin/sh',
    '# Rendered by dbtls: which pod this Redis node replicates from (see redis-sentinel-conf.ts).',
    "# set -f: a sentinel's answer is split into words, never expanded as file names.",
    'set -uf',
    `SELF="$HOSTNAME.${governing}.$POD_NAMESPACE.svc"`,
    `PRIMARY=${shellWord(dataNodeHost(db, 0))}`,
    `PORT=${REDIS_PORT}`,
    `for s in ${link.hosts.map(shellWord).join(' ')}; do`,
    `  a="$(${auth}timeout 5 redis-cli ${tls}-h "$s" -p ${SENTINEL_PORT} --raw sentinel get-master-addr-by-name ${shellWord(name)} 2>/dev/null | tr '\\n' ' ')" || a=""`,
    '  set -- $a',
    '  case "${1:-}:${2:-}" in',
    '    *[!A-Za-z0-9.:-]* | :* | *:) ;;',
    '    *) PRIMARY="$1"; PORT="$2"; break ;;',
    '  esac',
    'done',
    `: > ${REPLICAOF_CONF}`,
    `[ "$PRIMARY" = "$SELF" ] || printf 'replicaof %s %s\\n' "$PRIMARY" "$PORT" > ${REPLICAOF_CONF}`,
  ].join('\n')}\n`;
}
