// kpt 1.0 with the real binary: `kpt fn render` (the image built from the Dockerfile, run by
// podman, and exec), `kpt fn eval --image/--exec` with `-- key=value` settings, idempotency,
// results in kpt's output and in --results-dir, and the repository's own top-level Kptfile.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { containerSkip, ensureImage } from './container.js';
import {
  changedFiles,
  copyExample,
  ids,
  IMAGE,
  missing,
  parseDocs,
  repositoryCopy,
  ROOT,
  run,
  snapshot,
  tempDir,
} from './tools.js';

const skip = missing('kpt');
/** Tests that run the image: kpt and a container runtime. */
const noImage = skip ?? containerSkip();
const BUILD_TIMEOUT = 30 * 60_000;
/** A test that renders every example package, one container each. */
const ALL_EXAMPLES_TIMEOUT = 15 * 60_000;
const LOCAL = 'config.kubernetes.io/local-config';
const GENERATED = 'postgres_demo_pg.dbtls.yaml';
const REPLICAS_WARNING =
  "pod 0 is the primary and the other 2 stream from it as standbys; standalone mode has no automatic failover (KubeDB's coordinator provides it)";
const MISSING_ISSUER =
  'Issuer "nope" not found in namespace "demo"; add it to the input, or list it in externalIssuers if it exists only in the cluster';

/** What a rendered package holds for the cluster: every non-local-config object. */
function applied(dir: string): any[] {
  const snap = snapshot(dir);
  return Object.entries(snap)
    .filter(([f]) => /\.ya?ml$/.test(f) || f === 'Kptfile')
    .flatMap(([, text]) => parseDocs(text))
    .filter((o) => o.metadata?.annotations?.[LOCAL] !== 'true');
}
const expected = () =>
  parseDocs(readFileSync(join(ROOT, 'examples/postgres/.expected/manifests.yaml'), 'utf8'));
const byId = (docs: any[]) =>
  Object.fromEntries(docs.map((o) => [`${o.kind}/${o.metadata.name}`, o]));

/** The Kptfile switched to its documented exec variant (the commented `- exec: dbtls` line). */
function useExecVariant(dir: string): void {
  const kptfile = readFileSync(join(dir, 'Kptfile'), 'utf8');
  const exec = /^(\s*)#\s*(- exec: .+)$/m.exec(kptfile);
  expect(exec, 'the Kptfile documents an exec variant').not.toBeNull();
  writeFileSync(
    join(dir, 'Kptfile'),
    kptfile.replace(/^\s*- image: .+$/m, `${exec![1]}${exec![2]}`),
  );
}

/** Example packages that kpt renders: folders under examples/ with a Kptfile and golden output. */
const kptExamples = readdirSync(join(ROOT, 'examples'))
  .filter((d) => existsSync(join(ROOT, 'examples', d, 'Kptfile')))
  .sort();

describe.skipIf(noImage)(
  'every example package under kpt fn render (image and exec) matches its golden output',
  () => {
    beforeAll(() => ensureImage(), BUILD_TIMEOUT);
    it('has kpt example packages', () => expect(kptExamples).toContain('postgres'));
    for (const name of kptExamples) {
      it(name, () => {
        const golden = join(ROOT, 'examples', name, '.expected');
        const fails = /: error: /.test(readFileSync(join(golden, 'check.txt'), 'utf8'));
        const viaImage = copyExample(name);
        const before = snapshot(viaImage);
        const r = run('kpt', ['fn', 'render', viaImage]);
        expect(r.status, r.stderr).toBe(fails ? 1 : 0);
        if (fails) {
          expect(snapshot(viaImage)).toEqual(before);
          return;
        }
        expect(byId(applied(viaImage))).toEqual(
          byId(parseDocs(readFileSync(join(golden, 'manifests.yaml'), 'utf8'))),
        );
        const viaExec = copyExample(name);
        useExecVariant(viaExec);
        expect(run('kpt', ['fn', 'render', viaExec, '--allow-exec']).status).toBe(0);
        const a = snapshot(viaImage);
        const b = snapshot(viaExec);
        delete a.Kptfile;
        delete b.Kptfile;
        expect(b).toEqual(a);
      });
    }
  },
);

describe.skipIf(noImage)('kpt fn render', () => {
  let containerLog: string;
  beforeAll(() => {
    ensureImage();
    containerLog = join(tempDir(), 'container.log');
  }, BUILD_TIMEOUT);

  it('renders the example through the image (podman), as the golden output says', () => {
    const pkg = copyExample('postgres');
    const before = snapshot(pkg);
    const resultsDir = tempDir();
    const r = run('kpt', ['fn', 'render', pkg, '--results-dir', resultsDir], {
      env: { DBTLS_CONTAINER_LOG: containerLog },
    });
    expect(r.stderr + r.stdout).toContain(`[PASS] "${IMAGE}"`);
    expect(r.status).toBe(0);
    // The generated objects land in one file beside the database; the database becomes local-config.
    const after = snapshot(pkg);
    expect(Object.keys(after).sort()).toEqual([...Object.keys(before), GENERATED].sort());
    expect(after.Kptfile).toBe(before.Kptfile);
    expect(after['issuer.yaml']).toBe(before['issuer.yaml']);
    expect(parseDocs(after['postgres.yaml'])[0].metadata.annotations[LOCAL]).toBe('true');
    expect(after['postgres.yaml']).toContain("# The KubeDB TLS guide's Postgres"); // comments kept
    expect(byId(applied(pkg))).toEqual(byId(expected()));
    // Results: in kpt's output and in --results-dir.
    expect(r.stderr + r.stdout).toContain(
      `[warning] kubedb.com/v1/Postgres/demo/pg spec.replicas: ${REPLICAS_WARNING}`,
    );
    const results: any = load(readFileSync(join(resultsDir, 'results.yaml'), 'utf8'));
    expect(results.kind).toBe('FunctionResultList');
    expect(results.exitCode).toBe(0);
    expect(results.items[0].image).toBe(IMAGE);
    expect(results.items[0].results[0]).toEqual({
      message: REPLICAS_WARNING,
      severity: 'warning',
      resourceRef: { apiVersion: 'kubedb.com/v1', kind: 'Postgres', name: 'pg', namespace: 'demo' },
      field: { path: 'spec.replicas' },
      file: { path: 'postgres.yaml' },
    });
    // kpt ran the image with no network, as nobody (and test/bin/podman with a read-only root).
    expect(readFileSync(containerLog, 'utf8')).toContain(
      `podman run --rm -i --network none --user nobody --security-opt=no-new-privileges --pull missing ${IMAGE}\n`,
    );
  });

  it('rendering twice leaves the package unchanged', () => {
    const pkg = copyExample('postgres');
    expect(run('kpt', ['fn', 'render', pkg]).status).toBe(0);
    const once = snapshot(pkg);
    expect(run('kpt', ['fn', 'render', pkg]).status).toBe(0);
    expect(snapshot(pkg)).toEqual(once);
  });

  it('the exec variant renders the same files with --allow-exec, and is refused without it', () => {
    const viaImage = copyExample('postgres');
    expect(run('kpt', ['fn', 'render', viaImage]).status).toBe(0);
    const pkg = copyExample('postgres');
    useExecVariant(pkg);
    const refused = run('kpt', ['fn', 'render', pkg]);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain(
      'must run with `--allow-exec` option to allow running function binaries',
    );
    const r = run('kpt', ['fn', 'render', pkg, '--allow-exec']);
    expect(r.stderr + r.stdout).toContain('[PASS] "dbtls"');
    expect(r.status).toBe(0);
    const a = snapshot(viaImage);
    const b = snapshot(pkg);
    delete a.Kptfile;
    delete b.Kptfile;
    expect(b).toEqual(a);
  });

  it('an error result fails the render, leaves the package untouched, and is reported', () => {
    const pkg = copyExample('postgres');
    writeFileSync(
      join(pkg, 'postgres.yaml'),
      readFileSync(join(pkg, 'postgres.yaml'), 'utf8').replace(
        'name: postgres-ca-issuer',
        'name: nope',
      ),
    );
    const before = snapshot(pkg);
    const resultsDir = tempDir();
    const r = run('kpt', ['fn', 'render', pkg, '--results-dir', resultsDir]);
    expect(r.status).toBe(1);
    expect(r.stderr + r.stdout).toContain(`[FAIL] "${IMAGE}"`);
    expect(r.stderr + r.stdout).toContain(
      `[error] kubedb.com/v1/Postgres/demo/pg spec.tls.issuerRef.name: ${MISSING_ISSUER}`,
    );
    expect(snapshot(pkg)).toEqual(before);
    const results: any = load(readFileSync(join(resultsDir, 'results.yaml'), 'utf8'));
    expect(results.exitCode).toBe(1);
    expect(
      results.items[0].results
        .filter((x: any) => x.severity === 'error')
        .map((x: any) => [x.message, x.field.path]),
    ).toEqual([[MISSING_ISSUER, 'spec.tls.issuerRef.name']]);
  });
});

describe.skipIf(noImage)('kpt fn eval', () => {
  beforeAll(() => ensureImage(), BUILD_TIMEOUT);
  const operatorIds = [
    'Certificate/demo/pg-client-cert',
    'Certificate/demo/pg-metrics-exporter-cert',
    'Certificate/demo/pg-server-cert',
    'Issuer/demo/postgres-ca-issuer',
    'Postgres/demo/pg',
  ];

  it.each([
    ['--image', IMAGE],
    ['--exec', 'dbtls'],
  ])('%s %s -- mode=operator: Certificates only, the database left for KubeDB', (flag, fn) => {
    const pkg = copyExample('postgres');
    const r = run('kpt', ['fn', 'eval', pkg, flag, fn, '--', 'mode=operator']);
    expect(r.status).toBe(0);
    expect(ids(applied(pkg))).toEqual(operatorIds);
    expect(
      parseDocs(readFileSync(join(pkg, 'postgres.yaml'), 'utf8'))[0].metadata.annotations,
    ).toBeUndefined();
    expect(parseDocs(readFileSync(join(pkg, GENERATED), 'utf8')).map((o) => o.kind)).toEqual([
      'Certificate',
      'Certificate',
      'Certificate',
    ]);
  });

  it('an unknown setting value is an error result naming the ConfigMap field', () => {
    const pkg = copyExample('postgres');
    const before = snapshot(pkg);
    const r = run('kpt', ['fn', 'eval', pkg, '--image', IMAGE, '--', 'mode=operater']);
    expect(r.status).toBe(1);
    expect(r.stderr + r.stdout).toContain(
      '[error] v1/ConfigMap/function-input data.mode: data.mode must be one of standalone, operator, validate; got "operater"',
    );
    expect(snapshot(pkg)).toEqual(before);
  });
});

/** What a render may change: a rendered package's resource files, never its Kptfile, .krmignore or .expected/. */
const outsideRenderedPackages = (changed: string[]) =>
  changed.filter(
    (f) =>
      !kptExamples.some((d) => f.startsWith(`examples/${d}/`)) ||
      /\/(Kptfile|\.krmignore)$/.test(f) ||
      f.includes('/.expected/'),
  );

describe.skipIf(noImage)('the node limits through kpt (docs/results.md, Limits)', () => {
  beforeAll(() => ensureImage(), BUILD_TIMEOUT);
  const TOO_LARGE =
    /error: input is too large: \d+ places where a node may start .*more than maxNodes \(5\)/;
  it('kpt fn eval --image … --env DBTLS_MAX_NODES=5 passes the limit to the image', () => {
    const r = run('kpt', [
      'fn',
      'eval',
      copyExample('postgres'),
      '--image',
      IMAGE,
      '--env',
      'DBTLS_MAX_NODES=5',
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr + r.stdout).toMatch(TOO_LARGE);
  });
  it('an exec function reads it from the environment kpt runs in', () => {
    const r = run('kpt', ['fn', 'eval', copyExample('postgres'), '--exec', 'dbtls'], {
      env: { DBTLS_MAX_NODES: '5' },
    });
    expect(r.status).toBe(1);
    expect(r.stderr + r.stdout).toMatch(TOO_LARGE);
  });
});

describe.skipIf(noImage)('kpt fn render in a clone of the repository', () => {
  beforeAll(() => ensureImage(), BUILD_TIMEOUT);
  it('every example package has a .krmignore that keeps kpt out of .expected/', () => {
    for (const name of kptExamples) {
      expect(
        readFileSync(join(ROOT, 'examples', name, '.krmignore'), 'utf8').split('\n'),
        name,
      ).toContain('.expected/');
    }
  });

  it(
    'kpt fn render . at the root renders the example packages in place, touches nothing else, dbtls renders their golden output from them again, and a second render changes nothing',
    () => {
      const repo = repositoryCopy();
      const before = snapshot(repo);
      const r = run('kpt', ['fn', 'render', '.'], { cwd: repo, timeout: ALL_EXAMPLES_TIMEOUT });
      expect(r.stderr).toContain('Successfully executed');
      expect(r.status).toBe(0);
      const once = snapshot(repo);
      const changed = changedFiles(before, once);
      expect(changed).toContain(`examples/postgres/${GENERATED}`);
      expect(outsideRenderedPackages(changed)).toEqual([]);
      // What golden.test.ts checks, on the rendered copy: dbtls renders the same manifests again.
      // (The same objects: render writes each document as its file has it, and kpt has rewritten
      // the files in its own layout.)
      for (const name of kptExamples) {
        const again = spawnSync(process.execPath, ['dist/dbtls.js', 'render', `examples/${name}`], {
          cwd: repo,
          encoding: 'utf8',
        });
        expect(parseDocs(again.stdout), name).toEqual(
          parseDocs(readFileSync(join(repo, 'examples', name, '.expected/manifests.yaml'), 'utf8')),
        );
      }
      expect(
        run('kpt', ['fn', 'render', '.'], { cwd: repo, timeout: ALL_EXAMPLES_TIMEOUT }).status,
      ).toBe(0);
      expect(changedFiles(once, snapshot(repo))).toEqual([]);
    },
    ALL_EXAMPLES_TIMEOUT,
  );
});
