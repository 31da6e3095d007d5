// Properties of the KRM function over generated ResourceLists (test/arbitraries.ts): unrelated
// resources of any shape, databases of every kind valid and broken, issuers, a Secret with
// random key material, stale output of an earlier run, and function configs — serialized in
// several YAML styles and run through runKrm, the entry the CLI uses, so the YAML round trip is
// part of every run. For each input:
//   - no crash: exit 0 or 1, never an internal error, exit 1 exactly when a result is an error;
//   - the output is a valid ResourceList that keeps the input's apiVersion and functionConfig,
//     and every result is well formed and names a resource of the input;
//   - ownership: every item we do not own comes out unchanged and in the same relative order; a
//     database may change only as documented, each with its result (local-config in standalone
//     mode when rendered; the
//     requireTLS rule's defaultIssuerRef, with its info result); what we generate names its
//     source, and what we generated before is regenerated or pruned;
//   - running twice equals running once (items byte for byte); output is byte-for-byte deterministic;
//   - no secret data: a Secret's values appear in no other item, result or stderr line, and no
//     generated object or result holds PEM key material.
// A smaller number of inputs also go through the built dist/dbtls.js, stdin to stdout.
import fc from 'fast-check';
import { load } from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { runKrm, type KrmOutcome } from '../fn/cli/krm.js';
import { findKind, REGISTRY } from '../fn/kinds/index.js';
import { itemProblem } from '../fn/io/resource-list.js';
import { formatResult, type Result } from '../fn/io/results.js';
import { KUBERNETES_SCHEMA } from '../fn/io/yaml.js';
import { readSettings } from '../fn/policy/settings.js';
import {
  GENERATED_FROM,
  LOCAL_CONFIG,
  resourceListArb,
  serialize,
  type GeneratedList,
} from './arbitraries.js';
import { runDist } from './helpers.js';

type Obj = Record<string, any>;
const isMap = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const parse = (text: string): any => load(text, { schema: KUBERNETES_SCHEMA });
const nsOf = (o: Obj) =>
  typeof o.metadata?.namespace === 'string' && o.metadata.namespace !== ''
    ? o.metadata.namespace
    : 'default';
const annotationsOf = (o: unknown): Obj =>
  isMap(o) && isMap(o.metadata) && isMap(o.metadata.annotations) ? o.metadata.annotations : {};
/** Owned, as the engine decides: a Kubernetes object carrying our generated-from annotation. */
const owned = (o: unknown) =>
  itemProblem(o) === undefined && typeof annotationsOf(o)[GENERATED_FROM] === 'string';
const modeOf = (fc: Obj | undefined): string =>
  (fc?.kind === 'DatabaseTLSPolicy'
    ? fc.spec?.mode
    : fc?.kind === 'ConfigMap'
      ? fc.data?.mode
      : findKind(fc)
        ? annotationsOf(fc)['dbtls.dev/mode']
        : undefined) ?? 'standalone';
const idOf = (o: Obj) => `${o.apiVersion}/${o.kind}/${nsOf(o)}/${o.metadata?.name}`;
/** kustomize marks a generator's own resource local-config and names the function on it. */
const KUSTOMIZE_ANNOTATIONS = [LOCAL_CONFIG, 'config.kubernetes.io/function'];

// Fixed seeds and counts: the same inputs every run, so the counts below are what ran.
const IN_PROCESS_RUNS = 1500;
const DIST_RUNS = 25;

const stats = {
  configErrors: 0,
  generatorChanges: 0,
  inProcess: 0,
  exit0: 0,
  exit1: 0,
  generated: 0,
  renderedDatabases: 0,
  localConfigAdded: 0,
  defaultIssuerAdded: 0,
  pruned: 0,
  secrets: 0,
  results: { error: 0, warning: 0, info: 0 } as Record<string, number>,
  dist: 0,
};

/** The items part of a ResourceList as written: everything before the top-level `results:`. */
function itemsText(stdout: string): string {
  const at = stdout.search(/^results:$/m);
  return at < 0 ? stdout : stdout.slice(0, at);
}

/** Undoes the documented changes to a database; returns the item and the changes found. */
function undoDocumentedChanges(
  input: Obj,
  output: Obj,
  generatorInOperatorMode: boolean,
): { item: Obj; changes: string[] } {
  const item = structuredClone(output);
  const changes: string[] = [];
  const inAnn = annotationsOf(input);
  if (
    generatorInOperatorMode &&
    KUSTOMIZE_ANNOTATIONS.some((a) => a in inAnn && !(a in annotationsOf(item)))
  ) {
    // the generator's database, emitted for KubeDB without the annotations kustomize injected
    changes.push('generator');
    item.metadata.annotations = {
      ...annotationsOf(item),
      ...Object.fromEntries(
        KUSTOMIZE_ANNOTATIONS.filter((a) => a in inAnn).map((a) => [a, inAnn[a]]),
      ),
    };
  }
  if (annotationsOf(item)[LOCAL_CONFIG] === 'true' && inAnn[LOCAL_CONFIG] !== 'true') {
    changes.push('local-config');
    if (LOCAL_CONFIG in inAnn) item.metadata.annotations[LOCAL_CONFIG] = inAnn[LOCAL_CONFIG];
    else delete item.metadata.annotations[LOCAL_CONFIG];
    if (
      Object.keys(item.metadata.annotations).length === 0 &&
      !(isMap(input.metadata) && 'annotations' in input.metadata)
    )
      delete item.metadata.annotations;
  }
  if (
    isMap(input.spec) &&
    (input.spec.tls === undefined || input.spec.tls === null) &&
    isMap(item.spec) &&
    item.spec.tls !== undefined &&
    item.spec.tls !== null
  ) {
    changes.push('defaultIssuerRef');
    if ('tls' in input.spec) item.spec.tls = input.spec.tls;
    else delete item.spec.tls;
  }
  return { item, changes };
}

function checkOutcome(text: string, g: GeneratedList, out: KrmOutcome): Obj {
  const input = parse(text);
  // no crash: exit 0 or 1, a ResourceList, no internal error
  expect([0, 1]).toContain(out.exitCode);
  const output = parse(out.stdout);
  expect(isMap(output)).toBe(true);
  expect(output.kind).toBe('ResourceList');
  expect(output.apiVersion).toBe(input.apiVersion);
  expect(Array.isArray(output.items)).toBe(true);
  expect(output.functionConfig).toEqual(input.functionConfig);
  const results: Obj[] = output.results ?? [];
  expect(Array.isArray(results)).toBe(true);
  const names = new Set(
    [...input.items, ...(input.functionConfig ? [input.functionConfig] : [])]
      .filter(isMap)
      .map((o) => `${o.kind}/${o.metadata?.name}`),
  );
  for (const r of results) {
    expect(['error', 'warning', 'info']).toContain(r.severity);
    expect(typeof r.message).toBe('string');
    expect(r.message).not.toMatch(/internal error|\n {4}at /);
    if (r.resourceRef)
      expect(names, JSON.stringify(r)).toContain(`${r.resourceRef.kind}/${r.resourceRef.name}`);
    if (r.field) expect(typeof r.field.path).toBe('string');
    stats.results[r.severity]++;
  }
  expect(out.exitCode).toBe(results.some((r) => r.severity === 'error') ? 1 : 0);
  expect(out.stderr).toBe(
    results
      .filter((r) => r.severity !== 'info')
      .map((r) => `${formatResult(r as Result)}\n`)
      .join(''),
  );

  if (readSettings(input.functionConfig, REGISTRY).results.some((r) => r.severity === 'error')) {
    // a function config in error stops everything: every item comes back as it came
    expect(output.items).toEqual(input.items);
    expect(results.every((r) => r.resourceRef?.kind === input.functionConfig.kind)).toBe(true);
    stats.configErrors++;
    return output;
  }

  // ownership: what we do not own passes through in order, databases change only as documented
  const generator: Obj | undefined = findKind(input.functionConfig)
    ? input.functionConfig
    : undefined;
  const keptIn = input.items.filter((i: unknown) => !owned(i));
  const keptOut = output.items.filter((i: unknown) => !owned(i));
  expect(keptOut).toHaveLength(keptIn.length);
  keptIn.forEach((inp: unknown, i: number) => {
    const actual = keptOut[i];
    if (!findKind(inp) || !isMap(actual)) {
      expect(actual).toEqual(inp);
      return;
    }
    const db = inp as Obj;
    const isGenerator = generator !== undefined && idOf(generator) === idOf(db);
    const { item, changes } = undoDocumentedChanges(
      db,
      actual,
      isGenerator && modeOf(input.functionConfig) === 'operator',
    );
    if (generator && !isGenerator)
      expect(changes, 'a kustomize generator touches only its own database').toEqual([]);
    expect(
      item,
      `items: ${db.kind}/${db.metadata?.name} changed beyond the documented changes`,
    ).toEqual(db);
    const source = `${db.kind}/${nsOf(db)}/${db.metadata.name}`;
    const rendered = output.items.some(
      (o: unknown) => owned(o) && annotationsOf(o)[GENERATED_FROM] === source,
    );
    if (rendered) stats.renderedDatabases++;
    for (const change of changes) {
      if (change === 'generator') {
        stats.generatorChanges++;
      } else if (change === 'local-config') {
        // standalone mode marks a database it rendered, so it is not applied without KubeDB
        expect(modeOf(input.functionConfig)).toBe('standalone');
        expect(rendered, `${source} marked local-config without being rendered`).toBe(true);
        expect(results, `${source} marked local-config without a result saying so`).toContainEqual(
          expect.objectContaining({
            severity: 'info',
            field: { path: `metadata.annotations.${LOCAL_CONFIG}` },
            resourceRef: expect.objectContaining({ kind: db.kind, name: db.metadata.name }),
            message: expect.stringMatching(
              /^metadata.annotations.config.kubernetes.io\/local-config is set to "true", so that \S+ itself is not applied: standalone mode renders its Certificates and workload in its place /,
            ),
          }),
        );
        stats.localConfigAdded++;
      } else {
        expect(results).toContainEqual(
          expect.objectContaining({
            severity: 'info',
            field: { path: 'spec.tls' },
            resourceRef: expect.objectContaining({ kind: db.kind, name: db.metadata.name }),
            message: expect.stringMatching(
              /^policy rule requireTLS: TLS is required and spec.tls was not set; added spec.tls.issuerRef (Issuer|ClusterIssuer) "[^"]+" \(the rule's defaultIssuerRef\)$/,
            ),
          }),
        );
        stats.defaultIssuerAdded++;
      }
    }
  });
  // what we generate names a database of the input; stale output without one is pruned
  const databases = generator
    ? [generator]
    : input.items.filter((i: unknown) => !owned(i) && findKind(i));
  const sources = new Set(databases.map((d: Obj) => `${d.kind}/${nsOf(d)}/${d.metadata.name}`));
  const generated = output.items.filter(owned);
  for (const o of generated)
    expect(sources, `${o.kind}/${o.metadata.name}`).toContain(annotationsOf(o)[GENERATED_FROM]);
  stats.generated += generated.length;
  stats.pruned += input.items.filter(
    (i: unknown) => owned(i) && !sources.has(annotationsOf(i)[GENERATED_FROM]),
  ).length;

  // no secret data in anything but the Secret itself; no key material in what we write
  if (g.secretValues.length) stats.secrets++;
  for (const o of output.items) {
    const s = toJson(o);
    if (isMap(o) && o.kind === 'Secret') continue;
    for (const v of g.secretValues)
      expect(s.includes(v), `secret value copied into ${isMap(o) ? o.kind : typeof o}`).toBe(false);
  }
  for (const o of [...generated, ...results])
    expect(toJson(o)).not.toMatch(/-----BEGIN|PRIVATE KEY/);
  for (const v of g.secretValues)
    expect(out.stderr.includes(v) || toJson(results).includes(v)).toBe(false);
  return output;
}

/** JSON of a value read with kubectl's rules, whose integers past 2^53 are bigints. */
function toJson(v: unknown): string {
  return JSON.stringify(v, (_key, x) => (typeof x === 'bigint' ? `${x}n` : x));
}

describe('properties over generated ResourceLists, in-process', () => {
  afterAll(() => {
    console.info(
      `properties: ${stats.inProcess} generated ResourceLists in-process (${stats.exit0} exit 0, ${stats.exit1} exit 1), each run 3 times` +
        ` (determinism, idempotence); ${stats.dist} through dist/dbtls.js; ${stats.renderedDatabases} databases rendered into ${stats.generated} objects;` +
        ` documented changes seen: local-config ${stats.localConfigAdded}, defaultIssuerRef ${stats.defaultIssuerAdded}, generator annotations ${stats.generatorChanges}; ${stats.pruned} stale generated items pruned;` +
        ` ${stats.secrets} inputs with a Secret; ${stats.configErrors} with a function config in error; results: ${stats.results.error} errors, ${stats.results.warning} warnings, ${stats.results.info} infos`,
    );
  });

  it('no crash, a valid ResourceList, passthrough in order, documented changes only, deterministic, idempotent, no secret data', () => {
    const started = Date.now();
    fc.assert(
      fc.property(resourceListArb, (g) => {
        const text = serialize(g);
        const out = runKrm(Buffer.from(text));
        checkOutcome(text, g, out);
        stats.inProcess++;
        if (out.exitCode === 0) stats.exit0++;
        else stats.exit1++;
        // byte-for-byte deterministic
        expect(runKrm(Buffer.from(text))).toEqual(out);
        // running twice equals running once
        const again = runKrm(Buffer.from(out.stdout));
        expect(itemsText(again.stdout)).toBe(itemsText(out.stdout));
        expect(again.exitCode).toBe(out.exitCode);
      }),
      { numRuns: IN_PROCESS_RUNS, seed: 20261123 },
    );
    // enough inputs ran, and every side of the properties was exercised
    expect(stats.inProcess).toBe(IN_PROCESS_RUNS);
    expect(stats.exit0).toBeGreaterThan(stats.inProcess / 10);
    expect(stats.exit1).toBeGreaterThan(stats.inProcess / 10);
    expect(stats.localConfigAdded).toBeGreaterThan(50);
    expect(stats.defaultIssuerAdded).toBeGreaterThan(10);
    expect(stats.pruned).toBeGreaterThan(50);
    console.info(`properties: ${IN_PROCESS_RUNS} in-process runs took ${Date.now() - started} ms`);
  }, 180_000);

  it('the built file gives the same bytes and exit code on stdin/stdout', () => {
    fc.assert(
      fc.property(resourceListArb, (g) => {
        const text = serialize(g);
        const inProcess = runKrm(Buffer.from(text));
        const r = runDist(text);
        expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
          status: inProcess.exitCode,
          stdout: inProcess.stdout,
          stderr: inProcess.stderr,
        });
        checkOutcome(text, g, inProcess);
        stats.dist++;
      }),
      { numRuns: DIST_RUNS, seed: 42 },
    );
    expect(stats.dist).toBe(DIST_RUNS);
  }, 120_000);
});

// Inputs the properties found, kept as examples.
describe('regressions found by the properties', () => {
  it('two databases of different kinds with one name: the clash is reported at the database, naming both', () => {
    const ref = { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' };
    const pxc = {
      apiVersion: 'kubedb.com/v1',
      kind: 'PerconaXtraDB',
      metadata: { name: 'db', namespace: 'prod' },
      spec: { version: '8.4.3', replicas: 3, tls: { issuerRef: ref } },
    };
    const pg = {
      apiVersion: 'kubedb.com/v1',
      kind: 'Postgres',
      metadata: { name: 'db', namespace: 'prod' },
      spec: { version: '16.4', tls: { issuerRef: ref } },
    };
    const issuer = {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Issuer',
      metadata: { name: 'ca', namespace: 'prod' },
      spec: { ca: { secretName: 'ca' } },
    };
    const out = runKrm(
      Buffer.from(
        serialize({
          items: [issuer, pxc, pg],
          apiVersion: 'config.kubernetes.io/v1',
          style: 'kubernetes',
          secretValues: [],
        }),
      ),
    );
    expect(out.exitCode).toBe(1);
    const errors = (parse(out.stdout).results as Obj[]).filter((r) => r.severity === 'error');
    const clash = (kind: string, name: string) => ({
      severity: 'error',
      field: { path: 'metadata.name' },
      resourceRef: { apiVersion: 'kubedb.com/v1', kind: 'Postgres', name: 'db', namespace: 'prod' },
      message: `the ${kind} "${name}" generated from Postgres/prod/db has the name of the ${kind} generated from PerconaXtraDB/prod/db; rename one of the two`,
    });
    expect(errors).toEqual([
      clash('Certificate', 'db-server-cert'),
      clash('Certificate', 'db-client-cert'),
      clash('Certificate', 'db-metrics-exporter-cert'),
      clash('ConfigMap', 'db-server-config'),
      clash('Service', 'db'),
      clash('Service', 'db-pods'),
      clash('StatefulSet', 'db'),
    ]);
  });
});
