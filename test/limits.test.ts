// Input bounds (LIMITS in fn/io/yaml-limits.ts): past each limit the function answers with one clear
// error result and exit 1, quickly and in bounded memory, instead of being killed for running out
// of memory or overflowing the stack. The built file runs as a process, as kpt runs it, with a
// preload that reports its peak resident memory.
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { readInput, runKrm } from '../fn/cli/krm.js';
import { KUBERNETES_SCHEMA, LIMITS, parseYaml } from '../fn/io/yaml.js';
import { DIST, runDist } from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'dbtls-limits-'));
const preload = join(work, 'maxrss.cjs');
writeFileSync(
  preload,
  "process.on('exit', () => process.stderr.write(`maxrss-kb=${process.resourceUsage().maxRSS}\\n`));\n",
);

interface Measured {
  status: number;
  stdout: string;
  stderr: string;
  ms: number;
  rssMiB: number;
  output: any;
}

/** Runs dist/dbtls.js through `sh -c` (so input can be piped from a generator) and measures it. */
function measure(shell: string, input?: string): Measured {
  const start = process.hrtime.bigint();
  const r = spawnSync('sh', ['-c', shell], {
    input,
    env: {
      ...process.env,
      DIST,
      PRELOAD: preload,
      NODE: process.execPath,
      OUT: join(work, 'out.yaml'),
    },
    maxBuffer: 1 << 26,
  });
  const ms = Number((process.hrtime.bigint() - start) / 1_000_000n);
  const stderr = r.stderr.toString();
  const rss = /maxrss-kb=(\d+)/.exec(stderr);
  let output: any;
  try {
    output = load(r.stdout.toString(), { schema: KUBERNETES_SCHEMA });
  } catch {
    output = undefined;
  }
  return {
    status: r.status ?? -1,
    stdout: r.stdout.toString(),
    stderr: stderr.replace(/maxrss-kb=\d+\n/, ''),
    ms,
    rssMiB: rss ? Number(rss[1]) / 1024 : NaN,
    output,
  };
}
const dbtls = '"$NODE" --require "$PRELOAD" "$DIST"';

const header =
  'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: bomb, namespace: demo}\n  data:\n';

/** A billion laughs: `levels` anchors, each a list of ten aliases of the one before. */
function laughs(levels: number): string {
  const lines = ['    l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < levels; i++)
    lines.push(
      `    l${i}: &l${i} [${Array(10)
        .fill(`*l${i - 1}`)
        .join(', ')}]`,
    );
  return `${header}${lines.join('\n')}\n`;
}

function expectOneError(m: Measured, message: string): void {
  expect(m.status, m.stderr).toBe(1);
  expect(m.output).toEqual({
    apiVersion: 'config.kubernetes.io/v1',
    kind: 'ResourceList',
    items: [],
    results: [{ severity: 'error', message }],
  });
  expect(m.stderr).toBe(`error: ${message}\n`);
}

describe('the limits are the documented ones', () => {
  it('maxBytes 256 MiB, maxNodes 8000000, maxFlowNodes 2000000, maxDepth 64, maxAliases 1000, maxAliasExpansion 100000', () => {
    expect(LIMITS).toEqual({
      maxBytes: 256 * 1024 * 1024,
      maxNodes: 8_000_000,
      maxFlowNodes: 2_000_000,
      maxDepth: 64,
      maxAliases: 1000,
      maxAliasExpansion: 100_000,
    });
  });
});

describe('alias expansion', () => {
  it('refuses a billion laughs (10^10 nodes through 91 aliases) at once, in little memory', () => {
    const m = measure(dbtls, laughs(10));
    expectOneError(
      m,
      `input is not valid YAML: aliases expand to more than 100000 further nodes, exceeding maxAliasExpansion (100000)`,
    );
    expect(m.ms).toBeLessThan(5_000);
    expect(m.rssMiB).toBeLessThan(150);
    console.info(
      `limits: billion laughs refused in ${m.ms} ms, peak RSS ${m.rssMiB.toFixed(0)} MiB`,
    );
  });

  it('reads aliases up to the limit (10^4 nodes from four anchors), and passes the item through as written', () => {
    const r = runDist(laughs(4));
    expect(r.status, r.stderr).toBe(0);
    expect(r.output.results).toBeUndefined();
    expect(JSON.stringify(r.output.items[0].data.l3).match(/lol/g)).toHaveLength(10_000);
    // An item dbtls does not change keeps its text, anchors and aliases included.
    expect(r.stdout).toContain('l3: &l3 [*l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2]\n');
    // …and one order of magnitude more is refused, whatever the number of aliases written
    expect(runFn(laughs(6)).results).toEqual([
      {
        severity: 'error',
        message:
          'input is not valid YAML: aliases expand to more than 100000 further nodes, exceeding maxAliasExpansion (100000)',
      },
    ]);
  });

  it('refuses an alias inside the node it names (a recursive structure) instead of overflowing the stack', () => {
    const m = measure(dbtls, `${header}    loop: &loop [a, *loop]\n`);
    expectOneError(
      m,
      'input is not valid YAML: an alias refers to a node that contains it (a recursive structure)',
    );
  });

  it('refuses more than maxAliases aliases, with the position of the first one too many', () => {
    const text = `${header}    a: &a x\n    b: [${Array(1001).fill('*a').join(', ')}]\n`;
    const m = measure(dbtls, text);
    expectOneError(
      m,
      'input is not valid YAML: aliases exceeded maxAliases (1000) at line 9, column 4010',
    );
    expect(
      runFn(`${header}    a: &a x\n    b: [${Array(1000).fill('*a').join(', ')}]\n`).status,
    ).toBe(0);
  });
});

describe('nesting depth', () => {
  const nested = (n: number) => `${header}    x: ${'['.repeat(n)}${']'.repeat(n)}\n`;
  it('accepts 64 levels (ResourceList, items, item, data and 60 lists) and refuses 65 with the position', () => {
    expect(runFn(nested(60)).status).toBe(0);
    const m = measure(dbtls, nested(100));
    expectOneError(
      m,
      'input is not valid YAML: nesting exceeded maxDepth (64) at line 8, column 68',
    );
    expect(runFn(nested(61)).results).toEqual([
      {
        severity: 'error',
        message: 'input is not valid YAML: nesting exceeded maxDepth (64) at line 8, column 68',
      },
    ]);
  });

  it('counts the depth aliases add: a deep anchor used deep down is refused', () => {
    const deep = (outer: number) =>
      `${header}    a: &a ${'['.repeat(30)}${']'.repeat(30)}\n    b: ${'['.repeat(outer)}*a${']'.repeat(outer)}\n`;
    expect(runFn(deep(30)).status).toBe(0); // 4 + 30 + 30 = 64 levels
    expectOneError(
      measure(dbtls, deep(31)),
      'input is not valid YAML: nesting through aliases exceeded maxDepth (64)',
    );
    // a chain of such anchors would otherwise nest thousands of levels and overflow the stack
    const chain = [`    a0: &a0 ${'['.repeat(50)}${']'.repeat(50)}`];
    for (let i = 1; i < 500; i++)
      chain.push(`    a${i}: &a${i} ${'['.repeat(50)}*a${i - 1}${']'.repeat(50)}`);
    expectOneError(
      measure(dbtls, `${header}${chain.join('\n')}\n`),
      'input is not valid YAML: nesting through aliases exceeded maxDepth (64)',
    );
  });

  it('parseYaml refuses at the same depth as the YAML parser, with and without aliases', () => {
    const at = (n: number) => `a: ${'['.repeat(n)}${']'.repeat(n)}`;
    expect(() => parseYaml(at(63))).not.toThrow();
    expect(() => parseYaml(at(64))).toThrow('nesting exceeded maxDepth (64)');
    expect(() =>
      parseYaml(
        `x: &x ${'['.repeat(31)}${']'.repeat(31)}\ny: ${'['.repeat(32)}*x${']'.repeat(32)}`,
      ),
    ).not.toThrow();
    expect(() =>
      parseYaml(
        `x: &x ${'['.repeat(31)}${']'.repeat(31)}\ny: ${'['.repeat(33)}*x${']'.repeat(33)}`,
      ),
    ).toThrow('nesting through aliases exceeded maxDepth (64)');
  });
});

describe('number of nodes', () => {
  // Memory grows with the number of nodes, not of bytes: 8 MiB of `[a,a,…]` took ~2 GB to process.
  const flow = (n: number) => `${header}    list: [${'a,'.repeat(n - 1)}a]\n`;
  const marks = (text: string, chars = '\n,-:?[{') =>
    text.split('').filter((c) => chars.includes(c)).length;
  /** One ConfigMap whose data has `keys` block entries: two places (`:` and a line break) each. */
  const block = (keys: number) =>
    `${header}${Array.from({ length: keys }, (_, i) => `    k${i}: v\n`).join('')}`;

  it('refuses more than maxFlowNodes places in flow style, before parsing, saying how to raise the limit', () => {
    const text = flow(2_000_000);
    expect(marks(text, ',[{')).toBe(2_000_002);
    const m = measure(dbtls, text);
    expectOneError(
      m,
      'input is too large: 2000002 places where a node may start in flow style (, [ { characters), more than maxFlowNodes (2000000), which bounds memory; to accept it, write the collections in block style or set DBTLS_MAX_FLOW_NODES=2000002 (about 350 bytes of memory per place)',
    );
    expect(m.rssMiB).toBeLessThan(200);
    console.info(
      `limits: 2000002 flow node starts (4 MB of [a,a,…]) refused in ${m.ms} ms, peak RSS ${m.rssMiB.toFixed(0)} MiB`,
    );
  });

  it('processes the densest flow input under the limit in bounded memory', () => {
    const text = flow(1_999_990);
    expect(marks(text, ',[{')).toBe(1_999_992);
    const m = measure(`${dbtls} | tail -c 100`, text);
    expect(m.status, m.stderr).toBe(0);
    expect(m.stdout).toMatch(/,a,a\]\n$/); // the item's own text, passed through
    expect(m.rssMiB).toBeLessThan(1200);
    console.info(
      `limits: 1999990 list items (the densest flow input under maxFlowNodes) processed in ${m.ms} ms, peak RSS ${m.rssMiB.toFixed(0)} MiB`,
    );
  });

  it('refuses more than maxNodes places in all, before parsing, quickly and in little memory', () => {
    const text = block(4_000_000);
    expect(marks(text)).toBe(8_000_019);
    const m = measure(dbtls, text);
    expectOneError(
      m,
      'input is too large: 8000019 places where a node may start (line breaks and , - : ? [ { characters), more than maxNodes (8000000), which bounds memory; to accept it, set DBTLS_MAX_NODES=8000019 (about 50 to 300 bytes of memory per place)',
    );
    expect(m.rssMiB).toBeLessThan(400);
    console.info(
      `limits: 8000019 node starts (${(text.length / 2 ** 20).toFixed(0)} MiB of block mapping) refused in ${m.ms} ms, peak RSS ${m.rssMiB.toFixed(0)} MiB`,
    );
  });

  it('DBTLS_MAX_NODES and DBTLS_MAX_FLOW_NODES set the limits; a value that is not a number is refused', () => {
    const small = flow(100);
    expectOneError(
      measure(`DBTLS_MAX_NODES=50 ${dbtls}`, small),
      'input is too large: 121 places where a node may start (line breaks and , - : ? [ { characters), more than maxNodes (50), which bounds memory; to accept it, set DBTLS_MAX_NODES=121 (about 50 to 300 bytes of memory per place)',
    );
    expectOneError(
      measure(`DBTLS_MAX_FLOW_NODES=99 ${dbtls}`, small),
      'input is too large: 102 places where a node may start in flow style (, [ { characters), more than maxFlowNodes (99), which bounds memory; to accept it, write the collections in block style or set DBTLS_MAX_FLOW_NODES=102 (about 350 bytes of memory per place)',
    );
    expect(measure(`DBTLS_MAX_NODES=121 DBTLS_MAX_FLOW_NODES=102 ${dbtls}`, small).status).toBe(0);
    expectOneError(
      measure(`DBTLS_MAX_NODES=lots ${dbtls}`, small),
      'input is not valid YAML: DBTLS_MAX_NODES must be a whole number (the limit to use), not "lots"',
    );
  });

  it("re-renders dbtls's own output for a package past the old limit of 2,000,000 places, as kpt does", async () => {
    const { generate } = await import('../bench/generate.mjs');
    const first = measure(`${dbtls} > "$OUT"`, generate(2000));
    expect(first.status, first.stderr).toBe(0);
    const rendered = readFileSync(join(work, 'out.yaml'), 'utf8');
    // kpt sends back the package's objects, not the results.
    const again = rendered.slice(0, rendered.indexOf('\nresults:') + 1);
    expect(marks(again)).toBeGreaterThan(2_000_000);
    const m = measure(`${dbtls} | tail -c 100`, again);
    expect(m.status, m.stderr).toBe(0);
    expect(m.rssMiB).toBeLessThan(400);
    console.info(
      `limits: dbtls's output at N=2,000 (${(again.length / 2 ** 20).toFixed(0)} MiB, ${marks(again)} places) re-rendered in ${m.ms} ms, peak RSS ${m.rssMiB.toFixed(0)} MiB`,
    );
  });
});

describe('input size', () => {
  it('stops reading stdin past maxBytes: 256 MiB + 1 byte streamed from a generator is refused in bounded memory', () => {
    // The generator writes forever; dbtls must stop at the limit rather than read it all.
    const generator = `"$NODE" -e "const b = Buffer.alloc(1 << 20, '#'); process.stdout.on('error', () => process.exit(0)); const w = () => { while (process.stdout.write(b)); process.stdout.once('drain', w); }; w();"`;
    const m = measure(`${generator} | ${dbtls}`);
    expectOneError(
      m,
      'input is larger than 268435456 bytes, exceeding maxBytes (268435456); nothing was processed',
    );
    expect(m.ms).toBeLessThan(15_000);
    expect(m.rssMiB).toBeLessThan(3 * 256); // the bytes up to the limit, copied once, and Node itself
    console.info(
      `limits: endless stdin refused after 256 MiB in ${m.ms} ms, peak RSS ${m.rssMiB.toFixed(0)} MiB`,
    );
  });

  it('reads up to maxBytes + 1 bytes and no further', () => {
    const file = join(work, 'input');
    writeFileSync(file, 'x'.repeat(100));
    for (const [limit, length] of [
      [10, 11],
      [99, 100],
      [100, 100],
      [1000, 100],
    ]) {
      const fd = openSync(file, 'r');
      try {
        expect(readInput(fd, limit).length).toBe(length);
      } finally {
        closeSync(fd);
      }
    }
    const big = { length: LIMITS.maxBytes + 1 } as Uint8Array; // runKrm looks at the length first
    expect(runKrm(big)).toEqual({
      exitCode: 1,
      stderr:
        'error: input is larger than 268435456 bytes, exceeding maxBytes (268435456); nothing was processed\n',
      stdout:
        'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nresults:\n  - severity: error\n    message: input is larger than 268435456 bytes, exceeding maxBytes (268435456); nothing was processed\n',
    });
  });
});

describe('directory mode applies the same limits per file', () => {
  it('refuses a file larger than maxBytes without reading it', () => {
    const dir = join(work, 'big');
    mkdirSync(dir);
    writeFileSync(join(dir, 'ok.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n');
    writeFileSync(join(dir, 'huge.yaml'), '');
    truncateSync(join(dir, 'huge.yaml'), LIMITS.maxBytes + 1); // sparse: no disk space used
    const check = measure(`${dbtls} check "${dir}"`);
    expect(check.status).toBe(1);
    expect(check.stdout).toBe(
      `${join(dir, 'huge.yaml')}: error: file is larger than 268435456 bytes, exceeding maxBytes (268435456)\n`,
    );
    expect(check.rssMiB).toBeLessThan(150);
  });

  it('check and render report the file', () => {
    const dir = join(work, 'pkg');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'bomb.yaml'),
      laughs(10).slice(header.indexOf('- apiVersion')).replace(/^- /, '').replace(/^ {2}/gm, ''),
    );
    const check = runDist('', ['check', dir]);
    expect(check.status).toBe(1);
    expect(check.stdout).toBe(
      `${join(dir, 'bomb.yaml')}:1:1: error: file is not valid YAML: aliases expand to more than 100000 further nodes, exceeding maxAliasExpansion (100000)\n`,
    );
    const render = runDist('', ['render', dir]);
    expect(render).toMatchObject({ status: 1, stdout: '' });
    expect(render.stderr).toBe(check.stdout); // placed as check places it
  });
});

/** In-process, for the cases that need no process of their own. */
function runFn(text: string): { status: number; results: unknown } {
  const out = runKrm(Buffer.from(text));
  return {
    status: out.exitCode,
    results: (load(out.stdout, { schema: KUBERNETES_SCHEMA }) as any).results,
  };
}
