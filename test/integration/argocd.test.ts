// Argo CD config-management plugin: run examples/argocd/plugin.yaml's exact discover and generate
// commands in the dbtls image, as the sidecar of repo-server-patch.yaml runs them: in the
// application directory, as user 999, read-only root, its own /tmp, no network, with the
// environment Argo CD's repo-server sets.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { containerSkip, ensureImage } from './container.js';
import { copyExample, IMAGE, ids, parseDocs, ROOT, run, tempDir } from './tools.js';

const plugin: any = load(readFileSync(join(ROOT, 'examples/argocd/plugin.yaml'), 'utf8'));
const sidecar: any = (
  load(readFileSync(join(ROOT, 'examples/argocd/repo-server-patch.yaml'), 'utf8')) as any
).spec.template.spec.containers.find((c: any) => c.name === 'dbtls');
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const skip = containerSkip();

/** Runs a plugin command as the sidecar would: in the image, in the app directory. */
function pluginCommand(
  step: { command: string[]; args?: string[] },
  cwd: string,
  env: Record<string, string>,
) {
  // Argo CD checks the repository out readable by the sidecar's user. Only the directory itself:
  // it is mounted, so its parents do not matter (and one may be /tmp, which must stay 1777).
  chmodSync(cwd, 0o755);
  const [cmd, ...args] = [...step.command, ...(step.args ?? [])];
  const sc = sidecar.securityContext;
  const flags = [
    ...['--rm', '--network', 'none', '--user', String(sc.runAsUser)],
    ...(sc.allowPrivilegeEscalation === false ? ['--security-opt=no-new-privileges'] : []),
    // test/bin/podman runs every container with a read-only root, as readOnlyRootFilesystem asks.
    ...['--tmpfs', '/tmp', '-v', `${cwd}:/app:ro`, '-w', '/app', '--entrypoint', cmd],
    ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
  ];
  return run('podman', ['run', ...flags, IMAGE, ...args]);
}

const argoEnv = (extra: Record<string, string> = {}) => ({
  ARGOCD_APP_NAME: 'postgres-tls',
  ARGOCD_APP_NAMESPACE: 'team-a',
  ARGOCD_APP_REVISION: '0123456789abcdef',
  ARGOCD_APP_SOURCE_PATH: 'examples/postgres',
  ARGOCD_APP_SOURCE_REPO_URL: 'https://github.com/dbtls/dbtls.git',
  ...extra,
});

/** The example package without namespaces: Argo CD puts such objects in the destination namespace. */
function namespacelessApp(): string {
  const dir = copyExample('postgres');
  for (const f of ['postgres.yaml', 'issuer.yaml']) {
    const text = readFileSync(join(dir, f), 'utf8');
    writeFileSync(join(dir, f), text.replace(/^ {2}namespace: demo\n/m, ''));
  }
  return dir;
}

describe.skipIf(skip)('Argo CD plugin (examples/argocd/plugin.yaml)', () => {
  beforeAll(() => ensureImage(), 30 * 60_000);

  it('the sidecar runs the dbtls image as a non-root user with a read-only root', () => {
    expect(sidecar.image).toBe(IMAGE);
    expect(sidecar.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 999,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
  });

  it('is a ConfigManagementPlugin whose generate runs the image entrypoint\'s render over "."', () => {
    expect(plugin.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(plugin.kind).toBe('ConfigManagementPlugin');
    const entrypoint = JSON.parse(/^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(dockerfile)![1]);
    expect(plugin.spec.generate.command).toEqual([...entrypoint, 'render', '.']);
  });

  it('discover claims a directory with a KubeDB database and not one without', () => {
    expect(
      pluginCommand(plugin.spec.discover.find, copyExample('postgres'), {}).stdout.trim(),
    ).toBe('./postgres.yaml');
    const other = tempDir();
    writeFileSync(
      join(other, 'cm.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n',
    );
    const r = pluginCommand(plugin.spec.discover.find, other, {});
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
  });

  it("discover works with the image's own tools (BusyBox's sh, find, grep, head, as alpine's)", () => {
    const app = copyExample('postgres');
    mkdirSync(join(app, 'nested'));
    writeFileSync(
      join(app, 'nested/db.yml'),
      'apiVersion: kubedb.com/v1\nkind: Postgres\nmetadata:\n  name: x\n',
    );
    writeFileSync(join(app, 'notes.txt'), 'apiVersion: kubedb.com/v1\n');
    const claimed = pluginCommand(plugin.spec.discover.find, app, {});
    expect(claimed.stderr).toBe('');
    expect(claimed.status).toBe(0);
    expect(['./postgres.yaml', './nested/db.yml']).toContain(claimed.stdout.trim());
    const onlyYml = tempDir();
    writeFileSync(join(onlyYml, 'db.yml'), 'apiVersion: kubedb.com/v1alpha2\nkind: Singlestore\n');
    writeFileSync(join(onlyYml, 'db.txt.bak'), 'apiVersion: kubedb.com/v1alpha2\n');
    expect(pluginCommand(plugin.spec.discover.find, onlyYml, {}).stdout).toBe('./db.yml\n');
    const other = tempDir();
    writeFileSync(
      join(other, 'cm.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n',
    );
    writeFileSync(join(other, 'db.txt'), 'apiVersion: kubedb.com/v1\n');
    const none = pluginCommand(plugin.spec.discover.find, other, {});
    expect([none.status, none.stdout, none.stderr]).toEqual([0, '', '']);
  });

  it('generate prints a plain stream of the objects to apply, in the destination namespace', () => {
    const r = pluginCommand(plugin.spec.generate, namespacelessApp(), argoEnv());
    expect(r.status, r.stderr).toBe(0);
    // Documents as the user wrote them (comments kept), with what dbtls sets: the namespace.
    expect(r.stdout.startsWith('---\n# A CA issuer')).toBe(true);
    expect(r.stdout).toMatch(
      /^kind: Issuer\nmetadata:\n {2}name: postgres-ca-issuer\n {2}namespace: team-a\n/m,
    );
    expect(r.stdout).not.toContain('ResourceList');
    expect(r.stdout).not.toMatch(
      /config\.kubernetes\.io\/(path|index|local-config)|internal\.config\.kubernetes\.io/,
    );
    const docs = parseDocs(r.stdout);
    // Standalone (the default): the Postgres is local-config and left out, like the Kptfile.
    expect(ids(docs)).toEqual([
      'Certificate/team-a/pg-client-cert',
      'Certificate/team-a/pg-metrics-exporter-cert',
      'Certificate/team-a/pg-server-cert',
      'ConfigMap/team-a/pg-server-config',
      'Issuer/team-a/postgres-ca-issuer',
      'PodDisruptionBudget/team-a/pg',
      'Service/team-a/pg',
      'Service/team-a/pg-pods',
      'Service/team-a/pg-standby',
      'StatefulSet/team-a/pg',
    ]);
    // Certificate SANs follow the destination namespace too.
    const server = docs.find((o) => o.metadata.name === 'pg-server-cert');
    expect(server.spec.dnsNames).toContain('pg.team-a.svc.cluster.local');
    expect(r.stderr).toContain(
      "warning: pod 0 is the primary and the other 2 stream from it as standbys; standalone mode has no automatic failover (KubeDB's coordinator provides it) (Postgres/team-a/pg, spec.replicas)",
    );
  });

  it("settings come from the Application's plugin env (ARGOCD_ENV_DBTLS_*)", () => {
    const app = namespacelessApp();
    writeFileSync(
      join(app, 'postgres.yaml'),
      readFileSync(join(app, 'postgres.yaml'), 'utf8')
        .replace('kind: Issuer\n', 'kind: ClusterIssuer\n')
        .replace('name: postgres-ca-issuer', 'name: letsencrypt-internal'),
    );
    const r = pluginCommand(
      plugin.spec.generate,
      app,
      argoEnv({
        ARGOCD_ENV_DBTLS_MODE: 'operator',
        ARGOCD_ENV_DBTLS_EXTERNAL_ISSUERS: 'ClusterIssuer/letsencrypt-internal',
        ARGOCD_ENV_DBTLS_CLUSTER_DOMAIN: 'example.internal',
      }),
    );
    expect(r.status, r.stderr).toBe(0);
    const docs = parseDocs(r.stdout);
    expect(ids(docs)).toEqual([
      'Certificate/team-a/pg-client-cert',
      'Certificate/team-a/pg-metrics-exporter-cert',
      'Certificate/team-a/pg-server-cert',
      'Issuer/team-a/postgres-ca-issuer',
      'Postgres/team-a/pg',
    ]);
    expect(docs.find((o) => o.metadata.name === 'pg-server-cert').spec.dnsNames).toContain(
      'pg.team-a.svc.example.internal',
    );
    expect(docs.find((o) => o.kind === 'Postgres').metadata.annotations).toBeUndefined();
  });

  it('an error prints no manifests at all (an empty render must not prune) and exits 1', () => {
    const app = namespacelessApp();
    writeFileSync(
      join(app, 'postgres.yaml'),
      readFileSync(join(app, 'postgres.yaml'), 'utf8').replace(
        'name: postgres-ca-issuer',
        'name: nope',
      ),
    );
    const r = pluginCommand(plugin.spec.generate, app, argoEnv());
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('error: Issuer "nope" not found in namespace "team-a"');
  });

  it('a bad setting in the plugin env prints no manifests, exits 2 and names the variable and the value', () => {
    const r = pluginCommand(
      plugin.spec.generate,
      namespacelessApp(),
      argoEnv({ ARGOCD_ENV_DBTLS_MODE: 'operater' }),
    );
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      "dbtls: ARGOCD_ENV_DBTLS_MODE (DBTLS_MODE in the Application's plugin env) must be one of standalone, operator, validate; got \"operater\"\nRun 'dbtls --help' for usage.\n",
    );
  });

  it('an explicit namespace wins over ARGOCD_APP_NAMESPACE', () => {
    const r = pluginCommand(plugin.spec.generate, copyExample('postgres'), argoEnv());
    expect(r.status, r.stderr).toBe(0);
    expect(new Set(parseDocs(r.stdout).map((o) => o.metadata.namespace))).toEqual(
      new Set(['demo']),
    );
  });
});
