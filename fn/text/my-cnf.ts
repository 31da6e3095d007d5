// MySQL option files (my.cnf), as MariaDB, MySQL and Percona read them (mysys my_default.c,
// search_default_file_with_buffers; Galera's wsrep_* settings are options like any other):
// quoting, rendering from options as data, and parsing as the server does.
//
// Reader facts, each checked with Debian's my_print_defaults (test/text-real-readers.test.ts):
// a line is read in pieces of at most 4094 bytes (a longer line goes on as a new line: the rest
// of a value would become an option of its own); leading blanks are skipped; `#` and `;` start a
// comment line; `!include` and `!includedir` are directives; `[group]` runs to the first `]`,
// trailing blanks dropped, leading ones kept (`[ mysqld]` is not mysqld), compared without case;
// in an option line `#` outside quotes ends the line (quotes are `'` or `"`, `\` escapes a quote
// inside them), the name runs to the first `=`, blanks around name and value are dropped, a value
// that starts and ends with the same quote loses them, and then `\n \t \r \b \s \\ \" \'` are
// escapes everywhere (any other `\x` stays as it is).
import { nextOf, oneLine, refuse, UnwritableValue, unwritableAnywhere } from './unwritable.js';

const LANGUAGE = 'option file (my.cnf)';
/** The longest line mysys reads in one piece, in bytes. */
export const OPTION_LINE_MAX = 4094;

/** A line of an option file. `true` as a value: the option alone (`ssl-verify-server-cert`). */
export type OptionLine =
  | readonly [string, string | number | true]
  | { group: string }
  | { comment: string }
  | { include: string }
  | { includedir: string }
  | { blank: true };

/** Why `value` cannot be an option's value, or undefined. */
export function unwritableInOptionFile(value: string): string | undefined {
  return unwritableAnywhere(value);
}

// Bare: nothing the reader strips, unescapes or ends a line at, and ASCII only (mysys trims
// latin1 blanks, which include byte 0xA0 of many UTF-8 characters).
const BARE = /^[A-Za-z0-9_.,:/@%+=*-]+$/;
const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
};

/** `value` as mysys reads it back: bare when plain, else in double quotes with escapes. */
export function optionValue(value: string): string {
  refuse(LANGUAGE, unwritableInOptionFile(value));
  if (BARE.test(value)) return value;
  return `"${value.replace(/[\\"\n\r\t\b]/g, (c) => ESCAPES[c])}"`;
}

const OPTION_NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * Options as `--name=value` arguments of mysqld or mariadbd. The server reads its command line
 * after every option file (my.cnf, what it includes, a user's custom.conf.d), so an option given
 * here no file can override. my_getopt takes the value raw after the first `=` (no quotes), so
 * it is written as it is; NUL cannot be in an argument. Each argument is then one shell word.
 */
export function serverArguments(options: readonly (readonly [string, string])[]): string[] {
  return options.map(([name, value]) => {
    if (!OPTION_NAME.test(name)) throw new UnwritableValue(LANGUAGE, `bad option name ${name}`);
    refuse('mysqld command line', unwritableAnywhere(value));
    return `--${name.replace(/_/g, '-')}=${value}`;
  });
}
const PATH = /^\/[^\s#"'\\]*$/;

/** An option file from its lines; `separator` between name and value ('=' or ' = '). */
export function renderOptionFile(lines: readonly OptionLine[], separator = '='): string {
  const out = lines.map((line) => {
    let text: string;
    if (Array.isArray(line)) {
      const [name, value] = line as readonly [string, string | number | true];
      if (!OPTION_NAME.test(name)) throw new UnwritableValue(LANGUAGE, `bad option name ${name}`);
      text =
        value === true
          ? name
          : `${name}${separator}${typeof value === 'number' ? value : optionValue(value)}`;
    } else text = directive(line as Exclude<OptionLine, readonly unknown[]>);
    if (Buffer.byteLength(text) > OPTION_LINE_MAX)
      throw new UnwritableValue(LANGUAGE, `a line of ${Buffer.byteLength(text)} bytes`);
    return text;
  });
  return `${out.join('\n')}\n`;
}

function directive(line: Exclude<OptionLine, readonly unknown[]>): string {
  if ('blank' in line) return '';
  if ('comment' in line) return `# ${oneLine(line.comment)}`;
  if ('group' in line) {
    if (!OPTION_NAME.test(line.group)) throw new UnwritableValue(LANGUAGE, 'bad group name');
    return `[${line.group}]`;
  }
  const [word, path] =
    'include' in line ? ['include', line.include] : ['includedir', line.includedir];
  // The directive's path is taken to the end of the line, unescaped: only plain paths.
  if (!PATH.test(path)) throw new UnwritableValue(LANGUAGE, `!${word} of a path with blanks`);
  return `!${word} ${path}`;
}

/** One option as the server reads it. */
export interface ParsedOption {
  /** The group, lower-cased, as written between the brackets (leading blanks kept). */
  group: string;
  /** The name as written (blanks around it dropped). */
  name: string;
  /** The value after quotes and escapes (undefined: the option has no `=`). */
  value: string | undefined;
  /** The line as written, blanks around it dropped, for messages. */
  raw: string;
  line: number;
}

export interface ParsedOptionFile {
  options: ParsedOption[];
  /** The line of the first option before any group, which the server refuses. */
  outside?: number;
  /** The line of the first `[` without `]`, which the server refuses. */
  badGroup?: number;
}

const BLANK = /[ \t\n\r\f\v]/;

/** An option file's options as mysys reads them (directives skipped). One pass over the text. */
export function parseOptionFile(text: string): ParsedOptionFile {
  const out: ParsedOptionFile = { options: [] };
  let group: string | undefined;
  let start = 0;
  for (let n = 1; start < text.length; n++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    let i = 0;
    while (i < line.length && BLANK.test(line[i])) i++;
    const c = line[i];
    if (c === undefined || c === '#' || c === ';' || c === '!') continue;
    if (c === '[') {
      const close = line.indexOf(']', i + 1);
      if (close < 0) out.badGroup ??= n;
      else
        group = line
          .slice(i + 1, close)
          .trimEnd()
          .toLowerCase();
      continue;
    }
    if (group === undefined) {
      out.outside ??= n;
      continue;
    }
    out.options.push({ group, ...parseOption(line.slice(i)), raw: line.trim(), line: n });
  }
  return out;
}

function parseOption(line: string): { name: string; value: string | undefined } {
  const body = line.slice(0, commentStart(line));
  const eq = body.indexOf('=');
  if (eq < 0) return { name: body.trimEnd(), value: undefined };
  let value = body.slice(eq + 1).trim();
  const q = value[0];
  if ((q === '"' || q === "'") && value.length > 1 && value.endsWith(q)) value = value.slice(1, -1);
  return { name: body.slice(0, eq).trimEnd(), value: unescapeValue(value) };
}

/** Where mysys's remove_end_comment cuts the line: the first `#` outside quotes. */
function commentStart(line: string): number {
  let quote = '';
  let escaped = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if ((c === "'" || c === '"') && !escaped) {
      if (quote === '') quote = c;
      else if (quote === c) quote = '';
    }
    if (quote === '' && c === '#') return i;
    escaped = quote !== '' && c === '\\' && !escaped;
  }
  return line.length;
}

const UNESCAPE: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', s: ' ' };

function unescapeValue(value: string): string {
  const parts: string[] = [];
  let i = 0;
  for (;;) {
    const end = nextOf(value, i, '\\');
    parts.push(value.slice(i, end));
    if (end >= value.length - 1) {
      parts.push(value.slice(end));
      return parts.join('');
    }
    const next = value[end + 1];
    parts.push(UNESCAPE[next] ?? ('"\'\\'.includes(next) ? next : `\\${next}`));
    i = end + 2;
  }
}

/** The option groups mysqld, mariadbd and Percona's mysqld read. */
const SERVER_GROUP = /^(mysqld|server|mariadb|mariadbd|galera)(-[\d.]+)?$/;

/** A server option, its name as mysqld matches it. */
export interface ServerOption {
  name: string;
  value: string;
  line: number;
  /** The line as written, for messages. */
  raw: string;
}

/**
 * The server's options in an option file (the groups the servers read), names as mysqld matches
 * them: `-` and `_` alike, `loose-` dropped, `skip-`/`disable-` meaning 0 and `enable-` 1, an
 * option without a value 1. `outside`: the line of an option before any group, which mysqld
 * refuses.
 */
export function parseServerOptions(text: string): {
  options: ServerOption[];
  outside?: number;
  badGroup?: number;
} {
  const file = parseOptionFile(text);
  const options: ServerOption[] = [];
  for (const o of file.options) {
    if (!SERVER_GROUP.test(o.group)) continue;
    let name = o.name
      .toLowerCase()
      .replace(/_/g, '-')
      .replace(/^loose-/, '');
    let value = o.value ?? '1';
    const prefix = /^(skip|disable|enable)-/.exec(name);
    if (prefix && name.length > prefix[0].length) {
      value = prefix[1] === 'enable' ? '1' : '0';
      name = name.slice(prefix[0].length);
    }
    options.push({ name, value, line: o.line, raw: o.raw });
  }
  return { options, outside: file.outside, badGroup: file.badGroup };
}
