// Generated ResourceLists full of the scalars and keys where YAML readers disagree, in the layouts
// kpt, kustomize and js-yaml send: the inputs of test/passthrough.test.ts.

/** Plain scalars near every rule of either reader. */
export const EDGE_PLAIN = [
  '02:30',
  '12:30',
  '1:20',
  '190:20:30',
  '-1:30',
  '0x1F',
  '0X1F',
  '-0X1F',
  '+0x1f',
  '0o17',
  '0O17',
  '0b101',
  '0B101',
  '-0b11',
  '017',
  '08',
  '09.5',
  '0_17',
  '1_000',
  '1_e3',
  '0x_1F',
  '_1',
  '1_',
  '1e3',
  '1E3',
  '1.5e+3',
  '1e400',
  '1.0',
  '0.',
  '.5',
  '+.5',
  '-0',
  '-0.0',
  '12345678901234567890',
  '9223372036854775807',
  '9223372036854775808',
  '-9223372036854775809',
  '123456789012345678901234',
  '0x1FFFFFFFFFFFFFFFFF',
  '.inf',
  '-.Inf',
  '+.INF',
  '.nan',
  '.NaN',
  'y',
  'Y',
  'yes',
  'Yes',
  'YES',
  'n',
  'N',
  'no',
  'No',
  'NO',
  'on',
  'On',
  'ON',
  'off',
  'Off',
  'OFF',
  'true',
  'True',
  'TRUE',
  'false',
  'False',
  'FALSE',
  '~',
  'null',
  'Null',
  'NULL',
  '2001-12-14',
  '2001-12-14t21:59:43.10-05:00',
  '2001-12-14 21:59:43.10 -5',
  '=',
  '0x',
  '1e',
  '.',
  'plain text',
  'a:b',
  'http://x:80/y',
  '-dash',
  '?q',
  '3',
  '0',
  '-7',
  '42Gi',
  '1.2.3',
];
/** Keys that mean something else unquoted. */
export const EDGE_KEYS = [
  '0X10',
  '1:20',
  '08',
  '1e3',
  '.inf',
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  '0o17',
  'null',
  '2001-12-14',
  '017',
];

type Rand = () => number;
function rng(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = <T>(r: Rand, a: readonly T[]): T => a[Math.floor(r() * a.length)];

/** A scalar in one of YAML's styles, as a value on a key's line (plus lines under it). */
function scalarValue(r: Rand, u: number): { head: string; body: string[] } {
  const s = pick(r, EDGE_PLAIN);
  switch (Math.floor(r() * 9)) {
    case 0:
      return { head: `'${s.replace(/'/g, "''")}'`, body: [] };
    case 1:
      return { head: JSON.stringify(s), body: [] };
    case 2:
      return {
        head: pick(r, ['|', '|-', '|+', '>', '>-']),
        body: [`${' '.repeat(u)}${s}`, `${' '.repeat(u)}second line`, ...(r() < 0.3 ? [''] : [])],
      };
    case 3:
      return {
        head: `[${s}, ${pick(r, EDGE_PLAIN)},\t${pick(r, EDGE_PLAIN)}]`.replace(/\[[-?]/, '[x'),
        body: [],
      };
    case 4:
      return {
        head: pick(r, [
          '!custom x',
          '!!float 1',
          '!!str 0x1F',
          '!!timestamp 2001-12-14',
          '!!int 0X1F',
          '!!binary aGVsbG8=',
        ]),
        body: [],
      };
    case 5:
      return { head: `${s} # a comment`.replace(/^[-?](?=\S)/, 'x'), body: [] };
    default:
      return { head: /^[-?]\S/.test(s) ? `x${s}` : s, body: [] };
  }
}

/** The lines of an item's mapping at column 0, with indentation unit `u`. */
function itemLines(r: Rand, name: string, u: number, n: number): string[] {
  const ind = (k: number) => ' '.repeat(k * u);
  const kind = pick(r, ['ConfigMap', 'Widget']);
  const lines = [
    kind === 'ConfigMap' ? 'apiVersion: v1' : 'apiVersion: example.com/v1',
    `kind: ${kind}`,
    'metadata:',
    `${ind(1)}name: ${name}`,
  ];
  if (r() < 0.4)
    lines.push(
      `${ind(1)}annotations:`,
      `${ind(2)}note: ${JSON.stringify(pick(r, EDGE_PLAIN))}`,
      `${ind(2)}flag: ${pick(r, ["'yes'", '"on"', "'true'", '"no"'])}`,
    );
  if (r() < 0.3)
    lines.push(
      '# a comment between keys',
      `${ind(1)}labels: {tier: ${pick(r, ['db', '"0X1F"', "'yes'"])}}`,
    );
  lines.push(kind === 'ConfigMap' ? 'data:' : 'spec:');
  const used = new Set<string>();
  for (let i = 0; i < n; i++) {
    let key = r() < 0.2 ? pick(r, EDGE_KEYS) : `k${i}`;
    if (used.has(key)) key = `k${i}`;
    used.add(key);
    const roll = r();
    if (roll < 0.12) {
      lines.push(
        `${ind(1)}${key}:`,
        `${ind(1)}- ${pick(r, EDGE_PLAIN).replace(/^[-?](?=\S)/, 'x')}`,
        `${ind(1)}- {a: ${pick(r, EDGE_PLAIN).replace(/^[-?]/, 'x')}}`,
      );
    } else if (roll < 0.2) {
      lines.push(
        `${ind(1)}${key}:`,
        `${ind(2)}inner: ${JSON.stringify(pick(r, EDGE_PLAIN))}`,
        `${ind(2)}# nested comment`,
        `${ind(2)}${pick(r, EDGE_KEYS)}: ${pick(r, ['1', 'yes', '"x"'])}`,
      );
    } else if (roll < 0.24) {
      lines.push(
        `${ind(1)}base${i}: &b${i} {x: 1, 80: http}`,
        `${ind(1)}m${i}:`,
        `${ind(2)}<<: *b${i}`,
        `${ind(2)}80: web`,
      );
    } else if (roll < 0.26) {
      // Two keys to YAML, one to kubectl (which keeps either: Go's map order), so one value.
      lines.push(`${ind(1)}dup${i}:`, `${ind(2)}1: a`, `${ind(2)}"1": a`);
    } else {
      const v = scalarValue(r, u);
      lines.push(
        `${ind(1)}${key}: ${v.head}`,
        ...v.body.map((b) => (b === '' ? '' : `${ind(1)}${b}`)),
      );
    }
  }
  return lines;
}

export interface Layout {
  name: string;
  seqIndent: number;
  unit: number;
  crlf?: boolean;
  bom?: boolean;
  markers?: boolean;
  openEnd?: boolean;
}
export const LAYOUTS: Layout[] = [
  { name: 'kyaml (kpt, kustomize)', seqIndent: 0, unit: 2 },
  { name: 'js-yaml', seqIndent: 2, unit: 2 },
  { name: 'four spaces', seqIndent: 4, unit: 4 },
  { name: 'CRLF', seqIndent: 0, unit: 2, crlf: true },
  { name: 'BOM, markers', seqIndent: 2, unit: 2, bom: true, markers: true },
  { name: 'block scalar at the end, no final line break', seqIndent: 0, unit: 2, openEnd: true },
];

const DATABASE = [
  'apiVersion: cert-manager.io/v1',
  'kind: Issuer',
  'metadata:',
  '  name: ca',
  '  namespace: demo',
  'spec:',
  '  ca: {secretName: ca-key-pair}',
];
const POSTGRES = [
  'apiVersion: kubedb.com/v1',
  'kind: Postgres',
  'metadata:',
  '  name: pg',
  '  namespace: demo',
  '  annotations:',
  '    note: "0X1F" # kept',
  '    when: "02:30"',
  '    script: |',
  '      line one',
  '      line two',
  '',
  '  labels: {app: "yes"}',
  'spec:',
  '  version: "16.4"',
  '  replicas: 0x1',
  '  storage:',
  '    resources: {requests: {storage: 1Gi}}',
  '  tls:',
  '    issuerRef: {apiGroup: cert-manager.io, kind: Issuer, name: ca}',
];

function entry(lines: string[], seqIndent: number): string[] {
  const pad = ' '.repeat(seqIndent);
  return lines.map((l, i) => (i === 0 ? `${pad}- ${l}` : l === '' ? '' : `${pad}  ${l}`));
}

export function resourceListText(
  layout: Layout,
  seed: number,
  count: number,
  scale: number,
): { text: string; names: string[] } {
  const r = rng(seed);
  const names: string[] = [];
  const out: string[] = [];
  if (layout.markers) out.push('%YAML 1.1', '--- # a ResourceList');
  out.push('apiVersion: config.kubernetes.io/v1', 'kind: ResourceList', '# the items', 'items:');
  for (let i = 0; i < count; i++) {
    if (i === Math.floor(count / 2))
      out.push(...entry(DATABASE, layout.seqIndent), ...entry(POSTGRES, layout.seqIndent));
    const name = `w${seed}-${i}`;
    names.push(name);
    out.push(...entry(itemLines(r, name, layout.unit, scale), layout.seqIndent));
  }
  let text: string;
  if (layout.openEnd) {
    out.push(
      ...entry(
        [
          'apiVersion: v1',
          'kind: ConfigMap',
          'metadata: {name: last}',
          'data:',
          '  tail: |',
          '    no final line break',
        ],
        layout.seqIndent,
      ),
    );
    names.push('last');
    text = out.join('\n');
  } else {
    if (layout.markers) out.push('...');
    text = `${out.join('\n')}\n`;
  }
  if (layout.crlf) text = text.replace(/\n/g, '\r\n');
  if (layout.bom) text = `\uFEFF${text}`;
  return { text, names };
}
