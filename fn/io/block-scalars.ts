// The line-level half of the block reader (./block-yaml.ts): the text and a cursor in it, and
// the scalars of the subset: keys, one-line plain and quoted scalars, literal blocks, `[]` and
// `{}`. Apart from the structure (mappings, sequences, indentation) so that each half reads on
// its own; the reader extends this class, so both share one object and its fields stay fast.
// A plain scalar that could be anything but a string is resolved by js-yaml, once per text.
import { load, type Schema } from 'js-yaml';

/** Thrown to decline; caught in BlockReader.readSequence. */
export const DECLINE = new Error('outside the block subset');

export const SPACE = 32;
export const NL = 10;
export const HASH = 35;
export const COLON = 58;
export const DASH = 45;
export const SQUOTE = 39;
export const DQUOTE = 34;

/** Per ASCII code: 1 may start a plain scalar, 2 may appear in a plain key, 3 both. */
export const PLAIN = new Uint8Array(128);
for (let c = 33; c < 127; c++) {
  // YAML's indicators cannot start a plain scalar (`-`, `?` and `:` can before a non-space: plainValue).
  if (!'-?:,[]{}#&*!|>\'"%@`'.includes(String.fromCharCode(c))) PLAIN[c] |= 1;
  if (
    (c >= 48 && c <= 57) ||
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    c === 45 ||
    c === 46 ||
    c === 47 ||
    c === 95
  )
    PLAIN[c] |= 2;
}

/** The text being read and the cursor `p` (a line's start between values), with its scalars. */
export class BlockScalarReader {
  protected s = '';
  protected n = 0;
  protected p = 0;
  /** Plain scalars and keys js-yaml has resolved, by their text. */
  private readonly scalars = new Map<string, unknown>();
  private readonly keys = new Map<string, string>();

  constructor(private readonly schema: Schema) {}

  /**
   * Moves p to the start of the next line that holds content (skipping blank and comment-only
   * lines) and returns its indentation, or -1 at the end.
   */
  protected nextContent(): number {
    const s = this.s;
    for (;;) {
      if (this.p >= this.n) return -1;
      let i = this.p;
      while (i < this.n && s.charCodeAt(i) === SPACE) i++;
      const c = i < this.n ? s.charCodeAt(i) : NL;
      if (c !== NL && c !== HASH) return i - this.p;
      const eol = s.indexOf('\n', i);
      this.p = eol < 0 ? this.n : eol + 1;
    }
  }

  /**
   * Where the key starting at `at` ends (its `:`), when the text there is `key:` followed by a
   * space or the line's end; -1 when it is not a key of the subset.
   */
  protected keyEnd(at: number): number {
    const s = this.s;
    const c = s.charCodeAt(at);
    let end: number;
    if (c === SQUOTE || c === DQUOTE) {
      end = s.indexOf(c === SQUOTE ? "'" : '"', at + 1);
      if (end < 0) return -1;
      const nl = s.indexOf('\n', at);
      if (nl >= 0 && nl < end) return -1;
      end++;
    } else {
      end = at;
      while (end < this.n) {
        const k = s.charCodeAt(end);
        if (k >= 128 || (PLAIN[k] & 2) === 0) break;
        end++;
      }
      if (end === at) return -1;
    }
    if (s.charCodeAt(end) !== COLON) return -1;
    const next = end + 1 < this.n ? s.charCodeAt(end + 1) : NL;
    return next === SPACE || next === NL ? end : -1;
  }

  protected key(at: number, end: number): string {
    const s = this.s;
    const c = s.charCodeAt(at);
    if (c === SQUOTE) return s.slice(at + 1, end - 1).replace(/''/g, "'");
    if (c === DQUOTE) {
      const k = s.slice(at + 1, end - 1);
      if (k.includes('\\')) throw DECLINE;
      return k;
    }
    const k = s.slice(at, end);
    // Six letters or more from a letter on: no YAML 1.1 boolean, null or number, only a string.
    if (k.length > 5 && (c | 0x20) >= 97 && (c | 0x20) <= 122) return k;
    let known = this.keys.get(k);
    if (known === undefined) {
      const doc = resolve(`${k}: 0`, this.schema);
      const keys = Object.keys(doc);
      if (keys.length !== 1) throw DECLINE;
      known = keys[0];
      this.keys.set(k, known);
    }
    return known;
  }

  /**
   * A value that starts at `at` on the current line, after `key: ` or `- `; `parent` is the
   * column of that key or dash. Leaves p at the start of the next line.
   */
  protected inlineValue(at: number, parent: number): unknown {
    const c = this.s.charCodeAt(at);
    let eol = this.s.indexOf('\n', at);
    if (eol < 0) eol = this.n;
    if (c === SQUOTE) return this.singleQuoted(at, eol);
    if (c === DQUOTE) return this.doubleQuoted(at, eol);
    if (c === 124) return this.literal(at, eol, parent); // |
    if (c === 91 || c === 123) return this.emptyFlow(c, at, eol); // [ {
    return this.plainValue(c, at, eol);
  }

  /** A single-quoted scalar on one line (`''` is a quote in it). */
  private singleQuoted(at: number, eol: number): string {
    const s = this.s;
    let text = '';
    let from = at + 1;
    for (;;) {
      const k = s.indexOf("'", from);
      if (k < 0 || k > eol) throw DECLINE;
      if (s.charCodeAt(k + 1) !== SQUOTE) {
        text += s.slice(from, k);
        this.endOfLine(k + 1, eol);
        this.toNextLine(eol);
        return ownCopy(text);
      }
      text += s.slice(from, k + 1);
      from = k + 2;
    }
  }

  /** A double-quoted scalar on one line, without escapes (those are js-yaml's). */
  private doubleQuoted(at: number, eol: number): string {
    const close = this.s.indexOf('"', at + 1);
    if (close < 0 || close > eol) throw DECLINE;
    const text = this.s.slice(at + 1, close);
    if (text.includes('\\')) throw DECLINE;
    this.endOfLine(close + 1, eol);
    this.toNextLine(eol);
    return ownCopy(text);
  }

  /** `[]` or `{}` (`c` is its first character): the only flow collections of the subset. */
  private emptyFlow(c: number, at: number, eol: number): unknown[] | Record<string, never> {
    if (this.s.charCodeAt(at + 1) !== (c === 91 ? 93 : 125)) throw DECLINE;
    this.endOfLine(at + 2, eol);
    this.toNextLine(eol);
    return c === 91 ? [] : {};
  }

  /** A plain scalar starting with `c`: to a comment or the line's end. */
  private plainValue(c: number, at: number, eol: number): unknown {
    const s = this.s;
    // `-`, `?` and `:` start a plain scalar before a non-space (`--port=5432`).
    const starts =
      c < 128 &&
      ((PLAIN[c] & 1) !== 0 ||
        ((c === DASH || c === 63 || c === COLON) &&
          at + 1 < eol &&
          s.charCodeAt(at + 1) !== SPACE));
    if (!starts) throw DECLINE;
    // `: ` inside it is an error js-yaml words.
    let end = at + 1;
    let last = at + 1;
    while (end < eol) {
      const k = s.charCodeAt(end);
      if (k === HASH && s.charCodeAt(end - 1) === SPACE) break;
      if (k === COLON && (end + 1 === eol || s.charCodeAt(end + 1) === SPACE)) throw DECLINE;
      end++;
      if (k !== SPACE) last = end;
    }
    this.toNextLine(eol);
    return this.plain(s.slice(at, last));
  }

  /** p to the start of the line after the one that ends at `eol`. */
  private toNextLine(eol: number): void {
    this.p = eol < this.n ? eol + 1 : this.n;
  }

  /** After a value: only spaces and a comment may follow on its line. */
  private endOfLine(from: number, eol: number): void {
    let j = from;
    while (j < eol && this.s.charCodeAt(j) === SPACE) j++;
    if (j < eol && !(this.s.charCodeAt(j) === HASH && j > from)) throw DECLINE;
  }

  private plain(text: string): unknown {
    const c = text.charCodeAt(0) | 0x20;
    if (text.length > 5 && c >= 97 && c <= 122) return ownCopy(text);
    if (/^(?:0|[1-9][0-9]{0,14})$/.test(text)) return Number(text);
    let known = this.scalars.get(text);
    if (known === undefined && !this.scalars.has(text)) {
      known = resolve(`k: ${text}`, this.schema).k;
      if (known !== null && typeof known === 'object') throw DECLINE;
      if (this.scalars.size >= 10_000) this.scalars.clear();
      this.scalars.set(text, known);
    }
    return known;
  }

  /** A literal block (`|` or `|-`) whose header starts at `at`. */
  private literal(at: number, eol: number, parent: number): string {
    const s = this.s;
    let j = at + 1;
    const strip = s.charCodeAt(j) === DASH;
    if (strip) j++;
    while (j < eol && s.charCodeAt(j) === SPACE) j++;
    if (j < eol) throw DECLINE; // `|+`, an indentation indicator or a comment
    if (eol >= this.n) throw DECLINE;
    this.p = eol + 1;
    // The block's indentation is that of its first line; a blank line before it is js-yaml's.
    let i = this.p;
    while (i < this.n && s.charCodeAt(i) === SPACE) i++;
    const indent = i - this.p;
    if (i >= this.n || s.charCodeAt(i) === NL || indent <= parent) throw DECLINE;
    const lines: string[] = [];
    let blanks = 0;
    for (;;) {
      if (this.p >= this.n) break;
      let k = this.p;
      while (k < this.n && s.charCodeAt(k) === SPACE) k++;
      const lineEnd = s.indexOf('\n', k);
      if (lineEnd < 0) throw DECLINE; // a last line without its line break
      if (k === lineEnd) {
        if (k - this.p > indent) throw DECLINE; // spaces past the indentation are content: js-yaml's
        blanks++;
        this.p = lineEnd + 1;
        continue;
      }
      if (k - this.p < indent) break;
      for (; blanks > 0; blanks--) lines.push('');
      lines.push(s.slice(this.p + indent, lineEnd));
      this.p = lineEnd + 1;
    }
    // Trailing blank lines are not content (clip and strip); p stays past them, as they hold nothing.
    const text = lines.join('\n');
    return ownCopy(strip ? text : `${text}\n`);
  }
}

/**
 * A string that does not hold on to the text it was cut from. V8 makes a slice of 13 characters
 * or more a view of the whole input (20 MiB at N=5,000) and keeps all of it alive for as long as
 * any value lives; a value copied into a fresh string lets the input go once it is parsed.
 */
export function ownCopy(s: string): string {
  return s.length < 13 ? s : `${s} `.slice(0, -1);
}

/** One `key: value` pair as js-yaml reads it; declines what js-yaml refuses. */
function resolve(pair: string, schema: Schema): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = load(pair, { schema, maxAliases: 0 });
  } catch {
    throw DECLINE;
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw DECLINE;
  return doc as Record<string, unknown>;
}

/** Only line feeds and printable ASCII: no tab, carriage return, control or non-ASCII character. */
export function isPlainText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 126 || (c < 32 && c !== NL)) return false;
  }
  return true;
}
