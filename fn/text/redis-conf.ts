// redis.conf: quoting as redis-server unquotes, rendering from directives as data, and parsing as
// redis-server does (src/config.c loadServerConfigFromString, src/sds.c sdssplitargs).
//
// Reader facts: the file is split at line feeds, each line trimmed of blanks; a line starting
// with `#` is a comment (a `#` later in a line is not); the rest is split into arguments at
// blanks, an argument may be in double quotes (escapes `\n \r \t \b \a`, `\xHH`, `\` before any
// other character stands for it) or in single quotes (only `\'`), and a closing quote must be
// followed by a blank or the end of the line, or redis-server refuses the file ("Unbalanced
// quotes"). The first argument is the directive, without case.
import {
  escapeEach,
  nextOf,
  oneLine,
  refuse,
  trimSet,
  UnwritableValue,
  unwritableAnywhere,
} from './unwritable.js';

const LANGUAGE = 'redis.conf';
const BARE = /^[A-Za-z0-9_.,:/@%+=*-]+$/;
const NAMED: Record<string, string> = {
  '\\': '\\\\',
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\x07': '\\a',
};

/** A line of redis.conf: a directive and its arguments, or a comment. */
export type RedisLine = readonly string[] | { comment: string };

/** Why `value` cannot be a redis.conf argument, or undefined. */
export function unwritableInRedisConf(value: string): string | undefined {
  return unwritableAnywhere(value);
}

/** One argument: bare when plain, else in double quotes with escapes (control bytes as \xHH). */
export function redisArgument(value: string): string {
  refuse(LANGUAGE, unwritableInRedisConf(value));
  if (BARE.test(value)) return value;
  const escaped = escapeEach(value, (c) => {
    if (NAMED[c] !== undefined) return NAMED[c];
    const code = c.charCodeAt(0);
    return code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : undefined;
  });
  return `"${escaped}"`;
}

const DIRECTIVE = /^[a-z][a-z0-9-]*$/;

/** redis.conf from its lines: each directive with its arguments quoted where needed. */
export function renderRedisConf(lines: readonly RedisLine[]): string {
  const out = lines.map((line) => {
    if (!Array.isArray(line)) return `# ${oneLine((line as { comment: string }).comment)}`;
    const [directive, ...args] = line as readonly string[];
    if (!DIRECTIVE.test(directive))
      throw new UnwritableValue(LANGUAGE, `bad directive ${directive}`);
    return [directive, ...args.map(redisArgument)].join(' ');
  });
  return `${out.join('\n')}\n`;
}

/** One directive as redis-server reads it. */
export interface RedisDirective {
  /** The directive, lower-cased. */
  name: string;
  /** Its arguments, quotes and escapes resolved. */
  args: string[];
  /** The line after the directive as written, for messages. */
  raw: string;
  line: number;
}

export interface ParsedRedisConf {
  directives: RedisDirective[];
  /** Lines redis-server refuses to start with (unbalanced quotes). */
  unbalanced: number[];
}

/** A redis.conf as redis-server reads it. One pass over the text. */
export function parseRedisConf(text: string): ParsedRedisConf {
  const out: ParsedRedisConf = { directives: [], unbalanced: [] };
  let start = 0;
  for (let n = 1; start < text.length; n++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = trimSet(text.slice(start, end), ' \t\r\n');
    start = end + 1;
    if (line === '' || line[0] === '#') continue;
    const args = splitArgs(line);
    if (args === undefined) out.unbalanced.push(n);
    else if (args.length > 0) {
      const raw = line.slice(line.search(/[ \t\r\n\v\f]/) + 1 || line.length).trim();
      out.directives.push({ name: args[0].toLowerCase(), args: args.slice(1), raw, line: n });
    }
  }
  return out;
}

const SPACE = /[ \t\n\r\v\f]/;
const HEX = /^[0-9a-fA-F]{2}$/;
const UNESCAPE: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' };

/** sdssplitargs: the arguments of one line, or undefined where redis-server finds bad quotes. */
function splitArgs(line: string): string[] | undefined {
  const args: string[] = [];
  let i = 0;
  for (;;) {
    while (i < line.length && SPACE.test(line[i])) i++;
    if (i >= line.length) return args;
    const parts: string[] = [];
    for (;;) {
      const end = nextOf(line, i, ' \n\r\t"\'');
      parts.push(line.slice(i, end));
      i = end;
      const c = line[i];
      if (c !== '"' && c !== "'") break;
      const q = c === '"' ? quoted(line, i + 1) : singleQuoted(line, i + 1);
      if (q === undefined) return undefined;
      parts.push(q.value);
      i = q.end;
      if (i < line.length) break;
    }
    args.push(parts.join(''));
  }
}

/** A double-quoted argument from `start` (after the quote): its value and the index after it. */
function quoted(line: string, start: number): { value: string; end: number } | undefined {
  const parts: string[] = [];
  let i = start;
  for (;;) {
    const end = nextOf(line, i, '\\"');
    parts.push(line.slice(i, end));
    i = end;
    if (i >= line.length) return undefined;
    if (line[i] === '"') {
      if (i + 1 < line.length && !SPACE.test(line[i + 1])) return undefined;
      return { value: parts.join(''), end: i + 1 };
    }
    if (line[i + 1] === 'x' && HEX.test(line.slice(i + 2, i + 4))) {
      parts.push(String.fromCharCode(Number.parseInt(line.slice(i + 2, i + 4), 16)));
      i += 4;
    } else if (i + 1 < line.length) {
      parts.push(UNESCAPE[line[i + 1]] ?? line[i + 1]);
      i += 2;
    } else return undefined;
  }
}

/** A single-quoted argument from `start` (after the quote): only \' is an escape. */
function singleQuoted(line: string, start: number): { value: string; end: number } | undefined {
  const parts: string[] = [];
  let i = start;
  for (;;) {
    const end = nextOf(line, i, "\\'");
    parts.push(line.slice(i, end));
    i = end;
    if (i >= line.length) return undefined;
    if (line[i] === "'") {
      if (i + 1 < line.length && !SPACE.test(line[i + 1])) return undefined;
      return { value: parts.join(''), end: i + 1 };
    }
    if (line[i + 1] === "'") {
      parts.push("'");
      i += 2;
    } else {
      parts.push('\\');
      i += 1;
    }
  }
}
