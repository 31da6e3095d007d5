// Linear time on any input (issue 24): every reader of user text in fn/io and fn/cli is fed 1 MiB
// of adversarial text — comments, blank lines, deep flow nesting, long scalars, many keys, and
// the shapes that once backtracked — and must answer within a time budget that only a
// super-linear reader misses (16 comment lines once took 107 s; a quadratic reader takes hours
// on 1 MiB). Sizes past the documented limits are refused with a message that says so.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runKrm } from '../fn/cli/krm.js';
import { formatWithPositions, processDirectory } from '../fn/cli/directory.js';
import { compileGlob, matchGlob } from '../fn/cli/glob.js';
import { MAX_KRMIGNORE_BYTES, parseKrmignore } from '../fn/cli/krmignore.js';
import { tempDir } from './integration/tools.js';

const MiB = 1 << 20;
/**
 * Each reading of 1 MiB must end within this, or within ten times what an ordinary 1 MiB input
 * takes on this machine now (measured below: the machine may be shared and slow). A super-linear
 * reader misses either by far: a quadratic one takes hours on 1 MiB.
 */
const BUDGET_MS = 20_000;
let budget = BUDGET_MS;

const fill = (unit: string, size = MiB) =>
  unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
const LIST = 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n';
const configMap = (data: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n${data}`;
const keys = (n: number, indent: string) =>
  Array.from({ length: n }, (_, i) => `${indent}k${i}: v\n`).join('');

/** Adversarial documents (a file's text), each about 1 MiB. */
const DOCUMENTS: Record<string, string> = {
  'comment lines': fill('# a comment\n'),
  'blank lines': fill('\n'),
  'lines of spaces': fill('   \n'),
  'carriage returns': fill('\r'),
  tabs: fill('\t'),
  'deep flow sequences': `a: ${fill('[')}`,
  'deep flow mappings': `a: ${fill('{a: ')}`,
  'deep block nesting': Array.from({ length: 1500 }, (_, i) => `${' '.repeat(i)}- `).join('\n'),
  'a long plain scalar': configMap(`  k: ${fill('a')}\n`),
  'a long quoted scalar': configMap(`  k: "${fill('a')}"\n`),
  'an unclosed quote': configMap(`  k: "${fill('a b ')}\n  j: x\n`),
  'a long key of spaces': configMap(`  ${fill(' ')}:\n`),
  'many keys': configMap(keys(85_000, '  ')),
  'many keys, then an error': `${configMap(keys(85_000, '  '))}  k`,
  'items:# without line breaks': fill('items:#\r'),
  dashes: fill('-'),
  'question marks': `- ${fill('? ')}`,
  anchors: `a: ${fill('&a ')}x`,
  aliases: `a: [&a x, ${fill('*a, ')}]`,
  'colons and spaces': configMap(`  k: ${fill(': ')}\n`),
  'bad indentation': configMap(fill('  a: b\n   c: d\n')),
  "quoted scalars before '#'": configMap(fill("  a: 'v'# c\n")),
  'document markers': fill('---\n'),
  'a tab-indented flow': configMap(`  k: [${fill('a,\t')}]\n`),
};

/** The same as a ResourceList (the KRM path): the document as its one item, or as the input itself. */
function asResourceList(doc: string): string {
  return `${LIST}- ${doc.replace(/\n(?=.)/g, '\n  ')}`;
}

function timed<T>(run: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = run();
  return { value, ms: performance.now() - start };
}

beforeAll(() => {
  // Ordinary input of the same size and shape as the largest cases: 1 MiB of keys and values.
  const ordinary = asResourceList(configMap(keys(85_000, '  ')));
  const { ms } = timed(() => runKrm(Buffer.from(ordinary)));
  budget = Math.max(BUDGET_MS, 10 * ms);
});

describe('the KRM reader: 1 MiB of adversarial text within the budget', () => {
  it.each(Object.entries(DOCUMENTS))(
    '%s',
    (_name, doc) => {
      for (const input of [doc, asResourceList(doc)]) {
        const { value, ms } = timed(() => runKrm(Buffer.from(input)));
        expect(ms, value.stderr.slice(0, 200)).toBeLessThan(budget);
        // Never a stack trace: a result, or the list back.
        expect(value.stderr).not.toMatch(/\n\s+at /);
      }
    },
    120_000,
  );
});

describe('render DIR and check DIR: 1 MiB of adversarial text in a file, within the budget', () => {
  const dir = tempDir();
  it.each(Object.entries(DOCUMENTS))(
    '%s',
    (name, doc) => {
      const pkg = join(dir, name.replace(/\W+/g, '-'));
      mkdirSync(pkg, { recursive: true });
      writeFileSync(
        join(pkg, 'a.yaml'),
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n---\n${doc}`,
      );
      const { value, ms } = timed(() => {
        const read = processDirectory(pkg);
        // check DIR places each problem at its line: the position reader runs too.
        return formatWithPositions(read.results, read.texts, pkg);
      });
      expect(ms, value.slice(0, 200)).toBeLessThan(budget);
    },
    120_000,
  );
});

describe('.krmignore: linear to read, bounded to match, refused past its limit', () => {
  it('1 MiB of adversarial patterns is read within the budget', () => {
    for (const unit of ['*', '**/', '[a-', '\\ ', ' \t', '#\n', '!*a*\n']) {
      const { ms } = timed(() => parseKrmignore(fill(unit)));
      expect(ms, unit).toBeLessThan(budget);
    }
  });

  it('a pattern of stars at the size limit matches a long path within the budget', () => {
    const glob = compileGlob(fill('*a', MAX_KRMIGNORE_BYTES / 16), true);
    const { value, ms } = timed(() => matchGlob(glob, `${'a'.repeat(4000)}b`));
    expect(value).toBe(false);
    expect(ms).toBeLessThan(budget);
  });

  it(`a .krmignore over ${MAX_KRMIGNORE_BYTES} bytes is refused with a message that names it`, () => {
    const pkg = tempDir();
    writeFileSync(join(pkg, '.krmignore'), fill('*.tmp\n', MAX_KRMIGNORE_BYTES + 1));
    writeFileSync(join(pkg, 'a.yaml'), configMap('  a: b\n'));
    const read = processDirectory(pkg);
    expect(formatWithPositions(read.results, read.texts, pkg)).toBe(
      `${join(pkg, '.krmignore')}: error: .krmignore is ${MAX_KRMIGNORE_BYTES + 1} bytes, larger than the ${MAX_KRMIGNORE_BYTES} bytes dbtls reads of one; nothing was read: shorten it (a .krmignore lists a few patterns)\n`,
    );
  });
});
