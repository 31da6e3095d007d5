// `.krmignore`: the files kpt leaves out of a package, in .gitignore syntax. `render DIR` and
// `check DIR` honour every `.krmignore` under DIR, each for the folder that holds it, so that they
// read the same files kpt does.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { compileGlob, type Glob, matchGlob } from './glob.js';

export const KRMIGNORE = '.krmignore';

interface Pattern {
  glob: Glob;
  negated: boolean;
  directoryOnly: boolean;
}

/**
 * The largest .krmignore read: matching takes (path length × pattern length) steps per pattern,
 * so the patterns' size is bounded. Real ones are a few lines.
 */
export const MAX_KRMIGNORE_BYTES = 64 * 1024;

/** The patterns of one .krmignore: comments and blank lines dropped, each pattern compiled. */
export function parseKrmignore(text: string): Pattern[] {
  const patterns: Pattern[] = [];
  for (const raw of text.split('\n')) {
    let line = withoutTrailingBlanks(raw);
    if (line === '' || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    if (negated) line = line.slice(1);
    const directoryOnly = line.endsWith('/');
    if (directoryOnly) line = line.slice(0, -1);
    // A pattern with a slash (other than a trailing one) is relative to the .krmignore's folder;
    // one without matches a name at any depth below it.
    const anchored = line.includes('/');
    if (line.startsWith('/')) line = line.slice(1);
    patterns.push({ glob: compileGlob(line, !anchored), negated, directoryOnly });
  }
  return patterns;
}

/** The line without its trailing white space, but for one escaped by a backslash (`a\ `). */
function withoutTrailingBlanks(line: string): string {
  let end = line.length;
  while (end > 0 && /\s/.test(line[end - 1])) end--;
  if (end < line.length && end > 0 && line[end - 1] === '\\') end++;
  return line.slice(0, end);
}

/** A .krmignore over MAX_KRMIGNORE_BYTES: `path` relative to the directory read. */
export class KrmignoreTooLarge extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** The .krmignore rules in force in one folder: its own and those of the folders above it. */
export class Ignores {
  private constructor(private readonly rules: readonly { base: string; patterns: Pattern[] }[]) {}

  static none(): Ignores {
    return new Ignores([]);
  }

  /** These rules plus the .krmignore of `dir` (a path relative to the walk's root, '' for it). */
  enter(absoluteDir: string, dir: string): Ignores {
    const file = join(absoluteDir, KRMIGNORE);
    if (!existsSync(file)) return this;
    const size = statSync(file).size;
    if (size > MAX_KRMIGNORE_BYTES) {
      throw new KrmignoreTooLarge(
        dir === '' ? KRMIGNORE : `${dir}/${KRMIGNORE}`,
        `.krmignore is ${size} bytes, larger than the ${MAX_KRMIGNORE_BYTES} bytes dbtls reads of one; nothing was read: shorten it (a .krmignore lists a few patterns)`,
      );
    }
    return new Ignores([
      ...this.rules,
      { base: dir, patterns: parseKrmignore(readFileSync(file, 'utf8')) },
    ]);
  }

  /** Whether `path` (relative to the walk's root, '/'-separated) is left out; the last match wins. */
  ignores(path: string, isDirectory: boolean): boolean {
    let ignored = false;
    for (const { base, patterns } of this.rules) {
      if (base !== '' && !path.startsWith(`${base}/`)) continue;
      const relative = base === '' ? path : path.slice(base.length + 1);
      for (const p of patterns) {
        if (p.directoryOnly && !isDirectory) continue;
        if (matchGlob(p.glob, relative)) ignored = !p.negated;
      }
    }
    return ignored;
  }
}
