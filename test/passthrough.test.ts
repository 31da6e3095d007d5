// Unchanged means unchanged: what dbtls does not own comes out meaning exactly what it meant to
// Go's two YAML readers, yaml.v3 (kyaml: kpt, kustomize) and sigs.k8s.io/yaml (kubectl), which
// test/yaml-reference builds from Debian's packages. Thousands of generated items full of edge
// scalars and keys, in every layout kpt, kustomize and js-yaml send, on the small path and the
// large (pieces) path; then each finding of the passthrough issue on its own.
import { describe, expect, it } from 'vitest';
import { runKrm } from '../fn/cli/krm.js';
import { kubectlPlainValue, goReadsAsString } from '../fn/io/go-yaml.js';
import { emitYaml } from '../fn/io/emit.js';
import { parseYaml } from '../fn/io/yaml.js';
import { goMeanings } from './yaml-reference/reference.js';
import { EDGE_KEYS, EDGE_PLAIN, LAYOUTS, type Layout, resourceListText } from './edge-items.js';

/** The items of a ResourceList text, as dbtls itself reads them (kind and name, in order). */
function itemNames(text: string): string[] {
  const doc = parseYaml(text.replace(/^\uFEFF/, '')) as {
    items: { kind: string; metadata: { name: string; annotations?: Record<string, string> } }[];
  };
  return doc.items.map((i) =>
    i.metadata.annotations?.['dbtls.dev/generated-from']
      ? `generated:${i.kind}/${i.metadata.name}`
      : i.metadata.name,
  );
}

/**
 * A reader's error, without the line numbers that moving an item changes, and without the value
 * beside a key JSON cannot hold (which of several Go's map order picks).
 */
function lineless(m: unknown): unknown {
  return typeof m === 'string' ? m.replace(/line \d+/g, 'line N').replace(/, value: .*$/s, '') : m;
}

/** A canonical meaning with the annotation dbtls sets on a database removed. */
function withoutLocalConfig(m: unknown): unknown {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    const o = v as { map?: [unknown, unknown][] };
    if (o.map)
      return {
        map: o.map
          .filter(([k, x]) => !(k === 's:config.kubernetes.io/local-config' && x === 's:true'))
          .map(([k, x]) => [k, walk(x)]),
      };
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
  };
  return walk(m);
}

describe("passthrough: what dbtls does not own means the same to Go's readers before and after", () => {
  it('on thousands of generated items, in every layout, on the small and the large path', () => {
    const cases: { layout: Layout; input: string; output: string; names: string[] }[] = [];
    let seed = 1;
    for (const layout of LAYOUTS) {
      for (const [count, scale] of [
        [6, 8],
        [8, 14],
        [150, 10],
        [260, 6],
      ]) {
        const { text, names } = resourceListText(layout, seed++, count, scale);
        const out = runKrm(Buffer.from(text));
        expect(out.exitCode, `${layout.name}: ${out.stderr}`).toBe(0);
        cases.push({ layout, input: text, output: out.stdout, names });
      }
    }
    expect(cases.some((c) => c.input.length >= 64 * 1024)).toBe(true); // the pieces path ran
    const meanings = goMeanings(cases.flatMap((c) => [c.input.replace(/^\uFEFF/, ''), c.output]));
    let compared = 0;
    cases.forEach((c, k) => {
      const before = meanings[2 * k];
      const after = meanings[2 * k + 1];
      const inNames = itemNames(c.input);
      const outNames = itemNames(c.output);
      for (const reader of ['v3Items', 'kubectlItems'] as const) {
        const b = before[reader] as unknown[];
        const a = after[reader] as unknown[];
        expect(b, `${c.layout.name}: ${reader} before`).toBeDefined();
        expect(a, `${c.layout.name}: ${reader} after`).toBeDefined();
        inNames.forEach((name, i) => {
          const j = outNames.indexOf(name);
          expect(j, `${c.layout.name}: ${name} is in the output`).toBeGreaterThanOrEqual(0);
          const expected = name === 'pg' ? withoutLocalConfig(a[j]) : a[j];
          expect(lineless(expected), `${c.layout.name}: item ${name} under ${reader}`).toEqual(
            lineless(b[i]),
          );
          compared++;
        });
      }
    });
    const items = cases.reduce((n, c) => n + c.names.length, 0);
    expect(items).toBeGreaterThan(2000);
    console.info(
      `passthrough: ${items} generated items in ${cases.length} ResourceLists, ${compared} item meanings compared under yaml.v3 and sigs.k8s.io/yaml: no difference`,
    );
  }, 120_000);

  it('keeps the text of items it does not change byte for byte, at the column they came in', () => {
    for (const layout of LAYOUTS.filter((l) => !l.crlf && !l.bom)) {
      const { text } = resourceListText(layout, 99, 5, 10);
      const out = runKrm(Buffer.from(text)).stdout;
      const items = text.slice(
        text.indexOf('items:\n') + 7,
        layout.markers ? text.lastIndexOf('...') : undefined,
      );
      for (const block of items.split(new RegExp(`^(?=${' '.repeat(layout.seqIndent)}- )`, 'm'))) {
        if (/name: (ca|pg)$/m.test(block)) continue;
        expect(out, layout.name).toContain(block.replace(/\n$/, ''));
      }
    }
  });
});

const ONE = (data: string, tail = '\n') => `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: settings
  data:
${data}${tail}`;

/** Runs dbtls on a ResourceList and checks that the item's meaning is unchanged under both readers. */
function roundTrip(
  input: string,
  readers: readonly ('v3Items' | 'kubectlItems')[] = ['v3Items', 'kubectlItems'],
): string {
  const out = runKrm(Buffer.from(input));
  expect(out.exitCode, out.stderr).toBe(0);
  const [before, after] = goMeanings([input, out.stdout]);
  for (const reader of readers) expect(after[reader]).toEqual(before[reader]);
  return out.stdout;
}

describe('passthrough: each finding of the issue', () => {
  it.each([
    ['backup-window: 02:30', 'base 60 read as 150'],
    ['time: 12:30', 'base 60 read as 750'],
    ['color: "0X1F"', 'a quoted string written unquoted'],
    ['big: 12345678901234567890', 'digits lost'],
    ['sci: 1e3', 'a number written as a string'],
    ['a: "0O17"', '0O written unquoted'],
    ['a: "0B101"', '0B written unquoted'],
    ['a: "-0X1F"', '-0X written unquoted'],
    ['a: "1_e3"', '1_e3 written unquoted'],
    ['"0X10": a', 'a quoted key renamed'],
    ['1:20: a', 'a base-60 key renamed'],
    ['08: a', 'a key renamed'],
    ['1e3: a', 'a key renamed'],
    ['.inf: a', 'a key renamed'],
    ['flag: yes', 'yes rewritten to true'],
    ['yes: no', 'a yes key rewritten'],
    ['on: off', 'on/off rewritten'],
    ['y: n', 'y/n rewritten'],
    ['f: 1.0', '1.0 rewritten to 1'],
    ['f: 1.5e+3', '1.5e+3 rewritten to 1500'],
  ])('%s (%s) comes out as it went in', (line) => {
    const out = roundTrip(ONE(`    ${line}`));
    expect(out).toContain(`\n    ${line}\n`);
  });

  it('a block scalar at the end of input without a final line break gains none', () => {
    const out = roundTrip(ONE('    s: |\n      abc', ''));
    expect(out.endsWith('    s: |\n      abc')).toBe(true);
  });

  it.each([
    [
      'a merge override of a numeric key',
      'base: &b {80: http}\n    web:\n      <<: *b\n      80: web',
    ],
    ['1 beside "1"', 'm:\n      1: a\n      "1": b'],
    ['a tab after a comma in a flow sequence', 'l: [a,\tb]'],
    ['a local tag', 'x: !custom value'],
    ['!!float', 'x: !!float 1'],
    ['!!timestamp', 'x: !!timestamp 2001-12-14'],
    ['!!set', 'x: !!set {a, b}'],
    ['keys that are one only to kubectl', 'm:\n      off: a\n      no: a'],
  ])('valid YAML is accepted and passed through: %s', (what, data) => {
    // kubectl keeps either value of `1` beside `"1"` (Go's map order), and refuses `off` beside
    // `no` (both false): only yaml.v3 is compared there.
    const v3Only = what === '1 beside "1"' || what.startsWith('keys that are one');
    const out = roundTrip(ONE(`    ${data}`), v3Only ? ['v3Items'] : undefined);
    expect(out).toContain(data);
  });

  it('a database keeps every field it does not set as written', () => {
    const input = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: cert-manager.io/v1
  kind: Issuer
  metadata: {name: ca, namespace: demo}
  spec: {ca: {secretName: ca-key-pair}}
- apiVersion: kubedb.com/v1
  kind: Postgres
  metadata:
    name: pg
    namespace: demo # where it runs
    annotations:
      window: "02:30"
  spec:
    version: "16.4"
    storage: {resources: {requests: {storage: 1Gi}}}
    tls:
      issuerRef: {apiGroup: cert-manager.io, kind: Issuer, name: ca}
`;
    const out = runKrm(Buffer.from(input)).stdout;
    expect(out).toContain(`- apiVersion: kubedb.com/v1
  kind: Postgres
  metadata:
    name: pg
    namespace: demo # where it runs
    annotations:
      window: "02:30"
      config.kubernetes.io/local-config: 'true'
  spec:
    version: "16.4"
    storage: {resources: {requests: {storage: 1Gi}}}
    tls:
      issuerRef: {apiGroup: cert-manager.io, kind: Issuer, name: ca}
`);
  });
});

describe('values as kubectl reads them, and strings both readers read back', () => {
  it('dbtls reads every edge scalar as sigs.k8s.io/yaml sends it to the API server', () => {
    const meanings = goMeanings(EDGE_PLAIN.map((s) => `k: ${/^[-?]\S/.test(s) ? s : s}\n`));
    EDGE_PLAIN.forEach((s, i) => {
      const kubectl = meanings[i].kubectl as { map: [string, string][] } | string;
      if (typeof kubectl === 'string') return; // .inf and .nan: JSON has no such number
      const expected = kubectl.map[0][1];
      const ours = kubectlPlainValue(s);
      const canonical =
        ours === null
          ? 'null'
          : typeof ours === 'boolean'
            ? `b:${ours}`
            : typeof ours === 'string'
              ? `s:${ours}`
              : typeof ours === 'bigint' || Number.isInteger(ours)
                ? `i:${typeof ours === 'bigint' ? ours : BigInt(ours as number)}`
                : `f:${ours}`;
      // kubectl's JSON writes 1.0 as 1: compare numbers by value.
      if (/^[if]:/.test(expected) && /^[if]:/.test(canonical))
        expect(Number(canonical.slice(2)) === Number(expected.slice(2)), s).toBe(true);
      else expect(canonical, s).toBe(expected);
    });
  });

  it('every string dbtls writes reads back as that string under both readers', () => {
    const strings = [
      ...EDGE_PLAIN,
      ...EDGE_PLAIN.map((s) => `${s} x`),
      ...EDGE_KEYS,
      'a\tb',
      ' lead',
      'trail ',
      '#x',
      'x #y',
      '- x',
    ];
    const texts = strings.map((s) => emitYaml({ [s]: s, list: [s] }));
    const meanings = goMeanings(texts);
    strings.forEach((s, i) => {
      for (const reader of ['v3', 'kubectl'] as const) {
        const m = meanings[i][reader] as { map: [string, unknown][] };
        expect(m.map, `${reader}: ${texts[i]}`).toContainEqual([`s:${s}`, `s:${s}`]);
        expect(m.map, `${reader}: ${texts[i]}`).toContainEqual(['s:list', { seq: [`s:${s}`] }]);
      }
      expect(goReadsAsString(s) || texts[i].includes(`'${s}'`) || texts[i].includes('"')).toBe(
        true,
      );
    });
  });
});

describe('fields kubectl and kpt read differently', () => {
  const mssql = (eula: string) => `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: cert-manager.io/v1
  kind: Issuer
  metadata: {name: ca, namespace: demo}
  spec: {ca: {secretName: ca}}
- apiVersion: kubedb.com/v1alpha2
  kind: MSSQLServer
  metadata: {name: ms, namespace: demo}
  spec:
    version: "2022-cu12"
    replicas: 1
    storage: {resources: {requests: {storage: 1Gi}}}
    podTemplate:
      spec:
        containers:
        - name: mssql
          env:
          - name: ACCEPT_EULA
            value: ${eula}
          - name: MSSQL_PID
            value: Evaluation
    tls:
      issuerRef: {apiGroup: cert-manager.io, kind: Issuer, name: ca}
      clientTLS: yes
`;

  it('an unquoted Y, yes, on, off gets a warning naming the field; ACCEPT_EULA: Y is the Y meant', () => {
    const out = runKrm(Buffer.from(mssql('Y')));
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.stderr).toContain(
      'warning: the value Y is unquoted: kubectl reads it as the boolean true, kpt and kustomize as the string "Y", so the two would apply different objects; write "Y" (quoted) for the string, or true for the boolean (MSSQLServer/demo/ms, spec.podTemplate.spec.containers[0].env[0].value)\n',
    );
    expect(out.stderr).toContain(
      'warning: the value yes is unquoted: kubectl reads it as the boolean true, kpt and kustomize as the string "yes", so the two would apply different objects; write "yes" (quoted) for the string, or true for the boolean (MSSQLServer/demo/ms, spec.tls.clientTLS)\n',
    );
    expect(out.stderr).not.toContain('ACCEPT_EULA with value');
    // The rendered container has the string both readers agree on.
    expect(out.stdout).toMatch(/- name: ACCEPT_EULA\n\s+value: 'Y'\n/);
    // The database itself keeps its text.
    expect(out.stdout).toContain('          - name: ACCEPT_EULA\n            value: Y\n');
  });

  it('a quoted "Y" gets no warning, and a boolean true is no EULA answer', () => {
    expect(runKrm(Buffer.from(mssql('"Y"'))).stderr).not.toContain('the value Y is unquoted');
    const r = runKrm(Buffer.from(mssql('true')));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('add env ACCEPT_EULA with value "Y" to the mssql container');
  });

  it('a ResourceList written as JSON is read, and its items keep their own text', () => {
    const json = JSON.stringify({
      apiVersion: 'config.kubernetes.io/v1',
      kind: 'ResourceList',
      items: [
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'c' },
          data: { a: '0X1F', b: 'yes' },
        },
      ],
    });
    const out = roundTrip(json);
    expect(out).toContain('"data":{"a":"0X1F","b":"yes"}');
  });
});
