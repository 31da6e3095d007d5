// `.krmignore`: the files kpt leaves out of a package, in .gitignore syntax. `render DIR` and
// `check DIR` honour every `.krmignore` under DIR, each for the folder that holds it, so that they
// read the same files kpt does.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const KRMIGNORE = '.krmignore';

interface Pattern {
  regex: RegExp;
  negated: boolean;
  directoryOnly: boolean;
}

/** The patterns of one .krmignore: comments and blank lines dropped, each pattern compiled. */
export function parseKrmignore(text: string): Pattern[] {
  const patterns: Pattern[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.replace(/(?<!\\)\s+$/, '');
    if (line === '' || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    if (negated) line = line.slice(1);
    const directoryOnly = line.endsWith('/');
    if (directoryOnly) line = line.slice(0, -1);
    // A pattern with a slash (other than a trailing one) is relative to the .krmignore's folder;
    // one without matches a name at any depth below it.
    const anchored = line.includes('/');
    if (line.startsWith('/')) line = line.slice(1);
    const body = globToRegex(line);
    patterns.push({
      regex: new RegExp(`^${anchored ? '' : '(?:.*/)?'}${body}$`),
      negated,
      directoryOnly,
    });
  }
  return patterns;
}

function globToRegex(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` any folders (none included), `/**` everything below, a lone `**` anything.
      if (glob[i + 2] === '/') {
        out += '(?:.*/)?';
        i += 2;
      } else {
        out += '.*';
        i += 1;
      }
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '\\' && i + 1 < glob.length) out += escapeChar(glob[++i]);
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) out += '\\[';
      else {
        out += `[${glob
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else out += escapeChar(c);
  }
  return out;
}

const escapeChar = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

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
        if (p.regex.test(relative)) ignored = !p.negated;
      }
    }
    return ignored;
  }
}
