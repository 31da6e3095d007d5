// MSSQLServer's spec.configuration / configSecret in standalone mode.
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
  type InlineFile,
  type OwnedSetting,
  readUserConfiguration,
  reportOverridden,
  type Setting,
} from '../render/user-config.js';
import type { KindContext } from './kind.js';

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

/** `section.key` settings of an mssql.conf (names lower-cased: the file's keys are). */
export function parseMssqlConf(text: string): Setting[] {
  const out: Setting[] = [];
  let section = '';
  text.split('\n').forEach((raw, i) => {
    const t = raw.trim();
    if (t === '' || t.startsWith('#') || t.startsWith(';')) return;
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(t);
    if (header) {
      section = header[1].toLowerCase();
      return;
    }
    const eq = t.indexOf('=');
    if (eq < 0) return;
    const name = `${section}.${t.slice(0, eq).trim().toLowerCase()}`;
    out.push({ name, value: t.slice(eq + 1).trim(), line: i + 1 });
  });
  return out;
}

/**
 * The one mssql.conf: the user's lines, in their order, with every key dbtls sets left out, and
 * dbtls's keys in their section (the user's, where it has it; appended otherwise).
 */
export function mergedMssqlConf(user: string, rendered: string): string {
  const ours = parseMssqlConf(rendered);
  const owned = new Set(ours.map((s) => s.name));
  const bySection = new Map<string, string[]>();
  for (const s of ours) {
    const [section, key] = [s.name.slice(0, s.name.indexOf('.')), s.name.split('.').pop()];
    bySection.set(section, [...(bySection.get(section) ?? []), `${key} = ${s.value}`]);
  }
  const out = [
    '# Rendered by dbtls from the MSSQLServer resource: spec.configuration.inline["mssql.conf"]',
    "# with dbtls's TLS settings in place of the user's same keys.",
  ];
  let section = '';
  const flush = () => {
    out.push(...(bySection.get(section) ?? []));
    bySection.delete(section);
  };
  for (const raw of user.replace(/\n$/, '').split('\n')) {
    const t = raw.trim();
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(t);
    if (header) {
      if (section !== '') flush();
      section = header[1].toLowerCase();
      out.push(raw);
      continue;
    }
    const eq = t.indexOf('=');
    const isSetting = eq > 0 && !t.startsWith('#') && !t.startsWith(';');
    const name = `${section}.${t.slice(0, eq).trim().toLowerCase()}`;
    if (isSetting && owned.has(name)) out.push(`# (dbtls sets ${name.split('.').pop()} below)`);
    else out.push(raw);
  }
  if (section !== '') flush();
  for (const [s, lines] of bySection) out.push(`[${s}]`, ...lines);
  return `${out.join('\n')}\n`;
}
