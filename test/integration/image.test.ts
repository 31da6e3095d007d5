// The Dockerfile, and the image built from it (test/integration/container.ts) run as kpt and
// kustomize run it: no network, user nobody, a read-only root.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { resourceList } from '../helpers.js';
import { containerSkip, ensureImage } from './container.js';
import { golden, IMAGE, ids, parseDocs, ROOT, run } from './tools.js';

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const stages = dockerfile.split(/^(?=FROM )/m).slice(1);
const entrypoint: string[] = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)![1]);
/** The node options dist/dbtls.js starts node with from PATH (scripts/build.mjs's NODE_OPTIONS). */
const launcher = () => readFileSync(join(ROOT, 'dist/dbtls.js'), 'utf8').split('\n', 2);
const NODE_OPTIONS = /^":" \/\/; exec node (.*) "\$0" "\$@"$/.exec(launcher()[1])![1].split(' ');

describe('Dockerfile', () => {
  it('is multi-stage: a build stage (npm ci, npm run build, the code cache) and a runtime stage holding only their output', () => {
    expect(stages).toHaveLength(2);
    expect(stages[0]).toMatch(/^FROM \$\{NODE_IMAGE\} AS build$/m);
    expect(stages[0]).toMatch(/^RUN npm ci /m);
    expect(stages[0]).toMatch(/^RUN npm run build$/m);
    const runtime = stages[1];
    expect(runtime.match(/^(COPY|ADD) .*/gm)).toEqual([
      'COPY --from=build --chown=0:0 --chmod=0444 /src/dist/ /src/scripts/code-cache.cjs /',
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

  it('runs as a non-root user, node with the options dist/dbtls.js starts it with from PATH, and the code cache hook', () => {
    expect(stages[1]).toMatch(/^USER 65534:65534$/m);
    expect(launcher()[0]).toBe('#!/bin/sh');
    expect(NODE_OPTIONS).toEqual(['--max-semi-space-size=8']);
    expect(entrypoint).toEqual(['node', ...NODE_OPTIONS, '--require=/code-cache.cjs', '/dbtls.js']);
    // docs/image.md quotes it.
    const line = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)![0];
    expect(readFileSync(join(ROOT, 'docs/image.md'), 'utf8')).toContain(`\`${line}\``);
  });

  it('makes the code cache with the same node options as the ENTRYPOINT', () => {
    const make =
      /^RUN DBTLS_CODE_CACHE_WRITE=1 node (.*) dist\/dbtls\.js <examples\/resource-list\.yaml >\/dev\/null$/m.exec(
        stages[0],
      );
    expect(make?.[1]).toBe([...NODE_OPTIONS, '--require=./scripts/code-cache.cjs'].join(' '));
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

const skip = containerSkip();
if (skip) process.stderr.write(`image tests skipped: ${skip}\n`);

describe.skipIf(skip)('the image', () => {
  let seconds = 0;
  beforeAll(() => {
    seconds = ensureImage();
  }, 30 * 60_000);

  /** `podman run` as kpt runs a function (test/bin/podman adds --read-only). */
  const podman = (args: string[], input?: string) =>
    run(
      'podman',
      [
        'run',
        '--rm',
        '-i',
        '--network',
        'none',
        '--user',
        'nobody',
        '--security-opt=no-new-privileges',
        ...args,
      ],
      input === undefined ? {} : { input },
    );

  it('is built from the Dockerfile by scripts/build-image.sh', () => {
    process.stderr.write(`image build: ${seconds ? `${seconds.toFixed(0)} s` : 'up to date'}\n`);
    const r = run('podman', ['image', 'inspect', IMAGE, '--format', '{{json .Config}}']);
    expect(r.status, r.stderr).toBe(0);
    const config = JSON.parse(r.stdout);
    expect(config.Entrypoint).toEqual(entrypoint);
    expect(config.User).toBe('65534:65534');
  });

  it('runs the example ResourceList with no network, as nobody, on a read-only root: what dist/dbtls.js prints', () => {
    const input = readFileSync(join(ROOT, 'examples/resource-list.yaml'), 'utf8');
    const r = podman([IMAGE], input);
    expect(r.status, r.stderr).toBe(0);
    const local = spawnSync(process.execPath, [join(ROOT, 'dist/dbtls.js')], {
      input,
      encoding: 'utf8',
    });
    expect(r.stdout).toBe(local.stdout);
    expect(r.stdout).toBe(golden('resource-list.out.yaml', r.stdout));
    expect(r.stderr).toBe(local.stderr);
  });

  it('compiles the bundle from its code cache: V8 accepts it', () => {
    const r = podman(['-e', 'NODE_DEBUG=code-cache', IMAGE, '--version']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('dbtls 0.1.0\n');
    expect(r.stderr).toMatch(/^CODE-CACHE \d+: \/dbtls\.cache: accepted$/m);
  });

  it('has no network, no writable root, and runs as nobody', () => {
    const probe = [
      "const fs = require('fs');",
      "let w = 'writable'; try { fs.writeFileSync('/probe', ''); } catch (e) { w = e.code; }",
      "const nets = Object.keys(require('os').networkInterfaces()).filter((n) => n !== 'lo');",
      'console.log(JSON.stringify({ uid: process.getuid(), w, nets }));',
    ].join(' ');
    const r = podman(['--entrypoint', 'node', IMAGE, '-e', probe]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ uid: 65534, w: 'EROFS', nets: [] });
  });

  it('passes -e variables and nothing of the host environment', () => {
    const input = resourceList([]);
    const example = readFileSync(join(ROOT, 'examples/resource-list.yaml'), 'utf8');
    // A host variable would make this an error (a bad mode); it does not reach the container.
    const clean = run('podman', ['run', '--rm', '-i', IMAGE], {
      input: example,
      env: { ARGOCD_ENV_DBTLS_MODE: 'leaks' },
    });
    expect(clean.status, clean.stderr).toBe(0);
    const limited = podman(['-e', 'DBTLS_MAX_NODES=5', IMAGE], example);
    expect(limited.status).toBe(1);
    expect(limited.stdout).toContain('input is too large');
    expect(parseDocs(podman([IMAGE], input).stdout)[0].kind).toBe('ResourceList');
    expect(ids(parseDocs(clean.stdout)[0].items)).toContain('StatefulSet/demo/pg');
  });

  it('an image the machine does not have is not pulled from nowhere: podman says so', () => {
    const r = run('podman', [
      'run',
      '--rm',
      '-i',
      '--pull',
      'never',
      'gcr.io/kpt-fn/set-namespace:v0.4',
    ]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/gcr\.io\/kpt-fn\/set-namespace:v0\.4.*(image not known|not found)/);
  });
});
