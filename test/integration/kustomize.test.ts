// kustomize through the real `kubectl kustomize --enable-alpha-plugins`, with dbtls as a
// `container:` function: the image built from the Dockerfile, which kustomize runs with
// `docker run` (test/bin/docker hands it to podman); as a transformer (a DatabaseTLSPolicy in
// transformers:) and as a generator (the Postgres itself in generators:).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { containerSkip, ensureImage } from './container.js';
import { copyExample, golden, ids, missing, parseDocs, ROOT, run, tempDir } from './tools.js';

/** The same Postgres and Issuer rendered by `dbtls render examples/postgres` (the golden example). */
const postgresGolden = () =>
  byId(parseDocs(readFileSync(join(ROOT, 'examples/postgres/.expected/manifests.yaml'), 'utf8')));
const byId = (docs: any[]) =>
  Object.fromEntries(docs.map((o) => [`${o.kind}/${o.metadata.name}`, o]));

const skip = missing('kubectl') ?? containerSkip();
const BUILD_TIMEOUT = 30 * 60_000;
const build = (dir: string, env: NodeJS.ProcessEnv = {}) =>
  run('kubectl', ['kustomize', '--enable-alpha-plugins', dir], { env });
const REPLICAS_WARNING =
  "warning: pod 0 is the primary and the other 2 stream from it as standbys; standalone mode has no automatic failover (KubeDB's coordinator provides it) (Postgres/demo/pg, spec.replicas)";
const STANDALONE = [
  'Certificate/demo/pg-client-cert',
  'Certificate/demo/pg-metrics-exporter-cert',
  'Certificate/demo/pg-server-cert',
  'ConfigMap/demo/pg-server-config',
  'Issuer/demo/postgres-ca-issuer',
  'PodDisruptionBudget/demo/pg',
  'Service/demo/pg',
  'Service/demo/pg-pods',
  'Service/demo/pg-standby',
  'StatefulSet/demo/pg',
];
/** Operator mode: the Certificates and the database itself, for KubeDB. */
const OPERATOR = [
  'Certificate/demo/pg-client-cert',
  'Certificate/demo/pg-metrics-exporter-cert',
  'Certificate/demo/pg-server-cert',
  'Issuer/demo/postgres-ca-issuer',
  'Postgres/demo/pg',
];
const edit = (file: string, from: string | RegExp, to: string) => {
  const text = readFileSync(file, 'utf8');
  const next = text.replace(from, to);
  expect(next).not.toBe(text);
  writeFileSync(file, next);
};

describe.skipIf(skip)('kubectl kustomize, dbtls as a transformer', () => {
  beforeAll(() => ensureImage(), BUILD_TIMEOUT);
  it('builds examples/kustomize-transformer: Issuer, Certificates and workload; the Postgres and the policy left out', () => {
    const logFile = join(tempDir(), 'container.log');
    const r = build(copyExample('kustomize-transformer'), { DBTLS_CONTAINER_LOG: logFile });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(golden('kustomize-transformer.yaml', r.stdout));
    expect(ids(parseDocs(r.stdout))).toEqual(STANDALONE);
    expect(byId(parseDocs(r.stdout))).toEqual(postgresGolden());
    expect(r.stderr).toContain(REPLICAS_WARNING);
    expect(readFileSync(logFile, 'utf8')).toContain(
      'docker run --rm -i -a STDIN -a STDOUT -a STDERR --network none --user nobody --security-opt=no-new-privileges -e LOG_TO_STDERR=true -e STRUCTURED_RESULTS=true ghcr.io/dbtls/dbtls:v0.1.0',
    );
  });

  it('operator mode from the policy: Certificates, and the Postgres passed on to KubeDB', () => {
    const dir = copyExample('kustomize-transformer');
    edit(join(dir, 'dbtls.yaml'), 'mode: standalone', 'mode: operator');
    const r = build(dir);
    expect(r.status, r.stderr).toBe(0);
    expect(ids(parseDocs(r.stdout))).toEqual(OPERATOR);
  });

  it('validate mode from the policy: the Issuer and the Postgres as written, nothing generated', () => {
    const dir = copyExample('kustomize-transformer');
    edit(join(dir, 'dbtls.yaml'), 'mode: standalone', 'mode: validate');
    const r = build(dir);
    expect(r.status, r.stderr).toBe(0);
    expect(ids(parseDocs(r.stdout))).toEqual([
      'Issuer/demo/postgres-ca-issuer',
      'Postgres/demo/pg',
    ]);
    expect(r.stdout).not.toContain('dbtls');
  });

  it('sees the Issuers of the build: a wrong issuerRef fails the build with a readable error', () => {
    const dir = copyExample('kustomize-transformer');
    edit(join(dir, 'postgres.yaml'), 'name: postgres-ca-issuer', 'name: nope');
    const r = build(dir);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("couldn't execute function: exit status 1");
    expect(r.stderr).toContain(
      'error: Issuer "nope" not found in namespace "demo"; add it to the input, or list it in externalIssuers if it exists only in the cluster (Postgres/demo/pg, spec.tls.issuerRef.name)',
    );
  });
});

describe.skipIf(skip)('kubectl kustomize, dbtls as a generator', () => {
  beforeAll(() => ensureImage(), BUILD_TIMEOUT);
  it('builds examples/kustomize-generator: what dbtls generates from the Postgres, plus the resources', () => {
    const r = build(copyExample('kustomize-generator'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(golden('kustomize-generator.yaml', r.stdout));
    expect(ids(parseDocs(r.stdout))).toEqual(STANDALONE);
    // The generator's own annotations do not leak into what it generates.
    expect(r.stdout).not.toContain('config.kubernetes.io/function');
    expect(r.stdout).not.toContain('dbtls.dev/external-issuers');
    expect(r.stderr).toContain(REPLICAS_WARNING);
    expect(r.stderr).not.toContain('cannot be checked');
  });

  it('without dbtls.dev/external-issuers the invisible Issuer is a warning, not an error', () => {
    const dir = copyExample('kustomize-generator');
    edit(join(dir, 'postgres.yaml'), /^ {4}dbtls\.dev\/external-issuers: .*\n/m, '');
    const r = build(dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'warning: Issuer "postgres-ca-issuer" cannot be checked: issuers are not visible to a kustomize generator; list it in externalIssuers to confirm it exists in the cluster (Postgres/demo/pg, spec.tls.issuerRef)',
    );
    expect(ids(parseDocs(r.stdout))).toEqual(STANDALONE);
  });

  it('standalone (the example): the Certificates and the workload, without the database', () => {
    const r = build(copyExample('kustomize-generator'));
    expect(ids(parseDocs(r.stdout))).not.toContain('Postgres/demo/pg');
  });

  it('dbtls.dev/mode: operator on the database gives the Certificates and the database, for KubeDB', () => {
    const dir = copyExample('kustomize-generator');
    edit(join(dir, 'postgres.yaml'), 'dbtls.dev/mode: standalone', 'dbtls.dev/mode: operator');
    const r = build(dir);
    expect(r.status, r.stderr).toBe(0);
    expect(ids(parseDocs(r.stdout))).toEqual(OPERATOR);
    expect(r.stderr).not.toContain('local-config');
    const db = parseDocs(r.stdout).find((o) => o.kind === 'Postgres');
    expect(db.spec).toEqual(parseDocs(readFileSync(join(dir, 'postgres.yaml'), 'utf8'))[0].spec);
  });

  it('dbtls.dev/mode: validate on the database gives the database and nothing generated, for the full KubeDB', () => {
    const dir = copyExample('kustomize-generator');
    edit(join(dir, 'postgres.yaml'), 'dbtls.dev/mode: standalone', 'dbtls.dev/mode: validate');
    const r = build(dir);
    expect(r.status, r.stderr).toBe(0);
    expect(ids(parseDocs(r.stdout))).toEqual([
      'Issuer/demo/postgres-ca-issuer',
      'Postgres/demo/pg',
    ]);
    expect(r.stdout).not.toContain('generated-from');
    expect(r.stderr).not.toContain('local-config');
  });

  it('a bad setting annotation fails the build, naming the annotation', () => {
    const dir = copyExample('kustomize-generator');
    edit(join(dir, 'postgres.yaml'), 'dbtls.dev/mode: standalone', 'dbtls.dev/mode: operater');
    const r = build(dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'error: metadata.annotations.dbtls.dev/mode must be one of standalone, operator, validate; got "operater" (Postgres/demo/pg, metadata.annotations.dbtls.dev/mode)',
    );
  });

  it('dbtls.dev/cluster-domain on the database sets the domain of the certificate SANs', () => {
    const dir = copyExample('kustomize-generator');
    edit(
      join(dir, 'postgres.yaml'),
      'dbtls.dev/mode: standalone',
      'dbtls.dev/mode: standalone\n    dbtls.dev/cluster-domain: example.internal',
    );
    const r = build(dir);
    expect(r.status, r.stderr).toBe(0);
    const server = parseDocs(r.stdout).find((o) => o.metadata.name === 'pg-server-cert');
    expect(server.spec.dnsNames).toContain('pg.demo.svc.example.internal');
    expect(server.spec.dnsNames).not.toContain('pg.demo.svc.cluster.local');
  });

  it('kubectl kustomize silently skips an exec: generator: exit 0, the other resources, nothing generated', () => {
    const dir = copyExample('kustomize-generator');
    edit(
      join(dir, 'postgres.yaml'),
      /container:\n\s+image: ghcr\.io\/dbtls\/dbtls:v0\.1\.0/,
      'exec:\n        path: dbtls',
    );
    const r = build(dir);
    expect(r.status, r.stderr).toBe(0);
    expect(ids(parseDocs(r.stdout))).toEqual(['Issuer/demo/postgres-ca-issuer']);
  });
});

describe.skipIf(skip)('kubectl kustomize and exec: functions (README: use container:)', () => {
  it('an exec: transformer is skipped silently: exit 0, the Postgres and Issuer unrendered, no Certificates', () => {
    const dir = copyExample('kustomize-transformer');
    edit(
      join(dir, 'dbtls.yaml'),
      /container:\n\s+image: ghcr\.io\/dbtls\/dbtls:v0\.1\.0/,
      'exec:\n        path: dbtls',
    );
    const r = build(dir);
    expect(r.status, r.stderr).toBe(0);
    const docs = parseDocs(r.stdout);
    expect(ids(docs)).toEqual(['Issuer/demo/postgres-ca-issuer', 'Postgres/demo/pg']);
    expect(docs.find((o) => o.kind === 'Postgres')).toEqual(
      parseDocs(readFileSync(join(dir, 'postgres.yaml'), 'utf8'))[0],
    );
  });
});
