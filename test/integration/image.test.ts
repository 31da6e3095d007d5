// The Dockerfile, and the docker shim the other integration tests rely on (test/bin/docker).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resourceList } from '../helpers.js';
import { ids, IMAGE, parseDocs, ROOT, run, tempDir } from './tools.js';

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const stages = dockerfile.split(/^(?=FROM )/m).slice(1);

describe('Dockerfile', () => {
  it('is multi-stage: a build stage (npm ci, npm run build) and a runtime stage holding only the bundle', () => {
    expect(stages).toHaveLength(2);
    expect(stages[0]).toMatch(/^FROM \$\{NODE_IMAGE\} AS build$/m);
    expect(stages[0]).toMatch(/^RUN npm ci /m);
    expect(stages[0]).toMatch(/^RUN npm run build$/m);
    const runtime = stages[1];
    expect(runtime.match(/^(COPY|ADD) .*/gm)).toEqual([
      'COPY --from=build --chown=0:0 --chmod=0555 /src/dist/dbtls.js /dbtls.js',
    ]);
    expect(runtime).not.toMatch(/^RUN /m);
  });

  it('pins the Node.js LTS base image by tag and digest', () => {
    expect(dockerfile).toMatch(
      /^ARG NODE_IMAGE=node:(\d+)\.\d+\.\d+-alpine[\d.]+@sha256:[0-9a-f]{64}$/m,
    );
    const major = Number(/^ARG NODE_IMAGE=node:(\d+)/m.exec(dockerfile)![1]);
    expect(major % 2).toBe(0); // even majors are the LTS lines
    expect(major).toBeGreaterThanOrEqual(22);
  });

  it('runs as a non-root user with an exec-form ENTRYPOINT on the bundle', () => {
    expect(stages[1]).toMatch(/^USER 65534:65534$/m);
    expect(JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(stages[1])![1])).toEqual([
      'node',
      '--max-semi-space-size=8',
      '/dbtls.js',
    ]);
    // README's section on the image quotes it.
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(stages[1])![1];
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain(`\`ENTRYPOINT ${entrypoint}\``);
  });

  it('.dockerignore sends only what the build stage copies', () => {
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    const copied = [...stages[0].matchAll(/^COPY (.+) \S+$/gm)].flatMap((m) => m[1].split(' '));
    for (const c of copied) expect(ignore).toContain(`!${c}`);
  });
});

describe('docker shim (test/bin/docker)', () => {
  const docker = (args: string[], input?: string, env: NodeJS.ProcessEnv = {}) =>
    run('docker', args, { env, ...(input ? { input } : {}) });

  it("answers kpt's version check and image inspection", () => {
    expect(docker(['version', '--format', '{{.Client.Version}}'])).toMatchObject({
      status: 0,
      stdout: '27.0.0\n',
    });
    expect(docker(['image', 'inspect', IMAGE]).status).toBe(0);
    expect(docker(['image', 'inspect', 'gcr.io/kpt-fn/set-namespace:v0.4'])).toMatchObject({
      status: 1,
      stderr: 'Error: No such image: gcr.io/kpt-fn/set-namespace:v0.4\n',
    });
    expect(docker(['pull', IMAGE]).status).toBe(0);
    expect(docker(['pull', 'busybox']).status).toBe(1);
  });

  it('runs the function like the image: clean environment, user nobody, no network', () => {
    const log = join(tempDir(), 'log');
    const input = resourceList([]);
    const r = docker(
      [
        'run',
        '--rm',
        '-i',
        '--network',
        'none',
        '--user',
        'nobody',
        '--security-opt=no-new-privileges',
        '-e',
        'ARGOCD_APP_NAMESPACE=x',
        IMAGE,
        '--version',
      ],
      input,
      { DBTLS_SHIM_LOG: log, ARGOCD_ENV_DBTLS_MODE: 'leaks-if-not-clean' },
    );
    expect(r).toMatchObject({ status: 0, stdout: 'dbtls 0.1.0\n' });
    const lines = readFileSync(log, 'utf8');
    expect(lines).toContain(
      `exec: node --max-semi-space-size=8 ${join(ROOT, 'dist/dbtls.js')} --version`,
    );
    expect(lines).toMatch(/^isolation: user=nobody\(65534:65534\)/m);
    // Host variables do not reach the function (a leaked bad mode would fail this render); -e ones do.
    const example = join(ROOT, 'examples/postgres');
    const clean = docker(
      ['run', '--rm', '-i', '--user', 'nobody', IMAGE, 'render', example],
      undefined,
      { ARGOCD_ENV_DBTLS_MODE: 'leaks' },
    );
    expect(clean.status, clean.stderr).toBe(0);
    expect(ids(parseDocs(clean.stdout))).not.toContain('Postgres/demo/pg');
    const passed = docker([
      'run',
      '--rm',
      '-i',
      '--user',
      'nobody',
      '-e',
      'ARGOCD_ENV_DBTLS_MODE=operator',
      IMAGE,
      'render',
      example,
    ]);
    expect(passed.status, passed.stderr).toBe(0);
    expect(ids(parseDocs(passed.stdout))).toContain('Postgres/demo/pg');
    expect(parseDocs(docker(['run', '-i', IMAGE], input).stdout)[0].kind).toBe('ResourceList');
  });

  it('refuses images it does not serve', () => {
    const r = docker(['run', '--rm', '-i', 'gcr.io/kpt-fn/set-namespace:v0.4']);
    expect(r.status).toBe(125);
    expect(r.stderr).toContain("Unable to find image 'gcr.io/kpt-fn/set-namespace:v0.4' locally");
  });
});
