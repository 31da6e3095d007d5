// fast-check generators of ResourceLists as orchestrators send them: unrelated resources of any
// shape (YAML 1.1's ambiguous scalars, unicode, multi-line strings, kpt's path annotations),
// databases of every supported kind after the examples — valid and broken, with and without
// their issuers —, cert-manager Issuers and ClusterIssuers, a Secret holding random key
// material, output of an earlier run, and optional function configs. `serialize` writes a list
// in one of several YAML styles, so the YAML reader is exercised as well as the processor.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { dump, loadAll } from 'js-yaml';
import { findKind } from '../fn/kinds/index.js';
import { KUBERNETES_SCHEMA } from '../fn/io/yaml.js';
import { ROOT } from './helpers.js';

type Obj = Record<string, any>;

export const GENERATED_FROM = 'dbtls.dev/generated-from';
export const LOCAL_CONFIG = 'config.kubernetes.io/local-config';

/** Every database resource in examples/ (one or more per kind), as written there. */
export const EXAMPLE_DATABASES: Obj[] = (() => {
  const out: Obj[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory() && !e.name.startsWith('.')) walk(p);
      else if (/\.ya?ml$/.test(e.name)) {
        for (const doc of loadAll(readFileSync(p, 'utf8'), { schema: KUBERNETES_SCHEMA }) as Obj[])
          if (doc && findKind(doc)) out.push(doc);
      }
    }
  };
  walk(join(ROOT, 'examples'));
  return out;
})();

export const NAMESPACES = ['demo', 'prod', undefined] as const;
const ISSUER_NAMES = ['ca', 'other', 'corp-ca', 'missing'];

export const dnsLabel = fc.oneof(
  { weight: 5, arbitrary: fc.stringMatching(/^[a-z]([-a-z0-9]{0,10}[a-z0-9])?$/) },
  { weight: 1, arbitrary: fc.constantFrom('pg', 'db', 'a'.repeat(60), 'x-y', 'sample-pxc') },
);
const namespace = fc.constantFrom(...NAMESPACES);

/** Strings that YAML 1.1 (as Kubernetes reads it) would take for something else, and others. */
export const trickyString = fc.oneof(
  fc.constantFrom(
    'yes',
    'no',
    'on',
    'off',
    'y',
    'N',
    'true',
    'False',
    'TRUE',
    '0644',
    '0o644',
    '0x1F',
    '0b101',
    '1e3',
    '1e+21',
    '1_000',
    '190:20:30',
    '.inf',
    '-.Inf',
    '.nan',
    'null',
    'Null',
    '~',
    '',
    ' lead',
    'trail ',
    'multi\nline\n',
    'multi\nline',
    'trailing\n\n',
    '- item',
    'key: value',
    '# not a comment',
    '&anchor',
    '*alias',
    '!tag',
    '@at',
    '`tick',
    '"quoted"',
    "'single'",
    '%directive',
    '{a: 1}',
    '[1, 2]',
    '2001-12-14',
    '2001-12-14t21:59:43.10-05:00',
    '12:30:45',
    '=',
    '<<',
    '---',
    '...',
    '\t tab',
    'é ü 中文 🚀',
    'nul\u0000byte',
    'line\u2028sep',
    '\ufeffbom',
    'a\r\nb',
    '\\',
    '0',
    '-0',
    '+1',
    '1.0',
    '3.',
    '.5',
  ),
  fc.string({ maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
);

const scalar = fc.oneof(
  { weight: 4, arbitrary: trickyString },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double({ noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(true, false, null, 0, -0, 420, 2 ** 53, 1e21, 0.1) },
);
const key = fc.oneof(
  trickyString.filter((s) => s !== ''),
  fc.stringMatching(/^[a-z][a-zA-Z0-9._/-]{0,15}$/),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { maxDepth: 3, depthSize: 'small' },
    scalar,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(key, tie('value'), { maxKeys: 3 }),
  ),
})).value;

/** kpt's bookkeeping annotations plus arbitrary ones. */
const annotations = fc.option(
  fc
    .record({
      path: fc.option(fc.constantFrom('app.yaml', 'db/pg.yaml', 'deep/dir/x.yaml', 'ü.yaml'), {
        nil: undefined,
      }),
      index: fc.option(fc.constantFrom('0', '1', '7', 'x'), { nil: undefined }),
      localConfig: fc.option(fc.constantFrom('true', 'false', 'yes'), { nil: undefined }),
      mode: fc.option(fc.constantFrom('operator', 'standalone'), { nil: undefined, freq: 4 }),
      other: fc.dictionary(key, trickyString, { maxKeys: 2 }),
    })
    .map(({ path, index, localConfig, mode, other }) => {
      const a: Obj = { ...other };
      if (path !== undefined) {
        a['config.kubernetes.io/path'] = path;
        a['internal.config.kubernetes.io/path'] = path;
      }
      if (index !== undefined) {
        a['config.kubernetes.io/index'] = index;
        a['internal.config.kubernetes.io/index'] = index;
      }
      if (localConfig !== undefined) a[LOCAL_CONFIG] = localConfig;
      if (mode !== undefined) a['dbtls.dev/mode'] = mode; // read when the database is the function config
      delete a[GENERATED_FROM];
      return a;
    }),
  { nil: undefined },
);

function meta(name: string, ns: string | undefined, ann: Obj | undefined): Obj {
  const m: Obj = { name };
  if (ns !== undefined) m.namespace = ns;
  if (ann !== undefined) m.annotations = ann;
  return m;
}

const configMap = fc
  .record({
    name: dnsLabel,
    ns: namespace,
    ann: annotations,
    data: fc.dictionary(key, trickyString, { maxKeys: 6 }),
    labels: fc.option(fc.dictionary(key, trickyString, { maxKeys: 2 }), { nil: undefined }),
  })
  .map(({ name, ns, ann, data, labels }) => {
    const o: Obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(name, ns, ann), data };
    if (labels) o.metadata.labels = labels;
    return o;
  });

const deployment = fc
  .record({
    name: dnsLabel,
    ns: namespace,
    ann: annotations,
    replicas: fc.oneof(fc.nat(5), fc.constantFrom('3', null)),
    mode: fc.constantFrom(0o644, 420, 0o400, '0644'),
    env: fc.array(fc.record({ name: key, value: trickyString }), { maxLength: 3 }),
  })
  .map(({ name, ns, ann, replicas, mode, env }) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(name, ns, ann),
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name: 'app', image: 'nginx:1.27', env }],
          volumes: [
            { name: 'tls', secret: { secretName: `${name}-server-cert`, defaultMode: mode } },
          ],
        },
      },
    },
  }));

/** A custom resource of a kind nobody knows, with a body of any shape; sometimes kubedb.com's group. */
const customResource = fc
  .record({
    group: fc.constantFrom(
      'example.com/v1',
      'kubedb.com/v1',
      'kubedb.com/v1alpha2',
      'cert-manager.io/v1',
      'v1',
    ),
    kind: fc.constantFrom('Widget', 'MongoDB', 'Redis', 'Certificate', 'PostgresVersion', 'Pod'),
    name: dnsLabel,
    ns: namespace,
    ann: annotations,
    body: fc.dictionary(key, value, { maxKeys: 4 }),
  })
  .map(({ group, kind, name, ns, ann, body }) => ({
    ...body,
    apiVersion: group,
    kind,
    metadata: meta(name, ns, ann),
  }));

/** Items that are not Kubernetes objects at all: they must pass through too. */
const notAnObject = fc.oneof(
  scalar,
  fc.constant({ kind: 'ConfigMap', metadata: { name: 'no-api-version' } }),
  fc.constant({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '' } }),
  fc.constant({ apiVersion: 'v1', kind: 'ConfigMap', metadata: 'oops' }),
  fc.constant([1, 'two']),
);

export const unrelated = fc.oneof(
  { weight: 12, arbitrary: configMap },
  { weight: 6, arbitrary: deployment },
  { weight: 6, arbitrary: customResource },
  { weight: 1, arbitrary: notAnObject },
);

export const issuerArb = fc
  .record({
    kind: fc.constantFrom('Issuer', 'Issuer', 'ClusterIssuer'),
    name: fc.constantFrom(...ISSUER_NAMES),
    ns: namespace,
    selfSigned: fc.boolean(),
    ann: annotations,
  })
  .map(({ kind, name, ns, selfSigned, ann }) => ({
    apiVersion: 'cert-manager.io/v1',
    kind,
    metadata: meta(name, kind === 'Issuer' ? ns : undefined, ann),
    spec: selfSigned ? { selfSigned: {} } : { ca: { secretName: `${name}-key-pair` } },
  }));

/** One change to a database; many are invalid on purpose. */
const perturbation = fc.oneof(
  fc.record({
    path: fc.constantFrom('spec.sslMode'),
    value: fc.constantFrom(
      'disable',
      'allow',
      'prefer',
      'require',
      'verify-ca',
      'verify-full',
      'bogus',
      null,
    ),
  }),
  fc.record({
    path: fc.constantFrom('spec.clientAuthMode'),
    value: fc.constantFrom('md5', 'scram', 'cert', 'trust', 'bogus'),
  }),
  fc.record({
    path: fc.constantFrom('spec.requireSSL'),
    value: fc.constantFrom(true, false, 'yes'),
  }),
  fc.record({
    path: fc.constantFrom('spec.tls.clientTLS'),
    value: fc.constantFrom(true, false, 'no'),
  }),
  fc.record({
    path: fc.constantFrom('spec.replicas'),
    value: fc.constantFrom(0, 1, 2, 3, 5, -1, '3', null),
  }),
  fc.record({
    path: fc.constantFrom('spec.version'),
    value: fc.constantFrom(
      '16.4',
      '13.13',
      '10.2',
      '8.4.3',
      '2022-cu12',
      '1.18.4',
      'openbao-2.1.0',
      'x',
      16,
    ),
  }),
  fc.record({
    path: fc.constantFrom('spec.tls'),
    value: fc.constantFrom(undefined, null, 'yes', {}, { issuerRef: null }),
  }),
  fc.record({
    path: fc.constantFrom('spec.tls.issuerRef.kind'),
    value: fc.constantFrom('Issuer', 'ClusterIssuer', 'Vault', undefined),
  }),
  fc.record({
    path: fc.constantFrom('spec.tls.issuerRef.name'),
    value: fc.constantFrom(...ISSUER_NAMES, '', 7),
  }),
  fc.record({
    path: fc.constantFrom('spec.tls.issuerRef.apiGroup'),
    value: fc.constantFrom('cert-manager.io', 'example.com', undefined),
  }),
  fc.record({
    path: fc.constant('spec.tls.certificates'),
    value: fc.array(
      fc.record(
        {
          alias: fc.constantFrom(
            'server',
            'client',
            'metrics-exporter',
            'storage',
            'endpoint',
            'exporter',
            '',
          ),
          secretName: fc.option(fc.constantFrom('mine', 'pg-client-cert', 'UPPER', 'ca-key-pair'), {
            nil: undefined,
          }),
          duration: fc.option(fc.constantFrom('1h', '2160h', '30m', '90d', 'soon'), {
            nil: undefined,
          }),
          dnsNames: fc.option(
            fc.array(fc.constantFrom('localhost', 'db.example.com', '*.x', 'Bad_Name'), {
              maxLength: 2,
            }),
            { nil: undefined },
          ),
          ipAddresses: fc.option(
            fc.array(fc.constantFrom('127.0.0.1', '::1', '010.0.0.1', 'x'), { maxLength: 2 }),
            { nil: undefined },
          ),
        },
        { requiredKeys: ['alias'] },
      ),
      { maxLength: 3 },
    ),
  }),
  fc.record({
    path: fc.constantFrom('spec', 'metadata.labels'),
    value: fc.constantFrom(undefined, 'text', { tier: 'critical' }),
  }),
  fc.record({
    path: fc.constantFrom('spec.topology'),
    value: fc.constantFrom(undefined, { mode: 'AvailabilityGroup' }, { mode: 'DistributedAG' }),
  }),
  fc.record({
    path: fc.constantFrom('spec.backend'),
    value: fc.constantFrom({ inmem: {} }, { file: { path: '/vault' } }, { consul: {} }),
  }),
  fc.record({
    path: fc.constantFrom('spec.monitor'),
    value: fc.constantFrom({ agent: 'prometheus.io/operator' }),
  }),
);

function setPath(o: Obj, path: string, v: unknown): void {
  const keys = path.split('.');
  let cur: any = o;
  for (const k of keys.slice(0, -1)) {
    if (cur[k] === null || typeof cur[k] !== 'object' || Array.isArray(cur[k])) cur[k] = {};
    cur = cur[k];
  }
  if (v === undefined) delete cur[keys[keys.length - 1]];
  else cur[keys[keys.length - 1]] = structuredClone(v);
}

export const databaseArb = fc
  .record({
    example: fc.constantFrom(...EXAMPLE_DATABASES),
    name: dnsLabel,
    ns: namespace,
    ann: annotations,
    issuerName: fc.constantFrom('ca', 'ca', 'ca', ...ISSUER_NAMES),
    issuerKind: fc.constantFrom('Issuer', 'ClusterIssuer'),
    changes: fc.oneof(
      { weight: 1, arbitrary: fc.constant([]) },
      { weight: 1, arbitrary: fc.array(perturbation, { minLength: 1, maxLength: 3 }) },
    ),
    withoutTLS: fc.oneof(
      { weight: 3, arbitrary: fc.constant(false) },
      { weight: 1, arbitrary: fc.constant(true) },
    ),
    apiVersion: fc.oneof(
      { weight: 8, arbitrary: fc.constant(undefined) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          'kubedb.com/v1',
          'kubedb.com/v1alpha2',
          'kubevault.com/v1alpha1',
          'kubedb.com/v9',
        ),
      },
    ),
  })
  .map(({ example, name, ns, ann, issuerName, issuerKind, changes, withoutTLS, apiVersion }) => {
    const db: Obj = structuredClone(example);
    db.metadata = meta(name, ns, ann);
    if (db.spec?.tls?.issuerRef)
      db.spec.tls.issuerRef = { ...db.spec.tls.issuerRef, name: issuerName, kind: issuerKind };
    if (withoutTLS) delete db.spec.tls;
    for (const c of changes) setPath(db, c.path, c.value);
    if (apiVersion && apiVersion.split('/')[0] === example.apiVersion.split('/')[0])
      db.apiVersion = apiVersion;
    return db;
  });

/** A Secret whose values are random and unique: they must never be copied into other objects. */
export const secretArb = fc
  .record({
    name: fc.constantFrom(
      'pg-auth',
      'license-secret',
      'pg-server-cert',
      'ca-key-pair',
      'random-secret',
    ),
    ns: namespace,
    password: fc.uint8Array({ minLength: 18, maxLength: 30 }),
    key: fc.uint8Array({ minLength: 24, maxLength: 48 }),
  })
  .map(({ name, ns, password, key }) => {
    const pw = `pw-${Buffer.from(password).toString('base64')}`;
    const keyBody = Buffer.from(key).toString('base64');
    const pem = `-----BEGIN PRIVATE KEY-----\n${keyBody}\n-----END PRIVATE KEY-----\n`;
    return {
      secret: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: meta(name, ns, undefined),
        type: 'kubernetes.io/tls',
        data: {
          password: Buffer.from(pw).toString('base64'),
          'tls.key': Buffer.from(pem).toString('base64'),
        },
        stringData: { 'tls.key': pem, password: pw },
      },
      values: [
        pw,
        keyBody,
        Buffer.from(pw).toString('base64'),
        Buffer.from(pem).toString('base64'),
      ],
    };
  });

/** An object a previous run generated (or one claiming to be): the function owns and replaces it. */
export const staleGenerated = fc
  .record({
    kind: fc.constantFrom('Certificate', 'StatefulSet', 'Service'),
    name: dnsLabel,
    ns: namespace,
    from: fc.constantFrom('Postgres/demo/pg', 'Postgres/demo/gone', 'Widget/x/y'),
  })
  .map(({ kind, name, ns, from }) => ({
    apiVersion:
      kind === 'Certificate' ? 'cert-manager.io/v1' : kind === 'Service' ? 'v1' : 'apps/v1',
    kind,
    metadata: { ...meta(`${name}-stale`, ns, undefined), annotations: { [GENERATED_FROM]: from } },
    spec: { stale: true },
  }));

const policy = fc.record(
  {
    mode: fc.constantFrom('standalone', 'operator'),
    clusterDomain: fc.constantFrom('cluster.local', 'corp.internal'),
    externalIssuers: fc.array(
      fc.constantFrom('corp-ca', 'ClusterIssuer/corp-ca', 'Issuer/prod/ca', 'Issuer/other'),
      { maxLength: 2 },
    ),
    rules: fc.record(
      {
        requireTLS: fc.record(
          {
            match: fc.record({ namespaces: fc.constantFrom(['prod'], ['demo', 'prod']) }),
            defaultIssuerRef: fc.constantFrom(
              { kind: 'ClusterIssuer', name: 'corp-ca' },
              { kind: 'Issuer', name: 'ca' },
            ),
          },
          { requiredKeys: [] },
        ),
        connectionSecurity: fc.record({
          minimum: fc.constantFrom(
            { sslMode: 'verify-full' },
            { sslMode: 'require' },
            { requireSSL: true },
            { clientTLS: true },
          ),
        }),
        allowedIssuers: fc.record({
          enforcement: fc.constantFrom('enforce', 'audit'),
          issuers: fc.constantFrom(['ClusterIssuer/corp-ca'], ['ca', 'corp-ca']),
        }),
        forbidSelfSignedIssuers: fc.constantFrom({}, { enforcement: 'audit' }),
        privateKey: fc.constantFrom(
          { algorithm: 'ECDSA', minimumSize: 384 },
          { algorithm: 'RSA', minimumSize: 4096, encoding: 'PKCS8', rotationPolicy: 'Always' },
        ),
        certificateLifetime: fc.constantFrom(
          { maximumDuration: '2160h', minimumRenewBefore: '360h' },
          { maximumDuration: '720h' },
        ),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
);

export const functionConfigArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  {
    weight: 3,
    arbitrary: policy.map((spec) => ({
      apiVersion: 'dbtls.dev/v1alpha1',
      kind: 'DatabaseTLSPolicy',
      metadata: { name: 'tls-policy', annotations: { [LOCAL_CONFIG]: 'true' } },
      spec,
    })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record(
        {
          mode: fc.constantFrom('operator', 'operator', 'standalone', 'cluster'),
          externalIssuers: fc.constantFrom('corp-ca', 'ClusterIssuer/corp-ca,Issuer/prod/ca', ''),
          clusterDomain: fc.constantFrom('cluster.local', 'cluster.local', 'Bad Domain'),
        },
        { requiredKeys: [] },
      )
      .map((data) => ({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'function-input' },
        data,
      })),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.constantFrom(
        { apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 't' } },
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'x' },
          data: { modes: 'operator' },
        },
      ),
      // a database as the function config: the kustomize generator style
      databaseArb,
    ),
  },
);

export interface GeneratedList {
  items: unknown[];
  functionConfig?: Obj;
  secretValues: string[];
  apiVersion: string;
  style: Style;
}
export type Style = 'kubernetes' | 'default' | 'flow' | 'json' | 'crlf' | 'markers' | 'anchors';

export const resourceListArb: fc.Arbitrary<GeneratedList> = fc
  .record({
    unrelated: fc.array(unrelated, { maxLength: 6 }),
    databases: fc.array(databaseArb, { maxLength: 4 }),
    issuers: fc.array(issuerArb, { maxLength: 3 }),
    secret: fc.option(secretArb, { nil: undefined, freq: 3 }),
    stale: fc.array(staleGenerated, { maxLength: 2 }),
    functionConfig: functionConfigArb,
    apiVersion: fc.constantFrom(
      'config.kubernetes.io/v1',
      'config.kubernetes.io/v1',
      'v1',
      'config.kubernetes.io/v1beta1',
    ),
    style: fc.constantFrom<Style>(
      'kubernetes',
      'kubernetes',
      'default',
      'flow',
      'json',
      'crlf',
      'markers',
      'anchors',
    ),
    seed: fc.nat(),
    issuersForDatabases: fc.boolean(),
  })
  .map(
    ({
      unrelated,
      databases,
      issuers,
      secret,
      stale,
      functionConfig,
      apiVersion,
      style,
      seed,
      issuersForDatabases,
    }) => {
      // usually, the issuers the databases name are there too
      const wanted = issuersForDatabases
        ? databases
            .flatMap((d) => {
              const ref = d.spec?.tls?.issuerRef;
              if (!ref || typeof ref.name !== 'string' || ref.name === '') return [];
              return [
                ref.kind === 'ClusterIssuer'
                  ? {
                      apiVersion: 'cert-manager.io/v1',
                      kind: 'ClusterIssuer',
                      metadata: { name: ref.name },
                      spec: { ca: { secretName: 'ca-key-pair' } },
                    }
                  : {
                      apiVersion: 'cert-manager.io/v1',
                      kind: 'Issuer',
                      metadata: meta(ref.name, d.metadata.namespace, undefined),
                      spec: { ca: { secretName: 'ca-key-pair' } },
                    },
              ];
            })
            .filter(
              (o, i, all) =>
                all.findIndex(
                  (p) =>
                    p.kind === o.kind &&
                    p.metadata.name === o.metadata.name &&
                    p.metadata.namespace === o.metadata.namespace,
                ) === i,
            )
        : [];
      // interleave deterministically from the generated seed, as files of a package would be
      // a database as the function config (kustomize generator) is usually among the items too
      const generator =
        functionConfig && findKind(functionConfig) && seed % 3 !== 0
          ? [
              {
                ...functionConfig,
                metadata: {
                  ...functionConfig.metadata,
                  annotations: {
                    ...functionConfig.metadata.annotations,
                    [LOCAL_CONFIG]: 'true',
                    'config.kubernetes.io/function': 'container: {image: dbtls}',
                  },
                },
              },
            ]
          : [];
      const all: unknown[] = [
        ...unrelated,
        ...databases,
        ...issuers,
        ...wanted,
        ...stale,
        ...generator,
        ...(secret ? [secret.secret] : []),
      ];
      let s = seed || 1;
      for (let i = all.length - 1; i > 0; i--) {
        s = (s * 1103515245 + 12345) % 2 ** 31;
        const j = s % (i + 1);
        [all[i], all[j]] = [all[j], all[i]];
      }
      return {
        items: all,
        functionConfig: generator.length ? generator[0] : functionConfig,
        secretValues: secret?.values ?? [],
        apiVersion,
        style,
      };
    },
  );

/** The ResourceList as text in the given YAML style. */
export function serialize(g: GeneratedList): string {
  const rl: Obj = { apiVersion: g.apiVersion, kind: 'ResourceList', items: g.items };
  if (g.functionConfig) rl.functionConfig = g.functionConfig;
  switch (g.style) {
    case 'kubernetes':
      return dump(rl, { schema: KUBERNETES_SCHEMA, lineWidth: -1, noRefs: true });
    case 'default':
      return dump(rl, { lineWidth: 80, noRefs: true });
    case 'flow':
      return dump(rl, { schema: KUBERNETES_SCHEMA, flowLevel: 3, noRefs: true });
    case 'json':
      return JSON.stringify(rl, null, 1);
    case 'crlf':
      return dump(rl, { schema: KUBERNETES_SCHEMA, lineWidth: -1, noRefs: true }).replace(
        /\n/g,
        '\r\n',
      );
    case 'markers':
      return `%YAML 1.1\n--- # a ResourceList\n# comment\n${dump(rl, { schema: KUBERNETES_SCHEMA, lineWidth: 40, noRefs: true }).replace(/\n(?=\S)/g, '\n# between keys\n')}...\n`;
    case 'anchors': {
      // objects written once and referred to by alias: every mapping with labels shares the first one's
      const shared = structuredClone(rl);
      const labelled = (shared.items as unknown[]).filter(
        (i): i is Obj =>
          typeof i === 'object' &&
          i !== null &&
          !Array.isArray(i) &&
          typeof (i as Obj).metadata === 'object' &&
          (i as Obj).metadata !== null,
      );
      const first = labelled.find((i) => i.metadata.labels);
      for (const i of labelled)
        if (first && i !== first && i.kind === first.kind)
          i.metadata.labels = first.metadata.labels;
      return dump(shared, { schema: KUBERNETES_SCHEMA, lineWidth: -1, noRefs: false });
    }
  }
}
