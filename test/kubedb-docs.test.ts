// KubeDB's and KubeVault's own documentation examples (test/data/kubedb-docs/): every one through
// `check`'s directory reader and the function, in operator, validate and standalone mode. No
// crash anywhere; no error in operator or validate mode (KubeDB accepts these objects: an error
// there is a false one), except the few refusals.json lists with the upstream fact that makes
// KubeDB refuse the object too; in standalone mode a render or a refusal, the refusals recorded
// in standalone.json so that every change shows. Refresh the records after an intended change
// with UPDATE_KUBEDB_DOCS=1 — and read the diff.
//
// The corpus (test/data/kubedb-docs/corpus, committed with its provenance and licence) is what
// scripts/kubedb-docs.mjs extracts at the commits pinned there; examples.json names every file
// and its SHA-256, and the test checks the files against it.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { processDirectory } from '../fn/cli/directory.js';
import type { Result } from '../fn/io/results.js';
import { ROOT } from './helpers.js';

const DATA = join(ROOT, 'test/data/kubedb-docs');
const CORPUS = process.env.DBTLS_KUBEDB_DOCS ?? join(DATA, 'corpus');
const update = process.env.UPDATE_KUBEDB_DOCS === '1';

interface Example {
  id: string;
  repository: string;
  commit: string;
  path: string;
  block?: number;
  line?: number;
  role?: 'catalog';
  sha256: string;
}

const manifest: { sources: { repository: string; commit: string }[]; examples: Example[] } =
  JSON.parse(readFileSync(join(DATA, 'examples.json'), 'utf8'));
const present = existsSync(join(CORPUS, 'examples.json'));
const MODES = ['operator', 'validate', 'standalone'] as const;
type Mode = (typeof MODES)[number];

/** Where an example belongs: its directory, or for a markdown block the markdown file. */
const placeOf = (e: Example) => (e.block !== undefined ? e.path : dirname(e.path));

/** The catalog objects (PostgresVersion, …) the docs ship beside an example: applied with it. */
function catalogsBeside(e: Example): Example[] {
  return manifest.examples.filter(
    (c) => c.role === 'catalog' && c.repository === e.repository && placeOf(c) === placeOf(e),
  );
}

const textOf = (e: Example) => readFileSync(join(CORPUS, e.id), 'utf8');

/** Every issuer an example names: they exist in the docs' cluster (created by another step). */
function issuersNamed(text: string): string[] {
  const names = new Set<string>();
  const re = /issuerRef:\s*\n((?:\s+[\w]+:.*\n?)+)/g;
  for (const m of text.matchAll(re)) {
    const name = /\bname:\s*["']?([^"'\s#]+)/.exec(m[1])?.[1];
    const kind = /\bkind:\s*["']?(\w+)/.exec(m[1])?.[1] ?? 'Issuer';
    if (name) names.add(kind === 'ClusterIssuer' ? `ClusterIssuer/${name}` : name);
  }
  return [...names];
}

const work = mkdtempSync(join(tmpdir(), 'dbtls-kubedb-docs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** One example in one mode, as `check DIR --mode MODE` runs it: the results, or the crash. */
function run(e: Example, mode: Mode): { results: Result[]; crash?: string } {
  const dir = join(work, e.id.replace(/[^\w.-]+/g, '_'));
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, basename(e.id)), textOf(e));
    for (const c of catalogsBeside(e))
      writeFileSync(join(dir, `catalog-${basename(c.id)}`), textOf(c));
  }
  const data: Record<string, string> = { mode };
  const issuers = issuersNamed(textOf(e));
  if (issuers.length) data.externalIssuers = issuers.join(',');
  const config = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'flags' }, data };
  try {
    return { results: processDirectory(dir, config).results };
  } catch (err) {
    return { results: [], crash: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
}

const errorsOf = (results: readonly Result[]) =>
  results.filter((r) => r.severity === 'error').map((r) => describe1(r));

function describe1(r: Result): string {
  const ref = r.resourceRef ? `${r.resourceRef.kind}/${r.resourceRef.name}` : '';
  return `${ref}${r.field ? ` ${r.field.path}` : ''}: ${r.message}`;
}

/** A reviewed refusal: the examples KubeDB refuses too (or dbtls cannot read), each with why. */
interface Refusal {
  reason: string;
  errors: string[];
}
const UNREVIEWED = 'UNREVIEWED: say why KubeDB refuses this too, or fix dbtls';

/**
 * refusals.json holds every example with an error in operator or validate mode, with the reviewed
 * reason; an update keeps the reasons and marks a new entry unreviewed, which fails until a person
 * writes why.
 */
function checkRefusals(actual: Record<string, string[]>): void {
  const path = join(DATA, 'refusals.json');
  const recorded: Record<string, Refusal> = JSON.parse(readFileSync(path, 'utf8'));
  const merged = Object.fromEntries(
    Object.entries(actual).map(([id, errors]) => [
      id,
      { reason: recorded[id]?.reason ?? UNREVIEWED, errors },
    ]),
  );
  if (update) writeFileSync(path, `${JSON.stringify(merged, null, 1)}\n`);
  else expect(merged).toEqual(recorded);
  const unreviewed = Object.entries(merged).filter(([, r]) => r.reason === UNREVIEWED);
  expect(
    unreviewed.map(([id]) => id),
    'refusals without a reason',
  ).toEqual([]);
}

/** A message with its quoted values left out: what several examples share. */
const reasonOf = (message: string) =>
  message
    .replace(/^\S+ /, '')
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\[\d+\]/g, '[i]');

/** standalone.json: each refused example's errors, and how many examples each reason refuses. */
function checkStandalone(actual: Record<string, string[]>): void {
  const reasons: Record<string, number> = {};
  for (const errors of Object.values(actual))
    for (const r of new Set(errors.map(reasonOf))) reasons[r] = (reasons[r] ?? 0) + 1;
  const sorted = Object.fromEntries(Object.entries(reasons).sort((x, y) => y[1] - x[1]));
  const record = { refused: Object.keys(actual).length, reasons: sorted, examples: actual };
  const path = join(DATA, 'standalone.json');
  if (update) writeFileSync(path, `${JSON.stringify(record, null, 1)}\n`);
  else expect(record).toEqual(JSON.parse(readFileSync(path, 'utf8')));
}

const databases = manifest.examples.filter((e) => e.role !== 'catalog');

describe('KubeDB documentation examples', () => {
  it('examples.json names the pinned commits of scripts/kubedb-docs.mjs', () => {
    const script = readFileSync(join(ROOT, 'scripts/kubedb-docs.mjs'), 'utf8');
    for (const s of manifest.sources) expect(script).toContain(s.commit);
    for (const e of manifest.examples)
      expect(manifest.sources.map((s) => s.commit)).toContain(e.commit);
    expect(databases.length).toBeGreaterThan(500);
  });

  it('the corpus (test/data/kubedb-docs/corpus) is the pinned one, file for file', () => {
    expect(present, `no corpus at ${CORPUS}`).toBe(true);
    const extracted = JSON.parse(readFileSync(join(CORPUS, 'examples.json'), 'utf8'));
    expect(extracted.examples).toEqual(manifest.examples);
    for (const e of manifest.examples)
      expect(createHash('sha256').update(textOf(e)).digest('hex'), e.id).toBe(e.sha256);
  });

  it('every example in every mode: no crash, no false error, standalone refusals as recorded', () => {
    const operatorErrors: Record<string, string[]> = {};
    const standalone: Record<string, string[]> = {};
    for (const e of databases) {
      for (const mode of MODES) {
        const { results, crash } = run(e, mode);
        expect(crash, `${e.id} in ${mode} mode`).toBeUndefined();
        const internal = results.filter((r) => /internal error/.test(r.message));
        expect(internal, `${e.id} in ${mode} mode`).toEqual([]);
        const errors = errorsOf(results);
        if (errors.length === 0) continue;
        if (mode === 'standalone') standalone[e.id] = errors;
        else (operatorErrors[e.id] ??= []).push(...errors.map((m) => `${mode}: ${m}`));
      }
    }
    checkStandalone(standalone);
    checkRefusals(operatorErrors);
  }, 600_000);
});
