// The directory CLI: `dbtls render DIR`, `dbtls check DIR` (file:line:column lines), --help,
// --version, flags, and usage errors.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDist } from '../helpers.js';
import { copyExample, ids, parseDocs, ROOT, tempDir } from './tools.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const LINE =
  /^(.+\.ya?ml):(\d+):(\d+): (error|warning|info): (.+) \(([A-Za-z]+)\/([^/]*)\/([^,]+), (\S+)\)$/;
/** The notes (info results) check and render show for the example's Postgres. */
const SECRET_NOTE =
  'info: the workload reads the postgres password from Secret "pg-auth" (key password), which standalone mode does not create (Postgres/demo/pg, spec.authSecret)';
const LOCAL_CONFIG_NOTE =
  'info: metadata.annotations.config.kubernetes.io/local-config is set to "true", so that Postgres/demo/pg itself is not applied: standalone mode renders its Certificates and workload in its place (use mode: operator for a cluster that runs the KubeDB operator) (Postgres/demo/pg, metadata.annotations.config.kubernetes.io/local-config)';

function brokenPackage(): string {
  const dir = copyExample('postgres');
  const file = join(dir, 'postgres.yaml');
  writeFileSync(
    file,
    readFileSync(file, 'utf8')
      .replace('name: postgres-ca-issuer', 'name: nope')
      .replace('replicas: 3', 'replicas: 1'),
  );
  return dir;
}

describe('dbtls check DIR', () => {
  it('prints each problem as path:LINE:COL: severity: message (Kind/namespace/name, field) and exits 1', () => {
    const dir = brokenPackage();
    const r = runDist('', ['check', dir]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe(
      `${dir}/postgres.yaml:8:1: ${SECRET_NOTE}\n` +
        `${dir}/postgres.yaml:16:7: error: Issuer "nope" not found in namespace "demo"; add it to the input, or list it in externalIssuers if it exists only in the cluster (Postgres/demo/pg, spec.tls.issuerRef.name)\n`,
    );
    const [, file, line, col] = LINE.exec(r.stdout.split('\n')[1])!;
    // The position is where a person fixes it: the issuerRef's name.
    expect(
      readFileSync(file, 'utf8')
        .split('\n')
        [Number(line) - 1].slice(Number(col) - 1),
    ).toBe('name: nope');
  });

  it('warnings and notes are listed with exit 0; every line of every golden check.txt has the documented shape', () => {
    const r = runDist('', ['check', 'examples/postgres']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      "examples/postgres/postgres.yaml:10:3: warning: pod 0 is the primary and the other 2 stream from it as standbys; standalone mode has no automatic failover (KubeDB's coordinator provides it) (Postgres/demo/pg, spec.replicas)\n" +
        `examples/postgres/postgres.yaml:8:1: ${SECRET_NOTE}\n` +
        `examples/postgres/postgres.yaml:5:1: ${LOCAL_CONFIG_NOTE}\n`,
    );
    for (const d of ['postgres', 'policy', 'policy-violations']) {
      const text = readFileSync(join(ROOT, 'examples', d, '.expected/check.txt'), 'utf8');
      for (const line of text.split('\n').filter((l) => l !== '')) expect(line).toMatch(LINE);
    }
  });

  it('prints only its notes and exits 0 when all is well; nothing in operator mode, where KubeDB does the rest', () => {
    const dir = copyExample('postgres');
    const file = join(dir, 'postgres.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('replicas: 3', 'replicas: 1'));
    const r = runDist('', ['check', dir]);
    expect(r).toMatchObject({
      status: 0,
      stdout: `${dir}/postgres.yaml:8:1: ${SECRET_NOTE}\n${dir}/postgres.yaml:5:1: ${LOCAL_CONFIG_NOTE}\n`,
      stderr: '',
    });
    expect(runDist('', ['check', dir, '--mode', 'operator'])).toMatchObject({
      status: 0,
      stdout: '',
      stderr: '',
    });
  });

  it('a YAML syntax error is reported at its position', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'bad.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "x\n',
    );
    const r = runDist('', ['check', dir]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(
      new RegExp(`^${dir}/bad\\.yaml:\\d+:\\d+: error: file is not valid YAML: .+\\n$`),
    );
  });
});

describe('dbtls render DIR', () => {
  it('prints the manifests to apply: the golden output of the example', () => {
    const r = runDist('', ['render', 'examples/postgres']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      readFileSync(join(ROOT, 'examples/postgres/.expected/manifests.yaml'), 'utf8'),
    );
  });

  it('settings flags, --flag value and --flag=value alike', () => {
    for (const args of [['--mode', 'operator'], ['--mode=operator']]) {
      const r = runDist('', ['render', 'examples/postgres', ...args]);
      expect(r.status, r.stderr).toBe(0);
      expect(ids(parseDocs(r.stdout))).toEqual([
        'Certificate/demo/pg-client-cert',
        'Certificate/demo/pg-metrics-exporter-cert',
        'Certificate/demo/pg-server-cert',
        'Issuer/demo/postgres-ca-issuer',
        'Postgres/demo/pg',
      ]);
    }
  });

  it('--default-namespace places namespaceless databases and Issuers; ARGOCD_ENV_* settings yield to flags', () => {
    const dir = copyExample('postgres');
    for (const f of ['postgres.yaml', 'issuer.yaml'])
      writeFileSync(
        join(dir, f),
        readFileSync(join(dir, f), 'utf8').replace(/^ {2}namespace: demo\n/m, ''),
      );
    const r = runDist('', ['render', dir, '--default-namespace', 'db', '--mode', 'operator'], {
      ARGOCD_ENV_DBTLS_MODE: 'standalone',
      ARGOCD_APP_NAMESPACE: 'ignored',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(ids(parseDocs(r.stdout))).toEqual([
      'Certificate/db/pg-client-cert',
      'Certificate/db/pg-metrics-exporter-cert',
      'Certificate/db/pg-server-cert',
      'Issuer/db/postgres-ca-issuer',
      'Postgres/db/pg',
    ]);
  });

  it('on an error prints no manifests, the problems on stderr, and exits 1', () => {
    const dir = brokenPackage();
    const r = runDist('', ['render', dir]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    // Placed as check places it: file, line and column first.
    expect(r.stderr).toBe(
      `${dir}/postgres.yaml:8:1: ${SECRET_NOTE}\n` +
        `${dir}/postgres.yaml:16:7: error: Issuer "nope" not found in namespace "demo"; add it to the input, or list it in externalIssuers if it exists only in the cluster (Postgres/demo/pg, spec.tls.issuerRef.name)\n`,
    );
  });
});

describe('dbtls --help, --version, usage errors', () => {
  it.each([['--help'], ['-h'], ['help'], ['render', '--help']])(
    '%s prints the usage and exits 0',
    (...args) => {
      const r = runDist('', args);
      expect(r.status).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout.startsWith(`dbtls ${pkg.version}: `)).toBe(true);
      for (const s of [
        'dbtls render DIR',
        'dbtls check DIR',
        '--mode standalone|operator|validate',
        '--cluster-domain DOMAIN',
        '--external-issuers LIST',
        '--external-databases LIST',
        'ARGOCD_ENV_DBTLS_EXTERNAL_DATABASES',
        '--trust-namespace NS',
        'ARGOCD_ENV_DBTLS_TRUST_NAMESPACE',
        '--default-namespace NS',
        'ARGOCD_ENV_DBTLS_MODE',
        'ARGOCD_APP_NAMESPACE',
        'Postgres (kubedb.com)',
      ]) {
        expect(r.stdout).toContain(s);
      }
    },
  );

  it('--version prints the package version', () => {
    expect(runDist('', ['--version'])).toMatchObject({
      status: 0,
      stdout: `dbtls ${pkg.version}\n`,
      stderr: '',
    });
  });

  it.each([
    [['--bogus'], 'unknown flag --bogus'],
    [['frob'], 'unknown command frob'],
    [['render', 'examples/postgres', '--bogus'], 'unknown flag --bogus'],
    [['check', 'examples/postgres', '--mode'], '--mode needs a value'],
    [['render'], 'render needs a directory'],
    [
      ['check', 'examples/postgres/postgres.yaml'],
      'examples/postgres/postgres.yaml is not a directory',
    ],
    [['render', 'examples/postgres', 'examples/policy'], 'unexpected argument examples/policy'],
    [
      ['render', 'examples/postgres', '--mode', 'operater'],
      '--mode must be one of standalone, operator, validate; got "operater"',
    ],
    [
      ['check', 'examples/postgres', '--mode=operater'],
      '--mode must be one of standalone, operator, validate; got "operater"',
    ],
    [
      ['render', 'examples/postgres', '--cluster-domain', 'Cluster.Local'],
      '--cluster-domain "Cluster.Local" is not valid here: must be a DNS domain such as cluster.local: labels of lowercase letters, digits and "-", separated by ".", each starting and ending with a letter or digit',
    ],
    [
      ['check', 'examples/postgres', '--external-issuers', 'ca,Secret/x'],
      '--external-issuers "Secret/x" is not valid here: must be NAME, Issuer/NAME, Issuer/NAMESPACE/NAME or ClusterIssuer/NAME, each name of lowercase letters, digits, "-" and ".", starting and ending with a letter or digit',
    ],
    [
      ['check', 'examples/postgres', '--external-databases', 'Postgres/db/orders,pg'],
      '--external-databases "pg" is not valid here: must be KIND/NAME or KIND/NAMESPACE/NAME, KIND one of Postgres, PerconaXtraDB, Singlestore, MSSQLServer, VaultServer, MariaDB, MySQL, each name of lowercase letters, digits, "-" and ".", starting and ending with a letter or digit',
    ],
  ])('%j is a usage error (exit 2)', (args, message) => {
    expect(runDist('', args)).toMatchObject({
      status: 2,
      stdout: '',
      stderr: `dbtls: ${message}\nRun 'dbtls --help' for usage.\n`,
    });
  });

  it('a bad setting from the environment is a usage error naming the variable and the value', () => {
    expect(
      runDist('', ['render', 'examples/postgres'], {
        ARGOCD_ENV_DBTLS_CLUSTER_DOMAIN: 'cluster_local',
      }),
    ).toMatchObject({
      status: 2,
      stdout: '',
      stderr:
        'dbtls: ARGOCD_ENV_DBTLS_CLUSTER_DOMAIN (DBTLS_CLUSTER_DOMAIN in the Application\'s plugin env) "cluster_local" is not valid here: must be a DNS domain such as cluster.local: labels of lowercase letters, digits and "-", separated by ".", each starting and ending with a letter or digit\nRun \'dbtls --help\' for usage.\n',
    });
  });

  it('an issuerRef name with a typo is reported at its name line, with the nearest Issuer suggested', () => {
    const dir = copyExample('postgres');
    writeFileSync(
      join(dir, 'issuer.yaml'),
      readFileSync(join(dir, 'issuer.yaml'), 'utf8').replace(
        'name: postgres-ca-issuer',
        'name: shop-ca',
      ),
    );
    writeFileSync(
      join(dir, 'postgres.yaml'),
      readFileSync(join(dir, 'postgres.yaml'), 'utf8').replace(
        'name: postgres-ca-issuer',
        'name: shopca',
      ),
    );
    const r = runDist('', ['check', dir]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe(
      `${dir}/postgres.yaml:10:3: warning: pod 0 is the primary and the other 2 stream from it as standbys; standalone mode has no automatic failover (KubeDB's coordinator provides it) (Postgres/demo/pg, spec.replicas)\n${dir}/postgres.yaml:8:1: ${SECRET_NOTE}\n${dir}/postgres.yaml:16:7: error: Issuer "shopca" not found in namespace "demo"; did you mean "shop-ca"? Otherwise add it to the input, or list it in externalIssuers if it exists only in the cluster (Postgres/demo/pg, spec.tls.issuerRef.name)\n`,
    );
  });
});

describe('--external-databases and ARGOCD_ENV_DBTLS_EXTERNAL_DATABASES', () => {
  const app = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: apps
  annotations:
    dbtls.dev/connect-to: Postgres/db/orders
    dbtls.dev/connect-issuer: ClusterIssuer/corp-ca
spec:
  template:
    spec:
      securityContext: {fsGroup: 1000}
      containers:
      - name: app
        image: example/app
`;
  // The directory's policy keeps its externalIssuers and grants namespace apps the databases of
  // namespace db; the flag or variable adds the database.
  const policy =
    'apiVersion: dbtls.dev/v1alpha1\nkind: DatabaseTLSPolicy\nmetadata:\n  name: p\n  annotations:\n    config.kubernetes.io/local-config: "true"\nspec:\n  externalIssuers: [ClusterIssuer/corp-ca]\n  rules:\n    allowClients: {match: {namespaces: [db]}, clients: [apps]}\n';
  function appDir(): string {
    const dir = tempDir();
    writeFileSync(join(dir, 'app.yaml'), app);
    writeFileSync(join(dir, 'policy.yaml'), policy);
    return dir;
  }

  it.each([
    ['the flag', ['--external-databases', 'Postgres/db/orders'], {}],
    ['the variable', [], { ARGOCD_ENV_DBTLS_EXTERNAL_DATABASES: 'Postgres/db/orders' }],
  ])(
    '%s declares the database: the workload connects to <db>.<namespace>.svc',
    (_name, flags, env) => {
      const r = runDist('', ['render', appDir(), ...flags], env);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const docs = parseDocs(r.stdout);
      const w = docs.find((d) => d.kind === 'Deployment');
      expect(w.spec.template.spec.containers[0].env).toContainEqual({
        name: 'PGHOST',
        value: 'orders.db.svc',
      });
      expect(docs.find((d) => d.kind === 'Certificate').spec.issuerRef).toEqual({
        group: 'cert-manager.io',
        kind: 'ClusterIssuer',
        name: 'corp-ca',
      });
    },
  );

  it('without it, the error says how to declare the database', () => {
    const r = runDist('', ['check', appDir()]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(
      "error: Postgres/db/orders is not in the input: dbtls reads the database's TLS settings, services and issuer to connect an application; add the Postgres to the input, or, if it exists only in the cluster, list Postgres/db/orders in externalDatabases and name its issuer in dbtls.dev/connect-issuer (Deployment/apps/app, metadata.annotations.dbtls.dev/connect-to)\n",
    );
  });
});
