// The large-input parse path (fn/io/yaml-pieces.ts parseItemsInPieces) must read exactly what one
// js-yaml load reads, or decline; dbtls's own earlier output alone is read as its identity
// (apiVersion, kind, metadata), which the engine drops. Tiny pieces put a cut between every pair
// of entries.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { KUBERNETES_SCHEMA, parseItemsInPieces, parseYaml } from '../fn/io/yaml.js';
import { resourceListArb, serialize } from './arbitraries.js';
import { ROOT } from './helpers.js';

const whole = (text: string) => load(text, { schema: KUBERNETES_SCHEMA });

function sameAsOneLoad(text: string): 'pieces' | 'declined' {
  let expected: unknown;
  let failed = false;
  try {
    expected = whole(text);
  } catch {
    failed = true;
  }
  const pieces = parseItemsInPieces(text, 1);
  if (pieces === undefined) return 'declined';
  expect(failed, 'the pieces path read a text that one load refuses').toBe(false);
  // Own output written as dbtls writes it is read as its identity; in another layout, whole.
  const reduced = identitiesOfOwnOutput(expected) as { items?: unknown[] };
  const read = pieces as { items?: unknown[] };
  const items = (expected as { items?: unknown[] }).items?.map((item, i) =>
    isDeepStrictEqual(read.items?.[i], reduced.items?.[i]) ? reduced.items?.[i] : item,
  );
  expect(pieces).toEqual(items ? { ...(expected as object), items } : expected);
  return 'pieces';
}

const OWN_TYPES = [
  'cert-manager.io/v1 Certificate',
  'v1 ConfigMap',
  'v1 Service',
  'apps/v1 StatefulSet',
];

/** The list with each item of dbtls's own output reduced to apiVersion, kind and metadata. */
function identitiesOfOwnOutput(list: unknown): unknown {
  const l = list as { items?: any[] };
  if (!Array.isArray(l?.items)) return list;
  const own = (i: any) =>
    OWN_TYPES.includes(`${i?.apiVersion} ${i?.kind}`) &&
    typeof i?.metadata?.annotations?.['dbtls.dev/generated-from'] === 'string';
  return {
    ...l,
    items: l.items.map((i) =>
      own(i) ? { apiVersion: i.apiVersion, kind: i.kind, metadata: i.metadata } : i,
    ),
  };
}

describe('parsing a ResourceList in pieces', () => {
  it('reads kpt-style lists in pieces, as one load reads them', () => {
    const text = readFileSync(join(ROOT, 'test/bad-inputs/031-alias-bomb/input.yaml'), 'utf8');
    expect(parseItemsInPieces(text, 1)).toBeUndefined(); // aliases: always one load
    const list = [
      'apiVersion: config.kubernetes.io/v1',
      'kind: ResourceList',
      'items:',
      '- apiVersion: v1',
      '  kind: ConfigMap',
      '  metadata: {name: a}',
      '  data:',
      '    x: |',
      '      - not an entry',
      '    mode: 0644',
      '# a comment between entries',
      '',
      '- apiVersion: v1',
      '  kind: ConfigMap',
      '  metadata:',
      '    name: b',
      'functionConfig:',
      '  apiVersion: v1',
      '  kind: ConfigMap',
      '  metadata: {name: fc}',
      '  data: {mode: operator}',
      '',
    ].join('\n');
    expect(sameAsOneLoad(list)).toBe('pieces');
    expect(sameAsOneLoad(list.replace(/^(- | {2})/gm, '  $1'))).toBe('pieces'); // entries indented under items:
    // Our own start scripts (`&&`, `>&2`) and an anchor nobody refers to do not need one load.
    expect(
      sameAsOneLoad(list.replace('    mode: 0644', '    start.sh: "a && b >&2"\n    k: &unused 1')),
    ).toBe('pieces');
    expect(sameAsOneLoad(list.replace('    mode: 0644', '    k: &one 1\n    j: *one'))).toBe(
      'declined',
    );
  });

  it('leaves aliases to one load and its limits, in a list large enough to be cut', () => {
    const bomb = readFileSync(join(ROOT, 'test/bad-inputs/031-alias-bomb/input.yaml'), 'utf8');
    const padding = Array.from(
      { length: 2000 },
      (_, i) =>
        `- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: pad-${i}}\n  data: {x: '${'y'.repeat(40)}'}\n`,
    ).join('');
    const large = bomb.replace('items:\n', `items:\n${padding}`);
    expect(large.length).toBeGreaterThan(2 * 64 * 1024); // pieces of 64 KiB
    expect(() => parseYaml(large)).toThrow(
      'aliases expand to more than 100000 further nodes, exceeding maxAliasExpansion (100000)',
    );
  });

  it('declines, or agrees, where a cut could change the meaning', () => {
    const cases = [
      'items:\n- a: "open\n- b"\n', // a quoted scalar running into the next line
      'items:\n- [a,\n- b]\n', // a flow collection across the cut
      'items:\n- a\nkind: ResourceList\nitems:\n- b\n', // items given twice
      'items:\n- a\n---\n- b\n', // a second document
      'items:\n- a\n-b\n', // "-b" is not an entry
      'items:\n- a: 1\n  a: 2\n', // a duplicated key inside an entry
      'items:\n- a\n\tb: 1\n', // a tab
      'items:\n- *x\n', // an alias without an anchor
      'apiVersion: v1\nitems:\n- a\n  - b\n', // an entry that is not one
    ];
    for (const text of cases) sameAsOneLoad(text);
  });

  it('agrees with one load over generated ResourceLists in every style', () => {
    let cut = 0;
    fc.assert(
      fc.property(resourceListArb, (g) => {
        if (sameAsOneLoad(serialize(g)) === 'pieces') cut++;
      }),
      { numRuns: 400, seed: 7 },
    );
    console.log(
      `yaml pieces: ${cut} of 400 generated ResourceLists read in pieces, every one as one load reads it`,
    );
    expect(cut).toBeGreaterThan(100);
  });
});
