// Valid YAML that Go's readers (yaml.v3 under kpt and kustomize, sigs.k8s.io/yaml under kubectl)
// accept and js-yaml refuses only for its white space: a flow collection whose lines (or closing
// bracket) stand at or left of its key's column, a tab after a comma in a flow collection, a
// comment right after a quoted scalar or a closing bracket (`a: 'v'# c`). Go's scanner does not
// measure indentation inside a flow collection and takes any `#` where a token may start as a
// comment; here those places get the white space js-yaml wants, and nothing else changes: white
// space at the start of a line and between the tokens of a flow collection, and before a
// comment, means nothing to any reader. Lines stay lines, so line numbers hold.
//
// One pass, character by character (linear): block scalars are skipped as a whole (their lines
// indented deeper than the line of their header, a rule that may take a line too many, never one
// too few, so content is never touched), quoted scalars and comments are skipped, and flow
// collections are counted by their brackets.
import { closingQuote } from './line-scan.js';

/**
 * The text with that white space added or turned into spaces; undefined when nothing needed it
 * (the caller's reading error then stands).
 */
export function withGoWhitespace(text: string): string | undefined {
  const scan = new WhitespaceScan(text);
  for (let i = 0; i < text.length; ) i = scan.restOfLine(scan.lineStart(i)) + 1;
  return scan.result();
}

/** The pass of withGoWhitespace: where it is in the text, and what it has written. */
class WhitespaceScan {
  private readonly out: string[] = [];
  private from = 0; // text[from, …) is still to be copied as it is
  private changed = false;
  private depth = 0; // flow collections open
  private flowLineIndent = 0; // indentation of the line the outermost one opened on
  private nodeMayStart = true; // where a quote or bracket starts a node (block context)
  private lineIndent = 0;
  private tokenEnd = -1; // where the last quoted scalar or flow token ended

  constructor(private readonly text: string) {}

  result(): string | undefined {
    if (!this.changed) return undefined;
    this.out.push(this.text.slice(this.from));
    return this.out.join('');
  }

  private replace(at: number, end: number, what: string): void {
    this.out.push(this.text.slice(this.from, at), what);
    this.from = end;
    this.changed = true;
  }

  /** A line's indentation: in a flow collection, made spaces and deep enough. Returns past it. */
  lineStart(i: number): number {
    const { text } = this;
    let j = i;
    while (j < text.length && (text[j] === ' ' || (this.depth > 0 && text[j] === '\t'))) j++;
    if (this.depth === 0) {
      this.lineIndent = j - i;
      this.nodeMayStart = true;
      return j;
    }
    if (text.slice(i, j).includes('\t')) this.replace(i, j, ' '.repeat(j - i));
    const want = this.flowLineIndent + 2;
    if (j - i < want && j < text.length && text[j] !== '\n' && text[j] !== '\r')
      this.replace(j, j, ' '.repeat(want - (j - i)));
    return j;
  }

  /** The rest of a line from `i`; returns the index of its line break (or the text's end). */
  restOfLine(start: number): number {
    const { text } = this;
    let i = start;
    while (i < text.length && text[i] !== '\n') {
      const c = text[i];
      if (c === '#' && (i === 0 || /\s/.test(text[i - 1]) || i === this.tokenEnd)) {
        if (i === this.tokenEnd) this.replace(i, i, ' ');
        return lineEnd(text, i);
      }
      const node = this.depth > 0 || this.nodeMayStart;
      if ((c === '"' || c === "'") && node) {
        i = this.tokenEnd = quotedEnd(text, i);
        this.nodeMayStart = false;
      } else if (this.depth === 0 && this.nodeMayStart && (c === '!' || c === '&')) {
        while (i < text.length && !/\s/.test(text[i])) i++; // a tag or an anchor: the node follows
      } else if (this.depth === 0 && this.nodeMayStart && (c === '|' || c === '>')) {
        return blockScalarEnd(text, i, this.lineIndent);
      } else if (this.depth > 0 && c === '\t') {
        let k = i;
        while (text[k] === '\t' || text[k] === ' ') k++;
        this.replace(i, k, ' '.repeat(k - i));
        i = k;
      } else {
        this.token(c, i, node);
        i++;
      }
    }
    return i;
  }

  /** One character that is not white space, a quote or a comment. */
  private token(c: string, i: number, node: boolean): void {
    if (c === '[' || c === '{') {
      if (!node) return;
      if (this.depth === 0) this.flowLineIndent = this.lineIndent;
      this.depth++;
    } else if ((c === ']' || c === '}' || c === ',') && this.depth > 0) {
      // After a closing bracket or a comma, a `#` is a comment to Go's scanner.
      this.tokenEnd = i + 1;
      if (c !== ',' && --this.depth === 0) this.nodeMayStart = false;
    } else if (this.depth === 0) {
      this.nodeMayStart = opensNode(this.text, i, this.nodeMayStart);
    }
  }
}

/** After `c` at `i` in block context, whether a node may start at the next token. */
function opensNode(text: string, i: number, before: boolean): boolean {
  const c = text[i];
  if (c === ' ' || c === '\t' || c === '\r') return before;
  const next = text[i + 1];
  const spaceAfter = next === undefined || next === ' ' || next === '\t' || next === '\n';
  // `- `, `: `, `? `: a node follows.
  return (c === '-' || c === ':' || c === '?') && spaceAfter;
}

function lineEnd(text: string, i: number): number {
  const eol = text.indexOf('\n', i);
  return eol < 0 ? text.length : eol;
}

/** Past the quoted scalar that opens at `open` (to the end of the text when it never closes). */
function quotedEnd(text: string, open: number): number {
  const close = closingQuote(text, open);
  return close < 0 ? text.length : close + 1;
}

/**
 * Past the block scalar whose header is at `at`: the header's line, then every line that is blank
 * or indented deeper than `indent` (the header line's). Returns the index of the line break
 * before the first line that is not the scalar's.
 */
function blockScalarEnd(text: string, at: number, indent: number): number {
  let eol = lineEnd(text, at);
  for (;;) {
    if (eol >= text.length) return eol;
    const start = eol + 1;
    let k = start;
    while (k < text.length && text[k] === ' ') k++;
    const blank = k >= text.length || text[k] === '\n' || text[k] === '\r';
    if (!blank && k - start <= indent) return eol;
    eol = lineEnd(text, start);
  }
}
