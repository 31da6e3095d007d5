// The MSSQLServer plan: the constants of the server's layout, and what the kind reads from spec
// (topology, replicas, the mssql container's environment, TLS protocols) with KubeDB's rules.
import type { KubeObject, Obj } from '../../io/objects.js';
import { isObj } from '../../io/objects.js';
import { yaml11Booleans } from '../../io/ambiguous.js';
import { describeType } from '../../io/resource-list.js';
import type { Reporter } from '../../io/results.js';
import { checkTLSProtocols, tlsProtocolsFor } from '../../policy/rules.js';
import { operatorOnlyFields, readEnum, readInt, warnOperatorOnly } from '../../validate/fields.js';
import { nameWithSuffix } from '../../util/names.js';
import type { KindContext } from '../kind.js';
import type { InlineFile } from '../../render/user-config.js';
import { at, type FieldPath } from '../../util/field-path.js';

export const PORT = 1433;
export const MIRRORING_PORT = 5022;
export const MSSQL_UID = 10001; // the mssql user of Microsoft's image (KubeDB's catalog runAsUser)
export const DATA_DIR = '/var/opt/mssql';
export const TLS_DIR = '/var/opt/mssql/tls';
export const ENDPOINT_DIR = '/var/opt/mssql/endpoint-cert';
export const CONF_PATH = '/var/opt/mssql/mssql.conf';
export const KEY_MODE = 0o440; // root-owned, group mssql (fsGroup): readable by SQL Server only
// The operating system's trust store in Microsoft's Ubuntu image, where KubeDB's csi-driver-cacerts
// puts the CA with clientTLS: ca-certificates.crt (OpenSSL's and Go's bundle) and hashed links.
export const OS_TRUST_DIR = '/etc/ssl/certs';
export const OS_TRUST_BUNDLE = `${OS_TRUST_DIR}/ca-certificates.crt`;
export const TRUST_BUILD_DIR = '/var/run/dbtls/trusted-certs'; // the init step's view of the same emptyDir
/** What KubeDB's operator writes into mssql.conf (kubedb/docs mssqlserver/reconfigure-tls). */
export const KUBEDB_TLS_PROTOCOLS = ['1.2', '1.1', '1.0'];
/** dbtls's stricter default: TLS 1.0 and 1.1 are deprecated (RFC 8996); Microsoft advises 1.2. */
export const DEFAULT_TLS_PROTOCOLS = ['1.2'];
/** The role label KubeDB's coordinator sets on availability-group pods. */
export const ROLE_LABEL = 'kubedb.com/role';
export const MODES = ['AvailabilityGroup', 'DistributedAG'] as const;
export type Mode = (typeof MODES)[number];
/** Environment variables KubeDB's webhook forbids in the mssql container (the operator sets them). */
export const FORBIDDEN_ENV = [
  'MSSQL_SA_USERNAME',
  'MSSQL_SA_PASSWORD',
  'MSSQL_ENABLE_HADR',
  'MSSQL_AGENT_ENABLED',
  'VERSION',
];

export const OPERATOR_ONLY = operatorOnlyFields(
  'init',
  // The catalog's ghcr.io/kubedb/mssql-exporter (sql_exporter, port 9399) ships a placeholder
  // DSN; how the operator connects it to the server (user, TLS, certificate) is not public.
  ['monitor', 'the mssql-exporter sidecar, whose connection to the server the operator configures'],
  'archiver',
  'arbiter',
  'autoOps',
  'deletionPolicy',
  'halted',
  'healthChecker',
);

export interface MSSQLPlan {
  clientTLS: boolean;
  /** TLS versions for mssql.conf tlsprotocols, highest first. */
  tlsProtocols: readonly string[];
  mode?: Mode;
  replicas: number;
  image?: string;
  authSecret: string;
  env: Obj[];
  /** spec.configuration.inline["mssql.conf"], merged into the rendered mssql.conf. */
  userConf?: InlineFile;
}

export function isAvailabilityGroup(db: KubeObject): boolean {
  const spec = isObj(db.spec) ? db.spec : {};
  return isObj(spec.topology) && spec.topology.mode === 'AvailabilityGroup';
}

/**
 * KubeDB's operator writes tlsprotocols = 1.2,1.1,1.0; a tlsProtocols rule can only check that,
 * unless the user's spec.configSecret brings an mssql.conf of its own, which dbtls cannot read.
 */
export function checkOperatorTLSProtocols(ctx: KindContext, spec: Obj): void {
  if (tlsProtocolsFor(ctx) === undefined) return;
  const kubedb = KUBEDB_TLS_PROTOCOLS.join(',');
  if (spec.configSecret !== undefined && spec.configSecret !== null) {
    ctx.report.warn(
      at('spec', 'configSecret'),
      'policy rule tlsProtocols: the tlsprotocols of the ' +
        `mssql.conf in this secret cannot be checked (KubeDB's own default is ${kubedb})`,
    );
    return;
  }
  const what = `KubeDB's operator writes tlsprotocols = ${kubedb} into mssql.conf, which`;
  checkTLSProtocols(ctx, KUBEDB_TLS_PROTOCOLS, what, at('spec', 'configSecret'));
}

/**
 * The env of the mssql container of spec.podTemplate, and where to report about it: the kind reads
 * it itself (the EULA, the variables KubeDB forbids); the rest of the template is pod-template.ts's.
 */
export function readContainer(
  spec: Obj,
  report: Reporter,
): { env: Obj[]; containerPath: FieldPath } {
  const pt = spec.podTemplate;
  const containers =
    isObj(pt) && isObj(pt.spec) && Array.isArray(pt.spec.containers) ? pt.spec.containers : [];
  const index = containers.findIndex((c) => isObj(c) && c.name === 'mssql');
  const containersPath = at('spec', 'podTemplate', 'spec', 'containers');
  if (index < 0) return { env: [], containerPath: containersPath };
  const c = containers[index] as Obj;
  const containerPath = containersPath.index(index);
  const env: Obj[] = [];
  const envPath = containerPath.child('env');
  if (c.env !== undefined && !Array.isArray(c.env))
    report.error(envPath, `${envPath} must be a list, got ${describeType(c.env)}`);
  for (const [i, e] of (Array.isArray(c.env) ? c.env : []).entries()) {
    const entry = envPath.index(i);
    if (isObj(e) && typeof e.name === 'string') env.push(e);
    else report.error(entry, `${entry} must be a mapping with a name`);
  }
  return { env, containerPath };
}

/** spec.topology's mode and spec.replicas, as KubeDB's webhook checks them together. */
export function readTopology(
  spec: Obj,
  report: Reporter,
): { mode: Mode | undefined; replicas: number | undefined } {
  // Topology: standalone when spec.topology is absent (KubeDB's IsStandalone).
  let mode: Mode | undefined;
  const topology = spec.topology;
  if (topology !== undefined && topology !== null) {
    if (!isObj(topology))
      report.error(
        at('spec', 'topology'),
        `spec.topology must be a mapping, got ${describeType(topology)}`,
      );
    else if (topology.mode === undefined || topology.mode === null)
      report.error(
        at('spec', 'topology', 'mode'),
        'spec.topology.mode is required when spec.topology is set: AvailabilityGroup or DistributedAG',
      );
    else mode = readEnum(topology, 'mode', at('spec', 'topology', 'mode'), MODES, report);
  }
  const replicas = readInt(spec, 'replicas', at('spec', 'replicas'), report, 1);
  if (topology === undefined || topology === null) {
    if (replicas !== undefined && replicas !== 1)
      report.error(
        at('spec', 'replicas'),
        `spec.replicas must be 1 for an MSSQLServer without spec.topology (KubeDB's webhook: "number of replicas for standalone must be one"), got ${replicas}; set spec.topology.mode: AvailabilityGroup for more`,
      );
  } else if (isObj(topology) && (spec.replicas === undefined || spec.replicas === null)) {
    report.error(
      at('spec', 'replicas'),
      'spec.replicas is required with spec.topology: the number of availability-group replicas, at least 1',
    );
  }
  return { mode, replicas };
}

/** The mssql container's environment: KubeDB requires MSSQL_PID and forbids what it sets itself. */
export function readEnv(ctx: KindContext, spec: Obj, standalone: boolean, report: Reporter): Obj[] {
  const { env, containerPath } = readContainer(spec, report);
  const envNames = env.map((e) => e.name);
  for (const [i, e] of env.entries()) {
    if (typeof e.name === 'string' && FORBIDDEN_ENV.includes(e.name)) {
      report.error(
        containerPath.child('env').index(i),
        `environment variable ${e.name} is forbidden in the mssql container: KubeDB (and dbtls) set it${e.name === 'MSSQL_SA_PASSWORD' ? ' from spec.authSecret' : ''}`,
      );
    }
  }
  if (!envNames.includes('MSSQL_PID')) {
    report.error(
      containerPath,
      "environment variable MSSQL_PID must be provided in the mssql container (KubeDB's webhook requires it): the SQL Server edition, e.g. Developer, Express, Standard, Enterprise or a product key",
    );
  }
  let eula = env.find((e) => e.name === 'ACCEPT_EULA');
  // `value: Y` unquoted is the boolean true to kubectl and "Y" to kpt: the pipeline's warning
  // names the field and says to quote it, and the rendered container gets the "Y" meant.
  const eulaAt = containerPath
    .child('env')
    .index(env.indexOf(eula as Obj))
    .child('value');
  const unquotedY =
    eula?.value === true &&
    yaml11Booleans(ctx.db).some((a) => a.path.equals(eulaAt) && /^[yY]/.test(a.text));
  if (unquotedY) env[env.indexOf(eula as Obj)] = eula = { ...eula, value: 'Y' };
  if (standalone && (eula === undefined || eula.value !== 'Y')) {
    report.error(
      containerPath,
      'standalone mode runs Microsoft\'s image, which starts only after you accept the SQL Server EULA: add env ACCEPT_EULA with value "Y" to the mssql container, as KubeDB\'s examples do',
    );
  }
  return env;
}

/** What standalone mode leaves to the operator or the user: fields, the group, the password. */
export function adviseStandalone(
  ctx: KindContext,
  { mode, replicas, authSecret }: Pick<MSSQLPlan, 'mode' | 'authSecret'> & { replicas?: number },
): void {
  const { report } = ctx;
  const spec = ctx.db.spec as Obj;
  warnOperatorOnly(spec, OPERATOR_ONLY, report);
  if (mode === 'DistributedAG') {
    report.error(
      at('spec', 'topology', 'mode'),
      'DistributedAG joins availability groups across clusters (spec.topology.distributedAG remote URLs), which only the KubeDB operator can set up; standalone mode cannot run it: use mode: operator',
    );
  } else if (mode === 'AvailabilityGroup') {
    report.warn(
      at('spec', 'topology'),
      `standalone mode runs ${replicas ?? 0} SQL Server instances with HADR enabled and the endpoint certificate mounted at ${ENDPOINT_DIR}, service "${ctx.db.metadata.name}" routes to pod 0, and service "${nameWithSuffix(ctx.db.metadata.name, 'secondary')}" to pods labelled ${ROLE_LABEL}: secondary; creating the availability group, joining replicas, the mirroring endpoints and failover are done by the KubeDB operator (its coordinator) only: until you create them, the replicas are independent servers and the secondary service has no endpoints until you label the secondaries (use mode: operator for a managed group)`,
    );
  }
  if (!isObj(spec.authSecret)) {
    report.info(
      at('spec', 'authSecret'),
      `the workload reads the sa password from Secret "${authSecret}" (key password), which standalone mode does not create`,
    );
  }
}
