// A reader for the plain block YAML that kpt, kustomize and js-yaml write: block mappings and
// sequences, one-line plain and quoted scalars, literal blocks, `[]` and `{}`. It reads such
// text about twice as fast as js-yaml and makes far less garbage (most of a large render's
// input is this). It never decides what YAML means on its own: a plain scalar that
// could be anything but a string (`0644`, `yes`, `1e3`, `~`) is resolved by js-yaml, once per
// distinct text. Anything else (anchors, tags, flow collections, multi-line or escaped
// scalars, folded blocks, tabs, control or non-ASCII characters, duplicate or special keys,
// any indentation it does not expect) makes it decline, and the caller parses the text with
// js-yaml, which also words every error. test/block-yaml.test.ts holds the two to one result.
import { load, type Schema } from 'js-yaml';

/** Thrown to decline; caught in readSequence. */
const DECLINE = new Error('outside the block subset');

const SPACE = 32;
const NL = 10;
const HASH = 35;
const COLON = 58;
const DASH = 45;
const SQUOTE = 39;
const DQUOTE = 34;

/** Per ASCII code: 1 may start a plain scalar, 2 may appear in a plain key, 3 both. */
const PLAIN = new Uint8Array(128);
for (let c = 33; c < 127; c++) {
  // YAML's indicators cannot start a plain scalar (`-`, `?` and `:` can before a non-space: inlineValue).
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

export class BlockReader {
  private s = '';
  private n = 0;
  private p = 0;
  private depth = 0;
  private readonly stack: unknown[] = [];
  /** Plain scalars and keys js-yaml has resolved, by their text. */
  private readonly scalars = new Map<string, unknown>();
  private readonly keys = new Map<string, string>();

  constructor(
    private readonly schema: Schema,
    private readonly maxDepth: number,
  ) {}

  /**
   * The entries of the block sequence that is `text`, each line of which starts at column
   * `indent` or deeper; undefined to decline.
   */
  readSequence(text: string, indent: number): unknown[] | undefined {
    if (!isPlainText(text)) return undefined;
    this.s = text;
    this.n = text.length;
    this.p = 0;
    this.depth = 0;
    this.stack.length = 0;
    try {
      if (this.nextContent() !== indent) return undefined;
      const items = this.sequence(indent);
      if (this.p < this.n) return undefined;
      return items;
    } catch (err) {
      if (err === DECLINE) return undefined;
      throw err;
    }
  }

  /**
   * Moves p to the start of the next line that holds content (skipping blank and comment-only
   * lines) and returns its indentation, or -1 at the end.
   */
  private nextContent(): number {
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

  private enter(): void {
    if (++this.depth >= this.maxDepth) throw DECLINE;
  }

  /** A block sequence whose `- ` is at column `indent`; p at the start of its first entry's line. */
  private sequence(indent: number): unknown[] {
    this.enter();
    const s = this.s;
    // Entries gather on a stack shared by every sequence and leave it as one array of their exact
    // number: an array grown by push keeps room for 17 (most lists here hold one to three).
    const stack = this.stack;
    const base = stack.length;
    for (;;) {
      const i = this.nextContent();
      if (i < indent) break;
      if (i > indent) throw DECLINE;
      const dash = this.p + indent;
      if (s.charCodeAt(dash) !== DASH) break;
      const after = dash + 1 < this.n ? s.charCodeAt(dash + 1) : NL;
      if (after === NL) {
        this.p = dash + 2;
        stack.push(this.blockValue(indent, false));
        continue;
      }
      if (after !== SPACE) throw DECLINE;
      let q = dash + 2;
      while (q < this.n && s.charCodeAt(q) === SPACE) q++;
      const c = q < this.n ? s.charCodeAt(q) : NL;
      if (c === NL || c === HASH) throw DECLINE; // `- ` then nothing, or a comment
      if (
        c === DASH &&
        (q + 1 >= this.n || s.charCodeAt(q + 1) === SPACE || s.charCodeAt(q + 1) === NL)
      )
        throw DECLINE; // `- - x`
      if (this.keyEnd(q) >= 0) stack.push(this.mapping(q - this.p, q));
      else stack.push(this.inlineValue(q, indent));
    }
    this.depth--;
    const entries = stack.slice(base);
    stack.length = base;
    return entries;
  }

  /**
   * The value after a `key:` or `-` that ends its line (p at the next line): a block collection
   * indented deeper than `parent` (or, after a key, a sequence at the key's own column), or null.
   */
  private blockValue(parent: number, afterKey: boolean): unknown {
    const i = this.nextContent();
    if (i > parent) {
      const c = this.s.charCodeAt(this.p + i);
      if (c === DASH && this.isEntry(this.p + i)) return this.sequence(i);
      const k = this.p + i;
      if (this.keyEnd(k) < 0) throw DECLINE; // a scalar on its own line: multi-line forms are js-yaml's
      return this.mapping(i, k);
    }
    if (afterKey && i === parent && this.isEntry(this.p + i)) return this.sequence(i);
    return null;
  }

  private isEntry(at: number): boolean {
    if (this.s.charCodeAt(at) !== DASH) return false;
    const c = at + 1 < this.n ? this.s.charCodeAt(at + 1) : NL;
    return c === SPACE || c === NL;
  }

  /**
   * Where the key starting at `at` ends (its `:`), when the text there is `key:` followed by a
   * space or the line's end; -1 when it is not a key of the subset.
   */
  private keyEnd(at: number): number {
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

  /** A block mapping at column `col`, its first key at `first` (p at that line's start). */
  private mapping(col: number, first: number): Record<string, unknown> {
    this.enter();
    const s = this.s;
    const out: Record<string, unknown> = {};
    let at = first;
    for (;;) {
      const end = this.keyEnd(at);
      if (end < 0) throw DECLINE;
      const key = this.key(at, end);
      // A duplicate is js-yaml's error to word; `__proto__` it defines as a plain property.
      if (key === '__proto__' || Object.hasOwn(out, key)) throw DECLINE;
      let q = end + 1;
      while (q < this.n && s.charCodeAt(q) === SPACE) q++;
      const c = q < this.n ? s.charCodeAt(q) : NL;
      if (c === NL || c === HASH) {
        if (c === HASH && q === end + 1) throw DECLINE;
        const eol = s.indexOf('\n', q);
        this.p = eol < 0 ? this.n : eol + 1;
        out[key] = this.blockValue(col, true);
      } else {
        out[key] = this.inlineValue(q, col);
      }
      const i = this.nextContent();
      if (i < col) break;
      if (i > col) throw DECLINE;
      at = this.p + col;
      if (this.isEntry(at)) break; // the parent's sequence at this column, or js-yaml's error
    }
    this.depth--;
    return out;
  }

  private key(at: number, end: number): string {
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
   * Over 60 lines on purpose: one dispatch on the value's first character, run for every value of
   * every item; each branch is a few lines, and calls per branch would cost the reader's hot path.
   */
  private inlineValue(at: number, parent: number): unknown {
    const s = this.s;
    const c = s.charCodeAt(at);
    let eol = s.indexOf('\n', at);
    if (eol < 0) eol = this.n;
    let value: unknown;
    let end: number;
    if (c === SQUOTE || c === DQUOTE) {
      if (c === SQUOTE) {
        let j = at + 1;
        let text = '';
        let from = j;
        for (;;) {
          const k = s.indexOf("'", j);
          if (k < 0 || k > eol) throw DECLINE;
          if (s.charCodeAt(k + 1) === SQUOTE) {
            text += s.slice(from, k + 1);
            j = k + 2;
            from = j;
            continue;
          }
          text += s.slice(from, k);
          end = k + 1;
          break;
        }
        value = ownCopy(text);
      } else {
        const close = s.indexOf('"', at + 1);
        if (close < 0 || close > eol) throw DECLINE;
        value = ownCopy(s.slice(at + 1, close));
        if ((value as string).includes('\\')) throw DECLINE;
        end = close + 1;
      }
      this.endOfLine(end, eol);
      this.p = eol < this.n ? eol + 1 : this.n;
      return value;
    }
    if (c === 124) return this.literal(at, eol, parent); // |
    if (c === 91 || c === 123) {
      // [ {
      if (s.charCodeAt(at + 1) !== (c === 91 ? 93 : 125)) throw DECLINE;
      this.endOfLine(at + 2, eol);
      this.p = eol < this.n ? eol + 1 : this.n;
      return c === 91 ? [] : {};
    }
    // `-`, `?` and `:` start a plain scalar before a non-space (`--port=5432`).
    const starts =
      c < 128 &&
      ((PLAIN[c] & 1) !== 0 ||
        ((c === DASH || c === 63 || c === COLON) &&
          at + 1 < eol &&
          s.charCodeAt(at + 1) !== SPACE));
    if (!starts) throw DECLINE;
    // A plain scalar: to a comment or the line's end. `: ` inside it is an error js-yaml words.
    end = at + 1;
    let last = at + 1;
    while (end < eol) {
      const k = s.charCodeAt(end);
      if (k === HASH && s.charCodeAt(end - 1) === SPACE) break;
      if (k === COLON && (end + 1 === eol || s.charCodeAt(end + 1) === SPACE)) throw DECLINE;
      end++;
      if (k !== SPACE) last = end;
    }
    this.p = eol < this.n ? eol + 1 : this.n;
    return this.plain(s.slice(at, last));
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
function isPlainText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 126 || (c < 32 && c !== NL)) return false;
  }
  return true;
}
