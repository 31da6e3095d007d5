// docs/policy.md "The platform's policy" and docs/integrations.md "Pinning the platform's
// policy", claim by claim: each integration's pin holds against a repository that hides its
// policy (`.krmignore`), deletes it, or loosens it — with the real kpt, the Flux CI script, the
// Argo CD example's sidecar settings, and the ResourceList kustomize sends a transformer.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { errorsOf, issuer, postgres, resourceList, runFn } from '../helpers.js';
import { copyExample, missing, ROOT, run, tempDir } from './tools.js';

const policyDoc = readFileSync(join(ROOT, 'docs/policy.md'), 'utf8');
const integrations = readFileSync(join(ROOT, 'docs/integrations.md'), 'utf8');
const section = (doc: string, heading: string) => {
  const at = doc.indexOf(heading);
  expect(at, heading).toBeGreaterThanOrEqual(0);
  const next = doc.indexOf('\n## ', at + heading.length);
  return doc.slice(at, next < 0 ? undefined : next).replace(/\s+/g, ' ');
};
const platform = section(policyDoc, "## The platform's policy");
const pinning = section(integrations, "## Pinning the platform's policy");
const DBTLS = join(ROOT, 'test/bin/dbtls');

const policy = (name: string, rules: Record<string, unknown>) => ({
  apiVersion: 'dbtls.dev/v1alpha1',
  kind: 'DatabaseTLSPolicy',
  metadata: { name },
  spec: { rules },
});
const PLATFORM_RULES = { requireTLS: {} };

/** A package with a Postgres without TLS, and the repository's policy hidden by `.krmignore`. */
function hostileRepository(): string {
  const dir = tempDir();
  const db = postgres() as any;
  delete db.spec.tls;
  writeFileSync(join(dir, 'postgres.yaml'), dump(db));
  writeFileSync(join(dir, 'issuer.yaml'), dump(issuer()));
  writeFileSync(join(dir, 'policy.yaml'), dump(policy('org', PLATFORM_RULES)));
  writeFileSync(join(dir, '.krmignore'), 'policy.yaml\n');
  return dir;
}
function platformFile(): string {
  const file = join(tempDir(), 'policy.yaml');
  writeFileSync(file, dump(policy('platform', PLATFORM_RULES)));
  return file;
}

describe("docs/policy.md: the platform's policy", () => {
  it('the example loosening reads as dbtls prints it', () => {
    const dir = tempDir();
    const file = platformFile();
    writeFileSync(
      join(dir, 'policy.yaml'),
      readFileSync(join(ROOT, 'test/integration/pinning-app-policy.yaml'), 'utf8'),
    );
    const r = run(DBTLS, ['check', '--policy', file, dir]);
    const line = /^```text\n(policy\.yaml:.*)\n```$/m.exec(policyDoc)![1];
    expect(r.stdout).toBe(`${dir}/${line.replace('/etc/dbtls/policy.yaml', file)}\n`);
  });

  it('every row of the merge table is a loosening dbtls refuses (test/pinning.test.ts has each message)', () => {
    const raw = policyDoc.slice(policyDoc.indexOf("## The platform's policy"));
    const rows = [...raw.matchAll(/^\| `([a-zA-Z.]+)` \| .* \| .* \|$/gm)].map((m) => m[1]);
    const loosenings: Record<string, [object, object]> = {
      enforcement: [{ requireTLS: {} }, { requireTLS: { enforcement: 'audit' } }],
      match: [{ requireTLS: {} }, { requireTLS: { match: { namespaces: ['x'] } } }],
      'requireTLS.defaultIssuerRef': [
        { requireTLS: { defaultIssuerRef: { kind: 'ClusterIssuer', name: 'a' } } },
        { requireTLS: { defaultIssuerRef: { kind: 'ClusterIssuer', name: 'b' } } },
      ],
      'connectionSecurity.minimum': [
        { connectionSecurity: { minimum: { sslMode: 'verify-full' } } },
        { connectionSecurity: { minimum: { sslMode: 'disable' } } },
      ],
      'allowedIssuers.issuers': [
        { allowedIssuers: { issuers: ['a'] } },
        { allowedIssuers: { issuers: ['b'] } },
      ],
      privateKey: [{ privateKey: { minimumSize: 4096 } }, { privateKey: { minimumSize: 2048 } }],
      certificateLifetime: [
        { certificateLifetime: { maximumDuration: '100h' } },
        { certificateLifetime: { maximumDuration: '200h' } },
      ],
      'tlsProtocols.versions': [
        { tlsProtocols: { versions: ['1.2'] } },
        { tlsProtocols: { versions: ['1.1'] } },
      ],
    };
    expect(rows).toEqual(Object.keys(loosenings));
    for (const [row, [p, r]] of Object.entries(loosenings)) {
      const out = runFn(resourceList([policy('app', r as any)], policy('platform', p as any)));
      expect(errorsOf(out)[0]?.field, row).toMatch(/^spec\.rules\./);
    }
  });

  it('says where the platform gives it and that the Application cannot', () => {
    for (const claim of [
      '`--policy FILE`, or as the variable `DBTLS_POLICY=FILE` (the flag wins over the variable)',
      "a `.krmignore` line, a deleted file or the repository's own `DatabaseTLSPolicy` cannot remove it",
      '`ARGOCD_ENV_DBTLS_POLICY`, which is refused (exit 2)',
    ])
      expect(platform).toContain(claim);
  });
});

describe("docs/integrations.md: pinning the platform's policy", () => {
  it('Argo CD: the sidecar sets DBTLS_POLICY to the mounted ConfigMap of platform-policy.yaml', () => {
    expect(pinning).toContain('`DBTLS_POLICY=/home/argocd/dbtls/policy.yaml`');
    const patch: any = load(
      readFileSync(join(ROOT, 'examples/argocd/repo-server-patch.yaml'), 'utf8'),
    );
    const spec = patch.spec.template.spec;
    const sidecar = spec.containers.find((c: any) => c.name === 'dbtls');
    const env = Object.fromEntries(sidecar.env.map((e: any) => [e.name, e.value]));
    const mount = sidecar.volumeMounts.find((m: any) => m.name === 'dbtls-platform-policy');
    expect(env.DBTLS_POLICY).toBe(`${mount.mountPath}/policy.yaml`);
    expect(mount.readOnly).toBe(true);
    const volume = spec.volumes.find((v: any) => v.name === 'dbtls-platform-policy');
    expect(volume.configMap.name).toBe('dbtls-platform-policy');
    const text = readFileSync(join(ROOT, 'examples/argocd/platform-policy.yaml'), 'utf8');
    expect(text).toContain('--from-file=policy.yaml=platform-policy.yaml');
    expect(readFileSync(join(ROOT, 'examples/argocd/README.md'), 'utf8')).toContain(
      'create configmap dbtls-platform-policy --from-file=policy.yaml=platform-policy.yaml',
    );
    // The example's policy holds the plugin's render of the example package to it, and more.
    const app = copyExample('postgres');
    writeFileSync(join(app, 'platform.yaml'), text);
    const r = run(DBTLS, ['render', '.'], {
      cwd: app,
      env: { DBTLS_POLICY: join(app, 'platform.yaml') },
    });
    expect(r.status, r.stderr).toBe(0);
    const hidden = run(DBTLS, ['render', '.'], {
      cwd: hostileRepository(),
      env: { DBTLS_POLICY: join(app, 'platform.yaml') },
    });
    expect([hidden.status, hidden.stdout]).toEqual([1, '']);
  });

  it('Flux (CI): render.sh with DBTLS_POLICY fails a repository that hides its policy', () => {
    expect(pinning).toContain('set `DBTLS_POLICY` in the CI job');
    const out = join(tempDir(), 'deploy');
    const script = join(ROOT, 'examples/flux/render.sh');
    const src = hostileRepository();
    expect(run(script, [src, out], { env: { DBTLS } }).status).toBe(0);
    const r = run(script, [src, out], { env: { DBTLS, DBTLS_POLICY: platformFile() } });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('error: policy rule requireTLS (platform policy ');
  });

  it.skipIf(missing('kpt'))(
    'kpt: fn eval --exec dbtls --fn-config holds a package that hides or loosens its policy',
    () => {
      expect(pinning).toContain('`kpt fn eval DIR --exec dbtls --fn-config /platform/policy.yaml`');
      const pkg = hostileRepository();
      const args = ['fn', 'eval', pkg, '--exec', 'dbtls', '--fn-config', platformFile()];
      const hidden = run('kpt', [...args, '-o', 'stdout']);
      expect(hidden.status).toBe(1);
      expect(hidden.stderr).toContain('policy rule requireTLS: TLS is required for this database');
      writeFileSync(join(pkg, '.krmignore'), '');
      writeFileSync(
        join(pkg, 'policy.yaml'),
        dump(policy('org', { requireTLS: { enforcement: 'audit' } })),
      );
      const looser = run('kpt', [...args, '-o', 'stdout']);
      expect(looser.status).toBe(1);
      expect(looser.stderr).toContain(
        'policy rule requireTLS: enforcement \\"audit\\" is looser than the platform policy\'s \\"enforce\\"',
      );
    },
  );

  it("kustomize: a DatabaseTLSPolicy among the resources cannot loosen the transformer's config", () => {
    expect(pinning).toContain('a `DatabaseTLSPolicy` among the resources can only tighten it');
    const transformer = {
      ...policy('platform', PLATFORM_RULES),
      metadata: {
        name: 'platform',
        annotations: {
          'config.kubernetes.io/function': 'container:\n  image: ghcr.io/dbtls/dbtls:v0.1.0\n',
        },
      },
    };
    const db = postgres() as any;
    delete db.spec.tls;
    const looser = policy('app', { requireTLS: { enforcement: 'audit' } });
    expect(errorsOf(runFn(resourceList([looser, db], transformer)))[0].field).toBe(
      'spec.rules.requireTLS.enforcement',
    );
    expect(errorsOf(runFn(resourceList([db], transformer)))[0].field).toBe('spec.tls');
  });
});

describe('docs/standalone.md: TLS settings on the server command line', () => {
  const doc = readFileSync(join(ROOT, 'docs/standalone.md'), 'utf8').replace(/\s+/g, ' ');
  const startSh = (example: string) => {
    const r = run(DBTLS, ['render', join(ROOT, 'examples', example)]);
    return load(r.stdout.split('\n---\n').find((d) => d.includes('start.sh')) as string) as any;
  };
  it('Postgres: -c settings after config_file (test/servers/postgres.test.ts runs them against a hostile postgresql.auto.conf)', () => {
    expect(doc).toContain("PostgreSQL's `-c hba_file=… -c ssl=on -c ssl_cert_file=…");
    const exec = startSh('postgres')
      .data['start.sh'].split('\n')
      .find((l: string) => l.startsWith('exec '));
    for (const setting of [
      'hba_file',
      'ssl=on',
      'ssl_cert_file',
      'ssl_key_file',
      'ssl_ca_file',
      'ssl_min_protocol_version=TLSv1.2',
    ])
      expect(exec).toMatch(new RegExp(`config_file=\\S+ .*-c ${setting}`));
  });
  it('MySQL family: --ssl-* and --require-secure-transport=ON after the option file (test/servers/mysql-pinned.test.ts)', () => {
    expect(doc).toContain("`--require-secure-transport=ON`, after the MySQL family's option files");
    const exec = startSh('mariadb')
      .data['start.sh'].split('\n')
      .find((l: string) => l.startsWith('exec '));
    expect(exec).toMatch(
      /--defaults-extra-file=\S+ --ssl-ca=\S+ --ssl-cert=\S+ --ssl-key=\S+ --require-secure-transport=ON/,
    );
  });
});
