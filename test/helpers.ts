// Shared test helpers: run the built function as a process, build ResourceLists, read results.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dump, load } from 'js-yaml';
import { KUBERNETES_SCHEMA } from '../fn/io/yaml.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(ROOT, 'dist/dbtls.js');

export interface Run {
  stdout: string;
  stderr: string;
  status: number;
  output: any;
}

/** Runs `node dist/dbtls.js [args]` with `input` on stdin, as kpt or kustomize would. */
export function runDist(
  input: string | Buffer,
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Run {
  const r = spawnSync(process.execPath, [DIST, ...args], {
    input,
    env: { ...process.env, ...env },
    maxBuffer: 1 << 30,
  });
  const stdout = r.stdout.toString();
  let output: any;
  try {
    output = load(stdout, { schema: KUBERNETES_SCHEMA });
  } catch {
    output = undefined;
  }
  return { stdout, stderr: r.stderr.toString(), status: r.status ?? -1, output };
}

export function resourceList(items: unknown[], functionConfig?: unknown): string {
  const rl: Record<string, unknown> = {
    apiVersion: 'config.kubernetes.io/v1',
    kind: 'ResourceList',
    items,
  };
  if (functionConfig) rl.functionConfig = functionConfig;
  return dump(rl, { lineWidth: -1 });
}

export const issuer = (name = 'ca', namespace = 'demo') => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'Issuer',
  metadata: { name, namespace },
  spec: { ca: { secretName: `${name}-key-pair` } },
});

export const clusterIssuer = (name = 'cluster-ca') => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'ClusterIssuer',
  metadata: { name },
  spec: { selfSigned: {} },
});

/** A Postgres with TLS from Issuer `ca`; `spec` is merged over the defaults. */
export function postgres(spec: Record<string, unknown> = {}, name = 'pg', namespace = 'demo') {
  return {
    apiVersion: 'kubedb.com/v1',
    kind: 'Postgres',
    metadata: { name, namespace },
    spec: {
      version: '16.4',
      tls: { issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' } },
      ...spec,
    },
  };
}

export interface SimpleResult {
  severity: string;
  message: string;
  field?: string;
}

/** The results of a run as {severity, message, field} for exact comparison. */
export function resultsOf(run: Run): SimpleResult[] {
  return (run.output?.results ?? []).map((r: any) => {
    const s: SimpleResult = { severity: r.severity, message: r.message };
    if (r.field?.path) s.field = r.field.path;
    return s;
  });
}

export function itemsOf(run: Run, kind?: string): any[] {
  const items = run.output?.items ?? [];
  return kind ? items.filter((i: any) => i.kind === kind) : items;
}

import { runKrm } from '../fn/cli/krm.js';

/** Same contract as runDist, in-process: fast enough for rule-by-rule tests. */
export function runFn(input: string | Buffer): Run {
  const out = runKrm(typeof input === 'string' ? Buffer.from(input) : input);
  return {
    stdout: out.stdout,
    stderr: out.stderr,
    status: out.exitCode,
    output: load(out.stdout, { schema: KUBERNETES_SCHEMA }),
  };
}

export function errorsOf(run: Run): SimpleResult[] {
  return resultsOf(run).filter((r) => r.severity === 'error');
}
