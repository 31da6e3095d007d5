// Scans of one line of block YAML for ./text-edit.ts: where a key's value starts, whether it is
// empty, a one-line flow mapping's parts; and where a quoted scalar closes, which ./item-entries.ts
// and ./yaml-whitespace.ts ask too. Scanned, not matched with patterns: the patterns they
// replace backtracked quadratically on long lines of blanks (linear time, issue 24).

/**
 * What follows the first `: ` (or final `:`) of a key line, outside quotes. Scanned, not matched
 * with a pattern: a lazy run before `[ ]*:` backtracks quadratically on a long line of spaces.
 */
export function afterColon(line: string): string | undefined {
  let i = 0;
  while (line.charCodeAt(i) === 32) i++;
  const c = line[i];
  if (c === undefined) return undefined;
  let j: number;
  if (c === '"' || c === "'") {
    j = closingQuote(line, i);
    if (j < 0) return undefined;
    j++;
    while (line.charCodeAt(j) === 32) j++;
    if (line[j] !== ':') return undefined;
  } else {
    if (c === '#' || c === '?' || /\s/.test(c)) return undefined;
    j = i + 1;
    for (;;) {
      j = line.indexOf(':', j);
      if (j < 0) return undefined;
      if (j + 1 === line.length || line[j + 1] === ' ' || line[j + 1] === '\t') break;
      j++;
    }
  }
  const next = line[j + 1];
  return next === undefined || next === ' ' || next === '\t' ? line.slice(j + 1) : undefined;
}

/** Where the quoted scalar that opens at `open` closes (its quote), or -1 if it does not in `text`. */
export function closingQuote(text: string, open: number): number {
  const quote = text[open];
  for (let j = open + 1; j < text.length; j++) {
    const ch = text[j];
    if (quote === '"' && ch === '\\') j++;
    else if (ch === quote) {
      if (quote === "'" && text[j + 1] === "'") j++;
      else return j;
    }
  }
  return -1;
}

/** `rest` (after a key's colon) holds no value, or an empty one (`{}`, `~`, null), and perhaps a comment. */
export function isEmptyValue(rest: string): boolean {
  let i = skipBlanks(rest, 0);
  for (const empty of ['{}', '~', 'null', 'Null', 'NULL']) {
    if (rest.startsWith(empty, i)) {
      i += empty.length;
      break;
    }
  }
  i = skipBlanks(rest, i);
  return i === rest.length || (rest[i] === '#' && !/[\r\u2028\u2029]/.test(rest.slice(i)));
}

function skipBlanks(s: string, from: number): number {
  let i = from;
  while (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9) i++;
  return i;
}

/**
 * `rest` as a one-line flow mapping: [its opening (blanks and `{`), what is inside, the blanks
 * before its closing `}`] (index 1 to 3, as a match's groups), or undefined.
 */
export function flowMapParts(rest: string): [string, string, string, string] | undefined {
  const open = skipBlanks(rest, 0);
  if (rest[open] !== '{') return undefined;
  let close = rest.length;
  while (close > open && (rest.charCodeAt(close - 1) === 32 || rest.charCodeAt(close - 1) === 9))
    close--;
  if (close - 1 <= open || rest[close - 1] !== '}') return undefined;
  let inner = close - 1;
  while (
    inner > open + 1 &&
    (rest.charCodeAt(inner - 1) === 32 || rest.charCodeAt(inner - 1) === 9)
  )
    inner--;
  return [rest, rest.slice(0, open + 1), rest.slice(open + 1, inner), rest.slice(inner, close - 1)];
}
