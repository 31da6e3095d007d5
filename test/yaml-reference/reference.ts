// The reference for what YAML means: Go's own readers (./main.go), built once per source version
// in GOPATH mode over Debian's packages (.ci/install-tools installs them; no module proxy).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const GOPATH = '/usr/share/gocode';

/** A meaning as main.go writes it: canonical JSON, or "error: …". */
export type Meaning = unknown;
export interface Meanings {
  v3: Meaning;
  kubectl: Meaning;
  v3Items?: Meaning[];
  kubectlItems?: Meaning[];
}

let binary: string | undefined;

/** Builds the reference decoder (once per version of main.go) and returns its path. */
export function referenceDecoder(): string {
  if (binary) return binary;
  const source = readFileSync(join(HERE, 'main.go'));
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 12);
  const dir = join(tmpdir(), 'dbtls-yaml-reference');
  const out = join(dir, `yaml-reference-${hash}`);
  if (!existsSync(out)) {
    const missing = ['gopkg.in/yaml.v3', 'gopkg.in/yaml.v2', 'sigs.k8s.io/yaml'].filter(
      (p) => !existsSync(join(GOPATH, 'src', p)),
    );
    const go = spawnSync('go', ['version']);
    if (go.status !== 0 || missing.length) {
      throw new Error(
        `Go or its YAML packages are missing (${missing.join(', ') || 'go'}); run .ci/install-tools`,
      );
    }
    mkdirSync(dir, { recursive: true });
    const partial = `${out}.${process.pid}`;
    const env = {
      ...process.env,
      GO111MODULE: 'off',
      GOPATH,
      GOFLAGS: '',
      GOCACHE: join(dir, 'cache'),
    };
    const r = spawnSync('go', ['build', '-o', partial, '.'], { cwd: HERE, env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`building test/yaml-reference failed:\n${r.stderr}`);
    renameSync(partial, out); // atomic: test files build it in parallel
  }
  return (binary = out);
}

/** What each text means to yaml.v3 (kpt, kustomize) and to sigs.k8s.io/yaml (kubectl). */
export function goMeanings(texts: readonly string[]): Meanings[] {
  const r = spawnSync(referenceDecoder(), [], {
    input: JSON.stringify(texts),
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0) throw new Error(`yaml-reference failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Meanings[];
}

/** A value as dbtls reads it, in main.go's canonical form (to compare with what Go reads). */
export function canonicalOf(v: unknown): Meaning {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return `s:${v}`;
  if (typeof v === 'boolean') return `b:${v}`;
  if (typeof v === 'bigint') return `i:${v}`;
  if (typeof v === 'number') return Number.isInteger(v) && !Object.is(v, -0) ? `i:${v}` : `f:${v}`;
  if (Array.isArray(v)) return { seq: v.map(canonicalOf) };
  const pairs = Object.entries(v as Record<string, unknown>).map(
    ([k, x]) => [`s:${k}`, canonicalOf(x)] as const,
  );
  pairs.sort((a, b) => (JSON.stringify(a[0]) < JSON.stringify(b[0]) ? -1 : 1));
  return { map: pairs };
}
