// A reader for the plain block YAML that kpt, kustomize and js-yaml write: block mappings and
// sequences, one-line plain and quoted scalars, literal blocks, `[]` and `{}`. It reads such
// text about twice as fast as js-yaml and makes far less garbage (most of a large render's
// input is this). It never decides what YAML means on its own: a plain scalar that
// could be anything but a string (`0644`, `yes`, `1e3`, `~`) is resolved by js-yaml, once per
// distinct text. Anything else (anchors, tags, flow collections, multi-line or escaped
// scalars, folded blocks, tabs, control or non-ASCII characters, duplicate or special keys,
// any indentation it does not expect) makes it decline, and the caller parses the text with
// js-yaml, which also words every error. test/block-yaml.test.ts holds the two to one result.
//
// This file reads the structure; the text, its cursor and the scalars are ./block-scalars.ts's.
import type { Schema } from 'js-yaml';
import { BlockScalarReader, DASH, DECLINE, HASH, isPlainText, NL, SPACE } from './block-scalars.js';

export class BlockReader extends BlockScalarReader {
  private depth = 0;
  private readonly stack: unknown[] = [];

  constructor(
    schema: Schema,
    private readonly maxDepth: number,
  ) {
    super(schema);
  }

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
}
