// A .gitignore pattern matched without a regular expression: the pattern as a small automaton,
// run over the path once with every state it can be in (Thompson's construction). A regular
// expression built from `*a*a*a…` backtracks in time that grows with the path's length raised to
// the number of stars; this takes at most (path length × pattern length) steps.

/** One step of a pattern. */
type Token =
  | { kind: 'char'; char: string }
  | { kind: 'class'; negated: boolean; ranges: [string, string][] }
  /** `?`: one character but `/`. */
  | { kind: 'one' }
  /** `*`: any run without `/`. */
  | { kind: 'star' }
  /** A lone `**`: any run. */
  | { kind: 'any' }
  /** `**` before `/` (and the implicit prefix of an unanchored pattern): nothing, or any run ending in `/`. */
  | { kind: 'folders' };

export interface Glob {
  tokens: Token[];
}

/** The pattern (the .gitignore syntax less its `!`, leading and trailing `/`), compiled. */
export function compileGlob(glob: string, anywhere: boolean): Glob {
  const tokens: Token[] = anywhere ? [{ kind: 'folders' }] : [];
  // The next `]`, searched for again only once passed (-1: none to the end): one scan per line,
  // not one per `[`.
  let close = -2;
  const nextClose = (i: number) => {
    if (close !== -1 && close <= i) close = glob.indexOf(']', i + 1);
    return close;
  };
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      if (glob[i + 2] === '/') {
        tokens.push({ kind: 'folders' });
        i += 2;
      } else {
        tokens.push({ kind: 'any' });
        i += 1;
      }
    } else if (c === '*') tokens.push({ kind: 'star' });
    else if (c === '?') tokens.push({ kind: 'one' });
    else if (c === '\\' && i + 1 < glob.length) tokens.push({ kind: 'char', char: glob[++i] });
    else if (c === '[' && nextClose(i) > i) {
      tokens.push(characterClass(glob.slice(i + 1, close)));
      i = close;
    } else tokens.push({ kind: 'char', char: c });
  }
  return { tokens };
}

/** `[abc]`, `[a-z]`, `[!x]` (a backslash stands for itself, as it did in the pattern this replaces). */
function characterClass(body: string): Token {
  const negated = body.startsWith('!') || body.startsWith('^');
  const chars = [...(negated ? body.slice(1) : body)];
  const ranges: [string, string][] = [];
  for (let k = 0; k < chars.length; k++) {
    if (chars[k + 1] === '-' && k + 2 < chars.length) {
      ranges.push([chars[k], chars[k + 2]]);
      k += 2;
    } else ranges.push([chars[k], chars[k]]);
  }
  return { kind: 'class', negated, ranges };
}

/**
 * Whether the whole of `path` matches. State 2k stands before token k, 2k + 1 inside a `folders`
 * token k (a run that must still end in `/`); state 2n, past the last token, accepts.
 */
export function matchGlob(glob: Glob, path: string): boolean {
  const { tokens } = glob;
  const accept = 2 * tokens.length;
  // The states active now and next, as lists, with a mark per state (the pass that added it).
  const mark = new Uint32Array(accept + 2);
  let pass = 1;
  let current: number[] = [];
  let next: number[] = [];
  const add = (list: number[], state: number) => {
    // Before a token that may match nothing, also past it.
    for (let s = state; mark[s] !== pass; s += 2) {
      mark[s] = pass;
      list.push(s);
      if (s % 2 === 1 || s === accept) return;
      const kind = tokens[s / 2].kind;
      if (kind !== 'star' && kind !== 'any' && kind !== 'folders') return;
    }
  };
  add(current, 0);
  for (const ch of path) {
    pass++;
    next.length = 0;
    for (const s of current) {
      if (s === accept) continue;
      const k = s >> 1;
      const token = tokens[k];
      if (s % 2 === 1) {
        // Inside `folders`: any character, and a `/` may end it.
        add(next, s);
        if (ch === '/') add(next, 2 * k + 2);
        continue;
      }
      const move = step(token, ch);
      if (move === 'stay') add(next, s);
      else if (move === 'advance') add(next, 2 * k + 2);
      else if (token.kind === 'folders') {
        add(next, s + 1);
        if (ch === '/') add(next, 2 * k + 2);
      }
    }
    if (next.length === 0) return false;
    [current, next] = [next, current];
  }
  return current.includes(accept);
}

function step(token: Token, ch: string): 'stay' | 'advance' | 'none' {
  switch (token.kind) {
    case 'char':
      return ch === token.char ? 'advance' : 'none';
    case 'one':
      return ch !== '/' ? 'advance' : 'none';
    case 'star':
      return ch !== '/' ? 'stay' : 'none';
    case 'any':
      return 'stay';
    case 'class': {
      const inside = token.ranges.some(([lo, hi]) => ch >= lo && ch <= hi);
      return inside !== token.negated ? 'advance' : 'none';
    }
    default:
      return 'none';
  }
}
