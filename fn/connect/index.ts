// Applications that connect: a workload annotated `dbtls.dev/connect-to: Postgres/pg` gets, in
// its own namespace, a client Certificate from the database's issuer, the certificate and CA
// mounted in its containers, and its client library's settings (each kind's ClientProfile).
// The workload keeps everything it had: dbtls only appends, never sets over the user's values,
// and records what it appended (./workload.ts) so that a later run can take it away again.
import { isControl } from '../text/unwritable.js';
import { KINDS } from '../kinds/index.js';
import type {
  ClientConnection,
  ClientProfile,
  ClientSettings,
  DatabaseKind,
  KindContext,
} from '../kinds/kind.js';
import {
  annotationsOf,
  describeObject,
  isObj,
  type KubeObject,
  namespaceOf,
  type Obj,
} from '../io/objects.js';
import { Reporter, type Result } from '../io/results.js';
import type { Settings } from '../policy/settings.js';
import { USAGES } from '../render/certificate.js';
import { GENERATED_FROM } from '../render/metadata.js';
import type { IssuerIndex } from '../validate/issuers.js';
import {
  clientTemplate,
  clientViolations,
  reportClientPod,
} from '../validate/pod-security/client-pods.js';
import { ISSUER_GROUP, type IssuerRef } from '../validate/tls-config.js';
import { nameWithSuffix } from '../util/names.js';
import {
  ADDED,
  type Addition,
  appendTo,
  CONNECT_AS,
  CONNECT_ISSUER,
  CONNECT_TO,
  CONTAINERS,
  type ContainerList,
  containerOf,
  copyWorkload,
  formatAdditions,
  parseAdditions,
  podSpecPath,
  removeAdditions,
} from './workload.js';

export { ADDED, CONNECT_AS, CONNECT_ISSUER, CONNECT_TO, CONTAINERS } from './workload.js';

/** A database as the engine validated it: what a connection needs from it. */
export interface ConnectTarget {
  kind: DatabaseKind;
  ctx: KindContext;
  plan: unknown;
  /** False when the database has errors of its own: connections to it are not checked again. */
  valid: boolean;
  /** Declared in externalDatabases: not in the input, so nothing of it can be read. */
  external?: boolean;
}

/** Where connections' files are mounted: `/etc/dbtls/<connection>/tls` and `…/config`. */
const MOUNT_ROOT = '/etc/dbtls';
/** Client files: the key readable by owner root and the pod's fsGroup only (libpq refuses more). */
const KEY_MODE = 0o440;
const PUBLIC_MODE = 0o444;
const TO_PATH = `metadata.annotations.${CONNECT_TO}`;

export interface ConnectOutcome {
  results: Result[];
  /** Workloads dbtls changed (added to, or took its additions away from): new object by input. */
  changed: Map<KubeObject, KubeObject>;
  /** Client Certificates (and option-file ConfigMaps), by the workload they are for. */
  generated: { source: KubeObject; objects: KubeObject[] }[];
}

/** Secrets already written: by input Certificates, the databases' own, connected workloads. */
export type SecretWriters = Map<string, { description: string; workload?: KubeObject }>;

export function connectApplications(
  objects: readonly KubeObject[],
  targets: ReadonlyMap<string, ConnectTarget>,
  issuers: IssuerIndex,
  writers: SecretWriters,
  settings: Settings,
): ConnectOutcome {
  const out: ConnectOutcome = { results: [], changed: new Map(), generated: [] };
  for (const o of objects) {
    if (!podSpecPath(o)) continue;
    const annotations = annotationsOf(o);
    if (annotations[CONNECT_TO] === undefined && annotations[ADDED] === undefined) continue;
    const report = new Reporter(o);
    const made = connectWorkload({ o, targets, issuers, writers, settings, report });
    out.results.push(...report.results);
    if (!made || report.failed) {
      // A workload whose secret another one claims is left as it is too: one error, both as written.
      for (const other of made?.collidesWith ?? []) {
        out.changed.delete(other);
        out.generated = out.generated.filter((g) => g.source !== other);
      }
      continue;
    }
    out.changed.set(o, made.workload);
    if (made.objects.length) out.generated.push({ source: o, objects: made.objects });
  }
  return out;
}

interface Connection {
  target: ConnectTarget;
  profile: ClientProfile;
  id: string;
}

interface Run {
  o: KubeObject;
  targets: ReadonlyMap<string, ConnectTarget>;
  issuers: IssuerIndex;
  writers: SecretWriters;
  settings: Settings;
  report: Reporter;
}

/** One workload's edit in progress: its copied pod spec and what was added to it. */
interface Edit {
  pod: Obj;
  chosen: { list: ContainerList; container: Obj }[];
  added: Addition[];
  objects: KubeObject[];
  collidesWith: KubeObject[];
  /** Per container, the database each variable was set for in this run. */
  setBy: Map<Obj, Map<string, string>>;
}

interface Made {
  workload: KubeObject;
  objects: KubeObject[];
  collidesWith?: KubeObject[];
}

function connectWorkload(run: Run): Made | undefined {
  const { o, report } = run;
  const copied = copyWorkload(o);
  if (!copied) {
    const path = podSpecPath(o)!.join('.');
    report.error(path, `must be a pod spec for dbtls to connect ${describeObject(o)}`);
    return undefined;
  }
  const { copy, pod } = copied;
  const annotations = { ...annotationsOf(copy) };
  // First, the workload as it was before dbtls touched it.
  if (annotations[ADDED] !== undefined) {
    const previous = parseAdditions(String(annotations[ADDED]));
    if (!previous) {
      report.error(
        `metadata.annotations.${ADDED}`,
        "is dbtls's record of what it added and cannot be read; remove the annotation together with what dbtls added",
      );
      return undefined;
    }
    removeAdditions(pod, previous);
    delete annotations[ADDED];
  }
  const namespace = namespaceOf(o);
  const to = annotations[CONNECT_TO];
  const connections = to === undefined ? [] : readConnections(String(to), namespace, run);
  const user = readUser(annotations[CONNECT_AS], report);
  const chosen = chooseContainers(pod, annotations[CONTAINERS], report);
  const issuer = readIssuer(annotations[CONNECT_ISSUER], namespace, run.issuers, report);
  if (report.failed || !chosen) return undefined;

  // The user's pod as written, for Pod Security: dbtls's additions never loosen it.
  const template = clientTemplate(copy, podSpecPath(o)!);
  const before = template && clientViolations(template);
  const edit: Edit = { pod, chosen, added: [], objects: [], collidesWith: [], setBy: new Map() };
  for (const c of connections) addConnection(run, edit, c, user, issuer);
  if (report.failed) return { workload: o, objects: [], collidesWith: edit.collidesWith };
  if (template && before && connections.length)
    reportClientPod(template, before, podSpecPath(o)!, report);
  if (connections.length)
    warnUnreadableKey(
      o,
      pod,
      chosen.map((c) => c.container),
      report,
    );
  if (edit.added.length) annotations[ADDED] = formatAdditions(edit.added);
  if (Object.keys(annotations).length === 0) delete copy.metadata.annotations;
  else copy.metadata.annotations = annotations as Record<string, string>;
  return { workload: copy, objects: edit.objects };
}

function readUser(value: unknown, report: Reporter): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && [...value.trim()].some(isControl)) {
    // It becomes a certificate's common name and a line of the client's option file.
    report.error(
      `metadata.annotations.${CONNECT_AS}`,
      'holds a line break or another control character: a database user is one line of ' +
        'printable characters',
    );
    return undefined;
  }
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  report.error(
    `metadata.annotations.${CONNECT_AS}`,
    "must name the database user (the client certificate's common name)",
  );
  return undefined;
}

/** One connection: its Certificate, its files mounted, its client settings. */
function addConnection(
  run: Run,
  edit: Edit,
  c: Connection,
  user: string | undefined,
  issuer: IssuerRef | undefined,
): void {
  const { o, report } = run;
  const { ctx, plan } = c.target;
  const db = describeObject(ctx.db);
  const dbUser = user ?? c.profile.defaultUser ?? o.metadata.name;
  const issuerRef = issuer ?? issuerFor(c, o, report);
  const refused = c.profile.refusedUser?.(ctx, plan, dbUser);
  if (refused) {
    const path = `metadata.annotations.${user === undefined ? CONNECT_TO : CONNECT_AS}`;
    report.error(
      path,
      `${db} has ${refused.path} cert: ${refused.reason}; set ${CONNECT_AS} to a shorter user`,
    );
  }
  if (!issuerRef || refused) return;
  const namespace = namespaceOf(o);
  const secretName = nameWithSuffix(o.metadata.name, `${c.id}-client`);
  if (!claimSecret(run, edit, `${namespace}/${secretName}`, secretName, db)) return;

  const dir = `${MOUNT_ROOT}/${c.id}`;
  const endpoint = c.profile.endpoint(ctx, plan);
  const connection: ClientConnection = {
    host:
      ctx.namespace === namespace ? endpoint.service : `${endpoint.service}.${ctx.namespace}.svc`,
    port: endpoint.port,
    user: dbUser,
    ca: `${dir}/tls/ca.crt`,
    cert: `${dir}/tls/tls.crt`,
    key: `${dir}/tls/tls.key`,
    configDir: `${dir}/config`,
  };
  const settings = c.profile.settings(connection, ctx, plan);
  warnNoCA(run.issuers, issuerRef, namespace, connection.ca, report);
  edit.objects.push(clientCertificate(o, secretName, dbUser, issuerRef, ctx.db));
  const mounts = addVolumes(run, edit, c, secretName, settings, dir);
  for (const { list, container } of edit.chosen) {
    const name = String(container.name);
    const created = () => edit.added.push({ what: 'volumeMountList', list, container: name });
    for (const m of mounts) {
      appendTo(container, 'volumeMounts', m, created);
      edit.added.push({ what: 'volumeMount', list, container: name, name: String(m.name) });
    }
    setVariables(run, edit, list, container, settings, db, dir);
  }
}

/** Records the secret as this workload's, or says who else writes it. */
function claimSecret(run: Run, edit: Edit, key: string, secretName: string, db: string): boolean {
  const writer = run.writers.get(key);
  const me = describeObject(run.o);
  if (writer) {
    const fix = writer.workload
      ? 'rename one of the two workloads'
      : `rename the workload, or give ${writer.description} another secret`;
    run.report.error(
      TO_PATH,
      `the client certificate of ${me} for ${db} is written to secret "${secretName}", which ` +
        `${writer.description} also writes; cert-manager issues only one Certificate per secret: ` +
        `${fix}`,
    );
    if (writer.workload) edit.collidesWith.push(writer.workload);
    return false;
  }
  run.writers.set(key, { description: `the client certificate of ${me}`, workload: run.o });
  return true;
}

/** The secret volume (and the option files' ConfigMap volume); returns their mounts. */
function addVolumes(
  run: Run,
  edit: Edit,
  c: Connection,
  secretName: string,
  settings: ClientSettings,
  dir: string,
): Obj[] {
  const tls = volumeName(c.id, 'tls');
  const items = [
    { key: 'ca.crt', path: 'ca.crt', mode: PUBLIC_MODE },
    { key: 'tls.crt', path: 'tls.crt', mode: PUBLIC_MODE },
    { key: 'tls.key', path: 'tls.key', mode: KEY_MODE },
  ];
  addVolume(edit, { name: tls, secret: { secretName, items } }, run.report);
  const mounts: Obj[] = [{ name: tls, mountPath: `${dir}/tls`, readOnly: true }];
  if (settings.files && Object.keys(settings.files).length) {
    const config = volumeName(c.id, 'config');
    edit.objects.push(optionFiles(run.o, secretName, settings.files, c.target.ctx.db));
    const configMap = { name: secretName, defaultMode: PUBLIC_MODE };
    addVolume(edit, { name: config, configMap }, run.report);
    mounts.push({ name: config, mountPath: `${dir}/config`, readOnly: true });
  }
  return mounts;
}

/** The client's variables; one set for another database of this run is kept, with a warning. */
function setVariables(
  run: Run,
  edit: Edit,
  list: ContainerList,
  container: Obj,
  settings: ClientSettings,
  db: string,
  dir: string,
): void {
  const mine = edit.setBy.get(container) ?? edit.setBy.set(container, new Map()).get(container)!;
  for (const variable of settings.env) {
    const first = mine.get(variable.name);
    if (first !== undefined) {
      run.report.warn(
        TO_PATH,
        `container "${String(container.name)}" connects to ${first} and ${db}: ${variable.name} ` +
          `is set for ${first}; the files for ${db} are in ${dir}`,
      );
      continue;
    }
    if (setEnv(container, list, variable, edit.added, run.report, db)) mine.set(variable.name, db);
  }
}

/** The connections `dbtls.dev/connect-to` names, each to a database dbtls can connect to. */
function readConnections(text: string, namespace: string, run: Run): Connection[] {
  const { report } = run;
  const out: Connection[] = [];
  const seen = new Set<string>();
  for (const entry of text.split(',').map((s) => s.trim())) {
    const parts = entry.split('/');
    if (entry === '' || parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) {
      report.error(
        TO_PATH,
        `"${entry}" is not <Kind>/<name> or <Kind>/<namespace>/<name> (several are separated by ` +
          `commas)`,
      );
      continue;
    }
    const [kindName, dbNamespace, name] =
      parts.length === 2 ? [parts[0], namespace, parts[1]] : parts;
    const kind = KINDS.find((k) => k.kind === kindName && k.client);
    if (!kind) {
      report.error(
        TO_PATH,
        `"${entry}": dbtls connects applications to ${connectableKinds()}; ${kindName} is not ` +
          `one of them`,
      );
      continue;
    }
    const key = `${kind.kind}/${dbNamespace}/${name}`;
    if (seen.has(key)) {
      report.error(TO_PATH, `"${entry}" is named twice`);
      continue;
    }
    seen.add(key);
    const found =
      run.targets.get(key) ??
      externalTarget(kind, dbNamespace, name, namespace, run.settings, report);
    const target = found?.external ? found : connectable(key, kind, found, report);
    const id = dbNamespace === namespace ? name : `${dbNamespace}-${name}`;
    if (target) out.push({ target, profile: kind.client!, id });
  }
  return out;
}

/** The database, when an application can connect to it verifying its certificate. */
function connectable(
  key: string,
  kind: DatabaseKind,
  target: ConnectTarget | undefined,
  report: Reporter,
): ConnectTarget | undefined {
  if (!target) {
    report.error(
      TO_PATH,
      `${key} is not in the input: dbtls reads the database's TLS settings, services and issuer ` +
        `to connect an application; add the ${kind.kind} to the input, or, if it exists only in ` +
        `the cluster, list ${key} in externalDatabases and name its issuer in ${CONNECT_ISSUER}`,
    );
    return undefined;
  }
  if (!target.valid) return undefined; // its own errors are reported on it
  const { ctx, plan } = target;
  if (!ctx.tls?.issuerRef) {
    report.error(
      TO_PATH,
      `${describeObject(ctx.db)} has no TLS (no spec.tls.issuerRef): there is no server ` +
        `certificate to verify; set spec.tls on the ${kind.kind} first`,
    );
    return undefined;
  }
  const weak = kind.client!.weakVerification?.(ctx, plan);
  if (weak) {
    report.error(
      TO_PATH,
      `${describeObject(ctx.db)} has ${weak.setting} (${weak.path}), which lets clients skip ` +
        `verifying the server's certificate; ${weak.fix}`,
    );
    return undefined;
  }
  return target;
}

/**
 * A database declared in externalDatabases (`Kind/name` is in the workload's namespace). dbtls
 * cannot read it, so it assumes what KubeDB and standalone mode both create: the Service `<db>` on
 * the kind's default port. The plan is empty: every client profile then verifies the server's
 * certificate and name (Postgres verify-full), the strictest its clients know.
 */
function externalTarget(
  kind: DatabaseKind,
  dbNamespace: string,
  name: string,
  namespace: string,
  settings: Settings,
  report: Reporter,
): ConnectTarget | undefined {
  const declared = settings.externalDatabases.some(
    (e) => e.kind === kind.kind && e.name === name && (e.namespace ?? namespace) === dbNamespace,
  );
  if (!declared) return undefined;
  const db = {
    apiVersion: `${kind.group}/${kind.versions[0]}`,
    kind: kind.kind,
    metadata: { name, namespace: dbNamespace },
  } as KubeObject;
  const ctx = { db, namespace: dbNamespace, settings, report, tls: undefined };
  return { kind, ctx, plan: {}, valid: true, external: true };
}

function connectableKinds(): string {
  return KINDS.filter((k) => k.client)
    .map((k) => k.kind)
    .join(', ');
}

/** The containers `dbtls.dev/containers` names (default: every container). */
function chooseContainers(pod: Obj, value: unknown, report: Reporter): Edit['chosen'] | undefined {
  const listed = (list: ContainerList) => {
    const entries = pod[list];
    return Array.isArray(entries) ? entries.filter(isObj) : [];
  };
  if (value === undefined) {
    return listed('containers').map((container) => ({ list: 'containers' as const, container }));
  }
  const path = `metadata.annotations.${CONTAINERS}`;
  const out: Edit['chosen'] = [];
  for (const name of String(value)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const list = (['containers', 'initContainers'] as const).find((l) => containerOf(pod, l, name));
    if (!list) {
      const names = [...listed('containers'), ...listed('initContainers')].map(
        (c) => `"${String(c.name)}"`,
      );
      report.error(
        path,
        `names container "${name}", which the pod template does not have; its containers are ` +
          `${names.join(', ')}`,
      );
      continue;
    }
    out.push({ list, container: containerOf(pod, list, name)! });
  }
  if (out.length === 0 && !report.failed) report.error(path, 'names no container');
  return report.failed ? undefined : out;
}

function readIssuer(
  value: unknown,
  namespace: string,
  issuers: IssuerIndex,
  report: Reporter,
): IssuerRef | undefined {
  if (value === undefined) return undefined;
  const path = `metadata.annotations.${CONNECT_ISSUER}`;
  const m = /^(Issuer|ClusterIssuer)\/([^/]+)$/.exec(String(value).trim());
  if (!m) {
    report.error(path, `"${String(value)}" is not Issuer/<name> or ClusterIssuer/<name>`);
    return undefined;
  }
  const ref: IssuerRef = { apiGroup: ISSUER_GROUP, kind: m[1] as IssuerRef['kind'], name: m[2] };
  issuers.check(ref, namespace, path, report, true);
  return ref;
}

/** The database's issuer, unless it is an Issuer that cannot sign in the workload's namespace. */
function issuerFor(c: Connection, o: KubeObject, report: Reporter): IssuerRef | undefined {
  const { ctx } = c.target;
  const namespace = namespaceOf(o);
  if (c.target.external) {
    report.error(
      TO_PATH,
      `${describeObject(ctx.db)} is declared in externalDatabases, so dbtls cannot read which ` +
        `issuer signs its certificates: add the annotation ${CONNECT_ISSUER}: Issuer/<name> or ` +
        `ClusterIssuer/<name>, naming an issuer of the database's CA that signs in namespace ` +
        `"${namespace}"`,
    );
    return undefined;
  }
  const ref = ctx.tls!.issuerRef!;
  if (ref.kind !== 'Issuer' || ctx.namespace === namespace) return ref;
  report.error(
    TO_PATH,
    `${describeObject(ctx.db)} is issued by Issuer "${ref.name}" of namespace ` +
      `"${ctx.namespace}", which cannot sign the client certificate in namespace "${namespace}": ` +
      `use a ClusterIssuer for the ${c.target.kind.kind}, or an Issuer of the same CA in ` +
      `namespace "${namespace}" named by ${CONNECT_ISSUER}: Issuer/<name>`,
  );
  return undefined;
}

/** An issuer that puts no ca.crt in the secret (ACME): the CA must reach the app otherwise. */
function warnNoCA(
  issuers: IssuerIndex,
  ref: IssuerRef,
  namespace: string,
  caPath: string,
  report: Reporter,
): void {
  const found = issuers.find(ref, namespace);
  if (!found || !isObj(found.spec) || found.spec.acme === undefined) return;
  report.warn(
    TO_PATH,
    `${ref.kind} "${ref.name}" is an ACME issuer, which puts no ca.crt in the secret: the file ` +
      `${caPath} will be missing; make the CA reach the application another way (e.g. a ` +
      `trust-manager Bundle mounted there)`,
  );
}

/**
 * The key is mounted 0440 and owned by root: without fsGroup only root reads it, and a key that
 * others may read is one libpq refuses. A container explicitly running as root needs none.
 */
function warnUnreadableKey(o: KubeObject, pod: Obj, containers: Obj[], report: Reporter): void {
  const sc = isObj(pod.securityContext) ? pod.securityContext : {};
  if (sc.fsGroup !== undefined) return;
  const runsAs = (c: Obj) =>
    isObj(c.securityContext) && c.securityContext.runAsUser !== undefined
      ? c.securityContext.runAsUser
      : sc.runAsUser;
  if (containers.every((c) => runsAs(c) === 0)) return;
  const path = `${podSpecPath(o)!.join('.')}.securityContext.fsGroup`;
  report.warn(
    path,
    "is not set: the client key is mounted 0440 and owned by root, so only a container running as root can read it; set fsGroup to a group of the container's user (client libraries refuse a key that others may read)",
  );
}

/** Volume names are DNS labels: `dbtls-<connection>-tls`, cut to 63 characters. */
function volumeName(id: string, what: string): string {
  return nameWithSuffix(`dbtls-${id}`, what);
}

function addVolume(edit: Edit, volume: Obj, report: Reporter): void {
  const name = String(volume.name);
  const volumes = edit.pod.volumes;
  if (Array.isArray(volumes) && volumes.some((v) => isObj(v) && v.name === name)) {
    report.error(
      TO_PATH,
      `the pod template already has a volume named "${name}", the name dbtls gives the client ` +
        `files; rename that volume`,
    );
    return;
  }
  appendTo(edit.pod, 'volumes', volume, () => edit.added.push({ what: 'volumes' }));
  edit.added.push({ what: 'volume', name });
}

/** Sets a variable the container does not set itself; says so when it does. */
function setEnv(
  container: Obj,
  list: ContainerList,
  variable: { name: string; value: string },
  added: Addition[],
  report: Reporter,
  database: string,
): boolean {
  const name = String(container.name);
  const env = Array.isArray(container.env) ? container.env : [];
  const own = env.find((e) => isObj(e) && e.name === variable.name);
  if (own) {
    const ownValue =
      isObj(own) && typeof own.value === 'string' ? ` to ${JSON.stringify(own.value)}` : '';
    report.warn(
      TO_PATH,
      `container "${name}" sets ${variable.name}${ownValue} itself; dbtls leaves it as it is ` +
        `(for ${database} it would be ${JSON.stringify(variable.value)})`,
    );
    return false;
  }
  const value = { name: variable.name, value: variable.value };
  appendTo(container, 'env', value, () => added.push({ what: 'envList', list, container: name }));
  added.push({ what: 'env', list, container: name, name: variable.name });
  return true;
}

function clientMetadata(o: KubeObject, name: string, db: KubeObject): KubeObject['metadata'] {
  return {
    name,
    namespace: namespaceOf(o),
    labels: { 'app.kubernetes.io/managed-by': 'dbtls', 'dbtls.dev/client-of': db.metadata.name },
    annotations: { [GENERATED_FROM]: `${o.kind}/${namespaceOf(o)}/${o.metadata.name}` },
  };
}

function clientCertificate(
  o: KubeObject,
  name: string,
  user: string,
  ref: IssuerRef,
  db: KubeObject,
): KubeObject {
  const issuerRef = { group: ref.apiGroup, kind: ref.kind, name: ref.name };
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: clientMetadata(o, name, db),
    spec: { secretName: name, issuerRef, commonName: user, usages: USAGES.client },
  };
}

function optionFiles(
  o: KubeObject,
  name: string,
  files: Record<string, string>,
  db: KubeObject,
): KubeObject {
  const metadata = clientMetadata(o, name, db);
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: files };
}
