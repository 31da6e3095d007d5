// The files of the standalone Postgres workload, as settings: postgresql.conf, pg_hba.conf and
// start.sh (written by fn/text's postgresql.conf and shell modules), and the user's
// spec.configuration checked against the settings dbtls writes after it.
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
  conninfo,
  type PgLine,
  type PgValue,
  parsePostgresConf,
  postgresArguments,
  pgUnquote,
  renderHba,
  renderPostgresConf,
} from '../../text/postgresql-conf.js';
import { shellDoubleQuotedText, shellWord } from '../../text/shell.js';

export const PORT = 5432;
export const CERT_DIR = '/tls/certs';
export const CONFIG_DIR = '/etc/dbtls';
// The CAs the server and the standbys trust: every ca.crt the mounted secrets carry (rotation.ts).
export const TRUST_DIR = '/tls/trust';
export const TRUST_FILE = `${TRUST_DIR}/ca.crt`;
// Where KubeDB's image includes the user's Secret from (include_if_exists '/etc/config/user.conf').
export const USER_CONFIG_DIR = '/etc/config';
export const USER_CONF = 'user.conf';

/** What the files depend on in the kind's plan. */
export interface PostgresFilesPlan {
  sslMode: string;
  clientAuthMode: 'md5' | 'scram' | 'cert';
  major: number;
  hotStandby: boolean;
  userConfig?: UserConfiguration;
}

/** pg_hba methods as KubeDB writes them; `cert` spells out the client check PostgreSQL 13 names. */
function hbaMethod(plan: PostgresFilesPlan): string[] {
  if (plan.clientAuthMode === 'cert')
    return ['cert', plan.major >= 13 ? 'clientcert=verify-full' : 'clientcert=1'];
  return [plan.clientAuthMode === 'scram' ? 'scram-sha-256' : 'md5'];
}

/**
 * The settings that make the server TLS-only and hold it to dbtls's pg_hba.conf: given on the
 * server's command line (startScript), where no file can override them — not the user's
 * configuration, not a postgresql.auto.conf that ALTER SYSTEM or an init container wrote.
 * postgresql.conf repeats them, so that the file alone reads as the server runs.
 */
export function pinnedSettings(tls: boolean): [string, PgValue][] {
  const pinned: [string, PgValue][] = [
    ['hba_file', `${CONFIG_DIR}/pg_hba.conf`],
    ['ssl', tls],
  ];
  if (tls) {
    pinned.push(
      ['ssl_cert_file', `${CERT_DIR}/server/server.crt`],
      ['ssl_key_file', `${CERT_DIR}/server/server.key`],
      ['ssl_ca_file', TRUST_FILE],
      ['ssl_min_protocol_version', 'TLSv1.2'],
    );
  }
  return pinned;
}

/** The server settings: TLS files, authentication, and where pg_hba.conf lives. */
export function postgresqlConf(plan: PostgresFilesPlan, tls: boolean): string {
  const [hba, ...ssl] = pinnedSettings(tls);
  const lines: PgLine[] = [
    {
      comment:
        'Rendered by dbtls from the Postgres resource; the server reads this file via -c config_file.',
    },
    ...userIncludes(plan.userConfig),
    ['listen_addresses', '*'],
    ['port', PORT],
    hba,
    ['password_encryption', plan.clientAuthMode === 'md5' ? 'md5' : 'scram-sha-256'],
    ['hot_standby', plan.hotStandby],
    ...ssl,
  ];
  return renderPostgresConf(lines);
}

/**
 * Client authentication. As KubeDB does, with TLS every network rule is hostssl whatever the
 * sslMode (which only tells clients how to connect): connections without TLS are rejected.
 */
export function pgHbaConf(plan: PostgresFilesPlan, tls: boolean): string {
  const method = hbaMethod(plan);
  const rows: (string[] | { comment: string })[] = [
    { comment: 'Rendered by dbtls. TYPE DATABASE USER ADDRESS METHOD' },
    { comment: "The unix socket inside the pod serves the image's own initialisation." },
    ['local', 'all', 'all', 'trust'],
  ];
  const [ssl, nossl] = tls ? ['hostssl', 'hostnossl'] : ['host', undefined];
  rows.push([ssl, 'all', 'all', 'all', ...method], [ssl, 'replication', 'all', 'all', ...method]);
  if (nossl)
    rows.push(
      [nossl, 'all', 'all', 'all', 'reject'],
      [nossl, 'replication', 'all', 'all', 'reject'],
    );
  return renderHba(rows);
}

/**
 * Pod 0 starts as the primary. The other pods clone it with pg_basebackup over TLS, using the
 * client certificate and the database's sslMode, then follow it as standbys. `host` is the
 * primary Service's name (a DNS-1123 name); it goes into a libpq conninfo inside a double-quoted
 * shell word, each written by its own quoting.
 */
export function startScript(
  host: string,
  plan: PostgresFilesPlan,
  tls: boolean,
  client: IssuedCertificate | undefined,
): string {
  // Standbys always stream over TLS: libpq's allow tries plaintext first (and pg_hba accepts it
  // under allow), prefer falls back to it; require is the weakest mode that never does.
  const standbySSLMode = !tls
    ? 'disable'
    : plan.sslMode === 'allow' || plan.sslMode === 'prefer'
      ? 'require'
      : plan.sslMode;
  const pairs: [string, string][] = [
    ['host', host],
    ['port', String(PORT)],
    ['user', 'postgres'],
    ['sslmode', standbySSLMode],
  ];
  if (tls && client) {
    pairs.push(
      ['sslrootcert', TRUST_FILE],
      ['sslcert', `${CERT_DIR}/client/client.crt`],
      ['sslkey', `${CERT_DIR}/client/client.key`],
    );
  }
  const dbname = shellDoubleQuotedText(conninfo(pairs));
  return [
    '#!/bin/sh',
    '# Rendered by dbtls. Pod 0 is the primary; the others stream from it as standbys.',
    'set -eu',
    'ordinal="${HOSTNAME##*-}"',
    ...(tls ? trustBundleLines(CONFIG_DIR) : []),
    'if [ "$ordinal" != "0" ] && [ ! -s "$PGDATA/PG_VERSION" ]; then',
    '  export PGPASSWORD="$POSTGRES_PASSWORD"',
    `  until pg_basebackup --pgdata="$PGDATA" --write-recovery-conf --wal-method=stream --checkpoint=fast --dbname="${dbname}"; do`,
    '    echo "waiting for the primary" >&2; rm -rf "$PGDATA"; sleep 2',
    '  done',
    '  chmod 0700 "$PGDATA"',
    'fi',
    // The pinned settings after config_file: on the command line no file can override them.
    `exec docker-entrypoint.sh postgres ${serverArguments(tls)}`,
    '',
  ].join('\n');
}

/** The server's arguments: its configuration file, then the settings no file may override. */
function serverArguments(tls: boolean): string {
  const args = postgresArguments([
    ['config_file', `${CONFIG_DIR}/postgresql.conf`],
    ...pinnedSettings(tls),
  ]);
  return args.map(shellWord).join(' ');
}

/**
 * The user's files first: PostgreSQL takes the last value a setting is given in the
 * configuration files, so every setting dbtls writes below them (TLS, hba_file, port) wins.
 * The Secret's user.conf is included if it exists, as KubeDB's image does.
 */
function userIncludes(conf: UserConfiguration | undefined): PgLine[] {
  if (conf === undefined) return [];
  const lines: PgLine[] = [
    { comment: "The user's configuration (spec.configuration); dbtls's settings below win." },
  ];
  if (conf.secret) lines.push(['include_if_exists', `${USER_CONFIG_DIR}/${USER_CONF}`]);
  for (const f of conf.inline) lines.push(['include', `${CONFIG_DIR}/${inlineKey(f.key)}`]);
  return lines;
}

/** The TLS settings dbtls renders, as the Secret's info names them. */
const PG_TLS_SETTINGS =
  'ssl, ssl_cert_file, ssl_key_file, ssl_ca_file, ssl_min_protocol_version; pg_hba.conf ' +
  'through hba_file';
const WEAK_PROTOCOLS = ['tlsv1', 'tlsv1.1'];

/**
 * spec.configuration / configSecret in standalone mode: the inline files are checked against the
 * settings dbtls renders after them; the Secret's content cannot be.
 */
export function readPostgresConfiguration(
  ctx: KindContext,
  plan: PostgresFilesPlan,
  tls: boolean,
): UserConfiguration | undefined {
  const conf = readUserConfiguration(ctx, {
    configSecret: 'unless-secret-name',
    operatorOnly: { tuning: 'PostgreSQL tuning (spec.configuration.tuning)' },
  });
  if (conf === undefined) return undefined;
  if (conf.secret)
    reportSecretUnchecked(ctx.report, conf.secret, {
      reads: `${USER_CONF} (include_if_exists)`,
      tlsSettings: tls ? PG_TLS_SETTINGS : 'ssl = off',
    });
  const owned = ownedSettings(postgresqlConf(plan, tls));
  for (const f of conf.inline) {
    const settings = settingsOf(f.content);
    reportOverridden(ctx.report, f, settings, owned, showSetting, sameValue);
    const max = settings.filter((s) => s.name === 'ssl_max_protocol_version').pop();
    if (tls && max && WEAK_PROTOCOLS.includes(pgUnquote(max.value).toLowerCase())) {
      ctx.report.error(
        f.path,
        `line ${max.line}: ${showSetting(max.name, max.value)} is below dbtls's ` +
          "ssl_min_protocol_version = 'TLSv1.2', and PostgreSQL will not start with TLS " +
          'versions it cannot use: remove it or set it to TLSv1.2 or later',
      );
    }
  }
  return conf;
}

/** The settings of a postgresql.conf as written (include directives name files dbtls cannot see). */
function settingsOf(text: string): Setting[] {
  return parsePostgresConf(text)
    .filter((s) => !s.name.startsWith('include'))
    .map((s) => ({ name: s.name, value: s.raw, line: s.line }));
}

/** dbtls's own settings; TLS ones are those of the ssl family and the hba file. */
function ownedSettings(conf: string): Map<string, OwnedSetting> {
  const owned = new Map<string, OwnedSetting>();
  for (const s of settingsOf(conf))
    owned.set(s.name, { value: s.value, tls: s.name.startsWith('ssl') || s.name === 'hba_file' });
  return owned;
}

const showSetting = (name: string, value: string) => `${name} = ${value}`;
const BOOLEANS: Record<string, string> = {
  on: 'on',
  true: 'on',
  yes: 'on',
  '1': 'on',
  off: 'off',
  false: 'off',
  no: 'off',
  '0': 'off',
};
/** Two values PostgreSQL reads alike: quotes aside, booleans in any spelling. */
function sameValue(a: string, b: string): boolean {
  const norm = (v: string) => {
    const u = pgUnquote(v);
    return BOOLEANS[u.toLowerCase()] ?? u;
  };
  return norm(a) === norm(b);
}
