// The KRM contract, through the built file as orchestrators run it: ResourceList in and out,
// passthrough, results format, exit codes, idempotency, and no stack traces on bad input.
import { describe, expect, it } from 'vitest';
import { dump } from 'js-yaml';
import { issuer, itemsOf, postgres, resourceList, resultsOf, runDist } from './helpers.js';

const unrelated = [
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'app',
      namespace: 'demo',
      annotations: {
        'config.kubernetes.io/index': '0',
        'internal.config.kubernetes.io/path': 'app.yaml',
        'config.kubernetes.io/path': 'app.yaml',
      },
    },
    data: { enabled: 'yes', mode: '0644' },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      template: {
        spec: { volumes: [{ name: 'x', secret: { secretName: 's', defaultMode: 420 } }] },
      },
    },
  },
];

describe('ResourceList contract', () => {
  it('passes through a list without databases unchanged, with no results', () => {
    const r = runDist(resourceList(unrelated));
    expect(r.status).toBe(0);
    expect(r.output.items).toEqual(unrelated);
    expect(r.output.results).toBeUndefined();
    expect(r.stderr).toBe('');
  });

  it('accepts the legacy v1 apiVersion and answers in kind', () => {
    const r = runDist(dump({ apiVersion: 'v1', kind: 'ResourceList', items: unrelated }));
    expect(r.status).toBe(0);
    expect(r.output.apiVersion).toBe('v1');
  });

  it('keeps unrelated items in order around generated ones, as their own text', () => {
    const input = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: first}
  data: {flag: "on"}
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: octal}
  spec: {template: {spec: {volumes: [{name: v, secret: {secretName: s, defaultMode: 0644}}]}}}
${dump([issuer(), postgres()]).replace(/^/gm, '')}`;
    const r = runDist(input);
    expect(r.status).toBe(0);
    const kinds = itemsOf(r).map((i) => i.kind);
    expect(kinds.slice(0, 4)).toEqual(['ConfigMap', 'Deployment', 'Issuer', 'Postgres']);
    expect(itemsOf(r)[1].spec.template.spec.volumes[0].secret.defaultMode).toBe(0o644);
    // Unrelated items come out as their own text: quoting, flow style and number forms kept.
    expect(r.stdout).toContain('  data: {flag: "on"}\n');
    expect(r.stdout).toContain('defaultMode: 0644}}]}}}\n');
  });

  it('reports results in the KRM format with resource, field and file', () => {
    const db = postgres({ sslMode: 'bogus', authSecret: { name: 'pg-auth' } });
    (db.metadata as any).annotations = {
      'config.kubernetes.io/path': 'db/pg.yaml',
      'config.kubernetes.io/index': '2',
    };
    const r = runDist(resourceList([issuer(), db]));
    expect(r.status).toBe(1);
    expect(r.output.kind).toBe('ResourceList');
    expect(r.output.results).toEqual([
      {
        message: '"bogus" is not one of disable, allow, prefer, require, verify-ca, verify-full',
        severity: 'error',
        resourceRef: {
          apiVersion: 'kubedb.com/v1',
          kind: 'Postgres',
          name: 'pg',
          namespace: 'demo',
        },
        field: { path: 'spec.sslMode' },
        file: { path: 'db/pg.yaml', index: 2 },
      },
    ]);
    expect(r.stderr).toBe(
      'error: "bogus" is not one of disable, allow, prefer, require, verify-ca, verify-full (Postgres/demo/pg, spec.sslMode)\n',
    );
    expect(itemsOf(r)).toHaveLength(2); // nothing lost, nothing generated for a broken database
  });

  it('appends to results already in the list', () => {
    const prior = { message: 'from an earlier function', severity: 'info' };
    const rl = {
      apiVersion: 'config.kubernetes.io/v1',
      kind: 'ResourceList',
      items: [issuer(), postgres({ replicas: 2 })],
      results: [prior],
    };
    const r = runDist(dump(rl));
    expect(r.output.results[0]).toEqual(prior);
    expect(r.output.results.length).toBeGreaterThan(1);
  });

  it.each([
    [
      'not YAML',
      'items: [',
      'input is not valid YAML: unexpected end of the stream within a flow collection at line 1, column 9',
    ],
    ['a list', '- a\n- b\n', 'input is not a ResourceList: expected a mapping, got a list'],
    [
      'another kind',
      'apiVersion: v1\nkind: ConfigMap\n',
      'input is not a ResourceList: kind is "ConfigMap", expected "ResourceList"',
    ],
    [
      'an unknown apiVersion',
      'apiVersion: config.kubernetes.io/v2\nkind: ResourceList\nitems: []\n',
      'input is not a ResourceList: apiVersion "config.kubernetes.io/v2" is not one of config.kubernetes.io/v1, config.kubernetes.io/v1beta1, v1',
    ],
    [
      'items not a list',
      'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: {a: 1}\n',
      'ResourceList items must be a list, got a mapping',
    ],
    ['empty', '', 'input is empty: expected a ResourceList'],
  ])('gives %s one clear error result and exit 1', (_name, input, message) => {
    const r = runDist(input);
    expect(r.status).toBe(1);
    expect(r.output).toEqual({
      apiVersion: 'config.kubernetes.io/v1',
      kind: 'ResourceList',
      items: [],
      results: [{ severity: 'error', message }],
    });
    expect(r.stderr).toBe(`error: ${message}\n`);
  });

  it('rejects unknown settings and wrong values in the function config', () => {
    const cm = (data: Record<string, string>) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'function-input' },
      data,
    });
    expect(resultsOf(runDist(resourceList([], cm({ mode: 'cluster' }))))).toEqual([
      {
        severity: 'error',
        field: 'data.mode',
        message: 'data.mode must be one of standalone, operator, validate; got "cluster"',
      },
    ]);
    expect(resultsOf(runDist(resourceList([], cm({ modes: 'operator' }))))).toEqual([
      {
        severity: 'error',
        field: 'data.modes',
        message:
          'unknown setting "modes"; known settings: mode, clusterDomain, trustNamespace, externalIssuers, externalDatabases',
      },
    ]);
    const policy = {
      apiVersion: 'dbtls.dev/v1alpha1',
      kind: 'DatabaseTLSPolicy',
      metadata: { name: 'p' },
      spec: { mode: 'operator', clusterDomian: 'x' },
    };
    const r = runDist(resourceList([issuer(), postgres()], policy));
    expect(r.status).toBe(1);
    expect(resultsOf(r)).toEqual([
      { severity: 'error', field: 'spec.clusterDomian', message: 'unknown field "clusterDomian"' },
    ]);
    expect(itemsOf(r)).toEqual([issuer(), postgres()]);
    const other = runDist(
      resourceList([], { apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 't' } }),
    );
    expect(resultsOf(other)).toEqual([
      {
        severity: 'error',
        field: 'kind',
        message:
          'functionConfig example.com/v1 Thing is not supported: use dbtls.dev/v1alpha1 DatabaseTLSPolicy, a ConfigMap, or a supported database resource',
      },
    ]);
  });

  it('renders a database given as the functionConfig (kustomize generator style)', () => {
    const db = {
      ...postgres(),
      metadata: {
        name: 'pg',
        namespace: 'demo',
        annotations: {
          'config.kubernetes.io/local-config': 'true',
          'config.kubernetes.io/function': 'container: {image: dbtls}',
        },
      },
    };
    const r = runDist(resourceList([db], db));
    expect(r.status).toBe(0);
    expect(itemsOf(r, 'Certificate')).toHaveLength(3);
    expect(resultsOf(r)).toContainEqual({
      severity: 'warning',
      field: 'spec.tls.issuerRef',
      message:
        'Issuer "ca" cannot be checked: issuers are not visible to a kustomize generator; list it in externalIssuers to confirm it exists in the cluster',
    });
  });

  it('emits the generator database for KubeDB in operator mode, without the annotations kustomize injected', () => {
    const db = {
      ...postgres(),
      metadata: {
        name: 'pg',
        namespace: 'demo',
        annotations: {
          'config.kubernetes.io/local-config': 'true',
          'config.kubernetes.io/function': 'container: {image: dbtls}',
          'dbtls.dev/mode': 'operator',
        },
      },
    };
    const r = runDist(resourceList([db], db));
    expect(r.status).toBe(0);
    expect(itemsOf(r, 'Postgres')).toEqual([
      {
        ...postgres(),
        metadata: { name: 'pg', namespace: 'demo', annotations: { 'dbtls.dev/mode': 'operator' } },
      },
    ]);
    expect(itemsOf(r, 'StatefulSet')).toEqual([]);
  });

  it('is idempotent: a second run over its own output changes nothing', () => {
    const db = postgres({ replicas: 2 });
    (db.metadata as any).annotations = {
      'config.kubernetes.io/path': 'pg.yaml',
      'internal.config.kubernetes.io/path': 'pg.yaml',
    };
    const once = runDist(resourceList([issuer(), db, ...unrelated]));
    const twice = runDist(dump({ ...once.output, results: undefined }, { lineWidth: -1 }));
    expect(twice.output.items).toEqual(once.output.items);
    // The one difference: the database is already local-config, so that is not reported again.
    const marked = (r: { field?: string }) =>
      r.field === 'metadata.annotations.config.kubernetes.io/local-config';
    expect(resultsOf(once).filter(marked)).toHaveLength(1);
    expect(resultsOf(twice)).toEqual(resultsOf(once).filter((r) => !marked(r)));
    expect(
      itemsOf(once)
        .filter((i) => i.metadata.annotations?.['dbtls.dev/generated-from'])
        .every(
          (i) =>
            i.metadata.annotations['config.kubernetes.io/path'] === 'postgres_demo_pg.dbtls.yaml',
        ),
    ).toBe(true);
  });

  it('prunes what it generated once the source is gone', () => {
    const once = runDist(resourceList([issuer(), postgres()]));
    const withoutDb = once.output.items.filter((i: any) => i.kind !== 'Postgres');
    const again = runDist(resourceList(withoutDb));
    expect(itemsOf(again).map((i) => i.kind)).toEqual(['Issuer']);
  });

  it('refuses to overwrite a Certificate the user wrote, or to share its secret', () => {
    const mine = {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'pg-server-cert', namespace: 'demo' },
      spec: { secretName: 'mine', issuerRef: { name: 'ca' }, dnsNames: ['x'] },
    };
    const r = runDist(resourceList([issuer(), mine, postgres()]));
    expect(r.status).toBe(1);
    expect(resultsOf(r)).toContainEqual({
      severity: 'error',
      field: 'metadata.name',
      message:
        'Certificate/demo/pg-server-cert has the name of the Certificate that dbtls generates from Postgres/demo/pg; rename or remove yours',
    });
    const shares = {
      ...mine,
      metadata: { name: 'other', namespace: 'demo' },
      spec: { ...mine.spec, secretName: 'pg-client-cert' },
    };
    expect(resultsOf(runDist(resourceList([issuer(), shares, postgres()])))).toContainEqual({
      severity: 'error',
      field: 'spec.tls.certificates',
      message:
        'secret "pg-client-cert" of the client certificate is also written by Certificate/demo/other; cert-manager issues only one Certificate per secret: give Certificate/demo/other another secret, or set secretName for alias client in spec.tls.certificates',
    });
  });

  it('reports a database given twice', () => {
    const r = runDist(resourceList([issuer(), postgres(), postgres()]));
    expect(resultsOf(r)).toContainEqual({
      severity: 'error',
      field: 'metadata.name',
      message: 'Postgres/demo/pg is given twice; each database must appear once',
    });
    expect(itemsOf(r, 'Postgres')).toHaveLength(2);
  });

  it('reports items that are not Kubernetes objects and keeps them', () => {
    const r = runDist(resourceList([{ kind: 'ConfigMap', metadata: { name: 'x' } }, 'text']));
    expect(r.status).toBe(1);
    expect(resultsOf(r)).toEqual([
      {
        severity: 'error',
        field: 'apiVersion',
        message: 'items[0] has no apiVersion; every item must be a Kubernetes object',
      },
      {
        severity: 'error',
        message:
          'items[1] is not a mapping (got the string "text"); every item must be a Kubernetes object',
      },
    ]);
    expect(itemsOf(r)).toHaveLength(2);
  });

  it('answers --help, --version and rejects unknown flags', () => {
    expect(runDist('', ['--version']).stdout).toMatch(/^dbtls \d+\.\d+\.\d+\n$/);
    expect(runDist('', ['--help']).stdout).toContain('Usage:');
    const bad = runDist('', ['render', '--frobnicate', 'x']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe("dbtls: unknown flag --frobnicate\nRun 'dbtls --help' for usage.\n");
  });
});
