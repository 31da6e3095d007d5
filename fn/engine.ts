// The processor: ResourceList in, ResourceList out. Validates every supported database, renders
// its Certificates (and, in standalone mode, its workload), and leaves everything else alone.
import { namespaceProblem } from './validate/namespace.js';
import type {
  CertificateDefaults,
  DatabaseKind,
  IssuedCertificate,
  KindContext,
} from './kinds/kind.js';
import { findKind, KINDS } from './kinds/index.js';
import {
  annotationsOf,
  describeObject,
  groupOf,
  isObj,
  type KubeObject,
  merged,
  namespaceOf,
  type Obj,
} from './io/objects.js';
import { describeType, isKubeObject, itemProblems, type ResourceList } from './io/resource-list.js';
import { identityOnly, markDerived } from './io/item-sources.js';
import { GENERATED_TYPES } from './io/own-output.js';
import { isKustomization } from './io/kustomize.js';
import { isListObject, listEntry, listItems, refoldLists } from './io/lists.js';
import { ambiguityMessage, yaml11Booleans } from './io/ambiguous.js';
import {
  fileOf,
  INDEX_ANNOTATION,
  INTERNAL_INDEX_ANNOTATION,
  INTERNAL_PATH_ANNOTATION,
  PATH_ANNOTATION,
  Reporter,
  type ResourceRef,
  resultFor,
  type Result,
} from './io/results.js';
import { buildCertificate } from './render/certificate.js';
import { connectApplications, type ConnectTarget, type SecretWriters } from './connect/index.js';
import { GENERATED_FROM, LOCAL_CONFIG, type Owner } from './render/metadata.js';
import { applyPodTemplates } from './render/pod-template.js';

const FUNCTION_ANNOTATION = 'config.kubernetes.io/function';
import { readSettings, type Settings } from './policy/settings.js';
import {
  applyCertificatePolicy,
  applyPolicyDefaults,
  checkDatabasePolicy,
} from './policy/rules.js';
import {
  dns1123SubdomainErrors,
  reportGeneratedNames,
  reportWebhookErrors,
} from './validate/certificate-spec.js';
import { IssuerIndex } from './validate/issuers.js';
import { nameWithSuffix } from './util/names.js';
import { flat } from './util/strings.js';
import { type CertificateOverride, readTLSConfig } from './validate/tls-config.js';
import { type DeclaredNames, declaredServiceNames } from './validate/service-templates.js';
import { applyServiceTemplates } from './render/service-templates.js';

interface Rendered {
  source: KubeObject;
  objects: KubeObject[];
  /** The database's spec.tls.certificates[] by alias, where a collision is reported. */
  overrides?: ReadonlyMap<string, CertificateOverride>;
}

/**
 * The processor in named stages: read the settings, classify the items, render each source,
 * check the generated names against each other and the input, connect applications, and place
 * the generated objects beside their sources.
 */
export function runFunction(list: ResourceList): ResourceList {
  const results: Result[] = [];
  const config = readSettings(list.functionConfig, (o) => findKind(o) !== undefined);
  results.push(...config.results);
  if (config.results.some((r) => r.severity === 'error'))
    return withResults(list, list.items, results);

  // What dbtls reads only by name (most of a large list) keeps its identity and its text, and
  // lets go of the rest of its value: written back as its own text, it needs no more.
  list.items = list.items.map((item) => (readsWhole(item) ? item : identityOnly(item)));
  const validate = config.settings.mode === 'validate';
  const { kept, objects, earlier } = classifyItems(list.items, validate, results);

  const generator = config.generatorSource;
  const issuers = new IssuerIndex(
    objects,
    config.settings.externalIssuers,
    generator === undefined,
  );
  const sources = generator
    ? [objects.find((o) => sameObject(o, generator)) ?? generator]
    : objects;
  const { rendered, replaced, targets } = renderSources(
    sources,
    config.settings,
    issuers,
    generator !== undefined,
    results,
  );

  results.push(...checkCollisions(objects, rendered, validate));
  // Applications that connect: client Certificates and the workloads' wiring (connect/). In
  // validate mode every check runs, and no workload is changed.
  results.push(
    ...connectStage(
      objects,
      targets,
      issuers,
      rendered,
      validate ? new Map() : replaced,
      config.settings,
    ),
  );
  // Validate mode built the Certificates only to check them: the full KubeDB creates its own.
  const generated = validate ? [] : rendered.flatMap((r) => placeBeside(r.source, r.objects));
  // A changed database keeps its text where dbtls did not change it (io/item-sources.ts).
  // Lists are written back whole, with what dbtls changed in them (io/lists.ts).
  const drop = settleEarlierOutput(earlier, rendered, results);
  const items = refoldLists(
    kept.filter((o) => !drop.has(o)),
    (o) => {
      const changed = replaced.get(o as KubeObject);
      return changed ? markDerived(changed, o) : o;
    },
  );
  return withResults(list, [...items, ...generated], results);
}

/**
 * Stage one: which items are passed through as they are (`kept`, in their order) and which are
 * Kubernetes objects dbtls reads (`objects`). The entries of a List are read as objects of their
 * own, as kustomize reads them (io/lists.ts), and follow their List in `kept`. What looks like
 * dbtls's own output from an earlier run is kept aside (`earlier`) until this run's output is
 * known (settleEarlierOutput). Validate mode keeps every item as it is.
 */
function classifyItems(
  items: readonly Obj[],
  validate: boolean,
  results: Result[],
): { kept: Obj[]; objects: KubeObject[]; earlier: Set<KubeObject> } {
  const sorted = { kept: [] as Obj[], objects: [] as KubeObject[], earlier: new Set<KubeObject>() };
  items.forEach((item, i) => {
    classifyItem(item, `items[${i}]`, validate, sorted, results);
    if (!isListObject(item) || isKustomization(item)) return;
    listItems(item).forEach((entry, j) => {
      const label = `items[${i}].items[${j}]`;
      if (isObj(entry) && isListObject(entry)) {
        // A List in a List: kustomize unfolds it too; dbtls reads one level and says so.
        results.push(nestedList(item, label));
        sorted.kept.push(listEntry(item, j, entry));
        return;
      }
      classifyItem(
        isObj(entry) ? listEntry(item, j, entry) : entry,
        label,
        validate,
        sorted,
        results,
      );
    });
  });
  return sorted;
}

/** One item (or entry of a List, named by `label`) sorted into kept, objects and earlier. */
function classifyItem(
  item: unknown,
  label: string,
  validate: boolean,
  sorted: { kept: Obj[]; objects: KubeObject[]; earlier: Set<KubeObject> },
  results: Result[],
): void {
  const { kept, objects } = sorted;
  // kustomize's build file, which kpt passes as an item, and a List: not resources, left alone.
  if (isKustomization(item) || isListObject(item)) {
    kept.push(item as Obj);
    return;
  }
  const problems = itemProblems(item);
  if (problems.length) {
    results.push(malformedItem(item, label, problems));
    kept.push(item as Obj); // passed through as it came, whatever it is
    return;
  }
  const o = item as KubeObject;
  if (typeof annotationsOf(o)[GENERATED_FROM] === 'string') {
    if (isOwnOutput(o) && validate) {
      // Validate mode changes nothing, so an earlier run's output stays; beside the full KubeDB
      // it is the loop this mode exists to end: say so.
      const path = `metadata.annotations.${GENERATED_FROM}`;
      results.push(resultFor(o, 'error', ownOutputBesideKubeDB(o), path));
      kept.push(o);
      return;
    }
    if (isOwnOutput(o)) {
      kept.push(o);
      sorted.earlier.add(o);
      return;
    }
    // A copied annotation must not make dbtls delete the user's object.
    results.push(copiedAnnotation(o));
  }
  kept.push(o);
  objects.push(o);
  const miss = nearMiss(o);
  if (miss) results.push(miss);
}

/** A List inside a List: its entries are not read (kustomize would read them). */
function nestedList(list: Obj, label: string): Result {
  return {
    severity: 'warning',
    message:
      `${label} is a List inside a List: dbtls reads the entries of the outer List only, so ` +
      'a database or Issuer in this one is neither checked nor rendered; move its entries into ' +
      'the outer List',
    ...(fileOf(list) ? { file: fileOf(list) } : {}),
  };
}

/**
 * What an earlier run generated (one of dbtls's types with its generated-from annotation):
 * dropped where this run renders an object of the same kind, namespace and name (re-render,
 * don't duplicate); pruned, with an info result, where it sits in the file dbtls writes for the
 * database it names, or in no file at all (a pipeline's earlier output: the database is gone, or
 * no longer needs it); otherwise it is a user's object in a file of theirs that carries the
 * annotation, and it is kept with a warning. Returns those to drop.
 */
function settleEarlierOutput(
  earlier: ReadonlySet<KubeObject>,
  rendered: readonly Rendered[],
  results: Result[],
): Set<Obj> {
  const drop = new Set<Obj>();
  if (earlier.size === 0) return drop;
  const made = new ObjectIndex<true>();
  for (const r of rendered) for (const g of r.objects) made.set(g, true);
  for (const o of earlier) {
    if (made.get(o)) drop.add(o);
    else if (fileOf(o) === undefined || inOwnFile(o)) {
      drop.add(o);
      results.push(resultFor(o, 'info', prunedOutput(o)));
    } else results.push(resultFor(o, 'warning', notRegenerated(o), GENERATED_FROM_PATH));
  }
  return drop;
}

const GENERATED_FROM_PATH = `metadata.annotations.${GENERATED_FROM}`;

/** Whether the object sits in the file dbtls writes for the database its annotation names. */
function inOwnFile(o: KubeObject): boolean {
  const path = fileOf(o)?.path;
  const [kind, namespace, name] = annotationsOf(o)[GENERATED_FROM].split('/');
  if (!path || name === undefined) return false;
  const base = path.slice(path.lastIndexOf('/') + 1);
  return base === `${kind.toLowerCase()}_${namespace}_${name}.dbtls.yaml`;
}

function prunedOutput(o: KubeObject): string {
  return (
    `${describeObject(o)} was generated by an earlier run from ` +
    `${annotationsOf(o)[GENERATED_FROM]}, which this run does not render it for (the database ` +
    'is gone, or no longer needs it): pruned'
  );
}

function notRegenerated(o: KubeObject): string {
  return (
    `${describeObject(o)} carries the ${GENERATED_FROM} annotation of dbtls's output ` +
    `(${annotationsOf(o)[GENERATED_FROM]}), but this run does not generate it and it is not in ` +
    "that database's .dbtls.yaml file; it is kept as it is: if it is yours, remove the " +
    'annotation; if it is a stale copy of dbtls output, delete it'
  );
}

/** An item that is not a Kubernetes object: named by position, and by apiVersion/kind/name when those are readable. */
function malformedItem(
  item: unknown,
  label: string,
  problems: ReturnType<typeof itemProblems>,
): Result {
  const md = isObj(item) && isObj(item.metadata) ? item.metadata : {};
  const id: Record<string, unknown> = isObj(item)
    ? {
        apiVersion: item.apiVersion,
        kind: item.kind,
        name: md.name,
        ...(typeof md.namespace === 'string' && md.namespace !== ''
          ? { namespace: md.namespace }
          : {}),
      }
    : {};
  const ref =
    typeof id.apiVersion === 'string' &&
    typeof id.kind === 'string' &&
    typeof id.name === 'string' &&
    id.name !== ''
      ? { resourceRef: id as unknown as ResourceRef }
      : {};
  return {
    severity: 'error',
    message:
      `${label} ${problems.map((p) => p.text).join('; ')}; every item must be a ` +
      `Kubernetes object`,
    ...ref,
    ...(problems[0].path ? { field: { path: problems[0].path } } : {}),
    ...(isObj(item) && fileOf(item) ? { file: fileOf(item) } : {}),
  };
}

/** What dbtls generates, in words: "Certificates, ConfigMaps, … and ServiceMonitors". */
const GENERATED_IN_WORDS = ((kinds: string[]) =>
  `${kinds.slice(0, -1).join(', ')} and ${kinds[kinds.length - 1]}`)(
  GENERATED_TYPES.map((t) => `${t.slice(t.indexOf(' ') + 1)}s`),
);

/** The warning for a user's object that carries the annotation of dbtls's own output. */
function copiedAnnotation(o: KubeObject): Result {
  return resultFor(
    o,
    'warning',
    `${describeObject(o)} carries the ${GENERATED_FROM} annotation that marks dbtls's own ` +
      `output, but dbtls generates only ${GENERATED_IN_WORDS}; it is kept as it is: remove the ` +
      'annotation',
    `metadata.annotations.${GENERATED_FROM}`,
  );
}

/**
 * Stage two: each database among the sources, once, rendered (renderDatabase): its objects, the
 * database as it is emitted when that differs (`replaced`), and what applications connect to.
 */
function renderSources(
  sources: readonly KubeObject[],
  settings: Settings,
  issuers: IssuerIndex,
  asGenerator: boolean,
  results: Result[],
): {
  rendered: Rendered[];
  replaced: Map<KubeObject, KubeObject>;
  targets: Map<string, ConnectTarget>;
} {
  const rendered: Rendered[] = [];
  const seen = new Map<string, KubeObject>();
  const replaced = new Map<KubeObject, KubeObject>();
  const targets = new Map<string, ConnectTarget>();
  for (const o of sources) {
    const kind = findKind(o);
    if (!kind) continue;
    const key = `${kind.group}/${kind.kind}/${namespaceOf(o)}/${o.metadata.name}`;
    const first = seen.get(key);
    if (first) {
      const message = `${describeObject(o)} is given twice${where(first)}; each database must appear once`;
      results.push(resultFor(o, 'error', message, 'metadata.name'));
      continue;
    }
    seen.set(key, o);
    const outcome = renderDatabase(o, kind, settings, issuers, asGenerator);
    results.push(...outcome.results);
    if (outcome.target)
      targets.set(`${kind.kind}/${namespaceOf(o)}/${o.metadata.name}`, outcome.target);
    if (outcome.objects) {
      const overrides = outcome.target?.ctx.tls?.overrides;
      rendered.push({ source: o, objects: outcome.objects, overrides });
      if (outcome.source !== o) replaced.set(o, outcome.source);
    }
  }
  return { rendered, replaced, targets };
}

/**
 * Applications that connect (fn/connect/): their client Certificates join the rendered objects,
 * the workloads dbtls adds to (or takes its additions from) join the changed items.
 */
function connectStage(
  objects: readonly KubeObject[],
  targets: ReadonlyMap<string, ConnectTarget>,
  issuers: IssuerIndex,
  rendered: Rendered[],
  replaced: Map<KubeObject, KubeObject>,
  settings: Settings,
): Result[] {
  const writers: SecretWriters = new Map();
  for (const o of [...objects, ...rendered.flatMap((r) => r.objects)]) {
    if (o.kind !== 'Certificate' || !isObj(o.spec) || typeof o.spec.secretName !== 'string')
      continue;
    writers.set(`${namespaceOf(o)}/${o.spec.secretName}`, {
      description: `${describeObject(o)}${where(o)}`,
    });
  }
  const outcome = connectApplications(objects, targets, issuers, writers, settings);
  for (const [from, to] of outcome.changed) replaced.set(from, to);
  rendered.push(...outcome.generated);
  return outcome.results;
}

interface DatabaseOutcome {
  results: Result[];
  objects?: KubeObject[];
  source: KubeObject;
  target?: ConnectTarget;
}

/**
 * One database: its identity checked, its spec read by the kind, its Certificates issued, and in
 * standalone mode its workload rendered; then the database as it is emitted (markSource).
 */
function renderDatabase(
  db: KubeObject,
  kind: DatabaseKind,
  settings: Settings,
  issuers: IssuerIndex,
  asGenerator = false,
): DatabaseOutcome {
  const report = new Reporter(db);
  if (!checkIdentity(db, kind, report)) return { results: report.results, source: db };
  if (typeof db.metadata.namespace !== 'string' || db.metadata.namespace === '')
    report.warn('metadata.namespace', noNamespace(db));
  // Where kubectl and kpt would read a field of the database differently, say so.
  for (const a of yaml11Booleans(db)) report.warn(a.path, ambiguityMessage(a));
  // Validate mode changes no item: a requireTLS defaultIssuerRef is reported, not added.
  if (settings.mode !== 'validate') db = applyPolicyDefaults(db, settings.rules, report);
  const read = readDatabase(db, kind, settings, issuers, report);
  if (!read) return { results: report.results, source: db };
  const { ctx, plan, declared } = read;
  if (report.failed)
    return { results: report.results, source: db, target: { kind, ctx, plan, valid: false } };
  checkDatabasePolicy(ctx, kind, plan, issuers);

  const owner: Owner = { db, namespace: ctx.namespace, resource: kind.resource, group: kind.group };
  const { objects, issued } = issueCertificates(kind, ctx, plan, owner, declared);
  if (settings.mode === 'standalone')
    objects.push(...renderWorkload(kind, ctx, plan, issued, owner));
  const source = markSource(db, kind, settings, asGenerator, report);
  reportGeneratedNames(objects, report);
  const target: ConnectTarget = { kind, ctx, plan, valid: !report.failed };
  if (report.failed) return { results: report.results, source: db, target };
  if (source !== db && settings.mode === 'standalone') {
    report.info(
      `metadata.annotations.${LOCAL_CONFIG}`,
      `set to "true", so that ${describeObject(db)} itself is not applied: standalone mode renders its Certificates and workload in its place (use mode: operator for a cluster that runs the ${operatorOf(kind)} operator)`,
    );
  }
  return { results: report.results, objects, source, target };
}

/** What a database without a namespace is rendered for, and how to say where it goes. */
function noNamespace(db: KubeObject): string {
  return (
    `${describeObject(db)} has no metadata.namespace, so dbtls takes "default": its ` +
    'Certificates, Services and the DNS names in them are rendered for namespace "default" ' +
    "(kubectl would apply the database itself to its context's namespace); set " +
    'metadata.namespace, or for render and check pass --default-namespace (Argo CD passes the ' +
    "Application's destination namespace)"
  );
}

/**
 * A served apiVersion and a name the API server would take: false (reported) when the database
 * itself would be refused, since every name dbtls derives starts from it.
 */
function checkIdentity(db: KubeObject, kind: DatabaseKind, report: Reporter): boolean {
  const version = db.apiVersion.slice(db.apiVersion.indexOf('/') + 1);
  if (!kind.versions.includes(version)) {
    report.error(
      'apiVersion',
      `${db.apiVersion} is not a served version of ${kind.kind}; use ${kind.versions.map((v) => `${kind.group}/${v}`).join(' or ')}`,
    );
    return false;
  }
  // Every name dbtls derives starts from this one: when the API server would refuse the database
  // itself, say that once instead of once per derived name.
  const nameErrors = dns1123SubdomainErrors(db.metadata.name);
  if (nameErrors.length) {
    report.error(
      'metadata.name',
      `is not a valid Kubernetes name, and the API server would refuse the ${kind.kind} itself: ${nameErrors.join('; ')}`,
    );
    return false;
  }
  const namespace = namespaceProblem(db.metadata.namespace);
  if (namespace !== undefined) {
    report.error(
      'metadata.namespace',
      `is not a valid namespace, and the API server would refuse the ${kind.kind} itself: ${namespace}`,
    );
    return false;
  }
  return true;
}

/**
 * The spec read: `spec.tls` (shared), the kind's own fields (plan), the names declared for its
 * Services, and every issuerRef checked. Undefined (reported) when spec is not a mapping.
 */
function readDatabase(
  db: KubeObject,
  kind: DatabaseKind,
  settings: Settings,
  issuers: IssuerIndex,
  report: Reporter,
): { ctx: KindContext; plan: unknown; declared: DeclaredNames | undefined } | undefined {
  const spec = db.spec;
  if (!isObj(spec)) {
    report.error(
      'spec',
      spec === undefined ? 'is required' : `must be a mapping, got ${describeType(spec)}`,
    );
    return undefined;
  }
  const namespace = namespaceOf(db);
  const aliases = kind.aliases(db);
  const tls = readTLSConfig(spec, report, aliases, kind.extraTLSFields, kind.issuerRefOptional);
  const ctx: KindContext = { db, namespace, settings, report, tls };
  const plan = kind.plan(ctx);
  const declared = kind.clientServices
    ? declaredServiceNames(ctx, kind.clientServices(ctx, plan))
    : undefined;
  if (tls?.issuerRef) issuers.check(tls.issuerRef, namespace, 'spec.tls.issuerRef', report);
  for (const o of tls?.overrides.values() ?? []) {
    if (o.issuerRef) issuers.check(o.issuerRef, namespace, `${o.path}.issuerRef`, report);
  }
  return { ctx, plan, declared };
}

/** The Certificates of every alias (several for an alias the kind splits into parts). */
function issueCertificates(
  kind: DatabaseKind,
  ctx: KindContext,
  plan: unknown,
  owner: Owner,
  declared: DeclaredNames | undefined,
): { objects: KubeObject[]; issued: IssuedCertificate[] } {
  const { db, tls, report } = ctx;
  const objects: KubeObject[] = [];
  const issued: IssuedCertificate[] = [];
  if (!tls?.issuerRef || !kind.issuesCertificates(ctx, plan)) return { objects, issued };
  for (const alias of kind.aliases(db)) {
    const override = tls.overrides.get(alias);
    for (const { name, part } of certificatesOf(kind, ctx, plan, alias)) {
      // Several certificates of one alias each write a secret of their own name.
      const secretName =
        part !== undefined
          ? name
          : (override?.secretName ?? kind.defaultSecretName?.(db, alias) ?? name);
      issued.push(
        part !== undefined ? { alias, name, secretName, part } : { alias, name, secretName },
      );
      const certificate = applyCertificatePolicy(
        buildCertificate({
          owner,
          alias,
          name,
          secretName,
          override,
          issuerRef: override?.issuerRef ?? tls.issuerRef,
          defaults: withDeclaredNames(
            kind.certificateDefaults(ctx, plan, alias, part),
            alias,
            declared,
          ),
        }),
        ctx,
        override,
      );
      reportWebhookErrors(certificate, alias, override, report);
      objects.push(certificate);
    }
  }
  return { objects, issued };
}

/** The certificates one alias stands for: the kind's parts, or one named `<db>-<alias>-cert`. */
function certificatesOf(
  kind: DatabaseKind,
  ctx: KindContext,
  plan: unknown,
  alias: string,
): readonly { name: string; part: string | undefined }[] {
  const parts = kind.certificateParts?.(ctx, plan, alias) ?? [];
  if (parts.length > 0) return parts;
  const { db } = ctx;
  const name =
    kind.certificateName?.(db, alias) ?? nameWithSuffix(db.metadata.name, `${alias}-cert`);
  return [{ name, part: undefined }];
}

/** The standalone workload with the user's service templates and pod template applied. */
function renderWorkload(
  kind: DatabaseKind,
  ctx: KindContext,
  plan: unknown,
  issued: readonly IssuedCertificate[],
  owner: Owner,
): KubeObject[] {
  const workload = applyServiceTemplates(ctx, kind, plan, kind.workload(ctx, plan, issued, owner));
  // The pod template and KubeDB's defaults, and a PodDisruptionBudget where KubeDB keeps one.
  const pdb = kind.group === 'kubedb.com';
  // Every rendered pod is then checked against Pod Security (validate/pod-security/).
  return applyPodTemplates(workload, ctx.db, kind.podTemplate, ctx.report, pdb);
}

/**
 * The database as it is emitted: marked local-config in standalone mode (no operator may apply
 * it), without kustomize's bookkeeping when run as a generator, or as it came.
 */
function markSource(
  db: KubeObject,
  kind: DatabaseKind,
  settings: Settings,
  asGenerator: boolean,
  report: Reporter,
): KubeObject {
  if (settings.mode === 'standalone') {
    if (annotationsOf(db)[LOCAL_CONFIG] === 'true') return db;
    // Without a KubeDB operator in the cluster the resource itself must not be applied.
    return {
      ...db,
      metadata: {
        ...db.metadata,
        annotations: merged(annotationsOf(db), { [LOCAL_CONFIG]: 'true' }),
      },
    };
  }
  if (asGenerator) {
    // kustomize marks a generator's own resource local-config and drops it; in operator and
    // validate mode the database must reach the cluster, so it is emitted without kustomize's two
    // annotations (its bookkeeping, not the user's).
    const { [LOCAL_CONFIG]: _local, [FUNCTION_ANNOTATION]: _fn, ...kept } = annotationsOf(db);
    const metadata: KubeObject['metadata'] = { ...db.metadata, annotations: kept };
    if (Object.keys(kept).length === 0) delete metadata.annotations;
    return { ...db, metadata };
  }
  if (annotationsOf(db)[LOCAL_CONFIG] === 'true') {
    report.warn(
      `metadata.annotations.${LOCAL_CONFIG}`,
      `mode is ${settings.mode}, but ` +
        `${describeObject(db)} is marked ${LOCAL_CONFIG}: "true" and will not reach the ` +
        `${operatorOf(kind)} operator; remove the annotation`,
    );
  }
  return db;
}

/** The server certificate also names what the user declared for the Services (serviceTemplates). */
function withDeclaredNames(
  defaults: CertificateDefaults,
  alias: string,
  declared: DeclaredNames | undefined,
): CertificateDefaults {
  if (alias !== 'server' || !declared) return defaults;
  if (declared.dnsNames.length + declared.ipAddresses.length === 0) return defaults;
  return {
    ...defaults,
    dnsNames: [...(defaults.dnsNames ?? []), ...declared.dnsNames],
    ipAddresses: [...(defaults.ipAddresses ?? []), ...declared.ipAddresses],
  };
}

/**
 * Whether dbtls reads more of an item than its identity: databases, issuers and Certificates,
 * the KubeDB and KubeVault groups (near misses, referenced kinds), its own policy, kubectl's List,
 * workloads with a dbtls.dev annotation (applications that connect), and whatever is malformed
 * (reported in full).
 */
function readsWhole(item: unknown): boolean {
  if (!isObj(item) || isListObject(item) || itemProblems(item).length > 0) return true;
  const group = groupOf(String(item.apiVersion));
  if (/(^|\.)(cert-manager\.io|kubedb\.com|kubevault\.com|dbtls\.dev)$/.test(group)) return true;
  for (const key in annotationsOf(item as KubeObject))
    if (key.startsWith('dbtls.dev/')) return true;
  return false;
}

/** The operator that serves a kind at run time. */
function operatorOf(kind: DatabaseKind): string {
  return kind.group === 'kubevault.com' ? 'KubeVault' : 'KubeDB';
}

/** The error for dbtls's own output found in the input of validate mode. */
function ownOutputBesideKubeDB(o: KubeObject): string {
  const from = annotationsOf(o)[GENERATED_FROM];
  const operator = from.startsWith('VaultServer/') ? 'KubeVault' : 'KubeDB';
  return (
    `${describeObject(o)} was generated by dbtls from ${from} (standalone or operator mode); ` +
    `with the full ${operator} (validate mode) its operators create and patch their own ` +
    'objects of these names, and a GitOps tool that restores this copy starts a loop of reissued ' +
    'certificates: delete this object from the configuration'
  );
}

/** Who holds a name or writes a secret: a user's object, or one generated from `source`. */
interface Holder {
  object: KubeObject;
  source?: KubeObject;
}

/**
 * Stage three. Generated objects must not overwrite what a user wrote, nor write one secret twice.
 * In validate mode the Certificates are KubeDB's (dbtls built them only to check them): the same
 * clashes.
 */
function checkCollisions(
  inputs: readonly KubeObject[],
  rendered: readonly Rendered[],
  validate = false,
): Result[] {
  const results: Result[] = [];
  // Each name taken, and each secret written by namespace and name.
  const taken = new ObjectIndex<Holder>();
  const secrets = new Map<string, Map<string, Holder>>();
  const secretsIn = (ns: string) => secrets.get(ns) ?? secrets.set(ns, new Map()).get(ns)!;
  for (const o of inputs) {
    // Only an object of a kind dbtls generates can have a generated object's key.
    if (!GENERATED_KINDS.has(o.kind)) continue;
    taken.set(o, { object: o });
    const secretName = isCertificate(o) ? o.spec.secretName : undefined;
    if (typeof secretName === 'string') secretsIn(namespaceOf(o)).set(secretName, { object: o });
  }
  const said = new Set<string>();
  for (const r of rendered) {
    for (const g of r.objects) {
      const prior = taken.get(g);
      if (prior?.source) {
        const message = sameGeneratedName(g, r.source, prior.source);
        // Three certificates cut to one name are one problem, said once.
        if (!said.has(message))
          results.push(resultFor(r.source, 'error', message, 'metadata.name'));
        said.add(message);
        continue;
      }
      if (prior) {
        results.push(nameOfUsersObject(prior.object, g, r.source, validate));
        continue;
      }
      taken.set(g, { object: g, source: r.source });
      if (g.kind !== 'Certificate' || !isObj(g.spec)) continue;
      const inNamespace = secretsIn(namespaceOf(g));
      const secretName = String(g.spec.secretName);
      const writer = inNamespace.get(secretName);
      if (writer) results.push(secretWrittenTwice(g, r, secretName, writer));
      else inNamespace.set(secretName, { object: g, source: r.source });
    }
  }
  return results;
}

function isCertificate(o: KubeObject): o is KubeObject & { spec: Obj } {
  return groupOf(o.apiVersion) === 'cert-manager.io' && o.kind === 'Certificate' && isObj(o.spec);
}

/** Two generated objects of one name: from one database (names cut short) or from two. */
function sameGeneratedName(g: KubeObject, source: KubeObject, other: KubeObject): string {
  return other === source
    ? `two ${g.kind}s generated from ${describeObject(source)} would both be named ` +
        `"${g.metadata.name}": the names derived from metadata.name are cut to 63 characters and ` +
        `no longer differ; choose a shorter metadata.name`
    : `the ${g.kind} "${g.metadata.name}" generated from ${describeObject(source)} has the name ` +
        `of the ${g.kind} generated from ${describeObject(other)}${where(other)}; rename one of ` +
        `the two`;
}

/** A generated object has the name of the user's: reported at the user's object. */
function nameOfUsersObject(
  clash: KubeObject,
  g: KubeObject,
  source: KubeObject,
  validate: boolean,
): Result {
  const maker = validate
    ? `the ${operatorOf(findKind(source)!)} operator creates for`
    : 'dbtls generates from';
  return resultFor(
    clash,
    'error',
    `${describeObject(clash)}${where(clash)} has the name of the ${g.kind} that ${maker} ` +
      `${describeObject(source)}; rename or remove yours`,
    'metadata.name',
  );
}

/**
 * A generated Certificate writes a secret another Certificate writes: reported at the user's
 * secretName when there is one; otherwise the secret has dbtls's default name.
 */
function secretWrittenTwice(
  g: KubeObject,
  r: Rendered,
  secretName: string,
  writer: Holder,
): Result {
  const alias = aliasOf(g);
  const owner = writer.source
    ? `the ${aliasOf(writer.object)} certificate of ${describeObject(writer.source)}`
    : `${describeObject(writer.object)}${where(writer.object)}`;
  const override = alias === undefined ? undefined : r.overrides?.get(alias);
  const [path, fix] =
    override?.secretName !== undefined
      ? [`${override.path}.secretName`, 'set a different secretName']
      : [
          'spec.tls.certificates',
          `give ${owner} another secret, or set secretName for alias ${alias} in ` +
            `spec.tls.certificates`,
        ];
  return resultFor(
    r.source,
    'error',
    `secret "${secretName}" of the ${alias} certificate is also written by ${owner}; ` +
      `cert-manager issues only one Certificate per secret: ${fix}`,
    path,
  );
}

function aliasOf(certificate: KubeObject): string | undefined {
  return certificate.metadata.labels?.['dbtls.dev/certificate-alias'];
}

/** Objects by group, kind, namespace and name: no key string to build and hash for each of them. */
class ObjectIndex<V> {
  private readonly groups = new Map<string, Map<string, Map<string, Map<string, V>>>>();

  get(o: KubeObject): V | undefined {
    return this.groups
      .get(groupOf(o.apiVersion))
      ?.get(o.kind)
      ?.get(namespaceOf(o))
      ?.get(o.metadata.name);
  }

  set(o: KubeObject, value: V): void {
    const at = <K, T>(m: Map<K, T>, k: K, make: () => T): T => {
      let v = m.get(k);
      if (v === undefined) m.set(k, (v = make()));
      return v;
    };
    const kinds = at(this.groups, groupOf(o.apiVersion), () => new Map());
    const namespaces = at(kinds, o.kind, () => new Map());
    at(namespaces, namespaceOf(o), () => new Map()).set(o.metadata.name, value);
  }
}

/** Generated objects go in one file beside their source, so `kpt fn render` writes them there. */
function placeBeside(source: KubeObject, objects: KubeObject[]): KubeObject[] {
  const path = fileOf(source)?.path;
  if (!path) return objects;
  const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : '';
  const file = flat(
    dir,
    source.kind.toLowerCase(),
    '_',
    namespaceOf(source),
    '_',
    source.metadata.name,
    '.dbtls.yaml',
  );
  // The objects are our own, fresh from rendering: annotate them in place.
  objects.forEach((o, i) => {
    o.metadata.annotations = merged(o.metadata.annotations, {
      [PATH_ANNOTATION]: file,
      [INDEX_ANNOTATION]: String(i),
      [INTERNAL_PATH_ANNOTATION]: file,
      [INTERNAL_INDEX_ANNOTATION]: String(i),
    });
  });
  return objects;
}

const GENERATED_KINDS = new Set(GENERATED_TYPES.map((t) => t.slice(t.indexOf(' ') + 1)));

/** What an earlier run generated: dropped and rendered afresh. Anything else is the user's. */
function isOwnOutput(o: KubeObject): boolean {
  return GENERATED_TYPES.includes(`${o.apiVersion} ${o.kind}`);
}

/**
 * A resource that is almost one dbtls checks (a kind spelt in another case, or a KubeDB kind under
 * a misspelt group) would pass unchecked: say so.
 */
function nearMiss(o: KubeObject): Result | undefined {
  if (findKind(o)) return undefined;
  const lower = o.kind.toLowerCase();
  const same = KINDS.find((k) => k.kind.toLowerCase() === lower);
  if (!same) return undefined;
  const group = groupOf(o.apiVersion);
  if (same.group === group) {
    return resultFor(
      o,
      'warning',
      `kind "${o.kind}" is not a kind of ${group} (kinds are case-sensitive); did you mean ` +
        `${same.kind}? dbtls passes this resource through unchecked`,
      'kind',
    );
  }
  if (/kubedb|kubevault/i.test(group)) {
    return resultFor(
      o,
      'warning',
      `${o.kind} belongs to the group ${same.group}, not ${group}; dbtls checks ` +
        `${same.group}/${same.kind} and passes this resource through unchecked`,
      'apiVersion',
    );
  }
  return undefined;
}

function where(o: KubeObject): string {
  const f = fileOf(o);
  return f ? ` (in ${f.path})` : '';
}

function sameObject(a: KubeObject, b: KubeObject): boolean {
  return (
    a.apiVersion === b.apiVersion &&
    a.kind === b.kind &&
    a.metadata.name === b.metadata.name &&
    namespaceOf(a) === namespaceOf(b)
  );
}

function withResults(list: ResourceList, items: Obj[], results: Result[]): ResourceList {
  return { ...list, items, results: [...(list.results ?? []), ...results] };
}

export { isKubeObject };
