// The entry point and the engine (scripts/build.mjs, fn/main.ts): a list with nothing to process
// is answered without loading the engine, with what the engine would have answered; every other
// run loads it. And the built files: what each run loads, and how they export to each other.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import fc from 'fast-check';
import { dump } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { needsEngine, readKrmList, unchangedAnswer } from '../fn/cli/krm-io.js';
import { processList } from '../fn/cli/krm.js';
import { RESOURCE_LIST_VERSIONS } from '../fn/io/resource-list.js';
import { DIST, ROOT, resourceList } from './helpers.js';

/** Both answers to one input text, each from its own reading (processing may change a list). */
function bothAnswers(text: string) {
  const a = readKrmList(new TextEncoder().encode(text));
  const b = readKrmList(new TextEncoder().encode(text));
  if (!('list' in a) || !('list' in b)) throw new Error(`not a list: ${text}`);
  return {
    needs: needsEngine(a.list),
    unchanged: unchangedAnswer(a.list),
    engine: processList(b.list),
  };
}

const scalar = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);
const result = fc.record(
  {
    message: fc.string({ maxLength: 20 }),
    severity: fc.constantFrom('error', 'warning', 'info'),
    resourceRef: fc.record({
      apiVersion: fc.constant('v1'),
      kind: fc.constant('Secret'),
      name: fc.string({ minLength: 1, maxLength: 8 }),
    }),
  },
  { requiredKeys: ['message'] },
);
const emptyList = fc.record(
  {
    apiVersion: fc.constantFrom(...RESOURCE_LIST_VERSIONS),
    kind: fc.constant('ResourceList'),
    items: fc.constantFrom([], null),
    results: fc.array(result, { maxLength: 3 }),
    extra: fc.dictionary(fc.stringMatching(/^x-[a-z]{1,6}$/), scalar, { maxKeys: 2 }),
  },
  { requiredKeys: ['apiVersion', 'kind'] },
);

describe('a list with nothing to process', () => {
  it('is answered as the engine answers it: any envelope, any results it brings, no items and no function config', () => {
    fc.assert(
      fc.property(emptyList, ({ extra, ...list }) => {
        const text = dump({ ...list, ...extra });
        const { needs, unchanged, engine } = bothAnswers(text);
        expect(needs).toBe(false);
        expect(unchanged).toEqual(engine);
      }),
      { numRuns: 200 },
    );
  });

  it('is not one with an item, or with a function config (whose settings are checked even alone)', () => {
    expect(
      bothAnswers(resourceList([{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }]))
        .needs,
    ).toBe(true);
    const config = bothAnswers(
      resourceList([], {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'c' },
        data: { mode: 'bogus' },
      }),
    );
    expect(config.needs).toBe(true);
    expect(config.engine.exitCode).toBe(1);
    expect(config.engine.stderr).toContain('mode');
  });
});

describe('the built files', () => {
  const work = mkdtempSync(join(tmpdir(), 'dbtls-split-'));
  const preload = join(work, 'loaded.cjs');
  writeFileSync(
    preload,
    "process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(Object.keys(require.cache)) + '\\n'));\n",
  );
  const files = readdirSync(dirname(DIST)).filter((f) => f.endsWith('.js'));
  const shared = files.filter((f) => /^dbtls-[A-Z0-9]+\.js$/.test(f));
  /** The files of dist/ a run loaded. */
  const loaded = (args: string[], input = '') => {
    const r = spawnSync(process.execPath, ['--require', preload, DIST, ...args], {
      input,
      cwd: ROOT,
      encoding: 'utf8',
    });
    const list: string[] = JSON.parse(/^LOADED (.*)$/m.exec(r.stderr)![1]);
    return list
      .filter((f) => dirname(f) === dirname(DIST))
      .map((f) => basename(f))
      .sort();
  };

  it('are the entry point, the engine, the code they share and the yaml package', () => {
    expect(shared).toHaveLength(1);
    expect(files.sort()).toEqual(
      ['dbtls-engine.js', 'dbtls-yaml.js', 'dbtls.js', ...shared].sort(),
    );
  });

  it('an empty list, --version: the entry point and what it shares with the engine, nothing more', () => {
    const entry = ['dbtls.js', ...shared].sort();
    expect(loaded([], resourceList([]))).toEqual(entry);
    expect(loaded(['--version'])).toEqual(entry);
  });

  it('a list with items or a function config, --help, check DIR: the engine too (and the yaml package for positions)', () => {
    const engine = ['dbtls-engine.js', 'dbtls.js', ...shared].sort();
    expect(
      loaded([], resourceList([{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }])),
    ).toEqual(engine);
    expect(
      loaded(
        [],
        resourceList([], { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }),
      ),
    ).toEqual(engine);
    expect(loaded(['--help'])).toEqual(engine);
    expect(loaded(['check', 'examples/postgres'])).toEqual(['dbtls-yaml.js', ...engine].sort());
  });

  it('come with the code caches of what the example loads, which a run from PATH takes and any other node options refuse', () => {
    expect(
      readdirSync(dirname(DIST))
        .filter((f) => f.endsWith('.cache'))
        .sort(),
    ).toEqual(['dbtls-engine.cache', ...shared.map((f) => f.replace(/\.js$/, '.cache'))].sort());
    const input = resourceList([{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }]);
    const debug = (argv: string[]) =>
      spawnSync(argv[0], argv.slice(1), {
        input,
        encoding: 'utf8',
        env: { ...process.env, NODE_DEBUG: 'code-cache' },
      });
    // The launcher starts node with the options the build made the caches with.
    const fromPath = debug([DIST]);
    const verdicts = (r: { stderr: string }) =>
      [...r.stderr.matchAll(/CODE-CACHE \d+: .*\/(dbtls-[\w-]+)\.cache: (\w+)/g)]
        .map((m) => `${m[1]}: ${m[2]}`)
        .sort();
    expect(verdicts(fromPath)).toEqual(
      ['dbtls-engine: accepted', `${shared[0].slice(0, -3)}: accepted`].sort(),
    );
    const otherOptions = debug([process.execPath, DIST]);
    expect(verdicts(otherOptions)).toEqual(
      ['dbtls-engine: rejected', `${shared[0].slice(0, -3)}: rejected`].sort(),
    );
    expect(otherOptions.stdout).toBe(fromPath.stdout);
  });

  it('export functions to each other as values, not through getters (the engine calls into the shared file at every item)', () => {
    const exports = createRequire(import.meta.url)(join(dirname(DIST), shared[0]));
    const descriptors = Object.getOwnPropertyDescriptors(exports);
    for (const name of ['readKrmList', 'writeAll', 'hasErrors', 'formatResult'])
      expect(typeof descriptors[name]?.value, name).toBe('function');
    const getters = Object.keys(descriptors).filter((k) => descriptors[k].get);
    expect(getters.length).toBeLessThan(Object.keys(descriptors).length / 3);
  });
});
