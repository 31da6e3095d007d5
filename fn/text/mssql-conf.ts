// mssql.conf, the INI file SQL Server on Linux reads (/var/opt/mssql/mssql.conf) and its
// mssql-conf tool writes with Python's configparser: checking values, rendering from sections as
// data, parsing, and merging the user's file with dbtls's settings.
//
// Reader facts (Python configparser, the defaults mssql-conf uses): `[section]` lines, `key =
// value` lines, `#` and `;` comment lines (no comment after a value), keys without case, a value
// taken to the end of its line with the blanks around it dropped and no escapes, a line that
// starts with a blank continuing the value above. So a value cannot hold a line break or begin or
// end with a blank, and `%` is configparser's interpolation sign.
import { oneLine, refuse, UnwritableValue, unwritableAnywhere } from './unwritable.js';

const LANGUAGE = 'mssql.conf';

/** The sections of an mssql.conf and their keys' values, in order. */
export type MssqlSections = ReadonlyMap<string, ReadonlyMap<string, string | number>>;

/** Why `value` cannot be an mssql.conf value, or undefined. */
export function unwritableInMssqlConf(value: string): string | undefined {
  if (/[\n\r\v\f\u0085\u2028\u2029]/.test(value)) return 'holds a line break';
  if (value !== value.trim()) return 'begins or ends with a blank, which the reader drops';
  if (value.includes('%')) return "holds %, configparser's interpolation sign";
  return unwritableAnywhere(value);
}

const KEY = /^[a-z0-9_.-]+$/;

/** mssql.conf from a comment and its sections: `[section]` then `key = value` lines. */
export function renderMssqlConf(comment: string, sections: MssqlSections): string {
  const lines = [`# ${oneLine(comment)}`];
  for (const [section, keys] of sections) {
    if (!KEY.test(section)) throw new UnwritableValue(LANGUAGE, `bad section ${section}`);
    lines.push(`[${section}]`);
    for (const [key, value] of keys) {
      if (!KEY.test(key)) throw new UnwritableValue(LANGUAGE, `bad key ${key}`);
      if (typeof value === 'string') refuse(LANGUAGE, unwritableInMssqlConf(value));
      lines.push(`${key} = ${value}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** One `section.key` setting as written. */
export interface MssqlSetting {
  name: string;
  value: string;
  line: number;
}

/** The section a `[…]` line opens (lower-cased, blanks dropped), or undefined for other lines. */
function sectionOf(trimmed: string): string | undefined {
  if (trimmed.length < 2 || trimmed[0] !== '[' || trimmed[trimmed.length - 1] !== ']')
    return undefined;
  const name = trimmed.slice(1, -1).trim();
  return name === '' || name.includes(']') ? undefined : name.toLowerCase();
}

/** `section.key` settings of an mssql.conf (names lower-cased). One pass over the text. */
export function parseMssqlConf(text: string): MssqlSetting[] {
  const out: MssqlSetting[] = [];
  let section = '';
  let start = 0;
  for (let n = 1; start < text.length; n++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const t = text.slice(start, end).trim();
    start = end + 1;
    if (t === '' || t[0] === '#' || t[0] === ';') continue;
    const header = sectionOf(t);
    if (header !== undefined) {
      section = header;
      continue;
    }
    const eq = t.indexOf('=');
    if (eq < 0) continue;
    const name = `${section}.${t.slice(0, eq).trim().toLowerCase()}`;
    out.push({ name, value: t.slice(eq + 1).trim(), line: n });
  }
  return out;
}

/**
 * The one mssql.conf: the user's lines, in their order, with every key dbtls sets left out, and
 * dbtls's keys in their section (the user's, where it has it; appended otherwise), under the
 * `comment` lines (the kind says whose file it is).
 */
export function mergedMssqlConf(
  user: string,
  rendered: string,
  comment: readonly string[],
): string {
  const ours = parseMssqlConf(rendered);
  const owned = new Set(ours.map((s) => s.name));
  const bySection = new Map<string, string[]>();
  for (const s of ours) {
    const [section, key] = [s.name.slice(0, s.name.indexOf('.')), s.name.split('.').pop()];
    bySection.set(section, [...(bySection.get(section) ?? []), `${key} = ${s.value}`]);
  }
  const out = comment.map((line) => `# ${oneLine(line)}`);
  let section = '';
  const flush = () => {
    out.push(...(bySection.get(section) ?? []));
    bySection.delete(section);
  };
  for (const raw of (user.endsWith('\n') ? user.slice(0, -1) : user).split('\n')) {
    const t = raw.trim();
    const header = sectionOf(t);
    if (header !== undefined) {
      if (section !== '') flush();
      section = header;
      out.push(raw);
      continue;
    }
    const eq = t.indexOf('=');
    const isSetting = eq > 0 && t[0] !== '#' && t[0] !== ';';
    const name = `${section}.${t.slice(0, eq).trim().toLowerCase()}`;
    if (isSetting && owned.has(name)) out.push(`# (dbtls sets ${name.split('.').pop()} below)`);
    else out.push(raw);
  }
  if (section !== '') flush();
  for (const [s, lines] of bySection) out.push(`[${s}]`, ...lines);
  return `${out.join('\n')}\n`;
}
