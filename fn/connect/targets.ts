// Which databases a workload connects to (`dbtls.dev/connect-to`), each checked to be one an
// application can reach verifying its certificate, and the issuer of each client certificate.
/** The connections `dbtls.dev/connect-to` names, each to a database dbtls can connect to. */
import type { DatabaseKind } from '../contract/kind.js';
import type { Settings } from '../contract/settings.js';
import type { IssuerRef } from '../contract/tls.js';
import { describeObject, type KubeObject, namespaceOf } from '../io/objects.js';
import type { Reporter } from '../io/results.js';
import type { IssuerIndex } from '../validate/issuers.js';
import { ISSUER_GROUP } from '../validate/tls-config.js';
import { type Connection, type ConnectTarget, type Run, TO_PATH } from './run.js';
import { at } from '../util/field-path.js';
import { CONNECT_ISSUER } from './workload.js';

export function readConnections(text: string, namespace: string, run: Run): Connection[] {
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
    const kind = run.kinds.find((k) => k.kind === kindName && k.client);
    if (!kind) {
      report.error(
        TO_PATH,
        `"${entry}": dbtls connects applications to ${connectableKinds(run.kinds)}; ${kindName} is not ` +
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

function connectableKinds(kinds: readonly DatabaseKind[]): string {
  return kinds
    .filter((k) => k.client)
    .map((k) => k.kind)
    .join(', ');
}

export function readIssuer(
  value: unknown,
  namespace: string,
  issuers: IssuerIndex,
  report: Reporter,
): IssuerRef | undefined {
  if (value === undefined) return undefined;
  const path = at('metadata', 'annotations', CONNECT_ISSUER);
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
export function issuerFor(c: Connection, o: KubeObject, report: Reporter): IssuerRef | undefined {
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
