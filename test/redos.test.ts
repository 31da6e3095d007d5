// Linear time on any input (issue 24): every regular expression in fn/ is checked by recheck, a
// ReDoS checker (npm `recheck`, its own Linux binary or its pure-JavaScript build; nothing is
// downloaded), for super-linear backtracking. Literals are found with TypeScript's own parser;
// a `new RegExp` built at run time must be listed below with the patterns it builds.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { checkSync } from 'recheck';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');

/** A pattern found in fn/: where, its source and flags (undefined when built at run time). */
interface Found {
  file: string;
  line: number;
  source?: string;
  flags: string;
  expression?: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function patternsIn(path: string): Found[] {
  const file = relative(ROOT, path);
  const source = ts.createSourceFile(
    path,
    readFileSync(path, 'utf8'),
    ts.ScriptTarget.Latest,
    true,
  );
  const found: Found[] = [];
  const lineOf = (n: ts.Node) => source.getLineAndCharacterOfPosition(n.getStart()).line + 1;
  const visit = (node: ts.Node) => {
    if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const text = node.getText();
      const end = text.lastIndexOf('/');
      found.push({
        file,
        line: lineOf(node),
        source: text.slice(1, end),
        flags: text.slice(end + 1),
      });
    } else if (
      (ts.isNewExpression(node) || ts.isCallExpression(node)) &&
      node.expression.getText() === 'RegExp'
    ) {
      const [pattern, flags] = node.arguments ?? [];
      const literal = (n: ts.Node | undefined) =>
        n && (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) ? n.text : undefined;
      found.push({
        file,
        line: lineOf(node),
        source: literal(pattern),
        flags: literal(flags) ?? '',
        expression: pattern?.getText(),
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Patterns built at run time, by file and the expression that builds them: what they can be. */
const BUILT: Record<string, { expression: string; patterns: string[] }[]> = {
  // The groups dbtls reads whole (cert-manager's, its own, and the kinds' groups): alternatives of
  // escaped literals, whatever kinds a registry holds.
  'fn/pipeline/keep-identity.ts': [
    {
      expression: "`(^|\\\\.)(${groups.map((g) => g.replaceAll('.', '\\\\.')).join('|')})$`",
      patterns: ['(^|\\.)(cert-manager\\.io|dbtls\\.dev|kubedb\\.com|kubevault\\.com)$'],
    },
  ],
  'fn/validate/go-formats.ts': [
    {
      expression: '`^${DNS1123_LABEL}(\\\\.${DNS1123_LABEL})*$`',
      patterns: ['^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'],
    },
  ],
  // apimachinery's DNS-1123 label and subdomain, built from one label pattern.
  'fn/validate/object-names.ts': [
    {
      expression: '`^${LABEL}$`',
      patterns: ['^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'],
    },
    {
      expression: '`^${LABEL}(\\\\.${LABEL})*$`',
      patterns: ['^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'],
    },
  ],
};

/**
 * Known exceptions, each still flagged. None today: the kinds' configuration parsers that were
 * here moved into fn/text/ with linear readers. An entry added here must still be flagged, or the
 * test fails until it is removed.
 */
const KNOWN_SUPER_LINEAR: { file: string; source: string }[] = [];

/** recheck's verdict; `g` and `y` change where a match starts, not how it backtracks. */
function verdict(source: string, flags: string): string {
  const r = checkSync(source, flags.replace(/[gy]/g, ''), { timeout: 20_000 });
  if (r.status === 'safe') return 'safe';
  if (r.status === 'vulnerable')
    return `${r.complexity.type} (attack: ${JSON.stringify(r.attack.pattern).slice(0, 80)})`;
  return `${r.status}: ${'error' in r ? JSON.stringify(r.error) : ''}`;
}

describe('no super-linear regular expression in fn/ (recheck)', () => {
  const found = sourceFiles(join(ROOT, 'fn')).flatMap(patternsIn);

  it('finds the patterns (the scan itself works)', () => {
    expect(found.length).toBeGreaterThan(80);
    expect(found.some((f) => f.file === 'fn/io/go-yaml.ts')).toBe(true);
  });

  it('every pattern built at run time is listed with what it builds', () => {
    const built = found.filter((f) => f.source === undefined);
    for (const f of built) {
      const listed = BUILT[f.file]?.find((b) => b.expression === f.expression);
      expect(
        listed,
        `${f.file}:${f.line} new RegExp(${f.expression}): list it in BUILT`,
      ).toBeDefined();
    }
    const listedCount = Object.values(BUILT).flat().length;
    expect(built.length, 'a BUILT entry whose expression is gone').toBe(listedCount);
    for (const b of Object.values(BUILT).flat())
      for (const p of b.patterns) expect(verdict(p, ''), p).toBe('safe');
  }, 120_000);

  it('every literal pattern is linear, but for the named exceptions, which are still there', () => {
    const flagged: string[] = [];
    const exceptionsSeen = new Set<number>();
    for (const f of found) {
      if (f.source === undefined) continue;
      const v = verdict(f.source, f.flags);
      if (v === 'safe') continue;
      const known = KNOWN_SUPER_LINEAR.findIndex((k) => k.file === f.file && k.source === f.source);
      if (known >= 0) exceptionsSeen.add(known);
      else flagged.push(`${f.file}:${f.line} /${f.source}/${f.flags}: ${v}`);
    }
    expect(flagged).toEqual([]);
    const stale = KNOWN_SUPER_LINEAR.filter((_, i) => !exceptionsSeen.has(i));
    expect(stale, 'no longer found or flagged: remove from KNOWN_SUPER_LINEAR').toEqual([]);
  }, 300_000);
});
