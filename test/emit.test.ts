// fn/io/emit.ts must write exactly what js-yaml's dump writes with dbtls's options: every output
// of the function goes through it. Compared on hand-picked edge cases, on random data, and on
// every golden example's rendered output.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { GO_SAFE_DUMP_SCHEMA } from '../fn/io/go-yaml.js';
import { dump, load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { emitYaml, emitYamlTo } from '../fn/io/emit.js';
import { shared } from '../fn/io/objects.js';
import { KUBERNETES_SCHEMA } from '../fn/io/yaml.js';
import { ROOT } from './helpers.js';

const jsYaml = (v: unknown) =>
  dump(v, { lineWidth: -1, noRefs: true, schema: GO_SAFE_DUMP_SCHEMA });

/** Strings near every quoting rule: indicators, spaces, colons, YAML 1.1 words, numbers, breaks. */
const tricky = fc.oneof(
  fc.string(),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9 _.:/#-]{0,12}$/),
  fc.string({
    unit: fc.constantFrom(
      'a',
      'Z',
      '0',
      ' ',
      ':',
      '-',
      '.',
      '#',
      '\n',
      '\t',
      "'",
      '"',
      '*',
      '&',
      '!',
      '|',
      '>',
      '%',
      '@',
      '`',
      ',',
      '[',
      '{',
      '?',
      '~',
      '=',
      '<',
      'é',
      '\u2028',
      '\ufeff',
    ),
  }),
  fc.constantFrom(
    '',
    ' ',
    'y',
    'n',
    'yes',
    'No',
    'on',
    'OFF',
    'true',
    'False',
    'null',
    'Null',
    '~',
    '=',
    '<<',
    '0644',
    '0x1F',
    '1e3',
    '.inf',
    '-.Inf',
    '.NaN',
    '1:20',
    '2024-01-02',
    '2024-01-02T03:04:05Z',
    '1_000',
    '+1',
    '-',
    '---',
    '...',
    'a: b',
    'a :b',
    'a:b',
    'a:',
    'a #b',
    'a#b',
    'a  b',
    'a ',
    'line\n',
    'line\n\n',
    '\n',
    '\n\n',
    'a\nb',
    ' lead\nx',
    'x\n  indented\n',
    'tab\there',
    'é',
    'x'.repeat(1100),
  ),
);
const scalar = fc.oneof(
  tricky,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(-0),
);
const data = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalar, tie('list'), tie('map')),
  list: fc.array(fc.oneof(tie('value'), fc.constant(undefined)), { maxLength: 4 }),
  map: fc.dictionary(tricky, fc.oneof(tie('value'), fc.constant(undefined)), { maxKeys: 4 }),
})).map;

describe('emitYaml writes what js-yaml dump writes', () => {
  it.each([
    [
      'a ResourceList',
      {
        apiVersion: 'v1',
        kind: 'ResourceList',
        items: [{ a: 1, b: [1, [2, 3], { c: 'x' }], d: {}, e: [] }, [], {}, null, 'x'],
      },
    ],
    ['nested lists', { a: [[1, 2], [[3]], [{ b: [] }]] }],
    [
      'literal blocks at every depth',
      { a: 'x\ny\n', b: { c: { d: ['p\n\nq', { e: ' lead\ntail\n\n' }] } } },
    ],
    ['a document left open by its last block', { a: 'x\n\n' }],
    ['a document left open inside a list', { items: [{ a: 'x\n\n' }] }],
    ['undefined values and holes', { a: undefined, b: [undefined, 1], c: { d: undefined } }],
    [
      'keys that need quotes',
      { '': 1, 'a: b': 2, '0644': 3, yes: 4, '-': 5, 'k\nl': 6, ['x'.repeat(1100)]: 7 },
    ],
    ['numbers', { a: 0, b: -0, c: 1.5, d: NaN, e: Infinity, f: -Infinity, g: 1e21, h: 123456789 }],
    [
      'binary data, left to js-yaml',
      { items: [{ data: new Uint8Array([1, 2, 3]) }, { ok: 'x' }], other: new Uint8Array([4]) },
    ],
    ['an empty mapping', {}],
    ['a top-level list', [1, { a: 2 }]],
    ['a scalar', 'x'],
  ])('%s', (_name, value) => {
    expect(emitYaml(value)).toBe(jsYaml(value));
  });

  it('on random data', () => {
    fc.assert(
      fc.property(data, (value) => {
        expect(emitYaml(value)).toBe(jsYaml(value));
        expect(emitYaml({ items: [value, value] })).toBe(jsYaml({ items: [value, value] }));
      }),
      { numRuns: 3000 },
    );
  });

  it('on shared (frozen) values, written from cached text at every level and position', () => {
    fc.assert(
      fc.property(data, (raw) => {
        const value = shared(structuredClone(raw));
        // The same frozen value as a mapping value, a list entry, nested deeper, and at the top of an item.
        const doc = {
          a: value,
          list: [value, [value], { b: value }],
          deep: { c: { d: value } },
          items: [value, { e: value }],
        };
        expect(emitYaml(doc)).toBe(jsYaml(doc));
        expect(emitYaml(doc)).toBe(jsYaml(doc)); // again, from the cache
      }),
      { numRuns: 1000 },
    );
    // A value the emitter leaves to js-yaml, inside a shared one, does not lose what came before it.
    const odd = Object.freeze({ x: [1, { y: 2 }], when: new Date(0) });
    const mixed = { items: [{ a: 1 }, { b: odd }, { d: [odd] }], after: odd };
    expect(emitYaml(mixed)).toBe(jsYaml(mixed));
  });

  it('on strings in every position', () => {
    fc.assert(
      fc.property(tricky, (s) => {
        const value = { [s]: s, list: [s, [s], { [s]: [s] }], deep: { a: { b: s } } };
        expect(emitYaml(value)).toBe(jsYaml(value));
      }),
      { numRuns: 3000 },
    );
  });

  it('on every golden example', () => {
    const examples = readdirSync(join(ROOT, 'examples')).filter((d) =>
      existsSync(join(ROOT, 'examples', d, '.expected/manifests.yaml')),
    );
    expect(examples.length).toBeGreaterThan(3);
    for (const d of examples) {
      const text = readFileSync(join(ROOT, 'examples', d, '.expected/manifests.yaml'), 'utf8');
      for (const doc of text.split(/^---\n/m).filter(Boolean)) {
        const value = load(doc, { schema: KUBERNETES_SCHEMA });
        expect(emitYaml(value)).toBe(jsYaml(value));
      }
    }
  });

  it('in pieces that join to the same text', () => {
    const value = {
      apiVersion: 'v1',
      kind: 'ResourceList',
      items: [{ a: 'x\n' }, { b: [1] }, { c: new Uint8Array([1]) }],
      results: [{ message: 'm: x' }],
    };
    const pieces: string[] = [];
    emitYamlTo(value, (c) => pieces.push(c));
    expect(pieces.length).toBeGreaterThan(3);
    expect(pieces.join('')).toBe(jsYaml(value));
  });

  it('throws what js-yaml throws for what YAML cannot hold', () => {
    expect(() => emitYaml({ items: [{ f: () => 1 }] })).toThrow(
      /unacceptable kind of an object to dump/,
    );
  });
});
