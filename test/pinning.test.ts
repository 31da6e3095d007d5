// The platform's policy is not the repository's to remove (issue 24): a policy given by the
// platform (`--policy FILE`, DBTLS_POLICY, the function config kpt and kustomize pass) applies
// whatever the rendered directory holds, and a DatabaseTLSPolicy in the directory can only
// tighten it. Each loosening of each rule is refused with its exact message; a tightening applies;
// results say which policy applied; the CLI reads the platform's file and refuses it from an
// Application's plugin env.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { dump } from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { DIST, errorsOf, issuer, postgres, resourceList, runFn } from './helpers.js';

const policy = (name: string, rules: Record<string, unknown>, extra = {}) => ({
  apiVersion: 'dbtls.dev/v1alpha1',
  kind: 'DatabaseTLSPolicy',
  metadata: { name },
  spec: { ...extra, rules },
});
/** The repository's policy as kpt lists it among the items: with its file. */
const inRepository = (rules: Record<string, unknown>, extra = {}) => {
  const p = policy('app', rules, extra) as any;
  p.metadata.annotations = { 'config.kubernetes.io/path': 'policy.yaml' };
  return p;
};
const plain = (namespace = 'demo') => {
  const db = postgres({}, 'pg', namespace) as any;
  delete db.spec.tls;
  return db;
};
const PLATFORM = 'platform policy DatabaseTLSPolicy "platform"';
const TAIL =
  '(DatabaseTLSPolicy "platform"); a DatabaseTLSPolicy in the repository can only tighten the platform\'s';

describe('a repository policy that would loosen the platform policy is refused', () => {
  const cases: [string, Record<string, unknown>, Record<string, unknown>, string, string][] = [
    [
      'enforcement',
      { requireTLS: {} },
      { requireTLS: { enforcement: 'audit' } },
      'spec.rules.requireTLS.enforcement',
      `policy rule requireTLS: enforcement "audit" is looser than the platform policy's "enforce" ${TAIL}`,
    ],
    [
      'a narrower match',
      { requireTLS: {} },
      { requireTLS: { match: { namespaces: ['prod'] } } },
      'spec.rules.requireTLS.match',
      'policy rule requireTLS: match differs from the platform policy\'s (DatabaseTLSPolicy "platform"), which sets this rule; a rule the platform sets applies where it says: leave match out (every database) or repeat the platform\'s',
    ],
    [
      'a weaker sslMode',
      { connectionSecurity: { minimum: { sslMode: 'verify-full' } } },
      { connectionSecurity: { minimum: { sslMode: 'require' } } },
      'spec.rules.connectionSecurity.minimum.sslMode',
      `policy rule connectionSecurity: minimum.sslMode "require" is looser than the platform policy's "verify-full" ${TAIL}`,
    ],
    [
      'an issuer the platform does not allow',
      { allowedIssuers: { issuers: ['ClusterIssuer/corp-ca'] } },
      { allowedIssuers: { issuers: ['ClusterIssuer/corp-ca', 'ca'] } },
      'spec.rules.allowedIssuers.issuers[1]',
      'policy rule allowedIssuers: "ca" is not among the platform policy\'s allowed issuers (ClusterIssuer/corp-ca; DatabaseTLSPolicy "platform"); a DatabaseTLSPolicy in the repository can only narrow the platform\'s list',
    ],
    [
      'an issuer of either kind where the platform allows one',
      { allowedIssuers: { issuers: ['Issuer/ca'] } },
      { allowedIssuers: { issuers: ['ca'] } },
      'spec.rules.allowedIssuers.issuers[0]',
      'policy rule allowedIssuers: "ca" is not among the platform policy\'s allowed issuers (Issuer/ca; DatabaseTLSPolicy "platform"); a DatabaseTLSPolicy in the repository can only narrow the platform\'s list',
    ],
    [
      'a smaller key',
      { privateKey: { algorithm: 'RSA', minimumSize: 4096 } },
      { privateKey: { minimumSize: 2048 } },
      'spec.rules.privateKey.minimumSize',
      `policy rule privateKey: minimumSize 2048 is looser than the platform policy's 4096 ${TAIL}`,
    ],
    [
      'another algorithm',
      { privateKey: { algorithm: 'ECDSA' } },
      { privateKey: { algorithm: 'RSA' } },
      'spec.rules.privateKey.algorithm',
      'policy rule privateKey: algorithm RSA differs from the platform policy\'s ECDSA (DatabaseTLSPolicy "platform"); leave it out or repeat the platform\'s',
    ],
    [
      'a key that never rotates',
      { privateKey: { rotationPolicy: 'Always' } },
      { privateKey: { rotationPolicy: 'Never' } },
      'spec.rules.privateKey.rotationPolicy',
      `policy rule privateKey: rotationPolicy Never is looser than the platform policy's Always ${TAIL}`,
    ],
    [
      'a longer lifetime',
      { certificateLifetime: { maximumDuration: '720h' } },
      { certificateLifetime: { maximumDuration: '2160h' } },
      'spec.rules.certificateLifetime.maximumDuration',
      `policy rule certificateLifetime: maximumDuration 2160h0m0s is looser than the platform policy's 720h0m0s ${TAIL}`,
    ],
    [
      'a later renewal',
      { certificateLifetime: { minimumRenewBefore: '360h' } },
      { certificateLifetime: { minimumRenewBefore: '24h' } },
      'spec.rules.certificateLifetime.minimumRenewBefore',
      `policy rule certificateLifetime: minimumRenewBefore 24h0m0s is looser than the platform policy's 360h0m0s ${TAIL}`,
    ],
    [
      'an older TLS version',
      { tlsProtocols: { versions: ['1.2'] } },
      { tlsProtocols: { versions: ['1.2', '1.1'] } },
      'spec.rules.tlsProtocols.versions',
      `policy rule tlsProtocols: versions 1.2, 1.1 is looser than the platform policy's 1.2 ${TAIL}`,
    ],
  ];
  for (const [what, platformRules, repoRules, field, message] of cases) {
    it(what, () => {
      const r = runFn(
        resourceList(
          [inRepository(repoRules), issuer(), postgres()],
          policy('platform', platformRules),
        ),
      );
      expect(r.status).toBe(1);
      expect(errorsOf(r)).toEqual([{ severity: 'error', message, field }]);
      // Nothing is rendered: the items come back as they went in.
      expect(r.output.items.map((i: any) => i.kind)).toEqual([
        'DatabaseTLSPolicy',
        'Issuer',
        'Postgres',
      ]);
    });
  }

  it('refuses a minimumRenewBefore that the platform maximumDuration leaves no room for', () => {
    const r = runFn(
      resourceList(
        [inRepository({ certificateLifetime: { minimumRenewBefore: '800h' } }), postgres()],
        policy('platform', { certificateLifetime: { maximumDuration: '720h' } }),
      ),
    );
    expect(errorsOf(r)).toEqual([
      {
        severity: 'error',
        field: 'spec.rules.certificateLifetime',
        message:
          'policy rule certificateLifetime: with the platform policy\'s (DatabaseTLSPolicy "platform"), minimumRenewBefore 800h0m0s is not shorter than maximumDuration 720h0m0s; no certificate could satisfy both',
      },
    ]);
  });
});

describe('a repository policy tightens the platform policy', () => {
  it('a stricter minimum applies, and the result names both policies', () => {
    const db = postgres({ sslMode: 'require' });
    const r = runFn(
      resourceList(
        [
          inRepository({ connectionSecurity: { minimum: { sslMode: 'verify-full' } } }),
          issuer(),
          db,
        ],
        policy('platform', { connectionSecurity: { minimum: { sslMode: 'require' } } }),
      ),
    );
    expect(errorsOf(r)).toEqual([
      {
        severity: 'error',
        field: 'spec.sslMode',
        message: `policy rule connectionSecurity (${PLATFORM}, tightened by policy.yaml): sslMode is "require"; the policy requires at least "verify-full"`,
      },
    ]);
  });

  it('a rule only the repository sets is added, named as the repository policy', () => {
    const r = runFn(
      resourceList(
        [inRepository({ requireTLS: {} }), plain()],
        policy('platform', { forbidSelfSignedIssuers: {} }),
      ),
    );
    expect(errorsOf(r)).toEqual([
      {
        severity: 'error',
        field: 'spec.tls',
        message:
          'policy rule requireTLS (repository policy policy.yaml): TLS is required for this database; set spec.tls.issuerRef to a cert-manager Issuer or ClusterIssuer',
      },
    ]);
  });

  it('a rule widened to every database applies to every database', () => {
    const r = runFn(
      resourceList(
        [inRepository({ requireTLS: {} }), plain('dev')],
        policy('platform', { requireTLS: { match: { namespaces: ['prod'] } } }),
      ),
    );
    expect(errorsOf(r).map((e) => e.field)).toEqual(['spec.tls']);
  });

  it('enforce in the repository makes an audited platform rule an error', () => {
    const r = runFn(
      resourceList(
        [inRepository({ requireTLS: {} }), plain()],
        policy('platform', { requireTLS: { enforcement: 'audit' } }),
      ),
    );
    expect(errorsOf(r).map((e) => e.message)).toEqual([
      `policy rule requireTLS (${PLATFORM}, tightened by policy.yaml): TLS is required for this database; set spec.tls.issuerRef to a cert-manager Issuer or ClusterIssuer`,
    ]);
  });

  it('the same policy among the items (kpt lists its configPath file) changes nothing', () => {
    const rules = { requireTLS: {} };
    const same = { ...inRepository(rules), metadata: { name: 'platform' } };
    const r = runFn(resourceList([same, plain()], policy('platform', rules)));
    // One policy: its results read as they always have.
    expect(errorsOf(r).map((e) => e.message)).toEqual([
      'policy rule requireTLS: TLS is required for this database; set spec.tls.issuerRef to a cert-manager Issuer or ClusterIssuer',
    ]);
  });

  it("the function config's settings win over the repository policy's", () => {
    const r = runFn(
      resourceList(
        [inRepository({}, { mode: 'validate' }), issuer(), postgres()],
        policy('platform', {}, { mode: 'operator' }),
      ),
    );
    // operator mode emits the Certificates; validate mode would emit nothing.
    expect(r.output.items.some((i: any) => i.kind === 'Certificate')).toBe(true);
  });
});

// Generated pairs of policies: the merge either refuses the repository's or is at least as strict
// as the platform's on every database. "At least as strict" is measured on what counts: the set
// of databases the platform's policy refuses is refused by the merged one too.
describe('property: a repository policy never loosens the platform policy', () => {
  const sslMode = fc.constantFrom('disable', 'require', 'verify-ca', 'verify-full');
  const enforcement = fc.constantFrom('enforce', 'audit');
  const namespaces = fc.option(fc.subarray(['demo', 'prod'], { minLength: 1 }), { nil: undefined });
  const rules = fc.record(
    {
      requireTLS: fc.record({
        enforcement,
        match: fc.record({ namespaces }, { requiredKeys: [] }),
      }),
      connectionSecurity: fc.record({ enforcement, minimum: fc.record({ sslMode }) }),
      allowedIssuers: fc.record({
        issuers: fc.subarray(['ca', 'Issuer/ca', 'Issuer/demo/ca', 'corp'], { minLength: 1 }),
      }),
    },
    { requiredKeys: [] },
  );
  const database = fc.record({
    namespace: fc.constantFrom('demo', 'prod'),
    tls: fc.boolean(),
    sslMode,
  });
  type Rules = Record<string, unknown>;
  const render = (platformRules: Rules, repo: Rules | undefined, d: any) => {
    const db = postgres({ sslMode: d.sslMode }, 'pg', d.namespace) as any;
    if (!d.tls) delete db.spec.tls;
    const items = [issuer('ca', d.namespace), db, ...(repo ? [inRepository(repo)] : [])];
    return runFn(resourceList(items, policy('platform', platformRules)));
  };
  it('refused, or every error of the platform alone is still an error', () => {
    fc.assert(
      fc.property(rules, rules, database, (p, r, d) => {
        const alone = errorsOf(render(p, undefined, d)).map((e) => e.field);
        const merged = errorsOf(render(p, r, d));
        const refused = merged.some((e) => e.field?.startsWith('spec.rules.'));
        if (refused) return;
        const fields = merged.map((e) => e.field);
        for (const f of alone) expect(fields).toContain(f);
      }),
      { numRuns: 150 },
    );
  });
});

describe('the command line: --policy and DBTLS_POLICY', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'dbtls-pinning-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const write = (path: string, docs: unknown[]) =>
    writeFileSync(join(tmp, path), docs.map((d) => `---\n${dump(d)}`).join(''));
  const dbtls = (args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [DIST, ...args], {
      cwd: tmp,
      env: { PATH: process.env.PATH, ...env },
    });
    return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  };
  const platformRules = {
    requireTLS: {},
    connectionSecurity: { minimum: { sslMode: 'verify-full' } },
  };
  write('platform.yaml', [policy('platform', platformRules)]);
  const setUp = (dir: string) => {
    spawnSync('mkdir', ['-p', join(tmp, dir)]);
    const db = plain() as any;
    db.spec.sslMode = 'disable';
    write(`${dir}/postgres.yaml`, [db]);
    write(`${dir}/issuer.yaml`, [issuer()]);
  };
  const REQUIRE_TLS =
    'error: policy rule requireTLS (platform policy platform.yaml): TLS is required for this database; set spec.tls.issuerRef to a cert-manager Issuer or ClusterIssuer (Postgres/demo/pg, spec.tls)';

  it('regression: a .krmignore line that hides the policy no longer lets a database without TLS pass', () => {
    setUp('hidden');
    write('hidden/policy.yaml', [policy('org', platformRules)]);
    writeFileSync(join(tmp, 'hidden/.krmignore'), 'policy.yaml\n');
    // The finding: the directory's own policy is the repository's to hide.
    expect(dbtls(['render', 'hidden']).status).toBe(0);
    const pinned = dbtls(['render', '--policy', 'platform.yaml', 'hidden']);
    expect(pinned.status).toBe(1);
    expect(pinned.stdout).toBe('');
    expect(pinned.stderr).toContain(REQUIRE_TLS);
    const env = dbtls(['check', 'hidden'], { DBTLS_POLICY: 'platform.yaml' });
    expect(env.status).toBe(1);
    expect(env.stdout).toContain(`hidden/postgres.yaml:7:1: ${REQUIRE_TLS}`);
  });

  it('a directory without any policy is held to the platform policy', () => {
    setUp('deleted');
    const r = dbtls(['check', '--policy=platform.yaml', 'deleted']);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(REQUIRE_TLS);
  });

  it("the directory's looser policy is an error naming the rule and the platform's file", () => {
    setUp('looser');
    write('looser/policy.yaml', [policy('app', { requireTLS: { enforcement: 'audit' } })]);
    const r = dbtls(['check', 'looser'], { DBTLS_POLICY: 'platform.yaml' });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe(
      'looser/policy.yaml:9:7: error: policy rule requireTLS: enforcement "audit" is looser than the platform policy\'s "enforce" (platform.yaml); a DatabaseTLSPolicy in the repository can only tighten the platform\'s (DatabaseTLSPolicy/app, spec.rules.requireTLS.enforcement)\n',
    );
  });

  it("refuses DBTLS_POLICY from an Argo CD Application's plugin env", () => {
    setUp('argo');
    const r = dbtls(['render', 'argo'], { ARGOCD_ENV_DBTLS_POLICY: '/dev/null' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      "dbtls: ARGOCD_ENV_DBTLS_POLICY is set (DBTLS_POLICY in the Application's plugin env): the platform's policy cannot come from the Application; set DBTLS_POLICY on the repo-server's dbtls sidecar\nRun 'dbtls --help' for usage.\n",
    );
  });

  it("an Application's plugin env cannot change a setting the platform policy gives; a flag can", () => {
    setUp('mode');
    write('mode.yaml', [policy('platform', {}, { mode: 'validate' })]);
    const argo = { DBTLS_POLICY: 'mode.yaml', ARGOCD_ENV_DBTLS_MODE: 'standalone' };
    // Standalone mode marks the database local-config and says so; validate mode changes nothing.
    expect(dbtls(['check', 'mode'], argo).stdout).not.toContain('local-config');
    expect(dbtls(['check', '--mode', 'standalone', 'mode'], argo).stdout).toContain('local-config');
  });

  it('--policy wins over DBTLS_POLICY', () => {
    setUp('both');
    write('lenient.yaml', [policy('lenient', {})]);
    const r = dbtls(['check', '--policy', 'lenient.yaml', 'both'], {
      DBTLS_POLICY: 'platform.yaml',
    });
    expect(r.status).toBe(0);
  });

  it('a platform policy file that is not one DatabaseTLSPolicy is a usage error', () => {
    setUp('bad');
    write('two.yaml', [policy('a', {}), policy('b', {})]);
    expect(dbtls(['check', '--policy', 'two.yaml', 'bad']).stderr).toBe(
      "dbtls: --policy: the platform's policy two.yaml must hold one dbtls.dev/v1alpha1 DatabaseTLSPolicy and nothing else; it holds 2 document(s), 2 of them DatabaseTLSPolicy\nRun 'dbtls --help' for usage.\n",
    );
    const missing = dbtls(['check', 'bad'], { DBTLS_POLICY: 'missing.yaml' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe(
      "dbtls: DBTLS_POLICY: cannot read the platform's policy missing.yaml: no such file\nRun 'dbtls --help' for usage.\n",
    );
  });
});
