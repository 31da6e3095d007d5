// The dbtls image, built from the repository's Dockerfile (unchanged) with buildah and run with
// podman, for the tests that run it under kpt, kustomize and the Argo CD plugin. It is built once
// for all test files, which run in parallel: the first to ask builds it under a lock, the others
// wait for it, and a stamp of what went into the build lets later asks (and later runs) go on.
//
// Podman and buildah use the repository's .ci/containers.conf (runc, cgroupfs, no default ulimits:
// what works on these machines) and their own storage under .test-tmp/containers, so that the
// tests neither see nor change the images of the machine's user.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from '../helpers.js';

/** The name the examples use, and the image the tests build under it. */
export const IMAGE = 'ghcr.io/dbtls/dbtls:v0.1.0';
const STATE = join(ROOT, '.test-tmp/containers');
const STORAGE_CONF = join(STATE, 'storage.conf');
const STAMP = join(STATE, 'image.stamp');
export const BUILD_LOG = join(STATE, 'build.log');

/** What podman and buildah need in their environment, here and in every tool that runs them. */
export const CONTAINER_ENV = {
  CONTAINERS_CONF: join(ROOT, '.ci/containers.conf'),
  CONTAINERS_STORAGE_CONF: STORAGE_CONF,
};
Object.assign(process.env, CONTAINER_ENV);

function tool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

/** Why the image cannot be built and run here, or undefined. */
export function containerSkip(): string | undefined {
  const absent = ['podman', 'buildah', 'busybox'].filter((t) => !tool(t));
  if (absent.length) return `${absent.join(', ')} not installed (bash .ci/install-tools)`;
  if (process.getuid?.() !== 0) return 'podman runs containers here as root only';
  return undefined;
}

/** The files a build reads: the Dockerfile, the base image's recipe, and the build context. */
function buildInputs(): string[] {
  const files = [
    'Dockerfile',
    '.dockerignore',
    'scripts/node-base-image.sh',
    '.ci/containers.conf',
  ];
  const walk = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
      const path = join(dir, e.name);
      if (path === 'fn/generated') return [];
      return e.isDirectory() ? walk(path) : [path];
    });
  const context = [
    'package.json',
    'package-lock.json',
    'tsconfig.json',
    'examples/resource-list.yaml',
  ];
  for (const dir of ['scripts', 'schemas', 'fn']) context.push(...walk(dir));
  return [...files, ...context].sort();
}

function inputsDigest(): string {
  const hash = createHash('sha256');
  for (const f of buildInputs()) hash.update(`${f}\0`).update(readFileSync(join(ROOT, f)));
  hash.update(process.version);
  return hash.digest('hex');
}

const imageExists = (name: string) =>
  spawnSync('podman', ['image', 'exists', name], { env: process.env }).status === 0;

/** Holds an exclusive lock (mkdir) while fn runs; waits for another holder up to 30 minutes. */
function withLock<T>(fn: () => T): T {
  const lock = join(STATE, 'build.lock');
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A holder that died leaves its lock: older than any build, it is stale.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 30 * 60_000)
        rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${relative(ROOT, lock)}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Builds the image unless a build of the same inputs is there already; throws with the end of the
 * build log if the build fails. Returns the seconds the build took (0 if it was there).
 */
export function ensureImage(): number {
  mkdirSync(STATE, { recursive: true });
  if (!existsSync(STORAGE_CONF)) {
    writeFileSync(
      STORAGE_CONF,
      `[storage]\ndriver = "overlay"\ngraphroot = "${join(STATE, 'storage')}"\nrunroot = "${join(STATE, 'run')}"\n`,
    );
  }
  return withLock(() => {
    const digest = inputsDigest();
    if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === digest && imageExists(IMAGE)) return 0;
    const started = Date.now();
    const log = openSync(BUILD_LOG, 'w');
    const r = spawnSync('bash', [join(ROOT, 'scripts/build-image.sh'), IMAGE], {
      cwd: ROOT,
      stdio: ['ignore', log, log],
      env: process.env,
    });
    closeSync(log);
    if (r.status !== 0) {
      const tail = readFileSync(BUILD_LOG, 'utf8').split('\n').slice(-40).join('\n');
      throw new Error(`the image build failed (${relative(ROOT, BUILD_LOG)}):\n${tail}`);
    }
    writeFileSync(STAMP, digest);
    return (Date.now() - started) / 1000;
  });
}
