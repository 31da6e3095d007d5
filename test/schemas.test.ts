// Against the real schemas: example inputs against the upstream CRDs (KubeDB, KubeVault,
// cert-manager, in test/data/crds with their provenance), and everything we emit against cert-manager's CRD and the
// Kubernetes API (v1.36 models of @kubernetes/client-node) — with unknown fields rejected, since
// the API server would prune them and `kubectl apply` refuses them. Then the same over a few
// hundred generated variants of every example database.
import { readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join, relative } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import fc from 'fast-check';
import { loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import * as models from '@kubernetes/client-node/dist/gen/models/all.js';
import { findKind } from '../fn/kinds/index.js';
import { formatWebhookError, validateCertificateSpec } from '../fn/validate/certificate-spec.js';
import { dns1123SubdomainErrors } from '../fn/validate/go-formats.js';
import { KUBERNETES_SCHEMA } from '../fn/io/yaml.js';
import { ROOT, resourceList, runDist, runFn } from './helpers.js';

type Schema = Record<string, any>;
const ajv = new Ajv({
  strict: false,
  allErrors: true,
  validateFormats: false,
  allowUnionTypes: true,
});

// ---- upstream CRDs ----------------------------------------------------------------------------

interface CrdVersion {
  output: ValidateFunction;
}
const crds = new Map<string, CrdVersion>(); // group/version/kind

/** Adds additionalProperties:false wherever a schema lists properties and keeps no unknown fields. */
function strict(s: Schema): Schema {
  if (Array.isArray(s)) return s.map(strict);
  if (s === null || typeof s !== 'object') return s;
  const out: Schema = {};
  for (const [k, v] of Object.entries(s))
    out[k] =
      k === 'properties'
        ? Object.fromEntries(Object.entries(v as Schema).map(([p, ps]) => [p, strict(ps)]))
        : strict(v);
  if (
    out.properties &&
    out.additionalProperties === undefined &&
    out['x-kubernetes-preserve-unknown-fields'] !== true
  )
    out.additionalProperties = false;
  return out;
}

const CRDS = join(ROOT, 'test/data/crds');
/** A CRD as upstream publishes it: plain, or gzipped where the file is over 2 MiB. */
const readCrd = (file: string) =>
  file.endsWith('.gz')
    ? gunzipSync(readFileSync(join(CRDS, file))).toString('utf8')
    : readFileSync(join(CRDS, file), 'utf8');
for (const file of readdirSync(CRDS).filter((f) => /\.yaml(\.gz)?$/.test(f))) {
  for (const doc of loadAll(readCrd(file)) as Schema[]) {
    if (doc?.kind !== 'CustomResourceDefinition') continue;
    for (const v of doc.spec.versions) {
      const schema = v.schema.openAPIV3Schema;
      // metadata is the API server's ObjectMeta (checked on its own below), not the CRD's to close
      const strictSchema = strict(schema);
      if (schema.properties?.metadata)
        strictSchema.properties.metadata = schema.properties.metadata;
      crds.set(`${doc.spec.group}/${v.name}/${doc.spec.names.kind}`, {
        output: ajv.compile(strictSchema),
      });
    }
  }
}

// ---- Kubernetes API schemas from the client's generated models (release-1.36) ----------------

const modelDir = join(ROOT, 'node_modules/@kubernetes/client-node/dist/gen/models');
const definitions: Schema = {};
const classes = models as unknown as Record<
  string,
  { attributeTypeMap?: { baseName: string; type: string; format: string }[] }
>;

function typeSchema(t: string, format: string): Schema {
  if (t === 'string')
    return format === 'byte'
      ? { type: 'string', pattern: '^[A-Za-z0-9+/]*={0,2}$' }
      : { type: 'string' };
  if (t === 'number') return format === 'double' ? { type: 'number' } : { type: 'integer' };
  if (t === 'boolean') return { type: 'boolean' };
  if (t === 'Date') return { type: 'string' };
  if (t === 'IntOrString') return { type: ['integer', 'string'] };
  if (t === 'any') return {};
  const array = /^Array<(.+)>$/.exec(t);
  if (array) return { type: 'array', items: typeSchema(array[1], format) };
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(t);
  if (map) return { type: 'object', additionalProperties: typeSchema(map[1], format) };
  if (!classes[t]?.attributeTypeMap) throw new Error(`no Kubernetes model ${t}`);
  define(t);
  return { $ref: `#/definitions/${t}` };
}

function define(name: string): void {
  if (definitions[name]) return;
  definitions[name] = {};
  const dts = readFileSync(join(modelDir, `${name}.d.ts`), 'utf8');
  const required = [...dts.matchAll(/^ {4}'([^']+)':/gm)].map((m) => m[1]);
  const props = Object.fromEntries(
    classes[name].attributeTypeMap!.map((a) => [a.baseName, typeSchema(a.type, a.format)]),
  );
  definitions[name] = {
    type: 'object',
    additionalProperties: false,
    properties: props,
    ...(required.length ? { required } : {}),
  };
}

const k8sValidators = new Map<string, ValidateFunction>();
function k8sValidator(model: string): ValidateFunction {
  let v = k8sValidators.get(model);
  if (!v) {
    typeSchema(model, '');
    v = ajv.compile({ definitions, $ref: `#/definitions/${model}` });
    k8sValidators.set(model, v);
  }
  return v;
}

/** The client model for a built-in kind: V1StatefulSet for apps/v1 StatefulSet. */
function modelOf(apiVersion: string, kind: string): string {
  const version = apiVersion.split('/').pop()!;
  return `${version[0].toUpperCase()}${version.slice(1)}${kind}`;
}

const errorText = (v: ValidateFunction) =>
  (v.errors ?? []).map(
    (e) =>
      `${e.instancePath || '/'} ${e.message}${e.keyword === 'additionalProperties' ? ` (${(e.params as any).additionalProperty})` : ''}`,
  );

/** Every problem a cluster would have with one object we emit; [] when it would be accepted. */
function outputProblems(o: Schema): string[] {
  const [group, version] = o.apiVersion.includes('/')
    ? o.apiVersion.split('/')
    : ['', o.apiVersion];
  const problems: string[] = [];
  const meta = k8sValidator('V1ObjectMeta');
  if (!meta(o.metadata)) problems.push(...errorText(meta).map((e) => `metadata${e}`));
  for (const d of dns1123SubdomainErrors(o.metadata?.name ?? ''))
    problems.push(`metadata.name: ${d}`);
  if (o.kind === 'Service' && !/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(o.metadata.name))
    problems.push('metadata.name: a Service name must be a DNS-1035 label');
  if ((o.kind === 'Service' || o.kind === 'StatefulSet') && o.metadata.name.length > 63)
    problems.push('metadata.name: longer than 63 characters');
  for (const [k, v] of Object.entries(o.metadata?.labels ?? {})) {
    if (
      typeof v !== 'string' ||
      v.length > 63 ||
      !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v)
    )
      problems.push(`metadata.labels.${k}: invalid label value`);
  }
  const crd = crds.get(`${group}/${version}/${o.kind}`);
  if (crd) {
    if (!crd.output(o)) problems.push(...errorText(crd.output));
    if (group === 'cert-manager.io' && o.kind === 'Certificate')
      problems.push(...validateCertificateSpec(o.spec ?? {}).map(formatWebhookError));
    return problems;
  }
  const model = modelOf(o.apiVersion, o.kind);
  if (!classes[model]?.attributeTypeMap)
    return [...problems, `no schema known for ${o.apiVersion} ${o.kind}`];
  const validate = k8sValidator(model);
  if (!validate(o)) problems.push(...errorText(validate));
  return problems;
}

// ---- examples ---------------------------------------------------------------------------------

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === '.expected' ? [] : yamlFiles(p);
    return /\.ya?ml$/.test(e.name) ? [p] : [];
  });
}
const exampleDocs = yamlFiles(join(ROOT, 'examples')).flatMap((file) =>
  (loadAll(readFileSync(file, 'utf8'), { schema: KUBERNETES_SCHEMA }) as Schema[])
    .filter((d) => d && typeof d === 'object')
    .map((doc) => ({ file: relative(ROOT, file), doc })),
);
/** Folders holding a database: each renders something to check. */
const exampleDirs = [
  ...new Set(
    exampleDocs
      .filter(({ doc }) => findKind(doc))
      .map((d) => d.file.split('/').slice(0, -1).join('/')),
  ),
];
/**
 * The CRD an input is checked against. A KubeDB GitOps object (gitops.kubedb.com/v1alpha1) carries
 * the spec of its kubedb.com counterpart (kubedb/apimachinery apis/gitops/v1alpha1: `Spec
 * dbv1.PostgresSpec`, …), so it is checked against that kind's CRD.
 */
const crdKey = (o: Schema) => {
  const counterpart = findKind(o)?.counterpart?.apiVersion;
  const apiVersion = String(counterpart ?? o.apiVersion);
  return `${apiVersion.split('/')[0]}/${apiVersion.split('/')[1]}/${o.kind}`;
};

describe("example inputs validate against their kinds' upstream schemas", () => {
  const checked = exampleDocs.filter(({ doc }) => findKind(doc) || crds.has(crdKey(doc)));
  it('finds example databases and issuers', () => {
    expect(checked.filter(({ doc }) => findKind(doc)).length).toBeGreaterThan(0);
    expect(checked.filter(({ doc }) => /Issuer$/.test(doc.kind)).length).toBeGreaterThan(0);
  });
  for (const { file, doc } of checked) {
    it(`${file}: ${doc.kind}/${doc.metadata?.name}`, () => {
      const crd = crds.get(crdKey(doc));
      expect(crd, `no upstream CRD for ${doc.apiVersion} ${doc.kind}`).toBeDefined();
      // Inputs are held to the same standard as output: a field the schema lacks is a typo.
      expect(crd!.output(doc) ? [] : errorText(crd!.output)).toEqual([]);
    });
  }
});

describe('example policies validate against the function config schema', () => {
  const validatePolicy = ajv.compile(
    JSON.parse(readFileSync(join(ROOT, 'fn/generated/database-tls-policy.schema.json'), 'utf8')),
  );
  const policies = exampleDocs.filter(({ doc }) => doc.kind === 'DatabaseTLSPolicy');
  it('finds example policies', () => expect(policies.length).toBeGreaterThan(0));
  for (const { file, doc } of policies) {
    it(file, () => expect(validatePolicy(doc) ? [] : errorText(validatePolicy)).toEqual([]));
  }
});

describe('everything the examples render is accepted by the cluster', () => {
  for (const dir of exampleDirs) {
    it(dir, () => {
      const out = runDist('', ['render', dir]);
      const objects = (loadAll(out.stdout, { schema: KUBERNETES_SCHEMA }) as Schema[]).filter(
        Boolean,
      );
      const generated = objects.filter(
        (o) => o.metadata?.annotations?.['dbtls.dev/generated-from'],
      );
      if (out.status !== 0) return; // a failing example (e.g. a policy violation) renders nothing to check
      expect(generated.length).toBeGreaterThan(0);
      for (const o of generated)
        expect([`${o.kind}/${o.metadata.name}`, outputProblems(o)]).toEqual([
          `${o.kind}/${o.metadata.name}`,
          [],
        ]);
    });
  }
});

describe('the checks themselves', () => {
  const cert = {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name: 'c', namespace: 'd' },
    spec: { secretName: 's', issuerRef: { name: 'ca' }, dnsNames: ['x'] },
  };
  it('accept a good Certificate and reject unknown or mistyped fields', () => {
    expect(outputProblems(cert)).toEqual([]);
    expect(
      outputProblems({
        ...cert,
        spec: { ...cert.spec, privateKey: { algorithm: 'RSA', bits: 2048 } },
      }),
    ).toEqual(['/spec/privateKey must NOT have additional properties (bits)']);
    expect(outputProblems({ ...cert, spec: { ...cert.spec, duration: 3600 } })).toEqual([
      '/spec/duration must be string',
    ]);
    expect(outputProblems({ ...cert, spec: { ...cert.spec, usages: ['serverAuth'] } })).toEqual([
      '/spec/usages/0 must be equal to one of the allowed values',
      'spec.usages[0]: Invalid value: "serverAuth": unknown keyusage',
    ]);
  });
  it('reject unknown fields and wrong types in core objects', () => {
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'db' },
      spec: { ports: [{ port: 5432 }], selector: { a: 'b' } },
    };
    expect(outputProblems(svc)).toEqual([]);
    expect(
      outputProblems({ ...svc, spec: { ...svc.spec, ports: [{ port: '5432', portName: 'x' }] } }),
    ).toEqual([
      '/spec/ports/0 must NOT have additional properties (portName)',
      '/spec/ports/0/port must be integer',
    ]);
    expect(outputProblems({ ...svc, spec: { ports: [{ name: 'x' }] } })).toEqual([
      "/spec/ports/0 must have required property 'port'",
    ]);
    expect(outputProblems({ ...svc, metadata: { name: '1db' } })).toEqual([
      'metadata.name: a Service name must be a DNS-1035 label',
    ]);
    expect(outputProblems({ apiVersion: 'v1', kind: 'Widget', metadata: { name: 'w' } })).toEqual([
      'no schema known for v1 Widget',
    ]);
  });
});

// ---- generated inputs -------------------------------------------------------------------------

const DNS_LABEL = fc.stringMatching(/^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$/);
const exampleDatabases = exampleDocs.filter(({ doc }) => findKind(doc) && doc.spec?.tls);
const exampleIssuers = exampleDocs
  .filter(({ doc }) => /Issuer$/.test(doc.kind))
  .map(({ doc }) => doc);

describe('generated variants of every example database', () => {
  it('render objects the cluster accepts, whenever the function accepts them', () => {
    expect(exampleDatabases.length).toBeGreaterThan(0);
    let accepted = 0;
    let rejected = 0;
    const duration = fc.constantFrom(undefined, '1h', '2160h', '720h', '8760h', '30m', '90d');
    const renewBefore = fc.constantFrom(undefined, '5m', '24h', '1m', '3000h');
    const override = fc.record(
      {
        duration,
        renewBefore,
        dnsNames: fc.option(fc.array(fc.domain(), { maxLength: 2 }), { nil: undefined }),
        ipAddresses: fc.option(
          fc.array(fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom('010.0.0.1', 'fe80::1%eth0')), {
            maxLength: 2,
          }),
          { nil: undefined },
        ),
        emailAddresses: fc.option(
          fc.array(fc.constantFrom('dba@example.com', 'Ops <ops@example.com>', 'ops'), {
            maxLength: 1,
          }),
          { nil: undefined },
        ),
        encoding: fc.constantFrom(undefined, 'PKCS1', 'PKCS8'),
      },
      { requiredKeys: [] },
    );
    // the key and lifetime rules write into the Certificates, so they are generated too
    const rules = fc.record(
      {
        privateKey: fc.record(
          {
            algorithm: fc.constantFrom(undefined, 'RSA', 'ECDSA', 'Ed25519'),
            minimumSize: fc.constantFrom(undefined, 256, 300, 2048, 4096),
            encoding: fc.constantFrom(undefined, 'PKCS1', 'PKCS8'),
            rotationPolicy: fc.constantFrom(undefined, 'Always', 'Never'),
          },
          { requiredKeys: [] },
        ),
        certificateLifetime: fc.record(
          {
            maximumDuration: fc.constantFrom(undefined, '2h', '720h', '8760h'),
            minimumRenewBefore: fc.constantFrom(undefined, '10m', '24h', '360h'),
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...exampleDatabases),
        DNS_LABEL,
        fc.constantFrom('demo', 'prod', 'a'.repeat(40)),
        fc.array(override, { maxLength: 3 }),
        rules,
        (example, name, namespace, overrides, policyRules) => {
          const db = structuredClone(example.doc);
          db.metadata = { ...db.metadata, name, namespace };
          const aliases = findKind(db)!.aliases(db as any);
          db.spec.tls.certificates = overrides.slice(0, aliases.length).map((o, i) => {
            const c: Schema = { alias: aliases[i] };
            for (const k of [
              'duration',
              'renewBefore',
              'dnsNames',
              'ipAddresses',
              'emailAddresses',
            ] as const)
              if (o[k] !== undefined) c[k] = o[k];
            if (o.encoding) c.privateKey = { encoding: o.encoding };
            return c;
          });
          const crd = crds.get(crdKey(db))!;
          expect(crd.output(db) ? [] : errorText(crd.output)).toEqual([]);
          const issuers = exampleIssuers.map((i) =>
            i.kind === 'Issuer' ? { ...i, metadata: { ...i.metadata, namespace } } : i,
          );
          const clean = JSON.parse(JSON.stringify(policyRules));
          const policy = {
            apiVersion: 'dbtls.dev/v1alpha1',
            kind: 'DatabaseTLSPolicy',
            metadata: { name: 'p' },
            spec: { rules: clean },
          };
          const r = runFn(resourceList([...issuers, db], policy));
          if (r.status !== 0) {
            rejected++;
            return;
          }
          accepted++;
          for (const o of r.output.items.filter(
            (i: Schema) => i.metadata?.annotations?.['dbtls.dev/generated-from'],
          )) {
            expect([`${o.kind}/${o.metadata.name}`, outputProblems(o)]).toEqual([
              `${o.kind}/${o.metadata.name}`,
              [],
            ]);
          }
        },
      ),
      { numRuns: 500, seed: 20261123 },
    );
    // both sides of the property were exercised
    expect(accepted).toBeGreaterThan(20);
    expect(rejected).toBeGreaterThan(20);
    console.info(
      `schemas: ${accepted} generated inputs rendered and checked, ${rejected} rejected by dbtls`,
    );
  });
});
