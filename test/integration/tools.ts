// Helpers for the integration tests: the real kpt and kubectl binaries with test/bin first on PATH
// (podman with a read-only root, docker handing over to it, dbtls as npm install -g links it),
// temporary copies of example packages (examples/ itself is never modified).
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { loadAll } from 'js-yaml';
import { afterAll } from 'vitest';
import { KUBERNETES_SCHEMA } from '../../fn/io/yaml.js';
import { ROOT } from '../helpers.js';
import { CONTAINER_ENV, IMAGE } from './container.js';

export { IMAGE, ROOT };
export const BIN = join(ROOT, 'test/bin');

/** The path of `tool` on PATH, or undefined. */
export function which(tool: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** A reason to skip, printed once, when a binary the test drives is absent. */
export function missing(tool: string): string | undefined {
  if (which(tool)) return undefined;
  const why = `${tool} is not installed: skipping its integration tests`;
  process.stderr.write(`${why}\n`);
  return why;
}

export interface Proc {
  stdout: string;
  stderr: string;
  status: number;
}

/**
 * Runs a command with test/bin first on PATH, kpt's function runtime set to podman (kpt's docker
 * runtime wants a Docker client of 20.10 or later) and podman's configuration and storage.
 */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeout?: number } = {},
): Proc {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd,
    input: opts.input,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    timeout: opts.timeout ?? 120_000,
    env: {
      ...process.env,
      ...CONTAINER_ENV,
      KPT_FN_RUNTIME: 'podman',
      PATH: `${BIN}:${process.env.PATH}`,
      ...opts.env,
    },
  });
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr, status: r.status ?? -1 };
}

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

export function tempDir(prefix = 'dbtls-it-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

/** A temporary copy of an example (without .expected). */
export function copyExample(name: string): string {
  const dir = join(tempDir(), name.replace(/\//g, '_'));
  cpSync(join(ROOT, 'examples', name), dir, {
    recursive: true,
    filter: (src) => !src.includes('/.expected'),
  });
  return dir;
}

/** Every file under dir (relative path → content), for before/after comparison; less `exclude`. */
export function snapshot(dir: string, exclude: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (exclude.includes(relative(dir, p))) continue;
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

export function parseDocs(text: string): any[] {
  return (loadAll(text, null, { schema: KUBERNETES_SCHEMA }) as any[]).filter(
    (d) => d !== null && d !== undefined,
  );
}

export const idOf = (o: any) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
export const ids = (docs: any[]) => docs.map(idOf).sort();

/** A golden file under test/integration/golden; UPDATE_GOLDEN=1 rewrites it. */
export function golden(name: string, actual: string): string {
  const file = join(ROOT, 'test/integration/golden', name);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, actual);
    if (process.env.UPDATE_GOLDEN !== '1')
      throw new Error(`${relative(ROOT, file)} did not exist; written now — review it`);
  }
  return readFileSync(file, 'utf8');
}

/** A copy of the repository as a clone has it (every project file, .expected included), with dist/. */
export function repositoryCopy(): string {
  const files = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .stdout.split('\n')
    .filter((f) => f !== '' && existsSync(join(ROOT, f)));
  const repo = join(tempDir(), 'dbtls');
  for (const f of files) cpSync(join(ROOT, f), join(repo, f));
  // The build: dist/dbtls.js and the files it loads.
  cpSync(join(ROOT, 'dist'), join(repo, 'dist'), { recursive: true });
  return repo;
}

/** Files that differ between two snapshots. */
export const changedFiles = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys({ ...a, ...b })
    .filter((f) => a[f] !== b[f])
    .sort();
