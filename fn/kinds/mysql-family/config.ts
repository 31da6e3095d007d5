// The option files of the MySQL family's standalone workloads, as options (written by fn/text's
// my.cnf module): client-connection TLS, the exporter's connection, the file that includes the
// user's configuration before dbtls's, and the check of the user's files against dbtls's options.
import type { IssuedCertificate, KindContext } from '../kind.js';
import {
  inlineKey,
  type OwnedSetting,
  readUserConfiguration,
  reportOverridden,
  reportSecretUnchecked,
  type UserConfiguration,
} from '../../render/user-config.js';
import {
  OPTION_LINE_MAX,
  type OptionLine,
  parseServerOptions,
  renderOptionFile,
  serverArguments,
} from '../../text/my-cnf.js';
import { at } from '../../util/field-path.js';
import { shellWord } from '../../text/shell.js';

export const MYSQL_PORT = 3306;
export const CERT_DIR = '/etc/mysql/certs';
export const CONFIG_DIR = '/etc/mysql/dbtls';
/**
 * CA rollover: the CAs the server, Galera and the in-pod client trust are every distinct `ca.crt`
 * the mounted secrets carry, written here (an emptyDir) by tls-watch.sh before the server starts
 * and again on every renewal. A secret renewed by a new CA is then trusted beside one that still
 * carries the old CA, instead of peers and clients of the other CA being refused until both are.
 */
export const TRUST_DIR = `${CERT_DIR}/trust`;
export const TRUST_FILE = `${TRUST_DIR}/ca.crt`;
/** Where KubeDB mounts the user's configuration Secret for the MySQL family (custom.conf.d). */
export const USER_CONFIG_DIR = '/etc/mysql/custom.conf.d';

/**
 * Client-connection TLS in MySQL option names (MariaDB reads the same): the server certificate
 * for incoming connections, require_secure_transport following requireSSL, and the client
 * certificate for the mysql client inside the pod.
 */
export function clientTLSCnf(
  source: string,
  requireSSL: boolean,
  server: IssuedCertificate | undefined,
  client: IssuedCertificate | undefined,
): string {
  const lines: OptionLine[] = [
    { comment: `Rendered by dbtls from the ${source} resource: TLS for client connections.` },
    { group: 'mysqld' },
    ['port', MYSQL_PORT],
  ];
  if (server) lines.push(...certOptions('ssl-', 'server'));
  lines.push(['require_secure_transport', requireSSL && server ? 'ON' : 'OFF']);
  if (client) {
    // Without the server certificate there is no bundle: the client trusts its own secret's CA.
    const ca = server ? TRUST_FILE : `${CERT_DIR}/client/ca.crt`;
    lines.push(
      { blank: true },
      { group: 'client' },
      ...certOptions('ssl-', 'client', undefined, ca),
    );
  }
  return renderOptionFile(lines);
}

/**
 * The options that make the server TLS-only (and that requireSSL asks for), as arguments after
 * the option files in start.sh: there no file can override them — not a user's configuration
 * included after dbtls's, not a file an init container wrote. my.cnf repeats them, so that the
 * file alone reads as the server runs. Empty without the server certificate.
 */
export function pinnedServerArguments(requireSSL: boolean, server: boolean): string {
  if (!server) return '';
  const options: [string, string][] = [...certOptions('ssl-', 'server')];
  if (requireSSL) options.push(['require_secure_transport', 'ON']);
  return ` ${serverArguments(options).map(shellWord).join(' ')}`;
}

/**
 * `<prefix>ca`, `<prefix>cert`, `<prefix>key` for the certificate of `alias` as mounted, trusting
 * the CA bundle (TRUST_FILE), which exists wherever the server certificate is mounted.
 */
export function certOptions(
  prefix: string,
  alias: string,
  names: readonly [string, string, string] = ['ca', 'cert', 'key'],
  caFile: string = TRUST_FILE,
): [string, string][] {
  const [ca, cert, key] = names;
  return [
    [`${prefix}${ca}`, caFile],
    [`${prefix}${cert}`, `${CERT_DIR}/${alias}/tls.crt`],
    [`${prefix}${key}`, `${CERT_DIR}/${alias}/tls.key`],
  ];
}

/**
 * Galera's provider options for TLS with the server certificate (Galera's own `key=value;…`
 * list, one option value of the file).
 */
export function galeraSSLOptions(caFile: string = TRUST_FILE): string {
  const files = certOptions('socket.ssl_', 'server', ['ca', 'cert', 'key'], caFile);
  const [ca, cert, key] = files.map(([k, v]) => `${k}=${v}`);
  return `socket.ssl=yes;${cert};${key};${ca}`;
}

/**
 * The exporter's option file (mysqld_exporter --config.my-cnf), as KubeDB passes one with TLS:
 * root at 127.0.0.1 (a name the server certificate carries, which the exporter's driver verifies),
 * with the metrics-exporter certificate's CA, certificate and key. KubeDB writes it into a Secret
 * with the password; here it holds none (it is in the ConfigMap) and the exporter reads the
 * password from MYSQLD_EXPORTER_PASSWORD, which mysqld_exporter fills [client] password from.
 */
export function exporterCnf(tls: boolean, certDir: string): string {
  const lines: OptionLine[] = [
    {
      comment:
        "Rendered by dbtls: the exporter's connection; its password is MYSQLD_EXPORTER_PASSWORD.",
    },
    { group: 'client' },
    ['user', 'root'],
    ['host', '127.0.0.1'],
    ['port', MYSQL_PORT],
  ];
  if (tls)
    lines.push(
      ['ssl-ca', `${certDir}/ca.crt`],
      ['ssl-cert', `${certDir}/tls.crt`],
      ['ssl-key', `${certDir}/tls.key`],
    );
  return renderOptionFile(lines);
}

/**
 * What the server reads after the image's own configuration: the user's files (the Secret's
 * *.cnf files through !includedir, as KubeDB's images add it, then each inline file), then
 * dbtls's `files`. mysqld takes the last value an option is given, so dbtls's files win.
 */
export function serverCnf(
  engine: string,
  files: readonly string[],
  user: UserConfiguration | undefined,
): string {
  const lines: OptionLine[] = [
    { comment: `Rendered by dbtls: what ${engine} reads after the image's own configuration.` },
  ];
  if (user) {
    lines.push({
      comment: "The user's configuration (spec.configuration); dbtls's files after it win.",
    });
    if (user.secret) lines.push({ includedir: USER_CONFIG_DIR });
    for (const f of user.inline) lines.push({ include: `${CONFIG_DIR}/${inlineKey(f.key)}` });
  }
  for (const f of files) lines.push({ include: `${CONFIG_DIR}/${f}` });
  return renderOptionFile(lines);
}

const OFF = new Set(['0', 'off', 'false']);
const WEAK_TLS = /(^|,)\s*tlsv1(\.1)?\s*(,|$)/i;

/**
 * spec.configuration / configSecret of a MySQL-family kind in standalone mode. `rendered` gives
 * the option files dbtls includes after the user's (asked only when there is a user
 * configuration); `tls`: the server has a certificate.
 */
export function readMysqlConfiguration(
  ctx: KindContext,
  rendered: () => readonly string[],
  tls: boolean,
): UserConfiguration | undefined {
  const conf = readUserConfiguration(ctx, { configSecret: 'unless-configuration' });
  if (conf === undefined) return undefined;
  const owned = new Map<string, OwnedSetting>();
  for (const s of rendered().flatMap((text) => parseServerOptions(text).options))
    owned.set(s.name, {
      value: s.value,
      tls: /^(ssl|require-secure|wsrep-provider-opt)/.test(s.name),
    });
  if (conf.secret)
    reportSecretUnchecked(ctx.report, conf.secret, {
      reads: `the *.cnf files (!includedir ${USER_CONFIG_DIR})`,
      tlsSettings: [...owned.entries()]
        .filter(([, o]) => o.tls)
        .map(([n]) => n.replace(/-/g, '_'))
        .join(', '),
    });
  for (const f of conf.inline) checkInline(ctx, f, owned, tls);
  return conf;
}

function checkInline(
  ctx: KindContext,
  f: UserConfiguration['inline'][number],
  owned: ReadonlyMap<string, OwnedSetting>,
  tls: boolean,
): void {
  const { options, outside, badGroup } = parseServerOptions(f.content);
  if (badGroup !== undefined)
    ctx.report.error(
      f.path,
      `line ${badGroup}: a [ without its ], which mysqld refuses to start with ("Wrong group ` +
        'definition"): close the group name with ]',
    );
  if (outside !== undefined)
    ctx.report.error(
      f.path,
      `line ${outside}: an option before any [group] header, which mysqld refuses to start ` +
        'with: begin the file with [mysqld]',
    );
  reportOverridden(ctx.report, f, options, owned, showOption, sameOption);
  for (const s of tls ? options : []) {
    if (s.name === 'ssl' && OFF.has(s.value.toLowerCase()))
      ctx.report.error(
        f.path,
        `line ${s.line}: ${s.raw} turns TLS off, and dbtls renders no ssl option after it to ` +
          "turn it back on: remove it (dbtls's ssl-ca, ssl-cert and ssl-key give the server TLS)",
      );
    if (s.name === 'tls-version' && WEAK_TLS.test(s.value))
      ctx.report.warn(
        f.path,
        `line ${s.line}: ${s.raw} lets clients connect with TLS 1.0 or 1.1, which dbtls ` +
          'does not override (it sets no tls_version): remove them from the list',
      );
  }
}

const showOption = (name: string, value: string) => `${name.replace(/-/g, '_')}=${value}`;
const BOOL: Record<string, string> = {
  on: '1',
  true: '1',
  '1': '1',
  off: '0',
  false: '0',
  '0': '0',
};
const sameOption = (a: string, b: string) =>
  (BOOL[a.toLowerCase()] ?? a) === (BOOL[b.toLowerCase()] ?? b);

const CLUSTER_ADDRESS = 'wsrep_cluster_address=gcomm://';

/**
 * The Galera peers that fit the one line wsrep_cluster_address is: mysys reads a line of an
 * option file in pieces of OPTION_LINE_MAX bytes, and the rest of a longer line would be read as
 * options of its own. When some do not fit, an error at spec.replicas says how many do.
 */
export function peersThatFit(
  ctx: KindContext,
  peers: readonly string[],
  /** False where spec.replicas is already refused (more nodes than standalone mode renders). */
  report = true,
): readonly string[] {
  let bytes = CLUSTER_ADDRESS.length;
  for (let i = 0; i < peers.length; i++) {
    bytes += Buffer.byteLength(peers[i]) + (i > 0 ? 1 : 0);
    if (bytes <= OPTION_LINE_MAX) continue;
    if (report)
      ctx.report.error(
        at('spec', 'replicas'),
        `${peers.length} nodes make wsrep_cluster_address longer than the ${OPTION_LINE_MAX} ` +
          'bytes the server reads of one line of an option file (the rest would become options ' +
          `of its own): with this name and namespace, standalone mode renders at most ${i} nodes ` +
          '(use mode: operator for more)',
      );
    return peers.slice(0, i);
  }
  return peers;
}
