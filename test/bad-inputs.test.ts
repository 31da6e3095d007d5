// The bad-input corpus: every folder under test/bad-inputs/ holds an input (raw bytes, fed to the
// built function on stdin as kpt would) and the exact results it must produce. For every case:
// the exit code; a valid ResourceList on stdout; the results, message for message; every error or
// warning naming its resource and field (or, for input that is no ResourceList, one top-level
// result); no stack trace on stderr; and every input item the function does not own unchanged.
// Record or refresh a case's expected.yaml with UPDATE_BAD_INPUTS=1 — then read every result.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dump, load } from 'js-yaml';
import { KUBERNETES_SCHEMA } from '../fn/io/yaml.js';
import { readResourceList, RESOURCE_LIST_VERSIONS } from '../fn/io/resource-list.js';
import { findKind } from '../fn/kinds/index.js';
import { GENERATED_FROM, LOCAL_CONFIG } from '../fn/render/metadata.js';
import { DIST, ROOT, type Run } from './helpers.js';

const CASES = join(ROOT, 'test/bad-inputs');
const update = process.env.UPDATE_BAD_INPUTS === '1';

interface Expected {
  description?: string;
  args?: string[];
  exitCode: number;
  results: any[];
}

const isMap = (v: unknown): v is Record<string, any> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The input's items, when the function could read them (the same reader, the same limits). */
function parsedList(bytes: Buffer): Record<string, any> | undefined {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  const read = readResourceList(text);
  return read.list;
}

/** dbtls's output from an earlier run (which it drops and renders afresh): nothing else may disappear. */
const OUTPUT_TYPES = [
  'cert-manager.io/v1 Certificate',
  'v1 ConfigMap',
  'v1 Service',
  'apps/v1 StatefulSet',
  'policy/v1 PodDisruptionBudget',
];
const isOwnOutput = (i: unknown) =>
  isMap(i) &&
  OUTPUT_TYPES.includes(`${i.apiVersion} ${i.kind}`) &&
  isMap(i.metadata) &&
  isMap(i.metadata.annotations) &&
  typeof i.metadata.annotations[GENERATED_FROM] === 'string';

/**
 * Input items as they must come out: earlier output dropped (or, where dbtls keeps it as a user's
 * object, unchanged), databases possibly marked local-config.
 */
function expectPassthrough(input: Record<string, any>, output: Record<string, any>): void {
  let at = 0;
  const kept = input.items.filter((i: unknown) => {
    if (!isOwnOutput(i)) return (at += 1);
    const same = JSON.stringify(output.items[at]) === JSON.stringify(i);
    if (same) at += 1;
    return same;
  });
  const out = output.items.slice(0, kept.length);
  kept.forEach((item: unknown, i: number) => {
    let actual = out[i];
    if (
      findKind(item) &&
      isMap(item) &&
      isMap(actual) &&
      isMap(actual.metadata) &&
      isMap(actual.metadata.annotations)
    ) {
      // Standalone mode marks a rendered database local-config: the one change allowed (and documented).
      const had =
        isMap(item.metadata) &&
        isMap(item.metadata.annotations) &&
        LOCAL_CONFIG in item.metadata.annotations;
      if (!had && actual.metadata.annotations[LOCAL_CONFIG] === 'true') {
        const { [LOCAL_CONFIG]: _added, ...annotations } = actual.metadata.annotations;
        const metadata: Record<string, unknown> = { ...actual.metadata, annotations };
        // Without annotations of its own (absent or null), the database had nothing else there.
        const before = isMap(item.metadata) ? item.metadata.annotations : undefined;
        if (Object.keys(annotations).length === 0 && !isMap(before)) {
          if (before === undefined) delete metadata.annotations;
          else metadata.annotations = before;
        }
        actual = { ...actual, metadata };
      }
    }
    expect(actual, `items[${i}] must pass through unchanged`).toEqual(item);
  });
  // Whatever follows the input items is ours.
  for (const g of output.items.slice(kept.length))
    expect(g?.metadata?.annotations?.[GENERATED_FROM]).toBeTypeOf('string');
}

/** runDist from helpers.ts, asynchronous, so that cases run side by side. */
function runDistAsync(input: Buffer, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DIST, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (status) => {
      const stdout = Buffer.concat(out).toString();
      let output: any;
      try {
        output = load(stdout, { schema: KUBERNETES_SCHEMA });
      } catch {
        output = undefined;
      }
      resolve({ stdout, stderr: Buffer.concat(err).toString(), status: status ?? -1, output });
    });
    child.stdin.on('error', () => {}); // the function may exit before reading everything
    child.stdin.end(input);
  });
}

const cases = existsSync(CASES)
  ? readdirSync(CASES, { withFileTypes: true })
      .filter((e) => e.isDirectory() && /^\d{3}-/.test(e.name))
      .map((e) => e.name)
      .sort()
  : [];

describe('bad-input corpus', () => {
  it('has at least 60 cases', () => expect(cases.length).toBeGreaterThanOrEqual(60));

  it.concurrent.each(cases)('%s', async (name) => {
    const dir = join(CASES, name);
    const input = readFileSync(join(dir, 'input.yaml'));
    const file = join(dir, 'expected.yaml');
    const expected = (
      existsSync(file) ? load(readFileSync(file, 'utf8')) : {}
    ) as Partial<Expected>;
    const run = await runDistAsync(input, expected.args ?? []);

    // stdout is always a ResourceList, and stderr never a stack trace.
    expect(
      isMap(run.output),
      `stdout is not YAML of a mapping:\n${run.stdout}\nstderr:\n${run.stderr}`,
    ).toBe(true);
    expect(RESOURCE_LIST_VERSIONS).toContain(run.output.apiVersion);
    expect(run.output.kind).toBe('ResourceList');
    expect(Array.isArray(run.output.items)).toBe(true);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.stderr).not.toMatch(/\b\w*(Error|Exception):/);
    const results: any[] = run.output.results ?? [];
    // Results already in the input (an earlier function's) pass through as they are; the rules are for ours.
    const list = parsedList(input);
    const ours = results.slice(Array.isArray(list?.results) ? list.results.length : 0);
    for (const r of ours) expect(r.message).not.toMatch(/internal error/);

    if (update) {
      const { description, args } = expected;
      const next: Expected = {
        ...(description ? { description } : {}),
        ...(args ? { args } : {}),
        exitCode: run.status,
        results,
      };
      writeFileSync(file, dump(next, { lineWidth: -1, noRefs: true }));
    } else {
      expect(run.status).toBe(expected.exitCode);
      expect(results).toEqual(expected.results);
    }
    expect(run.status).toBe(ours.some((r) => r.severity === 'error') ? 1 : 0);

    // Every error and warning says which resource and which field; input that is no ResourceList
    // at all gets exactly one top-level result; an item that cannot be named is named by its index.
    for (const r of ours.filter((x) => x.severity !== 'info')) {
      // kustomize and Argo CD show stderr and ignore results: every problem is there too.
      expect(run.stderr).toContain(`${r.severity}: ${r.message}`);
      if (r.resourceRef) {
        expect(r.resourceRef).toMatchObject({
          apiVersion: expect.any(String),
          kind: expect.any(String),
          name: expect.any(String),
        });
        expect(r.field?.path, `result without a field: ${r.message}`).toBeTypeOf('string');
      } else if (/^items\[\d+\] /.test(r.message)) {
        // An item that is not a Kubernetes object: named by its position.
      } else {
        expect(
          ours,
          `a result that names no resource must be the only one: ${r.message}`,
        ).toHaveLength(1);
      }
    }

    if (list) expectPassthrough(list, run.output);
  });
});
