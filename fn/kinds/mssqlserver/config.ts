// MSSQLServer's mssql.conf: the one rendered from the plan (through fn/text's mssql.conf
// module), and the user's spec.configuration / configSecret in standalone mode, merged into it.
//
// Facts (kubedb/installer CRD kubedb.com_mssqlservers.yaml at 0c6e2459, kept in test/data/crds;
// Microsoft's "Configure SQL Server on Linux with the mssql-conf tool"): MSSQLServer is v1alpha2
// only and has both `configuration` ({secretName, inline}) and `configSecret`; the user's file
// is mssql.conf. SQL Server on Linux reads one file, /var/opt/mssql/mssql.conf, an INI file
// (`[section]`, `key = value`) with no include directive. So dbtls cannot include the user's
// file before its own: it merges an inline mssql.conf with its settings into the one file it
// renders, the user's lines first and its [network] TLS keys replacing the user's same keys. A
// Secret it cannot see cannot be merged at render time: that stays operator-only, with a warning
// that says why and what to do.
import {
  type OwnedSetting,
  readUserConfiguration,
  reportOverridden,
} from '../../render/user-config.js';
import { parseMssqlConf } from '../../text/mssql-conf.js';
import { mergedMssqlConf, renderMssqlConf } from '../../text/mssql-conf.js';
import type { KindContext } from '../kind.js';
import type { InlineFile } from '../../render/user-config.js';
import { type MSSQLPlan, TLS_DIR } from './plan.js';

/** The file SQL Server reads, the only name an inline file can have. */
const MSSQL_CONF = 'mssql.conf';

/** The inline mssql.conf to merge with dbtls's settings, or undefined. */
export function readMssqlConfiguration(ctx: KindContext, rendered: string): InlineFile | undefined {
  const conf = readUserConfiguration(ctx, {
    configSecret: 'unless-configuration',
    inV1alpha2: true,
  });
  if (conf === undefined) return undefined;
  if (conf.secret)
    ctx.report.warn(
      conf.secret.path,
      `Secret "${conf.secret.name}" is not rendered: SQL Server reads one mssql.conf, with no ` +
        'include, and dbtls cannot see the Secret to merge it under its TLS settings; put the ' +
        `file's content in spec.configuration.inline["${MSSQL_CONF}"] instead (or use mode: ` +
        'operator to keep it)',
    );
  let file: InlineFile | undefined;
  for (const f of conf.inline) {
    if (f.key === MSSQL_CONF) file = f;
    else
      ctx.report.error(
        f.path,
        `${f.path} is not read: SQL Server reads only ${MSSQL_CONF}; put these settings in ` +
          `spec.configuration.inline["${MSSQL_CONF}"]`,
      );
  }
  if (file === undefined) return undefined;
  const owned = new Map<string, OwnedSetting>();
  for (const s of parseMssqlConf(rendered)) owned.set(s.name, { value: s.value, tls: true });
  reportOverridden(ctx.report, file, parseMssqlConf(file.content), owned, showKey);
  return file;
}

const showKey = (name: string, value: string) => `${name.split('.').pop()} = ${value}`;

/** The head of an mssql.conf merged from the user's and dbtls's settings. */
export const MERGED_CONF_COMMENT = [
  'Rendered by dbtls from the MSSQLServer resource: spec.configuration.inline["mssql.conf"]',
  "with dbtls's TLS settings in place of the user's same keys.",
];

/** The mssql.conf mounted: dbtls's, or the user's with dbtls's TLS settings in their place. */
export function withUserConf(plan: MSSQLPlan, rendered: string): string {
  return plan.userConf
    ? mergedMssqlConf(plan.userConf.content, rendered, MERGED_CONF_COMMENT)
    : rendered;
}

/**
 * mssql.conf as SQL Server on Linux reads it. The issued certificate is always the server's;
 * clientTLS decides whether every connection must be encrypted (forceencryption).
 */
export function mssqlConf(plan: MSSQLPlan, tls: boolean): string {
  const network = new Map<string, string | number>();
  if (tls) {
    network.set('tlscert', `${TLS_DIR}/server.crt`);
    network.set('tlskey', `${TLS_DIR}/server.key`);
    network.set('tlsprotocols', plan.tlsProtocols.join(','));
  }
  network.set('forceencryption', tls && plan.clientTLS ? 1 : 0);
  return renderMssqlConf(
    'Rendered by dbtls from the MSSQLServer resource.',
    new Map([['network', network]]),
  );
}
