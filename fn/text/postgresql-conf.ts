// postgresql.conf, pg_hba.conf and libpq connection strings: quoting as PostgreSQL's own readers
// unquote, rendering from settings as data, and parsing as the server does.
//
// postgresql.conf (src/backend/utils/misc/guc-file.l): `name [=] value` per line, `#` comments
// outside quotes, names case-insensitive; a string value is `'…'` where `''` is a quote and `\`
// starts an escape (`\b \f \n \r \t`, octal `\ooo`, any other character stands for itself); a
// raw line break cannot be inside. Checked with a real `postgres -C` (test/servers).
// pg_hba.conf (src/backend/libpq/hba.c next_token): tokens split by blanks, `#` comments, a token
// in double quotes keeps blanks and `#`. libpq conninfo (src/interfaces/libpq/fe-connect.c
// conninfo_parse): `key=value` pairs split by blanks, a value in single quotes with `\'` and `\\`.
import { nextOf, oneLine, refuse, UnwritableValue, unwritableAnywhere } from './unwritable.js';

const LANGUAGE = 'postgresql.conf';

/** A value of a setting: strings are quoted, numbers bare, booleans on/off. */
export type PgValue = string | number | boolean;
/** A line of postgresql.conf: a setting (name, value) or a comment. */
export type PgLine = readonly [string, PgValue] | { comment: string };

/** Why `value` cannot be a postgresql.conf string, or undefined. */
export function unwritableInPostgresConf(value: string): string | undefined {
  return unwritableAnywhere(value);
}

const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "''",
  '\n': '\\n',
  '\r': '\\r',
  '\b': '\\b',
  '\f': '\\f',
};

/** `value` as a postgresql.conf string literal. */
export function pgQuote(value: string): string {
  refuse(LANGUAGE, unwritableInPostgresConf(value));
  return `'${value.replace(/[\\'\n\r\b\f]/g, (c) => ESCAPES[c])}'`;
}

const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/;

/** postgresql.conf from its lines: `name = value`, strings quoted, comments as `# …`. */
export function renderPostgresConf(lines: readonly PgLine[]): string {
  const out = lines.map((line) => {
    if (!Array.isArray(line)) return `# ${oneLine((line as { comment: string }).comment)}`;
    const [name, value] = line as readonly [string, PgValue];
    if (!SETTING_NAME.test(name)) throw new UnwritableValue(LANGUAGE, `bad setting name ${name}`);
    const text =
      typeof value === 'string'
        ? pgQuote(value)
        : typeof value === 'boolean'
          ? onOff(value)
          : value;
    return `${name} = ${text}`;
  });
  return `${out.join('\n')}\n`;
}

const onOff = (b: boolean) => (b ? 'on' : 'off');

/**
 * Settings as `postgres -c NAME=VALUE` arguments. The server's command line is the source it
 * ranks above every configuration file (postgresql.conf, what it includes, postgresql.auto.conf,
 * which ALTER SYSTEM writes), so a setting given here no file can override. The server takes the
 * value raw after the first `=` (no quotes, no escapes: postmaster.c ParseLongOption), so it is
 * written as it is; NUL cannot be in an argument at all. Each argument is then one shell word
 * for the script that runs the server (fn/text/shell.ts).
 */
export function postgresArguments(settings: readonly (readonly [string, PgValue])[]): string[] {
  return settings.flatMap(([name, value]) => {
    if (!SETTING_NAME.test(name)) throw new UnwritableValue(LANGUAGE, `bad setting name ${name}`);
    const text = typeof value === 'boolean' ? onOff(value) : String(value);
    refuse('postgres command line', unwritableAnywhere(text));
    return ['-c', `${name}=${text}`];
  });
}

/** One setting as the server reads it: name lower-cased, value unquoted, and as written. */
export interface PgSetting {
  name: string;
  /** The value as the server takes it (quotes and escapes resolved). */
  value: string;
  /** The value as written in the file, quotes included. */
  raw: string;
  line: number;
}

/**
 * The settings of a postgresql.conf, include directives among them (`include`, `include_if_exists`,
 * `include_dir`, whose files dbtls cannot see). Lines the server would refuse are skipped.
 * One pass over the text.
 */
export function parsePostgresConf(text: string): PgSetting[] {
  const out: PgSetting[] = [];
  let start = 0;
  for (let n = 1; start <= text.length; n++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const s = parseLine(text.slice(start, end), n);
    if (s) out.push(s);
    start = end + 1;
  }
  return out;
}

const BLANK = /[ \t\r\f]/;
const NAME_CHAR = /[A-Za-z0-9_$.\u0080-\uffff]/;

function parseLine(line: string, n: number): PgSetting | undefined {
  let i = skipBlanks(line, 0);
  const from = i;
  if (!/[A-Za-z_\u0080-\uffff]/.test(line[i] ?? '')) return undefined;
  while (i < line.length && NAME_CHAR.test(line[i])) i++;
  const name = line.slice(from, i).toLowerCase();
  i = skipBlanks(line, i);
  if (line[i] === '=') i = skipBlanks(line, i + 1);
  if (line[i] === "'") {
    const s = readString(line, i);
    return s && { name, value: s.value, raw: line.slice(i, s.end), line: n };
  }
  const v = i;
  while (i < line.length && !BLANK.test(line[i]) && line[i] !== '#' && line[i] !== "'") i++;
  if (i === v) return undefined;
  return { name, value: line.slice(v, i), raw: line.slice(v, i), line: n };
}

function skipBlanks(line: string, i: number): number {
  while (i < line.length && BLANK.test(line[i])) i++;
  return i;
}

const UNESCAPE: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** A quoted string from the `'` at `start`: its value and the index after it, or undefined. */
function readString(line: string, start: number): { value: string; end: number } | undefined {
  const parts: string[] = [];
  let i = start + 1;
  for (;;) {
    const end = nextOf(line, i, "'\\");
    parts.push(line.slice(i, end));
    i = end;
    if (i >= line.length) return undefined;
    if (line[i] === "'") {
      if (line[i + 1] !== "'") return { value: parts.join(''), end: i + 1 };
      parts.push("'");
      i += 2;
    } else if (i + 1 >= line.length) return undefined;
    else {
      const octal = /^[0-7]{1,3}/.exec(line.slice(i + 1, i + 4));
      if (octal) parts.push(String.fromCharCode(Number.parseInt(octal[0], 8)));
      else parts.push(UNESCAPE[line[i + 1]] ?? line[i + 1]);
      i += 1 + (octal ? octal[0].length : 1);
    }
  }
}

/** A value as the server reads it: quotes and escapes resolved (a bare value as it is). */
export function pgUnquote(raw: string): string {
  return raw.startsWith("'") ? (readString(raw, 0)?.value ?? raw) : raw;
}

// pg_hba.conf

const HBA_BARE = /^[A-Za-z0-9_./:-]+$/;
/** Words pg_hba gives a meaning to unless quoted. */
const HBA_KEYWORDS = new Set(['all', 'sameuser', 'samerole', 'samegroup', 'replication']);

/** Why `value` cannot be one pg_hba.conf token, or undefined. */
export function unwritableInHba(value: string): string | undefined {
  if (/["\n\r]/.test(value))
    return 'holds a double quote or a line break, which no pg_hba token can';
  return unwritableAnywhere(value);
}

/** One pg_hba.conf token for a name: bare when it is a plain word, else in double quotes. */
export function hbaToken(value: string): string {
  refuse('pg_hba.conf', unwritableInHba(value));
  return HBA_BARE.test(value) && !HBA_KEYWORDS.has(value) ? value : `"${value}"`;
}

/** pg_hba.conf from its rows (each a list of tokens already made with hbaToken) and comments. */
export function renderHba(rows: readonly (readonly string[] | { comment: string })[]): string {
  const out = rows.map((r) =>
    Array.isArray(r) ? r.join(' ') : `# ${oneLine((r as { comment: string }).comment)}`,
  );
  return `${out.join('\n')}\n`;
}

/** The rows of a pg_hba.conf: its tokens (quotes removed), comments and blank lines skipped. */
export function parseHba(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.split('\n')) {
    const tokens: string[] = [];
    let i = 0;
    while (i < line.length) {
      while (i < line.length && ' \t\r'.includes(line[i])) i++;
      if (i >= line.length || line[i] === '#') break;
      let token = '';
      for (;;) {
        const end = nextOf(line, i, ' \t\r#"');
        token += line.slice(i, end);
        i = end;
        if (line[i] !== '"') break;
        const close = line.indexOf('"', i + 1);
        token += line.slice(i + 1, close < 0 ? line.length : close);
        i = close < 0 ? line.length : close + 1;
      }
      tokens.push(token);
    }
    if (tokens.length > 0) rows.push(tokens);
  }
  return rows;
}

// libpq connection strings

const CONNINFO_BARE = /^[A-Za-z0-9_./:@-]+$/;

/** A libpq conninfo string from keywords and values (values quoted where they need it). */
export function conninfo(pairs: readonly (readonly [string, string])[]): string {
  return pairs
    .map(([key, value]) => {
      refuse('libpq conninfo', unwritableAnywhere(value));
      const v = CONNINFO_BARE.test(value) ? value : `'${value.replace(/['\\]/g, '\\$&')}'`;
      return `${key}=${v}`;
    })
    .join(' ');
}
