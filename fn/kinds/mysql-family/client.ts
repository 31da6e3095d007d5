// The client side of the MySQL protocol, shared by the MySQL-family kinds (PerconaXtraDB,
// Singlestore): `[client]` option files and where clients find them.
//
// Facts (checked with Debian's mariadb 10.11 client): MariaDB clients read $MYSQL_HOME/my.cnf
// besides /etc/my.cnf and ~/.my.cnf, and verify the server with ssl-verify-server-cert. MySQL 8
// clients read $MYSQL_HOME/my.cnf for the server only (they need --defaults-extra-file) and verify
// with ssl-mode=VERIFY_IDENTITY, which they put in place of ssl-verify-server-cert. Each client
// warns on the other's option, even with the `loose-` prefix: one file for each.
import { type OptionLine, renderOptionFile } from '../../text/my-cnf.js';
import type { ClientConnection, ClientSettings, DatabaseUsers } from '../kind.js';
import { MYSQL_PORT } from './config.js';
import type { ClientProfile, ConnectionSetting } from '../kind.js';
import { at } from '../../util/field-path.js';

/** MySQL's own accounts: root (KubeDB's) and the system accounts MySQL 8 creates. */
const MYSQL_ADMINISTRATIVE = ['root', 'mysql.sys', 'mysql.session', 'mysql.infoschema'];

/**
 * The users of a MySQL-protocol server. MySQL (5.7.8 and later) takes user names of at most 32
 * characters; MariaDB (10.4 and later: `root`, `mysql` and `mariadb.sys` are its own) at most 80.
 * The server compares them with trailing spaces ignored (PAD SPACE), which the trimmed value
 * dbtls writes cannot carry.
 */
export function mysqlUsers(engine: 'MySQL' | 'MariaDB' | 'Singlestore'): DatabaseUsers {
  const administrative =
    engine === 'MariaDB'
      ? ['root', 'mysql', 'mariadb.sys']
      : engine === 'MySQL'
        ? MYSQL_ADMINISTRATIVE
        : ['root'];
  const limit = engine === 'MariaDB' ? 80 : 32;
  return {
    noun: `${engine} user`,
    administrative,
    invalid: (user) =>
      [...user].length > limit
        ? `is ${[...user].length} characters long; a ${engine} user name has at most ${limit}`
        : undefined,
  };
}

/** Read by MariaDB clients through MYSQL_HOME. */
export const MARIADB_OPTION_FILE = 'my.cnf';
/** For MySQL clients: --defaults-extra-file=<configDir>/mysql-client.cnf. */
export const MYSQL_OPTION_FILE = 'mysql-client.cnf';

export function mysqlClientSettings(c: ClientConnection, database: string): ClientSettings {
  const common: OptionLine[] = [
    { group: 'client' },
    ['host', c.host],
    ['port', c.port],
    ['user', c.user],
    ['ssl-ca', c.ca],
    ['ssl-cert', c.cert],
    ['ssl-key', c.key],
  ];
  const file = (reader: string, verify: OptionLine) =>
    renderOptionFile([
      { comment: `Rendered by dbtls: the client side of ${database}, ${reader}.` },
      ...common,
      verify,
    ]);
  const extraFile = `${c.configDir}/${MYSQL_OPTION_FILE}`;
  return {
    env: [{ name: 'MYSQL_HOME', value: c.configDir }],
    files: {
      [MARIADB_OPTION_FILE]: file('read by MariaDB clients through MYSQL_HOME', [
        'ssl-verify-server-cert',
        true,
      ]),
      [MYSQL_OPTION_FILE]: file(`for MySQL clients: --defaults-extra-file=${extraFile}`, [
        'ssl-mode',
        'VERIFY_IDENTITY',
      ]),
    },
  };
}

/**
 * How applications connect to a MySQL-family server (`dbtls.dev/connect-to`): as the user the
 * workload names (root, KubeDB's, only where the database grants it) to the primary Service on 3306, with the
 * `[client]` option files of client.ts. requireSSL false is refused: the server would then
 * accept the application without TLS.
 */
export function mysqlFamilyClient(kind: string): ClientProfile<{ requireSSL: boolean }> {
  return {
    endpoint: (ctx) => ({ service: ctx.db.metadata.name, port: MYSQL_PORT }),
    weakVerification: (_ctx, plan) =>
      plan.requireSSL
        ? undefined
        : {
            path: at('spec', 'requireSSL'),
            setting: 'requireSSL false',
            fix: 'set spec.requireSSL: true',
          },
    settings: (c, ctx) =>
      mysqlClientSettings(c, `${kind} ${ctx.namespace}/${ctx.db.metadata.name}`),
  };
}

/** The setting the policy's connectionSecurity can require of every MySQL-protocol kind. */
export const REQUIRE_SSL_SETTING: ConnectionSetting<{ requireSSL: boolean }> = {
  key: 'requireSSL',
  path: at('spec', 'requireSSL'),
  levels: [false, true],
  value: (_ctx, plan) => plan.requireSSL,
  // A boolean KubeDB leaves unset: false, with or without spec.tls.
  unset: { withTLS: false, withoutTLS: false },
};
