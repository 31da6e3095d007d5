// Flux runs no KRM functions: examples/flux/render.sh renders in CI into the directory Flux
// reconciles, and fails the pipeline on any error result.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { copyExample, ROOT, run, tempDir } from './tools.js';

const script = join(ROOT, 'examples/flux/render.sh');
const DBTLS = join(ROOT, 'test/bin/dbtls');

describe('Flux: render in CI (examples/flux/render.sh)', () => {
  it('renders the example into the reconciled directory, exactly the golden manifests', () => {
    const out = join(tempDir(), 'deploy/postgres');
    const r = run(script, [join(ROOT, 'examples/postgres'), out], { env: { DBTLS } });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(out, 'manifests.yaml'), 'utf8')).toBe(
      readFileSync(join(ROOT, 'examples/postgres/.expected/manifests.yaml'), 'utf8'),
    );
    expect(r.stderr).toContain(
      `dbtls: rendered ${join(ROOT, 'examples/postgres')} into ${out}/manifests.yaml`,
    );
  });

  it('an error result fails the step with file:line:column and leaves the reconciled directory as it was', () => {
    const src = copyExample('postgres');
    writeFileSync(
      join(src, 'postgres.yaml'),
      readFileSync(join(src, 'postgres.yaml'), 'utf8').replace(
        'sslMode: verify-full',
        'sslMode: verify-ful',
      ),
    );
    const out = join(tempDir(), 'deploy');
    mkdirSync(out);
    writeFileSync(join(out, 'manifests.yaml'), 'previous\n');
    const r = run(script, [src, out], { env: { DBTLS } });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(
      `${src}/postgres.yaml:11:3: error: "verify-ful" is not one of disable, allow, prefer, require, verify-ca, verify-full (Postgres/demo/pg, spec.sslMode)`,
    );
    expect(r.stderr).toContain(`dbtls: ${src} has errors; ${out} was not changed`);
    expect(readFileSync(join(out, 'manifests.yaml'), 'utf8')).toBe('previous\n');
  });

  it('refuses to hand Flux an empty set of manifests', () => {
    const src = tempDir();
    writeFileSync(
      join(src, 'kptfile.yaml'),
      'apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: x\n',
    );
    const out = join(tempDir(), 'deploy');
    const r = run(script, [src, out], { env: { DBTLS } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `dbtls: rendering ${src} produced no manifests; ${out} was not changed`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('without dbtls on PATH the step fails saying so, and blames nothing else', () => {
    const out = join(tempDir(), 'deploy');
    const path = (process.env.PATH ?? '')
      .split(':')
      .filter((d) => d !== '' && !existsSync(join(d, 'dbtls')))
      .join(':');
    // The workflow's command as written, in a copy of the repository's examples.
    const r = run('bash', [script, 'examples/postgres', out], { cwd: ROOT, env: { PATH: path } });
    expect(r.status).toBe(127);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'render.sh: dbtls not found on PATH; install dbtls (npm install -g in a clone of the repository) or set DBTLS to the command that runs it\n',
    );
    expect(existsSync(out)).toBe(false);
  });

  it('the Flux objects reconcile the directory the workflow renders into', () => {
    const docs = readFileSync(join(ROOT, 'examples/flux/flux-sync.yaml'), 'utf8')
      .split(/^---$/m)
      .map((d) => load(d) as any);
    const kustomization = docs.find((d) => d.kind === 'Kustomization');
    const workflow = readFileSync(join(ROOT, 'examples/flux/github-workflow.yaml'), 'utf8');
    expect(workflow).toContain('examples/flux/render.sh examples/postgres deploy/postgres');
    expect(kustomization.spec.path).toBe('./deploy/postgres');
    expect(kustomization.spec.prune).toBe(true);
  });
});
