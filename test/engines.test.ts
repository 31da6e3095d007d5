// `npm ci` is clean (no EBADENGINE) on every Node.js version package.json's `engines` claims: each
// installed package's own `engines.node` admits the first and last release of every range claimed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

type Version = [number, number, number];
const parse = (v: string): Version => {
  const [a = 0, b = 0, c = 0] = v
    .replace(/^v/, '')
    .split('.')
    .map((x) => (/^\d+$/.test(x) ? Number(x) : 0));
  return [a, b, c];
};
const compare = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** Whether `version` satisfies an npm range of the forms found in engines fields. */
export function satisfies(version: string, range: string): boolean {
  const v = parse(version);
  return range.split('||').some((alternative) => {
    const comparators = alternative
      .trim()
      .replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1')
      .split(/\s+/)
      .filter(Boolean);
    return comparators.every((c) => {
      const [, op = '', rest] = /^(>=|<=|>|<|=|\^|~)?(.*)$/.exec(c)!;
      const parts = rest.split('.');
      const w = parse(rest);
      const d = compare(v, w);
      switch (op) {
        case '>=':
          return d >= 0;
        case '>':
          return d > 0;
        case '<=':
          return d <= 0;
        case '<':
          return d < 0;
        case '^':
          return d >= 0 && (w[0] > 0 ? v[0] === w[0] : v[0] === 0 && v[1] === w[1]);
        case '~':
          return d >= 0 && v[0] === w[0] && v[1] === w[1];
        default: // a bare version, possibly partial or with x: matches that prefix
          return parts.every((p, i) => p === 'x' || p === '*' || Number(p) === v[i]);
      }
    });
  });
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));

/** The first release of every range `engines.node` claims, the last of each closed major, and today's. */
function claimedVersions(range: string): string[] {
  const out = new Set<string>([process.version.slice(1)]);
  for (const alternative of range.split('||')) {
    const [, op, v] = /^\s*(\^|>=)(\S+)\s*$/.exec(alternative) ?? [];
    expect(op, `engines alternative "${alternative}" is ^X.Y.Z or >=X.Y.Z`).toBeDefined();
    out.add(v);
    if (op === '^') out.add(`${parse(v)[0]}.999.999`);
    else out.add(`${parse(v)[0] + 2}.0.0`);
  }
  return [...out].filter((v) => satisfies(v, range));
}

describe('engines', () => {
  it('the range reader', () => {
    expect(satisfies('20.19.0', '^20.19.0 || >=22.12.0')).toBe(true);
    expect(satisfies('20.18.9', '^20.19.0 || >=22.12.0')).toBe(false);
    expect(satisfies('21.0.0', '^20.19.0 || >=22.12.0')).toBe(false);
    expect(satisfies('20.0.0', '>= 20')).toBe(true);
    expect(satisfies('20.18.1', '>=20.18.1')).toBe(true);
    expect(satisfies('20.20.2', '>=22.19.0')).toBe(false);
    expect(satisfies('13.7.0', '^10 || ^12 || ^13.7 || ^14 || >=15.0.1')).toBe(true);
  });

  it('the running Node.js is one engines claims', () => {
    expect(satisfies(process.version, pkg.engines.node)).toBe(true);
  });

  it('every installed package supports every Node.js version engines claims (no EBADENGINE)', () => {
    const versions = claimedVersions(pkg.engines.node);
    const refused: string[] = [];
    for (const [path, entry] of Object.entries<any>(lock.packages)) {
      // Optional packages for other platforms are not installed here (npm skips them quietly).
      if (path === '' || entry.optional || !entry.engines?.node) continue;
      for (const v of versions)
        if (!satisfies(v, entry.engines.node))
          refused.push(`${path} (${entry.engines.node}) on ${v}`);
    }
    expect(refused).toEqual([]);
  });

  it('undici is held below 8 for @kubernetes/client-node, as docs/development.md explains', () => {
    expect(pkg.overrides['@kubernetes/client-node'].undici).toMatch(/^\^7\./);
    expect(readFileSync(join(ROOT, 'docs/development.md'), 'utf8')).toContain(
      '`undici` 8 needs Node.js 22.19',
    );
  });
});
