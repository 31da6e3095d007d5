// Applications that connect: a workload annotated `dbtls.dev/connect-to: Postgres/pg` gets, in
// its own namespace, a client Certificate from the database's issuer, the certificate and CA
// mounted in its containers, and its client library's settings (each kind's ClientProfile).
// The workload keeps everything it had: dbtls only appends, never sets over the user's values,
// and records what it appended (./workload.ts) so that a later run can take it away again.
import type { ClientConnection, DatabaseKind } from '../contract/kind.js';
import type { Settings } from '../contract/settings.js';
import type { IssuerRef } from '../contract/tls.js';
import { annotationsOf, describeObject, type KubeObject, namespaceOf } from '../io/objects.js';
import { Reporter, type Result } from '../io/results.js';
import { isControl } from '../text/unwritable.js';
import { nameWithSuffix } from '../util/names.js';
import type { IssuerIndex } from '../validate/issuers.js';
import {
  clientTemplate,
  clientViolations,
  reportClientPod,
} from '../validate/pod-security/client-pods.js';
import { clientCertificate } from './client-objects.js';
import {
  addVolumes,
  chooseContainers,
  setVariables,
  warnNoCA,
  warnUnreadableKey,
} from './pod-edits.js';
import {
  type Connection,
  type ConnectTarget,
  type Edit,
  type Made,
  MOUNT_ROOT,
  type Run,
  type SecretWriters,
  TO_PATH,
  TRUST_DIR,
  TRUST_FILE,
} from './run.js';
import { mayConnect } from './access.js';
import { issuerFor, readConnections, readIssuer } from './targets.js';
import {
  ADDED,
  appendTo,
  CONNECT_AS,
  CONNECT_ISSUER,
  CONNECT_TO,
  CONTAINERS,
  copyWorkload,
  formatAdditions,
  parseAdditions,
  podSpecPath,
  removeAdditions,
} from './workload.js';
import { at } from '../util/field-path.js';

export { ALLOW_CLIENTS, readGrants } from './grants.js';
export { ADDED, CONNECT_AS, CONNECT_ISSUER, CONNECT_TO, CONTAINERS } from './workload.js';
export type { ConnectTarget, SecretWriters } from './run.js';

export interface ConnectOutcome {
  results: Result[];
  /** Workloads dbtls changed (added to, or took its additions away from): new object by input. */
  changed: Map<KubeObject, KubeObject>;
  /** Client Certificates (and option-file ConfigMaps), by the workload they are for. */
  generated: { source: KubeObject; objects: KubeObject[] }[];
  /** Each database a workload connects to, with the workload (trust bundles' namespaces). */
  reached: { target: ConnectTarget; workload: KubeObject }[];
}

/**
 * The connect stage: every workload that names databases in `dbtls.dev/connect-to` (or carries
 * dbtls's record of an earlier run's additions), connected to `targets`, the databases of the
 * input, or to those `settings.externalDatabases` declares; `kinds` are the supported kinds.
 */
export function connectApplications(
  objects: readonly KubeObject[],
  targets: ReadonlyMap<string, ConnectTarget>,
  issuers: IssuerIndex,
  writers: SecretWriters,
  settings: Settings,
  kinds: readonly DatabaseKind[],
): ConnectOutcome {
  const out: ConnectOutcome = { results: [], changed: new Map(), generated: [], reached: [] };
  for (const o of objects) {
    if (!podSpecPath(o)) continue;
    const annotations = annotationsOf(o);
    if (annotations[CONNECT_TO] === undefined && annotations[ADDED] === undefined) continue;
    const report = new Reporter(o);
    const made = connectWorkload({ o, targets, issuers, writers, settings, report, kinds });
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
    for (const target of made.reached ?? []) out.reached.push({ target, workload: o });
  }
  return out;
}

function connectWorkload(run: Run): Made | undefined {
  const { o, report } = run;
  const copied = copyWorkload(o);
  if (!copied) {
    const path = at(...podSpecPath(o)!);
    report.error(path, `${path} must be a pod spec for dbtls to connect ${describeObject(o)}`);
    return undefined;
  }
  const { copy, pod } = copied;
  const annotations = { ...annotationsOf(copy) };
  // First, the workload as it was before dbtls touched it.
  if (annotations[ADDED] !== undefined) {
    const previous = parseAdditions(String(annotations[ADDED]));
    if (!previous) {
      const path = at('metadata', 'annotations', ADDED);
      report.error(
        path,
        `${path} is dbtls's record of what it added and cannot be read; remove the annotation together with what dbtls added`,
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
  const edit: Edit = {
    pod,
    chosen,
    added: [],
    objects: [],
    collidesWith: [],
    setBy: new Map(),
    reached: [],
  };
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
  return { workload: copy, objects: edit.objects, reached: edit.reached };
}

const USER_PATH = at('metadata', 'annotations', CONNECT_AS);

function readUser(value: unknown, report: Reporter): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && [...value.trim()].some(isControl)) {
    // It becomes a certificate's common name and a line of the client's option file.
    report.error(
      USER_PATH,
      `${USER_PATH} holds a line break or another control character: a database user is one ` +
        'line of printable characters',
    );
    return undefined;
  }
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  report.error(
    USER_PATH,
    `${USER_PATH} must name the database user (the client certificate's common name)`,
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
  // The user is the workload's own unless it names one: never a default of the engine's.
  const dbUser = user ?? o.metadata.name;
  if (!mayConnect(run, c, dbUser, user !== undefined, issuer)) return;
  const issuerRef = issuer ?? issuerFor(c, o, report);
  const refused = c.profile.refusedUser?.(ctx, plan, dbUser);
  if (refused) {
    const path = user === undefined ? TO_PATH : USER_PATH;
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
  const trusted = ctx.trust ? `${dir}/${TRUST_DIR}/${TRUST_FILE}` : `${dir}/tls/ca.crt`;
  const endpoint = c.profile.endpoint(ctx, plan);
  const connection: ClientConnection = {
    host:
      ctx.namespace === namespace ? endpoint.service : `${endpoint.service}.${ctx.namespace}.svc`,
    port: endpoint.port,
    user: dbUser,
    ca: trusted,
    cert: `${dir}/tls/tls.crt`,
    key: `${dir}/tls/tls.key`,
    configDir: `${dir}/config`,
  };
  const settings = c.profile.settings(connection, ctx, plan);
  // A trust bundle brings the CA whatever the issuer puts in the secret.
  if (!ctx.trust) warnNoCA(run.issuers, issuerRef, namespace, connection.ca, report);
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
  edit.reached.push(c.target);
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
