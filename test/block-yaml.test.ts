// The block reader (fn/io/block-yaml.ts) must read exactly what js-yaml reads, or decline.
// Each case is read by both; where the reader does not decline, the two values must be equal
// (and js-yaml must not have refused the text).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { dump, load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { BlockReader } from '../fn/io/block-yaml.js';
import { KUBERNETES_SCHEMA, LIMITS } from '../fn/io/yaml.js';
import { resourceListArb } from './arbitraries.js';
import { ROOT } from './helpers.js';

function readBoth(text: string, indent = 0): 'read' | 'declined' {
  const read = new BlockReader(KUBERNETES_SCHEMA, LIMITS.maxDepth - 1).readSequence(text, indent);
  if (read === undefined) return 'declined';
  let expected: unknown;
  try {
    expected = load(text, { schema: KUBERNETES_SCHEMA, maxAliases: 0 });
  } catch (err) {
    throw new Error(
      `the block reader read a text js-yaml refuses (${(err as Error).message.split('\n')[0]}):\n${text}`,
    );
  }
  expect(read, text).toEqual(expected);
  return 'read';
}

describe('the block reader', () => {
  it('reads the plain block YAML that kpt and js-yaml write', () => {
    const cases = [
      '- a: 1\n  b: two\n',
      '- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: x\n    labels:\n      app.kubernetes.io/name: x\n  data:\n    k: v\n',
      // a sequence at its key's column (kyaml) and indented under it (js-yaml)
      '- spec:\n    ports:\n    - name: a\n      port: 1\n    - name: b\n    type: ClusterIP\n',
      '- spec:\n    ports:\n      - name: a\n        port: 1\n    type: ClusterIP\n',
      // scalars whose meaning js-yaml decides: numbers, YAML 1.1 words, nulls, quantities
      '- a: 0644\n  b: yes\n  c: ~\n  d: null\n  e: 100m\n  f: 1Gi\n  g: 1e3\n  h: .5\n  i: -1\n  j: 0x1F\n  k: 1_000\n  l: 190:20:30\n  m: On\n  n: 2001-12-14\n  o: 12345678901234567\n',
      '- 0644: a\n  yes: b\n  null: c\n  1.5: d\n  -x: e\n',
      // quoting, comments, flags, empty collections
      "- a: 'it''s'\n  b: \"double\"\n  c: '0644'\n  d: value # a comment\n  e: 'q' # another\n  f: a#b\n",
      '- \'quoted key\': 1\n  "double key": 2\n',
      '# before\n- args:\n  - --port=5432\n  - -v\n  - :8080\n  - ?x\n  e: []\n  f: {}\n  # between\n  g:\n- []\n- {}\n- plain\n- 7\n-\n  nested: 1\n',
      // literal blocks: clip and strip, blank lines inside and after, deeper indentation inside
      '- data:\n    a: |\n      line 1\n\n        indented\n      line 3\n\n    b: |-\n      x\n      y\n    c: 1\n- |\n  entry\n',
      '- k:\n    x: |\n      - not an entry\n      # not a comment\n    # a comment\n    y: 2\n',
      // keys that are not plain strings to YAML
      '- key: value\n  other: [1, 2]\n',
    ];
    expect(cases.map((c) => readBoth(c))).toEqual(
      cases.map((_, i) => (i === cases.length - 1 ? 'declined' : 'read')),
    );
    expect(readBoth('  - a: 1\n    b:\n    - x\n', 2)).toBe('read');
  });

  it('declines what it does not read, whether js-yaml reads it or refuses it', () => {
    const cases = [
      '- a: &x 1\n  b: *x\n',
      '- a: !!binary aGk=\n',
      '- a: {b: 1}\n',
      '- a: [1]\n',
      '- a: >\n    folded\n',
      '- a: |+\n    keep\n\n',
      '- a: |2\n     x\n',
      '- a: "esc\\n"\n',
      '- a: "multi\n    line"\n',
      "- a: 'multi\n    line'\n",
      '- a: plain\n    continued\n',
      '- a: b: c\n',
      '- a: x:\n',
      '- a: 1\n  a: 2\n',
      '- yes: 1\n  true: 2\n',
      '- __proto__: 1\n',
      "- '__proto__': 1\n",
      '- "__proto__": {}\n',
      '- <<: {a: 1}\n',
      '- a:\ttab\n',
      '- a: é\n',
      '- a: \u0085\n',
      '- - nested\n',
      '- a: 1\n   b: 2\n',
      '- a: 1\n - b\n',
      '- a: 1\n- b\nc: 1\n',
      '-x\n',
      '- a: |\n\n    after a blank\n',
      '- a: |\n    no final break',
      '- ? complex\n  : key\n',
      '- a: 1\n---\n- b\n',
      '- a: "unclosed\n',
      '- %x\n',
      '- @x\n',
      '- `x\n',
      '- a: 1 # c\n  b: |\n      x\n    y\n',
    ];
    for (const text of cases) expect(readBoth(text), JSON.stringify(text)).toBe('declined');
  });

  it('declines nesting at its depth limit, leaving the limit and its message to js-yaml', () => {
    const nested = (depth: number) =>
      `${Array.from({ length: depth }, (_, i) => `${'  '.repeat(i)}- k:\n`).join('')}${'  '.repeat(depth)}- leaf\n`;
    expect(readBoth(nested(10))).toBe('read');
    expect(readBoth(nested(LIMITS.maxDepth))).toBe('declined');
  });

  it('agrees with js-yaml over generated items written in block styles', () => {
    let read = 0;
    let items = 0;
    const styles = [
      { schema: KUBERNETES_SCHEMA, lineWidth: -1, noRefs: true },
      {
        schema: KUBERNETES_SCHEMA,
        lineWidth: -1,
        noRefs: true,
        noArrayIndent: true,
        quotingType: '"' as const,
      }, // kyaml's layout
      { lineWidth: 40, noRefs: true },
    ];
    fc.assert(
      fc.property(resourceListArb, fc.nat(styles.length - 1), (g, style) => {
        // Item by item: one tricky string would make the reader decline a whole list.
        for (const item of g.items) {
          items++;
          if (readBoth(dump([item], styles[style])) === 'read') read++;
        }
      }),
      { numRuns: 600, seed: 11 },
    );
    console.log(`block reader: ${read} of ${items} generated items read, each as js-yaml reads it`);
    expect(read).toBeGreaterThan(items / 4);
  });

  it('never reads a text js-yaml refuses or reads otherwise: lines of YAML fragments at random', () => {
    const line = fc
      .tuple(
        fc.constantFrom('', ' ', '  ', '    ', '      '),
        fc.constantFrom('', '- ', '-', '- - ', '#'),
        fc.constantFrom(
          '',
          'a',
          'b',
          'key',
          "'q'",
          '"d"',
          'yes',
          '0644',
          'a b',
          '~',
          'long-key.io/x',
        ),
        fc.constantFrom('', ':', ': ', ':  '),
        fc.constantFrom(
          '',
          'x',
          '1',
          "'s'",
          "'it''s'",
          '"d"',
          '|',
          '|-',
          '[]',
          '{}',
          '# c',
          'a: b',
          '-1',
          'x #c',
          'y ',
          'p:q',
          "'",
          '"',
        ),
      )
      .map((parts) => parts.join(''));
    let read = 0;
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), (lines) => {
        if (readBoth(`- ${lines.join('\n')}\n`) === 'read') read++;
      }),
      { numRuns: 3000, seed: 5 },
    );
    console.log(
      `block reader: ${read} of 3000 random fragment texts read, each as js-yaml reads it`,
    );
    expect(read).toBeGreaterThan(100);
  });

  it('agrees with js-yaml on every example and bad-input case', () => {
    let read = 0;
    const files = [
      ...readdirSync(join(ROOT, 'examples'), { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => join(ROOT, 'examples', f)),
      ...readdirSync(join(ROOT, 'test/bad-inputs')).map((d) =>
        join(ROOT, 'test/bad-inputs', d, 'input.yaml'),
      ),
    ];
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      // Each document's items, as the pieces path hands them over.
      const m = /^items:[ ]*\n((?:(?: *(?:#[^\n]*)?\n)|(?: +|- |-\n)[^\n]*\n?)*)/m.exec(text);
      if (!m) continue;
      const indent = /^( *)-/m.exec(m[1])?.[1].length ?? 0;
      try {
        load(m[1], { schema: KUBERNETES_SCHEMA });
      } catch {
        continue;
      }
      if (
        new BlockReader(KUBERNETES_SCHEMA, LIMITS.maxDepth - 1).readSequence(m[1], indent) ===
        undefined
      )
        continue;
      expect(readBoth(m[1], indent)).toBe('read');
      read++;
    }
    expect(read).toBeGreaterThan(20);
  });
});
