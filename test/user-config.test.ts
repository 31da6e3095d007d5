// The user's server configuration in standalone mode (spec.configuration, spec.configSecret):
// where each kind includes it, that dbtls's settings come after it, and the exact results for
// user settings dbtls overrides or cannot override. fn/render/user-config.ts and the kinds.
import { describe, expect, it } from 'vitest';
import { issuer, itemsOf, postgres, resourceList, resultsOf, runFn } from './helpers.js';

const ISSUER = { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' };
const TAIL = "comes after the user's configuration and wins";
const INLINE = (key: string) => `spec.configuration.inline.${key}`;

const db = (kind: string, spec: Record<string, unknown>, apiVersion = 'kubedb.com/v1') => ({
  apiVersion,
  kind,
  metadata: { name: 'db', namespace: 'demo' },
  spec: { tls: { issuerRef: ISSUER }, authSecret: { name: 'auth' }, ...spec },
});
const mariadb = (spec: Record<string, unknown>) =>
  db('MariaDB', { version: '11.4.3', requireSSL: true, ...spec });
const mysql = (spec: Record<string, unknown>) =>
  db('MySQL', { version: '8.4.3', requireSSL: true, ...spec });
const pxc = (spec: Record<string, unknown>) =>
  db('PerconaXtraDB', { version: '8.0.40', requireSSL: true, ...spec });
const redis = (spec: Record<string, unknown>) => db('Redis', { version: '7.4.1', ...spec });
const pg = (spec: Record<string, unknown>, apiVersion?: string) => {
  const p = postgres({ authSecret: { name: 'auth' }, ...spec }, 'db');
  if (apiVersion) p.apiVersion = apiVersion;
  return p;
};

function render(item: unknown, mode?: string) {
  const config = mode
    ? { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fn' }, data: { mode } }
    : undefined;
  return runFn(resourceList([issuer('ca'), item], config));
}
/** The results about the user's configuration. */
const configResults = (run: ReturnType<typeof runFn>) =>
  resultsOf(run).filter((r) => r.field?.startsWith('spec.config'));
const configMap = (run: ReturnType<typeof runFn>) => itemsOf(run, 'ConfigMap')[0].data;
const podSpec = (run: ReturnType<typeof runFn>) =>
  itemsOf(run, 'StatefulSet')[0].spec.template.spec;

describe('Postgres', () => {
  const inline = [
    'max_connections = 300',
    'ssl = off   # no TLS',
    "ssl_min_protocol_version='TLSv1'",
    'port 5433',
    'hot_standby = true',
    "password_encryption = 'md5'",
    '',
  ].join('\n');

  it("includes user.conf of the Secret and the inline files before dbtls's settings", () => {
    const run = render(
      pg({ configuration: { secretName: 'pg-conf', inline: { 'user.conf': inline } } }),
    );
    expect(run.status).toBe(0);
    const data = configMap(run);
    expect(data['postgresql.conf'].split('\n').slice(0, 5)).toEqual([
      '# Rendered by dbtls from the Postgres resource; the server reads this file via -c config_file.',
      "# The user's configuration (spec.configuration); dbtls's settings below win.",
      "include_if_exists = '/etc/config/user.conf'",
      "include = '/etc/dbtls/inline-user.conf'",
      "listen_addresses = '*'",
    ]);
    expect(data['inline-user.conf']).toBe(inline);
    const spec = podSpec(run);
    expect(spec.volumes).toContainEqual({
      name: 'custom-config',
      secret: { secretName: 'pg-conf', defaultMode: 0o440 },
    });
    const [server, reloader] = spec.containers;
    expect(server.volumeMounts).toContainEqual({
      name: 'custom-config',
      mountPath: '/etc/config',
      readOnly: true,
    });
    expect(reloader.volumeMounts.map((m: any) => m.name)).not.toContain('custom-config');
    // Equal values in another spelling (on/true, quotes) are no conflict.
    expect(configResults(run)).toEqual([
      {
        severity: 'info',
        message:
          'the server reads user.conf (include_if_exists) of Secret "pg-conf" before dbtls\'s ' +
          "settings; dbtls cannot see the Secret, so its content is not checked, and dbtls's TLS " +
          'settings (ssl, ssl_cert_file, ssl_key_file, ssl_ca_file, ssl_min_protocol_version; ' +
          'pg_hba.conf through hba_file) come after it and take precedence',
        field: 'spec.configuration.secretName',
      },
      {
        severity: 'warning',
        message: `line 2: ssl = off conflicts with dbtls's TLS settings; dbtls's ssl = on ${TAIL}`,
        field: INLINE('user.conf'),
      },
      {
        severity: 'warning',
        message:
          "line 3: ssl_min_protocol_version = 'TLSv1' conflicts with dbtls's TLS settings; " +
          `dbtls's ssl_min_protocol_version = 'TLSv1.2' ${TAIL}`,
        field: INLINE('user.conf'),
      },
      {
        severity: 'warning',
        message: `line 4: port = 5433 conflicts with a setting dbtls renders; dbtls's port = 5432 ${TAIL}`,
        field: INLINE('user.conf'),
      },
    ]);
  });

  it('refuses an ssl_max_protocol_version below TLSv1.2', () => {
    const conf = { inline: { 'user.conf': "ssl_max_protocol_version = 'TLSv1.1'\n" } };
    const run = render(pg({ configuration: conf }));
    expect(run.status).toBe(1);
    expect(configResults(run)).toEqual([
      {
        severity: 'error',
        message:
          "line 1: ssl_max_protocol_version = 'TLSv1.1' is below dbtls's " +
          "ssl_min_protocol_version = 'TLSv1.2', and PostgreSQL will not start with TLS versions " +
          'it cannot use: remove it or set it to TLSv1.2 or later',
        field: INLINE('user.conf'),
      },
    ]);
  });

  it('takes configSecret as KubeDB does: the Secret when configuration names none', () => {
    const run = render(pg({ configSecret: { name: 'old' } }, 'kubedb.com/v1alpha2'));
    expect(run.status).toBe(0);
    expect(configResults(run).map((r) => [r.severity, r.field])).toEqual([
      ['info', 'spec.configSecret.name'],
    ]);
    expect(podSpec(run).volumes).toContainEqual({
      name: 'custom-config',
      secret: { secretName: 'old', defaultMode: 0o440 },
    });
    const both = render(
      pg({ configSecret: { name: 'old' }, configuration: { secretName: 'new' } }),
    );
    expect(configResults(both)[0]).toEqual({
      severity: 'warning',
      message:
        'spec.configSecret is not used: KubeDB reads spec.configuration instead (configSecret is its older form); ' +
        'move Secret "old" to spec.configuration.secretName or remove configSecret',
      field: 'spec.configSecret',
    });
  });

  it('refuses spec.configuration in v1alpha2, which has no such field; keeps tuning operator-only', () => {
    const old = render(pg({ configuration: { secretName: 'x' } }, 'kubedb.com/v1alpha2'));
    expect(configResults(old)).toEqual([
      {
        severity: 'error',
        message:
          'spec.configuration is not a field of kubedb.com/v1alpha2 Postgres (the API server would drop it): use ' +
          'kubedb.com/v1, or spec.configSecret',
        field: 'spec.configuration',
      },
    ]);
    const tuning = render(pg({ configuration: { tuning: { profile: 'web' } } }));
    expect(configResults(tuning)).toEqual([
      {
        severity: 'warning',
        message:
          'PostgreSQL tuning (spec.configuration.tuning) is provided by the KubeDB operator ' +
          'only; standalone mode does not render it (use mode: operator to keep it)',
        field: 'spec.configuration.tuning',
      },
    ]);
    expect(configMap(tuning)['postgresql.conf']).not.toContain('include');
  });

  it('reports the shape of spec.configuration', () => {
    const run = render(
      pg({
        configSecret: 'pg-conf',
        configuration: { secretName: 7, inline: { 'a/b.conf': 'x = 1', 'n.conf': 3 } },
      }),
    );
    expect(configResults(run)).toEqual([
      {
        severity: 'error',
        message:
          'spec.configSecret must be a mapping with the Secret\'s name (name: my-config), got the string "pg-conf"',
        field: 'spec.configSecret',
      },
      {
        severity: 'error',
        message: 'spec.configuration.secretName must be the name of a Secret, got number 7',
        field: 'spec.configuration.secretName',
      },
      {
        severity: 'error',
        message:
          "\"a/b.conf\" is not a file name a ConfigMap can hold (letters, digits, '-', '_', " +
          "'.'; at most 246 characters)",
        field: INLINE('a/b.conf'),
      },
      {
        severity: 'error',
        message: `${INLINE('n.conf')} must be the file's content as a string, got number 3`,
        field: INLINE('n.conf'),
      },
    ]);
  });

  it('leaves spec.configuration to the operator in operator mode', () => {
    const run = render(
      pg({ configuration: { inline: { 'user.conf': 'ssl = off\n' } } }),
      'operator',
    );
    expect(run.status).toBe(0);
    expect(configResults(run)).toEqual([]);
  });
});

describe('MySQL family', () => {
  const inline = [
    '[mysqld]',
    'max_connections = 123',
    'require_secure_transport=OFF',
    'loose_ssl_cert = /tmp/other.crt',
    'tls_version = TLSv1,TLSv1.2',
    '[client]',
    'ssl = 0',
    '',
  ].join('\n');
  const TLS_OPTIONS = 'ssl_ca, ssl_cert, ssl_key, require_secure_transport';

  it("MariaDB: !includedir of the Secret and the inline files before dbtls's option files", () => {
    const run = render(
      mariadb({ configuration: { secretName: 'md-conf', inline: { 'md.cnf': inline } } }),
    );
    expect(run.status).toBe(0);
    const data = configMap(run);
    expect(data['server.cnf']).toBe(
      [
        "# Rendered by dbtls: what mariadbd reads after the image's own configuration.",
        "# The user's configuration (spec.configuration); dbtls's files after it win.",
        '!includedir /etc/mysql/custom.conf.d',
        '!include /etc/mysql/dbtls/inline-md.cnf',
        '!include /etc/mysql/dbtls/my.cnf',
        '',
      ].join('\n'),
    );
    expect(data['inline-md.cnf']).toBe(inline);
    const [server, reloader] = podSpec(run).containers;
    expect(server.volumeMounts).toContainEqual({
      name: 'custom-config',
      mountPath: '/etc/mysql/custom.conf.d',
      readOnly: true,
    });
    expect(reloader.volumeMounts.map((m: any) => m.name)).not.toContain('custom-config');
    expect(configResults(run)).toEqual([
      {
        severity: 'info',
        message:
          'the server reads the *.cnf files (!includedir /etc/mysql/custom.conf.d) of Secret ' +
          '"md-conf" before dbtls\'s settings; dbtls cannot see the Secret, so its content is not ' +
          `checked, and dbtls's TLS settings (${TLS_OPTIONS}) come after it and take precedence`,
        field: 'spec.configuration.secretName',
      },
      {
        severity: 'warning',
        message:
          "line 3: require_secure_transport=OFF conflicts with dbtls's TLS settings; dbtls's " +
          `require_secure_transport=ON ${TAIL}`,
        field: INLINE('md.cnf'),
      },
      {
        severity: 'warning',
        message:
          "line 4: ssl_cert=/tmp/other.crt conflicts with dbtls's TLS settings; dbtls's " +
          `ssl_cert=/etc/mysql/certs/server/tls.crt ${TAIL}`,
        field: INLINE('md.cnf'),
      },
      {
        severity: 'warning',
        message:
          'line 5: tls_version = TLSv1,TLSv1.2 lets clients connect with TLS 1.0 or 1.1, which ' +
          'dbtls does not override (it sets no tls_version): remove them from the list',
        field: INLINE('md.cnf'),
      },
    ]);
  });

  it('refuses skip-ssl and ssl=OFF in a server group, and an option before any group', () => {
    const bad = 'max_connections = 1\n[mariadbd]\nskip-ssl\n[mysqld-8.0]\nssl=OFF\n';
    const run = render(mariadb({ configuration: { inline: { 'bad.cnf': bad } } }));
    expect(run.status).toBe(1);
    const tail =
      "and dbtls renders no ssl option after it to turn it back on: remove it (dbtls's ssl-ca, " +
      'ssl-cert and ssl-key give the server TLS)';
    expect(configResults(run)).toEqual([
      {
        severity: 'error',
        message:
          'line 1: an option before any [group] header, which mysqld refuses to start with: ' +
          'begin the file with [mysqld]',
        field: INLINE('bad.cnf'),
      },
      {
        severity: 'error',
        message: `line 3: skip-ssl turns TLS off, ${tail}`,
        field: INLINE('bad.cnf'),
      },
      {
        severity: 'error',
        message: `line 5: ssl=OFF turns TLS off, ${tail}`,
        field: INLINE('bad.cnf'),
      },
    ]);
  });

  it('MariaDB Galera: the provider options (socket.ssl) are among the TLS settings dbtls keeps', () => {
    const conf = { inline: { 'g.cnf': '[galera]\nwsrep_provider_options="gcache.size=1G"\n' } };
    const run = render(mariadb({ replicas: 3, configuration: conf }));
    const [warning] = configResults(run);
    expect(warning.message).toMatch(
      /^line 2: wsrep_provider_options=gcache\.size=1G conflicts with dbtls's TLS settings; dbtls's wsrep_provider_options=socket\.ssl=yes;/,
    );
  });

  it('MySQL: a server.cnf with the user files before my.cnf, passed to mysqld instead of my.cnf', () => {
    const run = render(mysql({ configSecret: { name: 'my-conf' } }));
    expect(run.status).toBe(0);
    const data = configMap(run);
    expect(data['server.cnf']).toBe(
      [
        "# Rendered by dbtls: what mysqld reads after the image's own configuration.",
        "# The user's configuration (spec.configuration); dbtls's files after it win.",
        '!includedir /etc/mysql/custom.conf.d',
        '!include /etc/mysql/dbtls/my.cnf',
        '',
      ].join('\n'),
    );
    expect(data['start.sh']).toContain(
      'exec docker-entrypoint.sh mysqld --defaults-extra-file=/etc/mysql/dbtls/server.cnf',
    );
    expect(configResults(run).map((r) => [r.severity, r.field])).toEqual([
      ['info', 'spec.configSecret.name'],
    ]);
    // Without a user configuration, MySQL's files are as before.
    expect(configMap(render(mysql({})))['server.cnf']).toBeUndefined();
  });

  it('PerconaXtraDB: the user files first in server.cnf; configSecret dropped beside configuration', () => {
    const run = render(
      pxc({ configSecret: { name: 'old' }, configuration: { inline: { 'pc.cnf': '[mysqld]\n' } } }),
    );
    expect(configMap(run)['server.cnf']).toBe(
      [
        "# Rendered by dbtls: what mysqld reads after the image's own configuration.",
        "# The user's configuration (spec.configuration); dbtls's files after it win.",
        '!include /etc/mysql/dbtls/inline-pc.cnf',
        '!include /etc/mysql/dbtls/my.cnf',
        '!include /etc/mysql/dbtls/wsrep.cnf',
        '',
      ].join('\n'),
    );
    // KubeDB copies configSecret only when configuration is absent (copyConfigurationField).
    expect(configResults(run).map((r) => [r.severity, r.field])).toEqual([
      ['warning', 'spec.configSecret'],
    ]);
  });
});

describe('Redis', () => {
  const inline = [
    'maxclients 2200',
    'port 6380',
    'tls-port 0',
    'TLS-AUTH-CLIENTS no',
    'tls-protocols "TLSv1.1 TLSv1.2"',
    'requirepass hunter2',
    '',
  ].join('\n');

  it("includes the Secret's redis.conf and the inline files at the top of redis.conf", () => {
    const run = render(
      redis({ configuration: { secretName: 'rd-conf', inline: { 'redis.conf': inline } } }),
    );
    expect(run.status).toBe(0);
    const data = configMap(run);
    expect(data['redis.conf'].split('\n').slice(0, 5)).toEqual([
      '# Rendered by dbtls from the Redis resource.',
      "# The user's configuration (spec.configuration); dbtls's settings below win.",
      'include /usr/local/etc/redis-custom/redis.conf',
      'include /usr/local/etc/redis/inline-redis.conf',
      'dir /data',
    ]);
    const spec = podSpec(run);
    expect(spec.volumes).toContainEqual({
      name: 'custom-config',
      secret: {
        secretName: 'rd-conf',
        defaultMode: 0o440,
        items: [{ key: 'redis.conf', path: 'redis.conf' }],
      },
    });
    expect(spec.containers[1].volumeMounts.map((m: any) => m.name)).not.toContain('custom-config');
    const field = INLINE('redis.conf');
    expect(configResults(run)).toEqual([
      {
        severity: 'info',
        message:
          'the server reads key redis.conf (include) of Secret "rd-conf" before dbtls\'s ' +
          "settings; dbtls cannot see the Secret, so its content is not checked, and dbtls's TLS " +
          'settings (port 0, tls-port, tls-cert-file, tls-key-file, tls-ca-cert-file, ' +
          'tls-auth-clients yes, tls-replication yes) come after it and take precedence',
        field: 'spec.configuration.secretName',
      },
      {
        severity: 'warning',
        message: `line 2: port 6380 conflicts with dbtls's TLS settings; dbtls's port 0 ${TAIL}`,
        field,
      },
      {
        severity: 'warning',
        message: `line 3: tls-port 0 conflicts with dbtls's TLS settings; dbtls's tls-port 6379 ${TAIL}`,
        field,
      },
      {
        severity: 'warning',
        message:
          "line 4: tls-auth-clients no conflicts with dbtls's TLS settings; dbtls's " +
          `tls-auth-clients yes ${TAIL}`,
        field,
      },
      {
        severity: 'warning',
        message:
          'line 5: tls-protocols "TLSv1.1 TLSv1.2" lets clients connect with TLS 1.0 or 1.1, ' +
          'which dbtls does not override (it sets no tls-protocols): remove them',
        field,
      },
      {
        severity: 'warning',
        message:
          "line 6: requirepass is set by dbtls after the user's configuration, from " +
          'spec.authSecret (key password), and that password wins',
        field,
      },
    ]);
  });

  it('refuses rename-command CONFIG (the reloader needs CONFIG SET); acl stays operator-only', () => {
    const conf = {
      acl: { rules: ['u1 allkeys'] },
      inline: { 'r.conf': 'rename-command CONFIG ""\n' },
    };
    const run = render(redis({ configuration: conf }));
    expect(run.status).toBe(1);
    expect(configResults(run)).toEqual([
      {
        severity: 'warning',
        message:
          'ACL users (spec.configuration.acl) is provided by the KubeDB operator only; ' +
          'standalone mode does not render it (use mode: operator to keep it)',
        field: 'spec.configuration.acl',
      },
      {
        severity: 'error',
        message:
          'line 1: rename-command CONFIG "" renames CONFIG, which dbtls\'s tls-reloader uses to ' +
          'load renewed certificates (CONFIG SET tls-cert-file): remove it',
        field: INLINE('r.conf'),
      },
    ]);
  });
});

describe('VaultServer', () => {
  const vault = (spec: Record<string, unknown>, apiVersion = 'kubevault.com/v1alpha2') => ({
    apiVersion,
    kind: 'VaultServer',
    metadata: { name: 'db', namespace: 'demo' },
    spec: { version: '1.18.4', backend: { raft: {} }, tls: { issuerRef: ISSUER }, ...spec },
  });

  it("passes the Secret's vault.hcl to Vault before dbtls's, and warns about listeners", () => {
    for (const apiVersion of ['kubevault.com/v1alpha2', 'kubevault.com/v1alpha1']) {
      const run = render(vault({ configSecret: { name: 'extra' } }, apiVersion));
      expect(run.status).toBe(0);
      const spec = podSpec(run);
      const [server, reloader] = spec.containers;
      expect(server.command).toEqual([
        'vault',
        'server',
        '-config=/etc/vault/user/vault.hcl',
        '-config=/etc/vault/config/vault.hcl',
      ]);
      expect(spec.volumes).toContainEqual({
        name: 'custom-config',
        secret: {
          secretName: 'extra',
          defaultMode: 0o440,
          items: [{ key: 'vault.hcl', path: 'vault.hcl' }],
        },
      });
      expect(server.volumeMounts).toContainEqual({
        name: 'custom-config',
        mountPath: '/etc/vault/user',
        readOnly: true,
      });
      expect(reloader.volumeMounts.map((m: any) => m.name)).not.toContain('custom-config');
      expect(configResults(run)).toEqual([
        {
          severity: 'warning',
          message:
            'Vault reads vault.hcl of Secret "extra" before dbtls\'s vault.hcl (-config twice): ' +
            "dbtls's storage and other settings come later and win, but Vault adds listener " +
            'blocks rather than replacing them, and dbtls cannot see the Secret, so its content ' +
            "is not checked: a listener in it would serve beside dbtls's TLS listener with its " +
            'own tls_* settings (tls_disable = true: plaintext), which dbtls cannot override: ' +
            'it must have no listener',
          field: 'spec.configSecret.name',
        },
      ]);
    }
  });

  it('without configSecret the command stays one -config', () => {
    const run = render(vault({}));
    expect(podSpec(run).containers[0].command).toEqual([
      'vault',
      'server',
      '-config=/etc/vault/config/vault.hcl',
    ]);
    const bad = render(vault({ configSecret: 'extra' }));
    expect(bad.status).toBe(1);
    expect(configResults(bad)).toEqual([
      {
        severity: 'error',
        message:
          'spec.configSecret must be a mapping with the Secret\'s name (name: my-config), got the string "extra"',
        field: 'spec.configSecret',
      },
    ]);
  });
});

describe('MSSQLServer', () => {
  const mssql = (spec: Record<string, unknown>) =>
    db(
      'MSSQLServer',
      {
        version: '2022-cu12',
        podTemplate: {
          spec: {
            containers: [
              {
                name: 'mssql',
                env: [
                  { name: 'ACCEPT_EULA', value: 'Y' },
                  { name: 'MSSQL_PID', value: 'Developer' },
                ],
              },
            ],
          },
        },
        ...spec,
      },
      'kubedb.com/v1alpha2',
    );
  const user = [
    '[memory]',
    'memorylimitmb = 2048',
    '',
    '[network]',
    'forceencryption = 0',
    'tlsprotocols = 1.0,1.1,1.2',
    'tcpport = 1433',
    '',
  ].join('\n');

  it("merges an inline mssql.conf into the one file, dbtls's [network] TLS keys in place of the user's", () => {
    const run = render(
      mssql({
        tls: { issuerRef: ISSUER, clientTLS: true },
        configuration: { inline: { 'mssql.conf': user } },
      }),
    );
    expect(run.status).toBe(0);
    expect(configMap(run)['mssql.conf']).toBe(
      [
        '# Rendered by dbtls from the MSSQLServer resource: spec.configuration.inline["mssql.conf"]',
        "# with dbtls's TLS settings in place of the user's same keys.",
        '[memory]',
        'memorylimitmb = 2048',
        '',
        '[network]',
        '# (dbtls sets forceencryption below)',
        '# (dbtls sets tlsprotocols below)',
        'tcpport = 1433',
        'tlscert = /var/opt/mssql/tls/server.crt',
        'tlskey = /var/opt/mssql/tls/server.key',
        'tlsprotocols = 1.2',
        'forceencryption = 1',
        '',
      ].join('\n'),
    );
    const field = INLINE('mssql.conf');
    expect(configResults(run)).toEqual([
      {
        severity: 'warning',
        message: `line 5: forceencryption = 0 conflicts with dbtls's TLS settings; dbtls's forceencryption = 1 ${TAIL}`,
        field,
      },
      {
        severity: 'warning',
        message: `line 6: tlsprotocols = 1.0,1.1,1.2 conflicts with dbtls's TLS settings; dbtls's tlsprotocols = 1.2 ${TAIL}`,
        field,
      },
    ]);
  });

  it('appends [network] when the user has none; refuses other file names; a Secret is not rendered', () => {
    const run = render(
      mssql({
        configuration: {
          secretName: 'ms-conf',
          inline: { 'mssql.conf': '[memory]\nmemorylimitmb = 2048\n' },
        },
      }),
    );
    expect(run.status).toBe(0);
    expect(configMap(run)['mssql.conf'].split('\n').slice(2)).toEqual([
      '[memory]',
      'memorylimitmb = 2048',
      '[network]',
      'tlscert = /var/opt/mssql/tls/server.crt',
      'tlskey = /var/opt/mssql/tls/server.key',
      'tlsprotocols = 1.2',
      'forceencryption = 0',
      '',
    ]);
    expect(configResults(run)).toEqual([
      {
        severity: 'warning',
        message:
          'Secret "ms-conf" is not rendered: SQL Server reads one mssql.conf, with no include, ' +
          "and dbtls cannot see the Secret to merge it under its TLS settings; put the file's " +
          'content in spec.configuration.inline["mssql.conf"] instead (or use mode: operator to ' +
          'keep it)',
        field: 'spec.configuration.secretName',
      },
    ]);
    // No mssql.conf from the Secret is mounted.
    expect(JSON.stringify(podSpec(run).volumes)).not.toContain('ms-conf');
    const other = render(mssql({ configuration: { inline: { 'extra.conf': '' } } }));
    expect(other.status).toBe(1);
    expect(configResults(other)).toEqual([
      {
        severity: 'error',
        message:
          `${INLINE('extra.conf')} is not read: SQL Server reads only mssql.conf; put these settings in ` +
          'spec.configuration.inline["mssql.conf"]',
        field: INLINE('extra.conf'),
      },
    ]);
  });
});

describe('Singlestore', () => {
  const sdb = (spec: Record<string, unknown>) =>
    db(
      'Singlestore',
      { version: '8.9.3', licenseSecret: { name: 'license' }, ...spec },
      'kubedb.com/v1alpha2',
    );
  const CONF_D = '/etc/memsql/conf.d';

  it("mounts the Secret's files and the inline files beside dbtls's memsql.cnf in conf.d", () => {
    const cnf = '[server]\nmax_connections = 250\nssl_ca = /etc/memsql/certs/ca.crt\n';
    const run = render(
      sdb({ configuration: { secretName: 'sdb-conf', inline: { 'tune.cnf': cnf } } }),
    );
    expect(run.status).toBe(0);
    const data = configMap(run);
    expect(data['inline-tune.cnf']).toBe(cnf);
    expect(data['memsql.cnf']).toContain('ssl_cert = /etc/memsql/certs/server.crt');
    const spec = podSpec(run);
    expect(spec.volumes[0]).toEqual({
      name: 'custom-config',
      projected: {
        defaultMode: 0o440,
        sources: [
          { secret: { name: 'sdb-conf' } },
          {
            configMap: {
              name: 'db-server-config',
              items: [
                { key: 'memsql.cnf', path: 'memsql.cnf' },
                { key: 'inline-tune.cnf', path: 'inline-tune.cnf' },
              ],
            },
          },
        ],
      },
    });
    expect(spec.containers[0].volumeMounts).toContainEqual({
      name: 'custom-config',
      mountPath: CONF_D,
      readOnly: true,
    });
    // The same value as dbtls's is no conflict; the Secret gets an info.
    expect(configResults(run)).toEqual([
      {
        severity: 'info',
        message:
          `the node combines the *.cnf files of Secret "sdb-conf", mounted in ${CONF_D}, with ` +
          "dbtls's memsql.cnf there; dbtls cannot see the Secret, so its content is not " +
          'checked: it must have no key memsql.cnf and set no ssl_ca, ssl_cert or ssl_key, ' +
          "whose winner between two files is the node's start-up tool's choice, not dbtls's",
        field: 'spec.configuration.secretName',
      },
    ]);
  });

  it('refuses an inline TLS option dbtls sets (it cannot make its own win), and other names', () => {
    const cnf = 'max_connections = 1\n[server]\nssl-cert = /tmp/mine.crt\nssl_key=/tmp/k\n';
    const run = render(
      sdb({ configuration: { inline: { 'a.cnf': cnf, 'notes.txt': '[server]\n' } } }),
    );
    expect(run.status).toBe(1);
    const conflict = (line: number, raw: string, name: string, ours: string) => ({
      severity: 'error',
      message:
        `line ${line}: ${raw} conflicts with dbtls's TLS settings (${name} = ${ours}), and ` +
        `dbtls cannot make its value win: the node combines the *.cnf files of ${CONF_D}, ` +
        "dbtls's memsql.cnf among them, in an order its start-up tool decides: remove it",
      field: INLINE('a.cnf'),
    });
    expect(configResults(run)).toEqual([
      {
        severity: 'warning',
        message:
          "line 1: an option before any [group] header; SingleStore's memsql.cnf keeps the " +
          "server's options under [server], and dbtls checks only those: begin the file with " +
          '[server]',
        field: INLINE('a.cnf'),
      },
      conflict(3, 'ssl-cert = /tmp/mine.crt', 'ssl_cert', '/etc/memsql/certs/server.crt'),
      conflict(4, 'ssl_key=/tmp/k', 'ssl_key', '/etc/memsql/certs/server.key'),
      {
        severity: 'error',
        message: `${INLINE('notes.txt')} is not read: the node reads only the *.cnf files of ${CONF_D}; name it "notes.cnf"`,
        field: INLINE('notes.txt'),
      },
    ]);
  });

  it('without spec.tls an inline ssl option is no conflict (dbtls sets none)', () => {
    const item = sdb({ configuration: { inline: { 'a.cnf': '[server]\nssl_cert = /x\n' } } });
    delete (item.spec as Record<string, unknown>).tls;
    const run = render(item);
    expect(run.status).toBe(0);
    expect(configResults(run)).toEqual([]);
    expect(configMap(run)['inline-a.cnf']).toBe('[server]\nssl_cert = /x\n');
  });

  it('keeps the operator-only warning with spec.topology (each group has its own)', () => {
    const run = render(
      sdb({
        configuration: { secretName: 's' },
        topology: { aggregator: { replicas: 1 }, leaf: { replicas: 1 } },
      }),
    );
    expect(configResults(run)).toEqual([
      {
        severity: 'warning',
        message:
          'custom configuration (spec.configuration) is provided by the KubeDB operator only; ' +
          'standalone mode does not render it (use mode: operator to keep it)',
        field: 'spec.configuration',
      },
    ]);
    expect(podSpec(run).volumes[0].configMap.items).toEqual([
      { key: 'memsql.cnf', path: 'memsql.cnf' },
    ]);
  });
});
