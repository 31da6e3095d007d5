// The files of the standalone Redis workload, as directives: redis.conf (written by fn/text's
// redis.conf module), start.sh (the password written into an include file at start, every byte
// escaped, never pasted), and the user's spec.configuration checked as redis-server reads it.
import type { IssuedCertificate, KindContext } from '../kind.js';
import {
  inlineKey,
  type OwnedSetting,
  readUserConfiguration,
  reportOverridden,
  reportSecretUnchecked,
  type Setting,
  type UserConfiguration,
} from '../../render/user-config.js';
import { trustBundleLines } from '../../render/rotation.js';
import {
  parseRedisConf,
  type RedisDirective,
  type RedisLine,
  redisServerArguments,
  renderRedisConf,
} from '../../text/redis-conf.js';
import { CLUSTER_TLS, clusterConfLines } from './cluster.js';
import { shellWord } from '../../text/shell.js';
import type { FieldPath } from '../../util/field-path.js';

export const PORT = 6379;
export const CERT_DIR = '/certs'; // kubedb.RedisTLSVolumePath; one folder per alias below it
export const CONFIG_DIR = '/usr/local/etc/redis'; // kubedb.RedisConfigVolumePath
// The user's Secret: beside dbtls's files (KubeDB mounts it at CONFIG_DIR, which dbtls's own use).
export const USER_CONFIG_DIR = '/usr/local/etc/redis-custom';
export const USER_CONF = 'redis.conf'; // the one key KubeDB's docs allow
export const DATA_DIR = '/data';
export const REDIS_UID = 999; // the redis user of the official redis image
export const KEY_MODE = 0o440;
// CA rollover: redis-server (clients, replicas, the cluster bus) and the in-pod redis-cli trust
// every distinct ca.crt of the mounted secrets, written here by tls-watch.sh before the server
// starts and on every renewal, so that certificates of the old and the new CA are both accepted
// until every secret carries the new one.
export const TRUST_FILE = `${CERT_DIR}/trust/ca.crt`;

/**
 * TLS only: no plaintext port, the server certificate, client certificates required, replication
 * over TLS; in Cluster mode the cluster settings and the cluster bus over TLS. The user's
 * configuration is included first, so that these settings win; start.sh gives the TLS settings
 * again on redis-server's command line, where no file can override them.
 */
export function redisConf(
  server: IssuedCertificate | undefined,
  cluster = false,
  user?: UserConfiguration,
): string {
  const lines: RedisLine[] = [
    { comment: 'Rendered by dbtls from the Redis resource.' },
    ...userIncludes(user),
    ['dir', DATA_DIR],
    ['bind', '0.0.0.0'],
    ['protected-mode', 'no'],
  ];
  if (server) lines.push(...TLS_ONLY);
  else lines.push(['port', String(PORT)]);
  if (cluster) lines.push(...clusterConfLines(server !== undefined));
  return renderRedisConf(lines);
}

/** The settings that make the server TLS-only, with the comments redis.conf gives them. */
const TLS_ONLY: readonly RedisLine[] = [
  { comment: 'TLS only: no plaintext port.' },
  ['port', '0'],
  ['tls-port', String(PORT)],
  ['tls-cert-file', `${CERT_DIR}/server/tls.crt`],
  ['tls-key-file', `${CERT_DIR}/server/tls.key`],
  ['tls-ca-cert-file', TRUST_FILE],
  { comment: 'Every client presents a certificate from the CA.' },
  ['tls-auth-clients', 'yes'],
  {
    comment:
      'A replica reaches its primary over TLS, with the server certificate as its client certificate.',
  },
  ['tls-replication', 'yes'],
];

/**
 * The TLS-only settings as redis-server's arguments, shell words for start.sh: after the
 * configuration file and every include (the user's, a file it names, the password's), where
 * redis-server gives them the last word, so that no file turns plaintext back on.
 */
function pinnedArguments(cluster: boolean): string {
  const lines = cluster ? [...TLS_ONLY, ...CLUSTER_TLS] : TLS_ONLY;
  const directives = lines.filter((l): l is readonly [string, ...string[]] => Array.isArray(l));
  return redisServerArguments(directives).map(shellWord).join(' ');
}

/** The password's include file, written by start.sh; redis.conf's `--include` reads it last. */
const AUTH_CONF = `${DATA_DIR}/dbtls-auth.conf`;

/**
 * The password goes into a file only the server's user reads (not onto the command line, where
 * any process could see it), each of its bytes as `\xHH` inside double quotes, which redis-server
 * reads back as exactly those bytes whatever the password holds (quotes, line breaks,
 * directives). With TLS, the TLS-only settings follow the configuration and the password's
 * include on the command line (with `cluster`, the cluster bus's too). `announce` (Cluster and
 * Sentinel mode) is shell words of their own, from cluster.ts or ../redis-sentinel/data-nodes.ts;
 * `before`: shell lines that run before the server (Sentinel mode: find-primary.sh). The script's
 * own arguments come last: the container has none (spec.podTemplate cannot set them), the tests
 * give a free port there.
 */
export function startScript(
  disableAuth: boolean,
  announce?: string,
  tls = false,
  before: readonly string[] = [],
  cluster = false,
): string {
  const lines = ['#!/bin/sh', '# Rendered by dbtls.', 'set -eu'];
  if (tls) lines.push(...trustBundleLines(CONFIG_DIR));
  lines.push(...before);
  const args = [
    ...(tls ? [pinnedArguments(cluster)] : []),
    ...(announce === undefined ? [] : [announce]),
    '"$@"',
  ].join(' ');
  if (disableAuth) {
    lines.push(`exec redis-server ${CONFIG_DIR}/redis.conf ${args}`);
  } else {
    lines.push(
      'umask 077',
      '# The password as redis-server reads it back exactly: every byte as \\xHH in double quotes.',
      `pw="$(printf '%s' "$REDIS_PASSWORD" | od -An -v -tx1 | tr -d ' \\n' | sed 's/../\\\\x&/g')"`,
      `printf 'requirepass "%s"\\nmasterauth "%s"\\n' "$pw" "$pw" > ${AUTH_CONF}`,
      `exec redis-server ${CONFIG_DIR}/redis.conf --include ${AUTH_CONF} ${args}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The user's files first: redis-server takes the last value a directive is given, so dbtls's
 * settings below them (TLS only, client certificates, the password include after) win.
 */
function userIncludes(conf: UserConfiguration | undefined): RedisLine[] {
  if (conf === undefined) return [];
  const lines: RedisLine[] = [
    { comment: "The user's configuration (spec.configuration); dbtls's settings below win." },
  ];
  if (conf.secret) lines.push(['include', `${USER_CONFIG_DIR}/${USER_CONF}`]);
  for (const f of conf.inline) lines.push(['include', `${CONFIG_DIR}/${inlineKey(f.key)}`]);
  return lines;
}

const TLS_DIRECTIVES =
  'port 0, tls-port, tls-cert-file, tls-key-file, tls-ca-cert-file, ' +
  'tls-auth-clients yes, tls-replication yes';
const WEAK_PROTOCOLS = /(^|\s|")tlsv1(\.1)?(?=\s|"|$)/i;
const PASSWORDS = new Set(['requirepass', 'masterauth']);

/** spec.configuration / configSecret in standalone mode, checked against dbtls's redis.conf. */
export function readRedisConfiguration(
  ctx: KindContext,
  o: { cluster: boolean; disableAuth: boolean },
): UserConfiguration | undefined {
  const conf = readUserConfiguration(ctx, {
    configSecret: 'unless-secret-or-inline',
    operatorOnly: { acl: 'ACL users (spec.configuration.acl)' },
  });
  if (conf === undefined) return undefined;
  const tls = ctx.tls !== undefined;
  if (conf.secret)
    reportSecretUnchecked(ctx.report, conf.secret, {
      reads: `key ${USER_CONF} (include)`,
      tlsSettings: tls ? TLS_DIRECTIVES : `port ${PORT}`,
    });
  const server = tls ? { alias: 'server', name: '', secretName: '' } : undefined;
  const owned = new Map<string, OwnedSetting>();
  for (const s of settingsOf(parseRedisConf(redisConf(server, o.cluster)).directives))
    owned.set(s.name, {
      value: s.value,
      tls: tls && (s.name === 'port' || s.name.startsWith('tls-')),
    });
  for (const f of conf.inline) {
    const parsed = parseRedisConf(f.content);
    for (const line of parsed.unbalanced)
      ctx.report.error(
        f.path,
        `line ${line}: unbalanced quotes (a closing quote must be followed by a blank or the ` +
          'end of the line), and redis-server refuses to start with the file: fix the quoting',
      );
    const show = (name: string, value: string) => `${name} ${value}`;
    const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
    reportOverridden(ctx.report, f, settingsOf(parsed.directives), owned, show, same);
    for (const d of parsed.directives)
      checkDirective(ctx, f.path, d, { tls, auth: !o.disableAuth });
  }
  return conf;
}

/** Directives as settings for reportOverridden: name, the arguments as written, line. */
function settingsOf(directives: readonly RedisDirective[]): Setting[] {
  return directives
    .filter((d) => d.name !== 'include')
    .map((d) => ({ name: d.name, value: d.raw, line: d.line }));
}

/**
 * What dbtls cannot override, and the password it sets from spec.authSecret. Arguments are
 * compared as redis-server reads them, quotes resolved: `rename-command "CONFIG" ""` renames
 * CONFIG as surely as `rename-command CONFIG ""`.
 */
function checkDirective(
  ctx: KindContext,
  path: FieldPath,
  d: RedisDirective,
  o: { tls: boolean; auth: boolean },
): void {
  if (o.auth && PASSWORDS.has(d.name))
    ctx.report.warn(
      path,
      `line ${d.line}: ${d.name} is set by dbtls after the user's configuration, from ` +
        'spec.authSecret (key password), and that password wins',
    );
  if (!o.tls) return;
  if (d.name === 'rename-command' && d.args[0]?.toLowerCase() === 'config')
    ctx.report.error(
      path,
      `line ${d.line}: rename-command ${d.raw} renames CONFIG, which dbtls's tls-reloader ` +
        'uses to load renewed certificates (CONFIG SET tls-cert-file): remove it',
    );
  if (d.name === 'tls-protocols' && WEAK_PROTOCOLS.test(d.args.join(' ')))
    ctx.report.warn(
      path,
      `line ${d.line}: tls-protocols ${d.raw} lets clients connect with TLS 1.0 or 1.1, ` +
        'which dbtls does not override (it sets no tls-protocols): remove them',
    );
}
