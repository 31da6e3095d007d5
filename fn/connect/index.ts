// Applications that connect: a workload annotated `dbtls.dev/connect-to: Postgres/pg` gets, in
// its own namespace, a client Certificate from the database's issuer, the certificate and CA
// mounted in its containers, and its client library's settings (each kind's ClientProfile).
// The workload keeps everything it had: dbtls only appends, never sets over the user's values,
// and records what it appended (./workload.ts) so that a later run can take it away again.
import { KINDS } from '../kinds/index.js';
import type { ClientConnection, ClientProfile, DatabaseKind, KindContext } from '../kinds/kind.js';
import { annotationsOf, describeObject, isObj, type KubeObject, namespaceOf, type Obj } from '../io/objects.js';
import { Reporter, type Result } from '../io/results.js';
import { USAGES } from '../render/certificate.js';
import { GENERATED_FROM } from '../render/metadata.js';
import type { IssuerIndex } from '../validate/issuers.js';
import { ISSUER_GROUP, type IssuerRef } from '../validate/tls-config.js';
import { nameWithSuffix } from '../util/names.js';
import {
  ADDED, type Addition, appendTo, CONNECT_AS, CONNECT_ISSUER, CONNECT_TO, CONTAINERS, type ContainerList,
  containerOf, copyWorkload, formatAdditions, parseAdditions, podSpecPath, removeAdditions,
} from './workload.js';

export { ADDED, CONNECT_AS, CONNECT_ISSUER, CONNECT_TO, CONTAINERS } from './workload.js';

/** A database as the engine validated it: what a connection needs from it. */
export interface ConnectTarget { kind: DatabaseKind; ctx: KindContext; plan: unknown; valid: boolean }

/** Where connections' files are mounted: `/etc/dbtls/<connection>/tls` and `…/config`. */
const MOUNT_ROOT = '/etc/dbtls';
/** Client files: readable by owner root and the pod's fsGroup only (libpq refuses others). */
const KEY_MODE = 0o440;
const PUBLIC_MODE = 0o444;

export interface ConnectOutcome {
  results: Result[];
  /** Workloads dbtls changed (added to, or took its additions away from): new object by input. */
  changed: Map<KubeObject, KubeObject>;
  /** Client Certificates (and option-file ConfigMaps), by the workload they are for. */
  generated: { source: KubeObject; objects: KubeObject[] }[];
}

/** Secrets already written: by input Certificates, the databases' own, and connected workloads. */
export type SecretWriters = Map<string, { description: string; workload?: KubeObject }>;

export function connectApplications(
  objects: readonly KubeObject[], targets: ReadonlyMap<string, ConnectTarget>, issuers: IssuerIndex, writers: SecretWriters,
): ConnectOutcome {
  const out: ConnectOutcome = { results: [], changed: new Map(), generated: [] };
  for (const o of objects) {
    if (!podSpecPath(o)) continue;
    const annotations = annotationsOf(o);
    if (annotations[CONNECT_TO] === undefined && annotations[ADDED] === undefined) continue;
    const report = new Reporter(o);
    const made = connectWorkload(o, targets, issuers, writers, report);
    out.results.push(...report.results);
    if (!made || report.failed) {
      // A workload whose secret another one also claims is left as it is too: one error, both unchanged.
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

interface Connection { target: ConnectTarget; profile: ClientProfile; id: string; entry: string }

function connectWorkload(
  o: KubeObject, targets: ReadonlyMap<string, ConnectTarget>, issuers: IssuerIndex, writers: SecretWriters, report: Reporter,
): { workload: KubeObject; objects: KubeObject[]; collidesWith?: KubeObject[] } | undefined {
  const copied = copyWorkload(o);
  if (!copied) {
    report.error(podSpecPath(o)!.join('.'), `must be a pod spec with containers for dbtls to connect ${describeObject(o)}`);
    return undefined;
  }
  const { copy, pod } = copied;
  const annotations = { ...annotationsOf(copy) };
  // First, the workload as it was before dbtls touched it.
  if (annotations[ADDED] !== undefined) {
    const previous = parseAdditions(String(annotations[ADDED]));
    if (!previous) {
      report.error(`metadata.annotations.${ADDED}`, `is dbtls's record of what it added and cannot be read; remove the annotation together with what dbtls added`);
      return undefined;
    }
    removeAdditions(pod, previous);
    delete annotations[ADDED];
  }
  const workloadNamespace = namespaceOf(o);
  const connections = annotations[CONNECT_TO] === undefined ? [] : readConnections(String(annotations[CONNECT_TO]), workloadNamespace, targets, report);
  const user = annotations[CONNECT_AS];
  if (user !== undefined && (typeof user !== 'string' || user.trim() === '')) {
    report.error(`metadata.annotations.${CONNECT_AS}`, 'must name the database user (the client certificate\'s common name)');
  }
  const chosen = chooseContainers(pod, annotations[CONTAINERS], report);
  const issuerOverride = readIssuer(annotations[CONNECT_ISSUER], workloadNamespace, issuers, report);
  if (report.failed || !connections || !chosen) return undefined;

  const added: Addition[] = [];
  const objects: KubeObject[] = [];
  const collidesWith: KubeObject[] = [];
  /** Which connection set each variable of each container in this run. */
  const setBy = new Map<Obj, Map<string, string>>();
  for (const c of connections) {
    const { ctx, plan, kind } = c.target;
    const dbUser = typeof user === 'string' ? user.trim() : c.profile.defaultUser ?? o.metadata.name;
    const issuerRef = issuerFor(c, o, issuerOverride, report);
    const refused = c.profile.refusedUser?.(ctx, plan, dbUser);
    if (refused) {
      report.error(`metadata.annotations.${user === undefined ? CONNECT_TO : CONNECT_AS}`, `${describeObject(ctx.db)} has ${refused.path} cert: ${refused.reason}; set ${CONNECT_AS} to a shorter user`);
    }
    if (!issuerRef || refused) continue;
    const secretName = nameWithSuffix(o.metadata.name, `${c.id}-client`);
    const writer = writers.get(`${workloadNamespace}/${secretName}`);
    if (writer) {
      const fix = writer.workload ? 'rename one of the two workloads' : `rename the workload, or give ${writer.description} another secret`;
      report.error(`metadata.annotations.${CONNECT_TO}`, `the client certificate of ${describeObject(o)} for ${describeObject(ctx.db)} is written to secret "${secretName}", which ${writer.description} also writes; cert-manager issues only one Certificate per secret: ${fix}`);
      if (writer.workload) collidesWith.push(writer.workload);
      continue;
    }
    writers.set(`${workloadNamespace}/${secretName}`, { description: `the client certificate of ${describeObject(o)}`, workload: o });
    const dir = `${MOUNT_ROOT}/${c.id}`;
    const endpoint = c.profile.endpoint(ctx, plan);
    const connection: ClientConnection = {
      host: ctx.namespace === workloadNamespace ? endpoint.service : `${endpoint.service}.${ctx.namespace}.svc`,
      port: endpoint.port, user: dbUser,
      ca: `${dir}/tls/ca.crt`, cert: `${dir}/tls/tls.crt`, key: `${dir}/tls/tls.key`, configDir: `${dir}/config`,
    };
    const settings = c.profile.settings(connection, ctx, plan);
    warnNoCA(issuers, issuerRef, workloadNamespace, connection.ca, report);
    objects.push(clientCertificate(o, secretName, dbUser, issuerRef, ctx.db));
    const tlsVolume = volumeName(c.id, 'tls');
    addVolume(pod, { name: tlsVolume, secret: { secretName, items: [
      { key: 'ca.crt', path: 'ca.crt', mode: PUBLIC_MODE },
      { key: 'tls.crt', path: 'tls.crt', mode: PUBLIC_MODE },
      { key: 'tls.key', path: 'tls.key', mode: KEY_MODE },
    ] } }, added, report);
    const mounts = [{ name: tlsVolume, mountPath: `${dir}/tls`, readOnly: true }];
    if (settings.files && Object.keys(settings.files).length) {
      const configVolume = volumeName(c.id, 'config');
      objects.push(optionFiles(o, secretName, settings.files, ctx.db));
      addVolume(pod, { name: configVolume, configMap: { name: secretName, defaultMode: PUBLIC_MODE } }, added, report);
      mounts.push({ name: configVolume, mountPath: connection.configDir, readOnly: true });
    }
    for (const { list, container } of chosen) {
      for (const m of mounts) {
        appendTo(container, 'volumeMounts', m, () => added.push({ what: 'volumeMountList', list, container: String(container.name) }));
        added.push({ what: 'volumeMount', list, container: String(container.name), name: m.name });
      }
      const mine = setBy.get(container) ?? setBy.set(container, new Map()).get(container)!;
      for (const variable of settings.env) {
        const first = mine.get(variable.name);
        if (first !== undefined) {
          report.warn(`metadata.annotations.${CONNECT_TO}`, `container "${String(container.name)}" connects to ${first} and ${describeObject(ctx.db)}: ${variable.name} is set for ${first}; the files for ${describeObject(ctx.db)} are in ${dir}`);
          continue;
        }
        if (setEnv(container, list, variable, added, report, describeObject(ctx.db))) mine.set(variable.name, describeObject(ctx.db));
      }
    }
  }
  if (report.failed) return { workload: o, objects: [], collidesWith };
  if (connections.length) warnUnreadableKey(o, pod, chosen.map((c) => c.container), report);
  const md = copy.metadata;
  if (added.length) annotations[ADDED] = formatAdditions(added);
  if (Object.keys(annotations).length) md.annotations = annotations as Record<string, string>;
  else delete md.annotations;
  return { workload: copy, objects };
}

/** The connections `dbtls.dev/connect-to` names, each to a database dbtls can connect to. */
function readConnections(text: string, namespace: string, targets: ReadonlyMap<string, ConnectTarget>, report: Reporter): Connection[] | undefined {
  const path = `metadata.annotations.${CONNECT_TO}`;
  const out: Connection[] = [];
  const seen = new Set<string>();
  for (const entry of text.split(',').map((s) => s.trim())) {
    const parts = entry.split('/');
    if (entry === '' || parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) {
      report.error(path, `"${entry}" is not <Kind>/<name> or <Kind>/<namespace>/<name> (several are separated by commas)`);
      continue;
    }
    const [kindName, dbNamespace, name] = parts.length === 2 ? [parts[0], namespace, parts[1]] : parts;
    const connectable = KINDS.find((k) => k.kind === kindName && k.client);
    if (!connectable) {
      report.error(path, `"${entry}": dbtls connects applications to ${connectableKinds()}; ${kindName} is not one of them`);
      continue;
    }
    const key = `${connectable.kind}/${dbNamespace}/${name}`;
    if (seen.has(key)) {
      report.error(path, `"${entry}" is named twice`);
      continue;
    }
    seen.add(key);
    const target = targets.get(key);
    if (!target) {
      report.error(path, `${key} is not in the input: dbtls reads the database's TLS settings, services and issuer to connect an application; add the ${connectable.kind} to the input`);
      continue;
    }
    if (!target.valid) continue; // its own errors are reported on it
    const { ctx, plan } = target;
    if (!ctx.tls?.issuerRef) {
      report.error(path, `${describeObject(ctx.db)} has no TLS (no spec.tls.issuerRef): there is no server certificate to verify; set spec.tls on the ${connectable.kind} first`);
      continue;
    }
    const weak = connectable.client!.weakVerification?.(ctx, plan);
    if (weak) {
      report.error(path, `${describeObject(ctx.db)} has ${weak.setting} (${weak.path}), which lets clients skip verifying the server's certificate; ${weak.fix}`);
      continue;
    }
    const id = dbNamespace === namespace ? name : `${dbNamespace}-${name}`;
    out.push({ target, profile: connectable.client!, id, entry });
  }
  return out;
}

function connectableKinds(): string {
  return KINDS.filter((k) => k.client).map((k) => k.kind).join(', ');
}

/** The containers `dbtls.dev/containers` names (default: every container). */
function chooseContainers(pod: Obj, value: unknown, report: Reporter): { list: ContainerList; container: Obj }[] | undefined {
  const containers = Array.isArray(pod.containers) ? pod.containers.filter(isObj) : [];
  if (value === undefined) return containers.map((container) => ({ list: 'containers' as const, container }));
  const out: { list: ContainerList; container: Obj }[] = [];
  for (const name of String(value).split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const list: ContainerList | undefined = containerOf(pod, 'containers', name) ? 'containers' : containerOf(pod, 'initContainers', name) ? 'initContainers' : undefined;
    if (!list) {
      const names = [...containers, ...(Array.isArray(pod.initContainers) ? pod.initContainers.filter(isObj) : [])].map((c) => String(c.name));
      report.error(`metadata.annotations.${CONTAINERS}`, `names container "${name}", which the pod template does not have; its containers are ${names.map((n) => `"${n}"`).join(', ')}`);
      continue;
    }
    out.push({ list, container: containerOf(pod, list, name)! });
  }
  if (out.length === 0 && !report.failed) report.error(`metadata.annotations.${CONTAINERS}`, 'names no container');
  return out;
}

function readIssuer(value: unknown, namespace: string, issuers: IssuerIndex, report: Reporter): IssuerRef | undefined {
  if (value === undefined) return undefined;
  const path = `metadata.annotations.${CONNECT_ISSUER}`;
  const m = /^(Issuer|ClusterIssuer)\/([^/]+)$/.exec(String(value).trim());
  if (!m) {
    report.error(path, `"${String(value)}" is not Issuer/<name> or ClusterIssuer/<name>`);
    return undefined;
  }
  const ref = { apiGroup: ISSUER_GROUP, kind: m[1] as IssuerRef['kind'], name: m[2] } as IssuerRef;
  issuers.check(ref, namespace, path, report);
  return ref;
}

/** The issuer of the client certificate: the database's, unless it cannot sign in this namespace. */
function issuerFor(c: Connection, o: KubeObject, override: IssuerRef | undefined, report: Reporter): IssuerRef | undefined {
  if (override) return override;
  const { ctx } = c.target;
  const ref = ctx.tls!.issuerRef!;
  if (ref.kind === 'Issuer' && ctx.namespace !== namespaceOf(o)) {
    report.error(`metadata.annotations.${CONNECT_TO}`, `${describeObject(ctx.db)} is issued by Issuer "${ref.name}" of namespace "${ctx.namespace}", which cannot sign the client certificate in namespace "${namespaceOf(o)}": use a ClusterIssuer for the ${c.target.kind.kind}, or an Issuer of the same CA in namespace "${namespaceOf(o)}" named by ${CONNECT_ISSUER}: Issuer/<name>`);
    return undefined;
  }
  return ref;
}

/** An issuer that puts no ca.crt in the secret (ACME): the CA has to reach the application otherwise. */
function warnNoCA(issuers: IssuerIndex, ref: IssuerRef, namespace: string, caPath: string, report: Reporter): void {
  const found = issuers.find(ref, namespace);
  if (!found || !isObj(found.spec) || found.spec.acme === undefined) return;
  report.warn(`metadata.annotations.${CONNECT_TO}`, `${ref.kind} "${ref.name}" is an ACME issuer, which puts no ca.crt in the secret: the file ${caPath} will be missing; make the CA reach the application another way (e.g. a trust-manager Bundle mounted there)`);
}

/**
 * The key is mounted 0440 and owned by root: without fsGroup only root reads it, and a key that
 * others may read is one libpq refuses. A container explicitly running as root needs none.
 */
function warnUnreadableKey(o: KubeObject, pod: Obj, containers: Obj[], report: Reporter): void {
  const sc = isObj(pod.securityContext) ? pod.securityContext : {};
  if (sc.fsGroup !== undefined) return;
  const runsAs = (c: Obj) => (isObj(c.securityContext) && c.securityContext.runAsUser !== undefined ? c.securityContext.runAsUser : sc.runAsUser);
  if (containers.every((c) => runsAs(c) === 0)) return;
  const path = `${podSpecPath(o)!.join('.')}.securityContext.fsGroup`;
  report.warn(path, 'is not set: the client key is mounted 0440 and owned by root, so only a container running as root can read it; set fsGroup to a group of the container\'s user (client libraries refuse a key that others may read)');
}

/** Volume names are DNS labels: `dbtls-<connection>-tls`, cut to 63 characters. */
function volumeName(id: string, what: string): string {
  return nameWithSuffix(`dbtls-${id}`, what);
}

function addVolume(pod: Obj, volume: Obj, added: Addition[], report: Reporter): void {
  const name = String(volume.name);
  if (Array.isArray(pod.volumes) && pod.volumes.some((v) => isObj(v) && v.name === name)) {
    report.error(`metadata.annotations.${CONNECT_TO}`, `the pod template already has a volume named "${name}", the name dbtls gives the client files; rename that volume`);
    return;
  }
  appendTo(pod, 'volumes', volume, () => added.push({ what: 'volumes' }));
  added.push({ what: 'volume', name });
}

/** Sets a variable the container does not set itself; says so when it does. */
function setEnv(container: Obj, list: ContainerList, variable: { name: string; value: string }, added: Addition[], report: Reporter, database: string): boolean {
  const env = Array.isArray(container.env) ? container.env : [];
  const own = env.find((e) => isObj(e) && e.name === variable.name);
  if (own) {
    const ownValue = isObj(own) && typeof own.value === 'string' ? ` to ${JSON.stringify(own.value)}` : '';
    report.warn(`metadata.annotations.${CONNECT_TO}`, `container "${String(container.name)}" sets ${variable.name}${ownValue} itself; dbtls leaves it as it is (for ${database} it would be ${JSON.stringify(variable.value)})`);
    return false;
  }
  appendTo(container, 'env', { name: variable.name, value: variable.value }, () => added.push({ what: 'envList', list, container: String(container.name) }));
  added.push({ what: 'env', list, container: String(container.name), name: variable.name });
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

function clientCertificate(o: KubeObject, name: string, user: string, ref: IssuerRef, db: KubeObject): KubeObject {
  return {
    apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: clientMetadata(o, name, db),
    spec: { secretName: name, issuerRef: { group: ref.apiGroup, kind: ref.kind, name: ref.name }, commonName: user, usages: USAGES.client },
  };
}

function optionFiles(o: KubeObject, name: string, files: Record<string, string>, db: KubeObject): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: clientMetadata(o, name, db), data: files };
}
