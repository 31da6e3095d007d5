// POSIX shell (the `/bin/sh` of every image dbtls runs a script in: dash, bash, BusyBox ash):
// quoting for the three places a value goes in a script, a render of variable assignments from a
// map, and a parser of what that render writes.
//
// Rules (POSIX.1-2017 XCU 2.2 Quoting): inside single quotes every character is literal and a
// single quote cannot appear at all, so `'` is written `'\''` (close, escaped quote, reopen);
// inside double quotes `$`, `` ` ``, `"` and `\` keep a meaning and are escaped with `\`; a bare
// word is safe when it holds none of the characters the shell splits, expands or globs on. NUL
// cannot be in a shell word or an environment variable at all.
import { nextOf, oneLine, refuse, unwritableAnywhere } from './unwritable.js';

const LANGUAGE = 'POSIX shell';
/** Characters a bare word may hold without any of them meaning something to the shell. */
const BARE = /^[A-Za-z0-9_@%+=:,./-]+$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const WORD_CHAR = /\w/;

/** Why `value` cannot be a shell word, or undefined. */
export function unwritableInShell(value: string): string | undefined {
  return unwritableAnywhere(value);
}

/** `value` in single quotes: the shell reads it back exactly, whatever it holds. */
export function shellSingleQuoted(value: string): string {
  refuse(LANGUAGE, unwritableInShell(value));
  return `'${value.replace(/'/g, "'\\''")}'`;
}

/** `value` as one word: bare when nothing in it means anything to the shell, else single-quoted. */
export function shellWord(value: string): string {
  return BARE.test(value) ? value : shellSingleQuoted(value);
}

/**
 * `value` escaped for the inside of a double-quoted string, where the script also expands
 * variables of its own ("$HOSTNAME.<value>"): `$`, `` ` ``, `"` and `\` lose their meaning.
 */
export function shellDoubleQuotedText(value: string): string {
  refuse(LANGUAGE, unwritableInShell(value));
  return value.replace(/[$`"\\]/g, '\\$&');
}

/** A `#` comment line (line breaks in `text` become spaces). */
export function shellComment(text: string): string {
  return `# ${oneLine(text)}`;
}

/** `NAME=word` lines, one per entry, in the map's order. */
export function shellAssignments(vars: ReadonlyMap<string, string> | Record<string, string>) {
  const entries = vars instanceof Map ? [...vars] : Object.entries(vars);
  return entries.map(([name, value]) => {
    if (!NAME.test(name)) throw new Error(`${JSON.stringify(name)} is not a shell variable name`);
    return `${name}=${shellWord(value)}`;
  });
}

/**
 * The variables of `NAME=word` lines as shellAssignments writes them (bare characters, single-
 * quoted runs, `\`-escaped characters; `#` comment lines and blank lines skipped). Other lines
 * are skipped too: this reads back dbtls's own assignments, not any script. Linear in the text.
 */
export function parseShellAssignments(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  let i = 0;
  while (i < text.length) {
    let name = '';
    let j = i;
    while (j < text.length && WORD_CHAR.test(text[j])) j++;
    name = text.slice(i, j);
    const word = text[j] === '=' && NAME.test(name) ? readWord(text, j + 1) : undefined;
    if (word !== undefined) vars.set(name, word.value);
    const end = text.indexOf('\n', word?.end ?? j);
    if (end < 0) break;
    i = end + 1;
  }
  return vars;
}

/** One shell word from `start` to the first unquoted blank or line break; undefined if unclosed. */
function readWord(text: string, start: number): { value: string; end: number } | undefined {
  const parts: string[] = [];
  let i = start;
  for (;;) {
    const end = nextOf(text, i, "\n \t'\\");
    parts.push(text.slice(i, end));
    i = end;
    const c = text[i];
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) return undefined;
      parts.push(text.slice(i + 1, close));
      i = close + 1;
    } else if (c === '\\') {
      if (i + 1 < text.length && text[i + 1] !== '\n') parts.push(text[i + 1]);
      i += 2;
    } else return { value: parts.join(''), end: i };
  }
}
