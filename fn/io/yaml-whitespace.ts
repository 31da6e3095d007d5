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

/**
 * The text with that white space added or turned into spaces; undefined when nothing needed it
 * (the caller's reading error then stands).
 */
export function withGoWhitespace(text: string): string | undefined {
  const out: string[] = [];
  let from = 0; // text[from, i) is copied as it is
  let changed = false;
  const insert = (at: number, what: string) => {
    out.push(text.slice(from, at), what);
    from = at;
    changed = true;
  };
  const replace = (at: number, end: number, what: string) => {
    out.push(text.slice(from, at), what);
    from = end;
    changed = true;
  };
  let depth = 0; // flow collections open
  let flowLineIndent = 0; // indentation of the line the outermost one opened on
  let nodeMayStart = true; // where a quote or bracket starts a node (block context)
  let lineIndent = 0;
  let tokenEnd = -1; // where the last quoted scalar or flow token ended
  let i = 0;
  const n = text.length;
  while (i < n) {
    // The start of a line.
    let j = i;
    while (j < n && (text[j] === ' ' || (depth > 0 && text[j] === '\t'))) j++;
    if (depth > 0) {
      if (text.slice(i, j).includes('\t')) replace(i, j, ' '.repeat(j - i));
      const want = flowLineIndent + 2;
      if (j - i < want && j < n && text[j] !== '\n' && text[j] !== '\r')
        insert(j, ' '.repeat(want - (j - i)));
    } else {
      lineIndent = j - i;
      nodeMayStart = true;
    }
    i = j;
    // The rest of the line.
    while (i < n && text[i] !== '\n') {
      const c = text[i];
      if (c === '#' && (i === 0 || /\s/.test(text[i - 1]) || i === tokenEnd)) {
        if (i === tokenEnd) insert(i, ' ');
        i = lineEnd(text, i);
        break;
      }
      if ((c === '"' || c === "'") && (depth > 0 || nodeMayStart)) {
        i = tokenEnd = quotedEnd(text, i);
        nodeMayStart = false;
        continue;
      }
      if (depth === 0 && nodeMayStart && (c === '!' || c === '&')) {
        while (i < n && !/\s/.test(text[i])) i++; // a tag or an anchor: the node comes after it
        continue;
      }
      if (depth === 0 && (c === '|' || c === '>') && nodeMayStart) {
        i = blockScalarEnd(text, i, lineIndent);
        break;
      }
      if (c === '[' || c === '{') {
        if (depth > 0 || nodeMayStart) {
          if (depth === 0) flowLineIndent = lineIndent;
          depth++;
        }
      } else if ((c === ']' || c === '}' || c === ',') && depth > 0) {
        // After a closing bracket or a comma, a `#` is a comment to Go's scanner.
        tokenEnd = i + 1;
        if (c !== ',' && --depth === 0) nodeMayStart = false;
      } else if (depth > 0 && c === '\t') {
        let k = i;
        while (text[k] === '\t' || text[k] === ' ') k++;
        replace(i, k, ' '.repeat(k - i));
        i = k;
        continue;
      } else if (depth === 0) {
        nodeMayStart = opensNode(text, i, nodeMayStart);
      }
      i++;
    }
    i++; // past the line break
  }
  if (!changed) return undefined;
  out.push(text.slice(from));
  return out.join('');
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
  const quote = text[open];
  for (let j = open + 1; j < text.length; j++) {
    const ch = text[j];
    if (quote === '"' && ch === '\\') j++;
    else if (ch === quote) {
      if (quote === "'" && text[j + 1] === "'") j++;
      else return j + 1;
    }
  }
  return text.length;
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
