// What no target language can carry, and the error a quote function throws for a value it cannot
// write. Kinds check values where they read them (and report the field and the rule); the throw is
// the last guard, so that a value nobody checked never reaches a file in a form that reads back as
// something else.

/** A value a language's reader cannot get back exactly; `rule` says which rule it breaks. */
export class UnwritableValue extends Error {
  constructor(
    readonly language: string,
    readonly rule: string,
  ) {
    super(`${language}: ${rule}`);
  }
}

// A UTF-16 surrogate without its pair has no UTF-8 form: written out, it turns into U+FFFD.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why `value` cannot be written into any text file read by a C program, or undefined: NUL ends a
 * C string (everything after it would be dropped), and a lone surrogate has no UTF-8 form.
 */
export function unwritableAnywhere(value: string): string | undefined {
  if (value.includes('\0')) return 'holds a NUL character, which ends the value for its reader';
  if (LONE_SURROGATE.test(value))
    return 'holds an unpaired UTF-16 surrogate, which has no UTF-8 form';
  return undefined;
}

/** Throws UnwritableValue when `reason` is set. */
export function refuse(language: string, reason: string | undefined): void {
  if (reason !== undefined) throw new UnwritableValue(language, reason);
}

/** One comment line: the text with every line break (and NUL) made a space. */
export function oneLine(text: string): string {
  return text.replace(/[\0\n\r\u2028\u2029\u0085\v\f]/g, ' ');
}

/** `s` without the characters of `set` at either end (a loop: no regular expression to backtrack). */
export function trimSet(s: string, set: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && set.includes(s[a])) a++;
  while (b > a && set.includes(s[b - 1])) b--;
  return s.slice(a, b);
}

/** `value` with each character that `replace` gives a replacement for replaced (one pass). */
export function escapeEach(value: string, replace: (c: string) => string | undefined): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < value.length; i++) {
    const replacement = replace(value[i]);
    if (replacement === undefined) continue;
    out += value.slice(from, i) + replacement;
    from = i + 1;
  }
  return from === 0 ? value : out + value.slice(from);
}

/** A control character: C0, DEL, and the Unicode line breaks U+0085, U+2028, U+2029. */
export function isControl(c: string): boolean {
  const code = c.charCodeAt(0);
  return code < 0x20 || code === 0x7f || code === 0x85 || code === 0x2028 || code === 0x2029;
}

/**
 * The index of the first character of `set` in `text` from `from` (text.length if none). Readers
 * copy the runs between such characters as slices: appending a character at a time costs a
 * second per MiB in V8.
 */
export function nextOf(text: string, from: number, set: string): number {
  let i = from;
  while (i < text.length && !set.includes(text[i])) i++;
  return i;
}
