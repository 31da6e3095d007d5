// Trust bundles (issue 28, docs/trust-bundles.md): the annotations read and checked, the
// trust-manager Bundle dbtls renders (its sources, its namespaces, against trust-manager's own
// CRD), a user's Bundle used as it is, what servers and clients mount, each mode, and a later run
// reading its own output.
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import fc from 'fast-check';
import { loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { findKind, KINDS } from '../fn/kinds/index.js';
import { type Rotation, watcherScript } from '../fn/render/rotation.js';
import { serverTrustBundle, withTrustBundle } from '../fn/render/trust-bundle.js';
import { parseSource, sortedSources } from '../fn/validate/trust-bundle.js';
import {
  errorsOf,
  itemsOf,
  postgres,
  resourceList,
  resultsOf,
  ROOT,
  runDist,
  runFn,
  type SimpleResult,
} from './helpers.js';
import { exampleItems } from './servers/render.js';

type Obj = Record<string, any>;

const caClusterIssuer = (name = 'db-ca', secretName = name): Obj => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'ClusterIssuer',
  metadata: { name },
  spec: { ca: { secretName } },
});

/** A Postgres from ClusterIssuer db-ca that names trust bundle `bundle`. */
function trusting(
  annotations: Record<string, string> = { 'dbtls.dev/trust-bundle': 'db-roots' },
  name = 'pg',
  namespace = 'demo',
  issuerName = 'db-ca',
): Obj {
  const db: Obj = postgres(
    {
      tls: { issuerRef: { apiGroup: 'cert-manager.io', kind: 'ClusterIssuer', name: issuerName } },
    },
    name,
    namespace,
  );
  db.metadata.annotations = annotations;
  return db;
}

function app(connectTo: string, namespace = 'demo', name = 'app'): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, annotations: { 'dbtls.dev/connect-to': connectTo } },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          securityContext: { fsGroup: 10001 },
          containers: [{ name: 'app', image: 'example/app' }],
        },
      },
    },
  };
}

const ANNOTATION = 'metadata.annotations.dbtls.dev/trust-bundle';
const ADD = 'metadata.annotations.dbtls.dev/trust-bundle-add';
const config = (data: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'config' },
  data,
});

const render = (items: unknown[], fc?: unknown) => runFn(resourceList(items, fc));
const bundles = (items: unknown[], fc?: unknown) => itemsOf(render(items, fc), 'Bundle');
const errors = (items: unknown[], fc?: unknown): SimpleResult[] => errorsOf(render(items, fc));

describe('the Bundle dbtls renders', () => {
  it('holds the CA of each database naming it and the extra sources, sorted and each once', () => {
    const [bundle] = bundles([
      caClusterIssuer(),
      caClusterIssuer('new-ca'),
      trusting({
        'dbtls.dev/trust-bundle': 'db-roots',
        'dbtls.dev/trust-bundle-add': 'Secret/old-ca, ConfigMap/new-root/root.pem, Secret/db-ca',
      }),
      trusting({ 'dbtls.dev/trust-bundle': 'db-roots' }, 'pg2', 'shop', 'new-ca'),
    ]);
    expect(bundle).toEqual({
      apiVersion: 'trust.cert-manager.io/v1alpha1',
      kind: 'Bundle',
      metadata: {
        name: 'db-roots',
        labels: { 'app.kubernetes.io/managed-by': 'dbtls' },
        annotations: { 'dbtls.dev/generated-from': 'Postgres/demo/pg' },
      },
      spec: {
        sources: [
          { configMap: { name: 'new-root', key: 'root.pem' } },
          { secret: { name: 'db-ca', key: 'tls.crt' } },
          { secret: { name: 'new-ca', key: 'tls.crt' } },
          { secret: { name: 'old-ca', key: 'tls.crt' } },
        ],
        target: {
          configMap: { key: 'ca.crt' },
          namespaceSelector: {
            matchExpressions: [
              { key: 'kubernetes.io/metadata.name', operator: 'In', values: ['demo', 'shop'] },
            ],
          },
        },
      },
    });
  });

  it('is unchanged when the Issuer switches to a CA already listed as extra', () => {
    const before = bundles([
      caClusterIssuer(),
      caClusterIssuer('new-ca'),
      trusting({
        'dbtls.dev/trust-bundle': 'db-roots',
        'dbtls.dev/trust-bundle-add': 'Secret/new-ca',
      }),
    ]);
    const after = bundles([
      caClusterIssuer(),
      caClusterIssuer('new-ca'),
      trusting(
        { 'dbtls.dev/trust-bundle': 'db-roots', 'dbtls.dev/trust-bundle-add': 'Secret/db-ca' },
        'pg',
        'demo',
        'new-ca',
      ),
    ]);
    expect(after.map((b) => b.spec)).toEqual(before.map((b) => b.spec));
  });

  it('targets the namespaces of connected workloads, a granted one in another namespace too', () => {
    const db = trusting({
      'dbtls.dev/trust-bundle': 'db-roots',
      'dbtls.dev/allow-clients': 'shop',
    });
    const [bundle] = bundles([
      caClusterIssuer(),
      db,
      app('Postgres/pg'),
      app('Postgres/demo/pg', 'shop'),
    ]);
    expect(bundle.spec.target.namespaceSelector.matchExpressions[0].values).toEqual([
      'demo',
      'shop',
    ]);
  });

  it("reads a namespaced Issuer's CA where the Issuer is in the trust namespace", () => {
    const db = trusting({ 'dbtls.dev/trust-bundle': 'db-roots' }, 'pg', 'cert-manager');
    db.spec.tls.issuerRef = { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' };
    const ca = { ...caClusterIssuer('ca', 'ca-pair'), kind: 'Issuer' } as Obj;
    ca.metadata = { name: 'ca', namespace: 'cert-manager' };
    const [bundle] = bundles([ca, db]);
    expect(bundle.spec.sources).toEqual([{ secret: { name: 'ca-pair', key: 'tls.crt' } }]);
  });

  it('validates against trust-manager’s CRD, with unknown fields refused', () => {
    const crd = loadAll(
      readFileSync(join(ROOT, 'test/data/crds/trust.cert-manager.io_bundles.yaml'), 'utf8'),
    ).find((d: any) => d?.kind === 'CustomResourceDefinition') as Obj;
    const schema = crd.spec.versions.find((v: Obj) => v.name === 'v1alpha1').schema.openAPIV3Schema;
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    const [bundle] = bundles([
      caClusterIssuer(),
      trusting({
        'dbtls.dev/trust-bundle': 'db-roots',
        'dbtls.dev/trust-bundle-add': 'ConfigMap/new-root',
      }),
    ]);
    expect(validate(bundle) ? [] : validate.errors).toEqual([]);
    expect(crd.spec.scope).toBe('Cluster');
    expect(bundle.metadata.namespace).toBeUndefined();
  });

  it('is one Bundle for several databases, placed with the first', () => {
    const out = render([caClusterIssuer(), trusting(undefined, 'pg'), trusting(undefined, 'pg2')]);
    const found = itemsOf(out, 'Bundle');
    expect(found).toHaveLength(1);
    expect(found[0].metadata.annotations['dbtls.dev/generated-from']).toBe('Postgres/demo/pg');
  });

  it('a later run reading its own output renders the same', () => {
    const first = render([caClusterIssuer(), trusting(), app('Postgres/pg')]);
    expect(errorsOf(first)).toEqual([]);
    const again = runFn(resourceList(first.output.items));
    expect(itemsOf(again, 'Bundle')).toEqual(itemsOf(first, 'Bundle'));
    expect(again.output.items.length).toBe(first.output.items.length);
  });

  it('is pruned from its own output once no database names it', () => {
    const first = render([caClusterIssuer(), trusting()]);
    const items = first.output.items.map((o: Obj) =>
      o.kind === 'Postgres' ? { ...o, metadata: { ...o.metadata, annotations: {} } } : o,
    );
    expect(itemsOf(runFn(resourceList(items)), 'Bundle')).toEqual([]);
  });
});

describe("a user's Bundle", () => {
  const users = (key?: string): Obj => ({
    apiVersion: 'trust.cert-manager.io/v1alpha1',
    kind: 'Bundle',
    metadata: { name: 'db-roots' },
    spec: {
      sources: [{ useDefaultCAs: false }, { secret: { name: 'root', key: 'ca.crt' } }],
      target: key === undefined ? { secret: { key: 'ca.crt' } } : { configMap: { key } },
    },
  });

  it('is used as it is: no Bundle rendered, its key mounted', () => {
    const out = render([caClusterIssuer(), users('roots.pem'), trusting(), app('Postgres/pg')]);
    expect(errorsOf(out)).toEqual([]);
    expect(itemsOf(out, 'Bundle')).toEqual([users('roots.pem')]);
    const volumes = itemsOf(out, 'Deployment')[0].spec.template.spec.volumes;
    expect(volumes).toContainEqual({
      name: 'dbtls-pg-trust',
      configMap: {
        name: 'db-roots',
        items: [{ key: 'roots.pem', path: 'ca.crt' }],
        defaultMode: 0o444,
      },
    });
  });

  it('without a ConfigMap target is an error naming the Bundle and the field', () => {
    expect(errors([caClusterIssuer(), users(), trusting()])).toEqual([
      {
        severity: 'error',
        field: ANNOTATION,
        message: `${ANNOTATION} names Bundle "db-roots" of the input, which writes no ConfigMap: its spec.target.configMap.key is not set; set it (servers and clients mount that key of the ConfigMap it writes), or name a Bundle for dbtls to render`,
      },
    ]);
  });

  it('takes no extra sources from the database', () => {
    const db = trusting({
      'dbtls.dev/trust-bundle': 'db-roots',
      'dbtls.dev/trust-bundle-add': 'Secret/old',
    });
    expect(errors([caClusterIssuer(), users('ca.crt'), db])).toEqual([
      {
        severity: 'error',
        field: ADD,
        message: `${ADD} lists extra CAs, but Bundle "db-roots" of the input is yours and dbtls renders no Bundle of that name: add them to its spec.sources, and remove dbtls.dev/trust-bundle-add`,
      },
    ]);
  });
});

describe('clients', () => {
  it('read the bundle from the ConfigMap in their own namespace, not the secret’s ca.crt', () => {
    const out = render([caClusterIssuer(), trusting(), app('Postgres/pg')]);
    const pod = itemsOf(out, 'Deployment')[0].spec.template.spec;
    expect(pod.volumes).toEqual([
      {
        name: 'dbtls-pg-tls',
        secret: {
          secretName: 'app-pg-client',
          items: [
            { key: 'tls.crt', path: 'tls.crt', mode: 0o444 },
            { key: 'tls.key', path: 'tls.key', mode: 0o440 },
          ],
        },
      },
      {
        name: 'dbtls-pg-trust',
        configMap: {
          name: 'db-roots',
          items: [{ key: 'ca.crt', path: 'ca.crt' }],
          defaultMode: 0o444,
        },
      },
    ]);
    const container = pod.containers[0];
    expect(container.volumeMounts).toContainEqual({
      name: 'dbtls-pg-trust',
      mountPath: '/etc/dbtls/pg/trust',
      readOnly: true,
    });
    expect(container.env).toContainEqual({
      name: 'PGSSLROOTCERT',
      value: '/etc/dbtls/pg/trust/ca.crt',
    });
  });

  it('of an ACME issuer get no warning about a missing ca.crt: the bundle brings the CA', () => {
    const acme = { ...caClusterIssuer('acme'), spec: { acme: { server: 'https://acme.example' } } };
    const db = (annotations: Record<string, string>) => trusting(annotations, 'pg', 'demo', 'acme');
    const warnings = (annotations: Record<string, string>) =>
      resultsOf(render([acme, db(annotations), app('Postgres/pg')])).filter(
        (r) => r.severity === 'warning' && r.message.includes('ACME'),
      );
    expect(warnings({})).toHaveLength(1);
    const bundled = {
      'dbtls.dev/trust-bundle': 'db-roots',
      'dbtls.dev/trust-bundle-add': 'ConfigMap/public-roots',
    };
    expect(warnings(bundled)).toEqual([]);
  });

  it('lose the mount again when the database no longer names a bundle', () => {
    const first = render([caClusterIssuer(), trusting(), app('Postgres/pg')]);
    const items = first.output.items.map((o: Obj) =>
      o.kind === 'Postgres' ? { ...o, metadata: { ...o.metadata, annotations: {} } } : o,
    );
    const again = runFn(resourceList(items));
    const pod = itemsOf(again, 'Deployment')[0].spec.template.spec;
    expect(pod.volumes.map((v: Obj) => v.name)).toEqual(['dbtls-pg-tls']);
  });
});

describe('modes', () => {
  it('validate: checked, nothing generated', () => {
    const out = render([caClusterIssuer(), trusting()], config({ mode: 'validate' }));
    expect(itemsOf(out, 'Bundle')).toEqual([]);
    expect(errorsOf(out)).toEqual([]);
    const bad = trusting({ 'dbtls.dev/trust-bundle': 'Not A Name' });
    expect(errors([caClusterIssuer(), bad], config({ mode: 'validate' }))).toHaveLength(1);
  });

  it('operator: the Bundle rendered, and an info that the servers keep KubeDB’s trust', () => {
    const out = render([caClusterIssuer(), trusting()], config({ mode: 'operator' }));
    expect(itemsOf(out, 'Bundle')).toHaveLength(1);
    expect(resultsOf(out).filter((r) => r.field === ANNOTATION)).toEqual([
      {
        severity: 'info',
        field: ANNOTATION,
        message: `${ANNOTATION}: the KubeDB operator runs the Postgres servers, whose trust stays the operator's (the CA of their own secrets); the trust bundle "db-roots" reaches the applications that connect to it`,
      },
    ]);
  });

  it('standalone: an info where the server cannot read the bundle, its clients only', () => {
    const items = exampleItems(join(ROOT, 'examples/singlestore')) as Obj[];
    const db = items.find((o) => o.kind === 'Singlestore')!;
    db.metadata.annotations = {
      'dbtls.dev/trust-bundle': 'db-roots',
      'dbtls.dev/trust-bundle-add': 'ConfigMap/roots',
    };
    const out = render(items);
    expect(errorsOf(out)).toEqual([]);
    expect(resultsOf(out).filter((r) => r.field === ANNOTATION)).toEqual([
      {
        severity: 'info',
        field: ANNOTATION,
        message: `${ANNOTATION}: the Singlestore server dbtls renders keeps trusting the CA of its own secrets (dbtls cannot point its trust at the bundle's file); the trust bundle "db-roots" reaches the applications that connect to it`,
      },
    ]);
    expect(JSON.stringify(itemsOf(out, 'StatefulSet'))).not.toContain('db-roots');
    expect(itemsOf(out, 'Bundle')).toHaveLength(1);
  });

  it('trustNamespace: a namespaced Issuer of that namespace is a source', () => {
    const db = trusting({ 'dbtls.dev/trust-bundle': 'db-roots' }, 'pg', 'pki');
    db.spec.tls.issuerRef = { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' };
    const ca = {
      ...caClusterIssuer('ca'),
      kind: 'Issuer',
      metadata: { name: 'ca', namespace: 'pki' },
    };
    expect(errors([ca, db])).toHaveLength(1);
    expect(bundles([ca, db], config({ trustNamespace: 'pki' }))[0].spec.sources).toEqual([
      { secret: { name: 'ca', key: 'tls.crt' } },
    ]);
  });

  it('trustNamespace: refused when it is not a namespace name', () => {
    expect(errors([], config({ trustNamespace: 'Cert Manager' }))).toEqual([
      {
        severity: 'error',
        field: 'data.trustNamespace',
        message:
          '"Cert Manager" is not valid here: must be a namespace name: lowercase letters, digits and "-", starting and ending with a letter or digit',
      },
    ]);
  });
});

describe('the annotations', () => {
  const one = (annotations: Record<string, string>, extra: unknown[] = []) =>
    errors([caClusterIssuer(), ...extra, trusting(annotations)]);

  it('a name that is no Bundle name', () => {
    expect(one({ 'dbtls.dev/trust-bundle': 'roots\n--- x' })[0]).toEqual({
      severity: 'error',
      field: ANNOTATION,
      message: `${ANNOTATION} names "roots\\n--- x", which is not the name of a Bundle and its ConfigMap: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    });
  });

  it('extra sources without a bundle', () => {
    expect(one({ 'dbtls.dev/trust-bundle-add': 'Secret/old' })).toEqual([
      {
        severity: 'error',
        field: ADD,
        message: `${ADD} lists extra CAs for a trust bundle, but Postgres/demo/pg names none: set dbtls.dev/trust-bundle too, or remove dbtls.dev/trust-bundle-add`,
      },
    ]);
  });

  it('an issuer whose CA dbtls cannot name, unless an extra source says where it is', () => {
    const selfSigned = { ...caClusterIssuer('self'), spec: { selfSigned: {} } };
    const db = trusting({ 'dbtls.dev/trust-bundle': 'db-roots' }, 'pg', 'demo', 'self');
    expect(errors([selfSigned, db])).toEqual([
      {
        severity: 'error',
        field: ANNOTATION,
        message: `${ANNOTATION} names trust bundle "db-roots", for which dbtls cannot name the CA of ClusterIssuer "self": it is no CA issuer (spec.ca), so its CA is in no secret dbtls knows of; list the CA in dbtls.dev/trust-bundle-add (Secret/NAME[/KEY] or ConfigMap/NAME[/KEY] in namespace "cert-manager"), or name a Bundle of your own`,
      },
    ]);
    db.metadata.annotations['dbtls.dev/trust-bundle-add'] = 'ConfigMap/self-root';
    expect(errors([selfSigned, db])).toEqual([]);
  });

  it('a namespaced Issuer outside the trust namespace', () => {
    const db = trusting();
    db.spec.tls.issuerRef = { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' };
    const ca = {
      ...caClusterIssuer('ca'),
      kind: 'Issuer',
      metadata: { name: 'ca', namespace: 'demo' },
    };
    expect(errors([ca, db])[0].message).toContain(
      'its CA secret "ca" is in namespace "demo", and trust-manager reads sources only from its trust namespace "cert-manager"',
    );
  });

  it('a database without spec.tls', () => {
    const db = trusting();
    delete db.spec.tls;
    expect(errors([db])).toEqual([
      {
        severity: 'error',
        field: ANNOTATION,
        message: `${ANNOTATION} names trust bundle "db-roots", but Postgres/demo/pg has no spec.tls.issuerRef whose CA dbtls could put in it: set spec.tls.issuerRef, list the CA in dbtls.dev/trust-bundle-add, or remove dbtls.dev/trust-bundle`,
      },
    ]);
  });
});

describe('extra sources: KIND/NAME[/KEY]', () => {
  it('reads each form with its default key', () => {
    expect(parseSource('Secret/old')).toEqual({ kind: 'Secret', name: 'old', key: 'tls.crt' });
    expect(parseSource('ConfigMap/new')).toEqual({ kind: 'ConfigMap', name: 'new', key: 'ca.crt' });
    expect(parseSource('Secret/old/ca.crt')).toEqual({
      kind: 'Secret',
      name: 'old',
      key: 'ca.crt',
    });
  });

  it.each([
    ['Secret', 'is not Secret/NAME or ConfigMap/NAME, either followed by an optional /KEY'],
    ['Secret/a/b/c', 'is not Secret/NAME or ConfigMap/NAME, either followed by an optional /KEY'],
    ['secret/a', 'names kind "secret": a source is a Secret or a ConfigMap'],
    ['Secret/A_b', `names "A_b", which is not a Secret's name: a lowercase RFC 1123 subdomain`],
    ['ConfigMap/a/$(id)', 'names key "$(id)", which is not a key of a ConfigMap or Secret'],
    ['ConfigMap/a/..x', 'must not be "." or "..", nor start with ".."'],
    ['Secret/a/', 'names key "", which is not a key of a ConfigMap or Secret'],
  ])('%s is refused', (entry, problem) => {
    const got = parseSource(entry);
    expect('problem' in got && got.problem).toContain(problem);
  });

  it('an error per bad entry, at the annotation', () => {
    const db = trusting({
      'dbtls.dev/trust-bundle': 'db-roots',
      'dbtls.dev/trust-bundle-add': 'Secret/ok, Pod/x, ',
    });
    expect(errors([caClusterIssuer(), db])).toEqual([
      {
        severity: 'error',
        field: ADD,
        message: `${ADD} entry "Pod/x" names kind "Pod": a source is a Secret or a ConfigMap`,
      },
    ]);
  });

  it('sortedSources: ConfigMaps before Secrets, by name and key, duplicates once', () => {
    const s = (kind: 'Secret' | 'ConfigMap', name: string, key = 'k') => ({ kind, name, key });
    expect(
      sortedSources([s('Secret', 'b'), s('ConfigMap', 'z'), s('Secret', 'a'), s('Secret', 'b')]),
    ).toEqual([s('ConfigMap', 'z'), s('Secret', 'a'), s('Secret', 'b')]);
  });
});

describe("a server's trust file from its bundle (fn/render/trust-bundle.ts)", () => {
  const trust = { name: 'db-roots', key: 'roots.pem', given: true, sources: [] };

  it('mounts the ConfigMap read-only beside the certificates, the key as ca.crt', () => {
    expect(serverTrustBundle(undefined, '/tls')).toBeUndefined();
    expect(serverTrustBundle(trust, '/tls')).toEqual({
      volume: {
        name: 'tls-trust-bundle',
        configMap: {
          name: 'db-roots',
          items: [{ key: 'roots.pem', path: 'ca.crt' }],
          defaultMode: 0o444,
        },
      },
      mount: { name: 'tls-trust-bundle', mountPath: '/tls/trust-bundle', readOnly: true },
      dir: '/tls/trust-bundle',
      file: '/tls/trust-bundle/ca.crt',
    });
  });

  it('the watcher builds the trust file from the bundle alone, and watches its directory', () => {
    const base = mkdtempSync(join(tmpdir(), 'dbtls-trust-'));
    const bundle = serverTrustBundle(trust, base)!;
    mkdirSync(bundle.dir);
    mkdirSync(join(base, 'server'));
    const pem = (n: string) => `-----BEGIN CERTIFICATE-----\n${n}\n-----END CERTIFICATE-----`;
    writeFileSync(bundle.file, `${pem('old')}\n${pem('new')}`); // trust-manager: no final newline
    writeFileSync(join(base, 'server/ca.crt'), `${pem('secret')}\n`);
    const rotation: Rotation = {
      watched: [join(base, 'server')],
      pairs: [],
      trust: { file: join(base, 'trust.crt'), from: [join(base, 'server/ca.crt')] },
      takeup: { reload: ['true'] },
    };
    const withBundle = withTrustBundle(rotation, bundle);
    expect(withBundle.watched).toEqual([join(base, 'server'), bundle.dir]);
    expect(withTrustBundle(rotation, undefined)).toBe(rotation);
    writeFileSync(join(base, 'tls-watch.sh'), watcherScript(withBundle));
    execFileSync('sh', [join(base, 'tls-watch.sh'), 'bundle']);
    expect(readFileSync(join(base, 'trust.crt'), 'utf8')).toBe(`${pem('old')}\n${pem('new')}\n`);
  });
});

describe('every server that keeps a trust file reads the bundle (serverTrustBundle)', () => {
  const reading = KINDS.filter((k) => k.serverTrustBundle);
  const examples = readdirSync(join(ROOT, 'examples'))
    .map((d) => join(ROOT, 'examples', d))
    .filter((d) => statSync(d).isDirectory());

  it('Postgres, MariaDB, MySQL, PerconaXtraDB and Redis', () => {
    expect(reading.map((k) => k.kind).sort()).toEqual(
      ['MariaDB', 'MySQL', 'PerconaXtraDB', 'Postgres', 'Redis'].sort(),
    );
  });

  for (const dir of examples) {
    const items = exampleItems(dir) as Obj[];
    const dbs = items.filter((o) => reading.some((k) => k.kind === o.kind && findKind(o) === k));
    // Standalone mode renders the servers; an example under a policy of another mode does not.
    const otherMode = items.some(
      (o) => o.kind === 'DatabaseTLSPolicy' && o.spec?.mode !== 'standalone',
    );
    if (dbs.length === 0 || !dbs.every((d) => d.spec?.tls) || otherMode) continue;
    it(`${dir.slice(ROOT.length + 1)}: the bundle mounted, watched, and the trust file built from it`, () => {
      for (const db of dbs)
        db.metadata.annotations = {
          ...db.metadata.annotations,
          'dbtls.dev/trust-bundle': 'db-roots',
          'dbtls.dev/trust-bundle-add': 'ConfigMap/roots',
        };
      const out = render(items);
      expect(errorsOf(out)).toEqual([]);
      const from = new Set(dbs.map((d) => `${d.kind}/${d.metadata.namespace}/${d.metadata.name}`));
      const sets = itemsOf(out, 'StatefulSet').filter((s: Obj) =>
        from.has(s.metadata.annotations['dbtls.dev/generated-from']),
      );
      expect(sets.length).toBeGreaterThan(0);
      for (const set of sets) {
        const pod = set.spec.template.spec;
        const volume = pod.volumes.find((v: Obj) => v.name === 'tls-trust-bundle');
        expect(volume?.configMap?.name).toBe('db-roots');
        const mounts = pod.containers.flatMap((c: Obj) => c.volumeMounts ?? []);
        const dir = mounts.find((m: Obj) => m.name === 'tls-trust-bundle')?.mountPath;
        expect(dir).toMatch(/\/trust-bundle$/);
        const script = itemsOf(out, 'ConfigMap')
          .map((c: Obj) => c.data?.['tls-watch.sh'])
          .find((s: string | undefined) => s?.includes(`${dir}`));
        expect(script).toContain(`cas='${dir}/ca.crt'`);
        expect(script).toMatch(new RegExp(`watched='[^']*${dir}'`));
      }
    });
  }
});

describe('trustNamespace from a flag, the Argo CD env and a generator', () => {
  // The trust-bundle example with a namespaced Issuer of namespace demo in place of its
  // ClusterIssuer: its CA is a source only where demo is the trust namespace.
  const dir = mkdtempSync(join(tmpdir(), 'dbtls-trust-ns-'));
  for (const f of ['postgres.yaml', 'app.yaml'])
    writeFileSync(
      join(dir, f),
      readFileSync(join(ROOT, 'examples/trust-bundle', f), 'utf8').replace(
        'kind: ClusterIssuer',
        'kind: Issuer',
      ),
    );
  writeFileSync(
    join(dir, 'issuer.yaml'),
    'apiVersion: cert-manager.io/v1\nkind: Issuer\nmetadata: {name: db-ca, namespace: demo}\nspec: {ca: {secretName: db-ca}}\n',
  );
  const render = (args: string[], env: Record<string, string> = {}) =>
    runDist('', ['render', dir, ...args], env);

  it('--trust-namespace and ARGOCD_ENV_DBTLS_TRUST_NAMESPACE name the trust namespace', () => {
    expect(render([]).status).toBe(1); // cert-manager: the Issuer's secret is elsewhere
    const flag = render(['--trust-namespace', 'demo']);
    expect(flag.status).toBe(0);
    expect(flag.stdout).toContain('kind: Bundle');
    expect(render([], { ARGOCD_ENV_DBTLS_TRUST_NAMESPACE: 'demo' }).stdout).toBe(flag.stdout);
    expect(render(['--trust-namespace', 'Not_A_Namespace'])).toMatchObject({
      status: 2,
      stderr:
        'dbtls: --trust-namespace "Not_A_Namespace" is not valid here: must be a namespace name: lowercase letters, digits and "-", starting and ending with a letter or digit\nRun \'dbtls --help\' for usage.\n',
    });
  });

  it("a kustomize generator reads it from the database's dbtls.dev/trust-namespace", () => {
    const db = trusting({
      'dbtls.dev/trust-bundle': 'db-roots',
      'dbtls.dev/trust-namespace': 'Not_A_Namespace',
    });
    expect(errorsOf(runFn(resourceList([], db)))).toEqual([
      {
        severity: 'error',
        field: 'metadata.annotations.dbtls.dev/trust-namespace',
        message:
          '"Not_A_Namespace" is not valid here: must be a namespace name: lowercase letters, digits and "-", starting and ending with a letter or digit',
      },
    ]);
  });
});

describe('hostile annotation values never reach the output unchecked', () => {
  const DNS = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
  it('a Bundle, a volume or a source is rendered only from names and keys that pass', () => {
    const value = fc.oneof(
      fc.string(),
      fc.constantFrom('roots', 'a.b', 'x\n---', '$(id)', "r'oots", '../x', 'A', 'a'.repeat(254)),
    );
    const entry = fc
      .tuple(fc.constantFrom('Secret', 'ConfigMap', 'Pod', 'secret'), value, fc.option(value))
      .map(([k, n, key]) => (key === null ? `${k}/${n}` : `${k}/${n}/${key}`));
    fc.assert(
      fc.property(value, fc.array(entry, { maxLength: 3 }), (name, entries) => {
        const db = trusting({
          'dbtls.dev/trust-bundle': name,
          'dbtls.dev/trust-bundle-add': entries.join(', '),
        });
        const out = render([caClusterIssuer(), db, app('Postgres/pg')]);
        const bad = errorsOf(out).filter((r) => r.field?.startsWith('metadata.annotations'));
        const bundle = itemsOf(out, 'Bundle')[0];
        if (!DNS.test(name) || name.length > 253) expect(bad.length).toBeGreaterThan(0);
        if (!bundle) return;
        expect(bundle.metadata.name).toBe(name);
        for (const s of bundle.spec.sources) {
          const { name: n, key } = s.secret ?? s.configMap;
          expect(DNS.test(n) && n.length <= 253).toBe(true);
          expect(key).toMatch(/^[-._a-zA-Z0-9]+$/);
          expect(key.startsWith('..')).toBe(false);
        }
      }),
      { numRuns: 150 },
    );
  });
});
