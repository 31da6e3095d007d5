// KubeDB MSSQLServer (kubedb.com/v1alpha2): TLS fields, certificates and the standalone workload.
//
// Facts (kubedb/apimachinery apis/kubedb/v1alpha2/mssqlserver_*.go, its webhook, kubedb/docs and
// the kubedb/installer catalog): aliases server, client, and endpoint only when
// spec.topology.mode is AvailabilityGroup; spec.tls (with issuerRef) is required; clientTLS
// defaults to false; every certificate gets subject O=kubedb, OU=<alias> unless the user sets
// those lists; the client certificate's CN is mssql; services `<db>`, `<db>-secondary`,
// `<db>-pods`; port 1433, mirroring endpoint 5022; SQL Server runs as uid 10001 and reads
// /var/opt/mssql/mssql.conf, with TLS files under /var/opt/mssql/tls.
import type { KubeObject, Obj } from '../io/objects.js';
import { isObj, shared } from '../io/objects.js';
import { serverCertificateDefaults, USAGES } from '../render/certificate.js';
import { yaml11Booleans } from '../io/ambiguous.js';
import { describeType } from '../io/resource-list.js';
import { configMap, dataVolumeFrom, podSecurityContext, podSelector, service, statefulSet, tcpReadiness } from '../render/workload.js';
import type { Owner } from '../render/metadata.js';
import { operatorOnlyFields, readBool, readEnum, readInt, readString, warnOperatorOnly } from '../validate/fields.js';
import { nameWithSuffix } from '../util/names.js';
import { defineKind, type IssuedCertificate } from './kind.js';

const PORT = 1433;
const MIRRORING_PORT = 5022;
const MSSQL_UID = 10001; // the mssql user of Microsoft's image (KubeDB's catalog runAsUser)
const DATA_DIR = '/var/opt/mssql';
const TLS_DIR = '/var/opt/mssql/tls';
const ENDPOINT_DIR = '/var/opt/mssql/endpoint-cert';
const CONF_PATH = '/var/opt/mssql/mssql.conf';
const KEY_MODE = 0o440; // root-owned, group mssql (fsGroup): readable by SQL Server only
const MODES = ['AvailabilityGroup', 'DistributedAG'] as const;
type Mode = (typeof MODES)[number];
/** Environment variables KubeDB's webhook forbids in the mssql container (the operator sets them). */
const FORBIDDEN_ENV = ['MSSQL_SA_USERNAME', 'MSSQL_SA_PASSWORD', 'MSSQL_ENABLE_HADR', 'MSSQL_AGENT_ENABLED', 'VERSION'];

const OPERATOR_ONLY = operatorOnlyFields(
  'init', 'configSecret', 'configuration', 'monitor', 'archiver', 'arbiter', 'autoOps',
  'serviceTemplates', 'deletionPolicy', 'halted', 'healthChecker',
);

interface MSSQLPlan {
  clientTLS: boolean;
  mode?: Mode;
  replicas: number;
  image?: string;
  authSecret: string;
  env: Obj[];
  resources?: Obj;
}

/** KubeDB catalog names `<year>-cu<N>` → Microsoft's tag (kubedb/installer catalog: 2022-cu12 → 2022-CU12-ubuntu-22.04, 2025-cu0 → 2025-RTM-ubuntu-22.04). */
export function mssqlImage(version: string): string | undefined {
  const m = /^(2022|2025)-cu(\d+)$/.exec(version);
  if (!m) return undefined;
  const cu = Number(m[2]) === 0 ? 'RTM' : `CU${Number(m[2])}`;
  return `mcr.microsoft.com/mssql/server:${m[1]}-${cu}-ubuntu-22.04`;
}

function isAvailabilityGroup(db: KubeObject): boolean {
  const spec = isObj(db.spec) ? db.spec : {};
  return isObj(spec.topology) && spec.topology.mode === 'AvailabilityGroup';
}

/** An endpoint entry without AvailabilityGroup is accepted here so that plan() can say why it is wrong. */
function mentionsEndpoint(db: KubeObject): boolean {
  const tls = isObj(db.spec) && isObj(db.spec.tls) ? db.spec.tls : {};
  return Array.isArray(tls.certificates) && tls.certificates.some((c) => isObj(c) && c.alias === 'endpoint');
}

export const mssqlserver = defineKind<MSSQLPlan>({
  group: 'kubedb.com',
  kind: 'MSSQLServer',
  resource: 'mssqlservers',
  versions: ['v1alpha2'],
  summary: 'Microsoft SQL Server: server, client (and endpoint for AvailabilityGroup) certificates; mssql.conf with TLS, forceencryption from clientTLS',
  aliases: (db) => (isAvailabilityGroup(db) || mentionsEndpoint(db) ? ['server', 'client', 'endpoint'] : ['server', 'client']),
  extraTLSFields: ['clientTLS'],

  plan(ctx) {
    const { report, settings } = ctx;
    const spec = ctx.db.spec as Obj;
    const standalone = settings.mode === 'standalone';

    const version = readString(spec, 'version', 'spec.version', report);
    if (spec.version === undefined || spec.version === null) report.error('spec.version', 'is required: a KubeDB MSSQLServerVersion such as "2022-cu12"');
    const image = version !== undefined ? mssqlImage(version) : undefined;
    if (version !== undefined && image === undefined && standalone) {
      report.error('spec.version', `${JSON.stringify(version)} is not a KubeDB MSSQLServerVersion that standalone mode can map to Microsoft's image; use one such as "2022-cu12" or "2025-cu0" (YEAR-cuN for 2022 or 2025), or use mode: operator`);
    }

    // KubeDB's webhook refuses an MSSQLServer without spec.tls ("spec.tls is missing").
    if (ctx.tls === undefined && (spec.tls === undefined || spec.tls === null)) {
      report.error('spec.tls', 'is required: KubeDB refuses an MSSQLServer without spec.tls ("spec.tls is missing"); set spec.tls.issuerRef (clientTLS: false still issues the certificates but leaves encryption to the client)');
    }
    const clientTLS = readBool(ctx.tls?.extra ?? {}, 'clientTLS', 'spec.tls.clientTLS', report) ?? false;

    // Topology: standalone when spec.topology is absent (KubeDB's IsStandalone).
    let mode: Mode | undefined;
    const topology = spec.topology;
    if (topology !== undefined && topology !== null) {
      if (!isObj(topology)) report.error('spec.topology', `must be a mapping, got ${describeType(topology)}`);
      else if (topology.mode === undefined || topology.mode === null) report.error('spec.topology.mode', 'is required when spec.topology is set: AvailabilityGroup or DistributedAG');
      else mode = readEnum(topology, 'mode', 'spec.topology.mode', MODES, report);
    }
    const replicas = readInt(spec, 'replicas', 'spec.replicas', report, 1);
    if (topology === undefined || topology === null) {
      if (replicas !== undefined && replicas !== 1) report.error('spec.replicas', `must be 1 for an MSSQLServer without spec.topology (KubeDB's webhook: "number of replicas for standalone must be one"), got ${replicas}; set spec.topology.mode: AvailabilityGroup for more`);
    } else if (isObj(topology) && (spec.replicas === undefined || spec.replicas === null)) {
      report.error('spec.replicas', 'is required with spec.topology: the number of availability-group replicas, at least 1');
    }
    // An endpoint certificate exists only for AvailabilityGroup; say why rather than "unknown alias".
    const certs = isObj(spec.tls) && Array.isArray(spec.tls.certificates) ? spec.tls.certificates : [];
    certs.forEach((c, i) => {
      if (isObj(c) && c.alias === 'endpoint' && mode !== 'AvailabilityGroup') {
        report.error(`spec.tls.certificates[${i}].alias`, 'the endpoint certificate secures availability-group mirroring endpoints and exists only with spec.topology.mode: AvailabilityGroup; remove this entry or set the mode');
      }
    });

    // The mssql container's environment: KubeDB requires MSSQL_PID and forbids what it sets itself.
    const { env, resources, containerPath } = readContainer(spec, report);
    const envNames = env.map((e) => e.name);
    for (const [i, e] of env.entries()) {
      if (typeof e.name === 'string' && FORBIDDEN_ENV.includes(e.name)) {
        report.error(`${containerPath}.env[${i}]`, `environment variable ${e.name} is forbidden in the mssql container: KubeDB (and dbtls) set it${e.name === 'MSSQL_SA_PASSWORD' ? ' from spec.authSecret' : ''}`);
      }
    }
    if (!envNames.includes('MSSQL_PID')) {
      report.error(containerPath, 'environment variable MSSQL_PID must be provided in the mssql container (KubeDB\'s webhook requires it): the SQL Server edition, e.g. Developer, Express, Standard, Enterprise or a product key');
    }
    let eula = env.find((e) => e.name === 'ACCEPT_EULA');
    // `value: Y` unquoted is the boolean true to kubectl and "Y" to kpt: the engine's warning
    // names the field and says to quote it, and the rendered container gets the "Y" meant.
    const eulaAt = `${containerPath}.env[${env.indexOf(eula as Obj)}].value`;
    const unquotedY = eula?.value === true && yaml11Booleans(ctx.db).some((a) => a.path === eulaAt && /^[yY]/.test(a.text));
    if (unquotedY) env[env.indexOf(eula as Obj)] = eula = { ...eula, value: 'Y' };
    if (standalone && (eula === undefined || eula.value !== 'Y')) {
      report.error(containerPath, 'standalone mode runs Microsoft\'s image, which starts only after you accept the SQL Server EULA: add env ACCEPT_EULA with value "Y" to the mssql container, as KubeDB\'s examples do');
    }

    const authSecret = isObj(spec.authSecret) && typeof spec.authSecret.name === 'string' ? spec.authSecret.name : nameWithSuffix(ctx.db.metadata.name, 'auth');
    if (standalone) {
      warnOperatorOnly(spec, OPERATOR_ONLY, report);
      warnPodTemplate(spec, report);
      if (mode === 'DistributedAG') {
        report.error('spec.topology.mode', 'DistributedAG joins availability groups across clusters (spec.topology.distributedAG remote URLs), which only the KubeDB operator can set up; standalone mode cannot run it: use mode: operator');
      } else if (mode === 'AvailabilityGroup') {
        report.warn('spec.topology', `standalone mode runs ${replicas ?? 0} SQL Server instances with HADR enabled and the endpoint certificate mounted at ${ENDPOINT_DIR}, and service "${ctx.db.metadata.name}" routes to pod 0; creating the availability group, joining replicas, the mirroring endpoints and failover are done by the KubeDB operator (its coordinator) only: until you create them, the replicas are independent servers (use mode: operator for a managed group)`);
      }
      if (!isObj(spec.authSecret)) {
        report.info('spec.authSecret', `the workload reads the sa password from Secret "${authSecret}" (key password), which standalone mode does not create`);
      }
    }
    return { clientTLS, mode, replicas: replicas ?? 1, image, authSecret, env, resources };
  },

  issuesCertificates: (ctx) => ctx.tls !== undefined,

  connectionSettings: [{ key: 'clientTLS', path: 'spec.tls.clientTLS', levels: [false, true], value: (_ctx, plan) => plan.clientTLS }],

  certificateDefaults(ctx, plan, alias) {
    const name = ctx.db.metadata.name;
    // KubeDB's SetTLSDefaults: O=kubedb, OU=<alias>, each list replaced by the user's if set.
    const subject = { organizations: ['kubedb'], organizationalUnits: [alias] };
    if (alias === 'client') {
      return { commonName: 'mssql', subject, usages: USAGES.client };
    }
    const services = plan.mode ? [name, nameWithSuffix(name, 'secondary')] : [name];
    const usages = alias === 'endpoint'
      ? USAGES.serverAndClient // mirroring connections go both ways
      : USAGES.server;
    return { ...serverCertificateDefaults(ctx, services, nameWithSuffix(name, 'pods'), usages), subject };
  },

  client: {
    // SQL Server logins do not authenticate by certificate: the client certificate is mounted for
    // drivers that present one, and the CA for the driver to verify the server (README: SQL Server).
    defaultUser: 'sa',
    endpoint: (ctx) => ({ service: ctx.db.metadata.name, port: PORT }),
    weakVerification: (_ctx, plan) => (plan.clientTLS ? undefined
      : { path: 'spec.tls.clientTLS', setting: 'clientTLS false', fix: 'set spec.tls.clientTLS: true' }),
    // No variable every driver reads; the connection string names the files (README).
    settings: () => ({ env: [] }),
  },

  workload(ctx, plan, certificates) {
    const name = ctx.db.metadata.name;
    const owner: Owner = { db: ctx.db, namespace: ctx.namespace, resource: 'mssqlservers', group: 'kubedb.com' };
    const server = certificates.find((c) => c.alias === 'server');
    const client = certificates.find((c) => c.alias === 'client');
    const endpoint = certificates.find((c) => c.alias === 'endpoint');
    const ag = plan.mode === 'AvailabilityGroup';
    const configName = nameWithSuffix(name, 'server-config');
    const governing = nameWithSuffix(name, 'pods');
    const volumes: Obj[] = [{ name: 'config', configMap: { name: configName } }];
    const mounts: Obj[] = [...BASE_MOUNTS];
    if (server) {
      volumes.push({ name: 'tls', projected: { defaultMode: KEY_MODE, sources: tlsSources(server, client) } });
      mounts.push(TLS_MOUNT);
    }
    if (endpoint && ag) {
      volumes.push({ name: 'endpoint-cert', secret: { secretName: endpoint.secretName, defaultMode: KEY_MODE } });
      mounts.push(ENDPOINT_MOUNT);
    }
    const env: Obj[] = [
      ...plan.env.filter((e) => !FORBIDDEN_ENV.includes(String(e.name))),
      { name: 'MSSQL_SA_PASSWORD', valueFrom: { secretKeyRef: { name: plan.authSecret, key: 'password' } } },
      ...(ag ? [ENABLE_HADR] : []),
    ];
    const ports = ag ? AG_CONTAINER_PORTS : CONTAINER_PORTS;
    const container: Obj = {
      name: 'mssql',
      image: plan.image,
      env,
      ports,
      ...(plan.resources ? { resources: plan.resources } : {}),
      readinessProbe: READINESS,
      volumeMounts: mounts,
      securityContext: CONTAINER_SECURITY,
    };
    return [
      configMap(owner, configName, { 'mssql.conf': mssqlConf(plan, server !== undefined) }),
      service(owner, name, PRIMARY_PORTS, ag ? { selector: podSelector(name, 0) } : {}),
      service(owner, governing, ag ? AG_POD_PORTS : POD_PORTS, { headless: true }),
      statefulSet(owner, {
        name,
        replicas: plan.replicas,
        serviceName: governing,
        securityContext: POD_SECURITY,
        containers: [container],
        volumes,
        dataVolume: dataVolumeFrom(ctx.db.spec as Obj),
        podManagementPolicy: ag ? 'Parallel' : undefined,
      }),
    ] satisfies KubeObject[];
  },
});

/** The server and client secrets in one directory, named as KubeDB names them there. */
function tlsSources(server: IssuedCertificate, client: IssuedCertificate | undefined): Obj[] {
  const sources: Obj[] = [{ secret: { name: server.secretName, items: SERVER_FILES } }];
  if (client) sources.push({ secret: { name: client.secretName, items: CLIENT_FILES } });
  return sources;
}

/**
 * mssql.conf as SQL Server on Linux reads it. The issued certificate is always the server's;
 * clientTLS decides whether every connection must be encrypted (forceencryption).
 */
export function mssqlConf(plan: MSSQLPlan, tls: boolean): string {
  const lines = ['# Rendered by dbtls from the MSSQLServer resource.', '[network]'];
  if (tls) {
    lines.push(`tlscert = ${TLS_DIR}/server.crt`, `tlskey = ${TLS_DIR}/server.key`, 'tlsprotocols = 1.2');
  }
  lines.push(`forceencryption = ${tls && plan.clientTLS ? 1 : 0}`);
  return `${lines.join('\n')}\n`;
}

/** The mssql container of spec.podTemplate: its env (and resources), where to report about it. */
function readContainer(spec: Obj, report: { error(path: string, message: string): void }): { env: Obj[]; resources?: Obj; containerPath: string } {
  const pt = spec.podTemplate;
  const containers = isObj(pt) && isObj(pt.spec) && Array.isArray(pt.spec.containers) ? pt.spec.containers : [];
  const index = containers.findIndex((c) => isObj(c) && c.name === 'mssql');
  if (index < 0) return { env: [], containerPath: 'spec.podTemplate.spec.containers' };
  const c = containers[index] as Obj;
  const containerPath = `spec.podTemplate.spec.containers[${index}]`;
  const env: Obj[] = [];
  if (c.env !== undefined && !Array.isArray(c.env)) report.error(`${containerPath}.env`, `must be a list, got ${describeType(c.env)}`);
  for (const [i, e] of (Array.isArray(c.env) ? c.env : []).entries()) {
    if (isObj(e) && typeof e.name === 'string') env.push(e);
    else report.error(`${containerPath}.env[${i}]`, 'must be a mapping with a name');
  }
  return { env, resources: isObj(c.resources) ? c.resources : undefined, containerPath };
}

/** Standalone honours the mssql container's env and resources; anything else in podTemplate is the operator's. */
function warnPodTemplate(spec: Obj, report: { warn(path: string, message: string): void }): void {
  const pt = spec.podTemplate;
  if (!isObj(pt)) return;
  const say = (path: string) => report.warn(path, `${path} is applied by the KubeDB operator only; standalone mode renders only the mssql container's env and resources (use mode: operator to keep it)`);
  for (const key of Object.keys(pt)) if (key !== 'spec') say(`spec.podTemplate.${key}`);
  if (!isObj(pt.spec)) return;
  for (const key of Object.keys(pt.spec)) if (key !== 'containers') say(`spec.podTemplate.spec.${key}`);
  const containers = Array.isArray(pt.spec.containers) ? pt.spec.containers : [];
  containers.forEach((c, i) => {
    if (!isObj(c) || c.name !== 'mssql') { say(`spec.podTemplate.spec.containers[${i}]`); return; }
    for (const key of Object.keys(c)) if (!['name', 'env', 'resources'].includes(key)) say(`spec.podTemplate.spec.containers[${i}].${key}`);
  });
}

// The parts of the workload that every MSSQLServer shares (see `shared`).
const BASE_MOUNTS = shared([{ name: 'data', mountPath: DATA_DIR }, { name: 'config', mountPath: CONF_PATH, subPath: 'mssql.conf', readOnly: true }]);
const TLS_MOUNT = shared({ name: 'tls', mountPath: TLS_DIR, readOnly: true });
const ENDPOINT_MOUNT = shared({ name: 'endpoint-cert', mountPath: ENDPOINT_DIR, readOnly: true });
const SERVER_FILES = shared([{ key: 'ca.crt', path: 'ca.crt' }, { key: 'tls.crt', path: 'server.crt' }, { key: 'tls.key', path: 'server.key' }]);
const CLIENT_FILES = shared([{ key: 'tls.crt', path: 'client.crt' }, { key: 'tls.key', path: 'client.key' }]);
const ENABLE_HADR = shared({ name: 'MSSQL_ENABLE_HADR', value: '1' });
const CONTAINER_PORTS = shared([{ name: 'db', containerPort: PORT, protocol: 'TCP' }]);
const AG_CONTAINER_PORTS = shared([...CONTAINER_PORTS, { name: 'mirroring', containerPort: MIRRORING_PORT, protocol: 'TCP' }]);
const READINESS = tcpReadiness(PORT);
// SQL Server binds its ports with NET_BIND_SERVICE.
const CONTAINER_SECURITY = shared({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } });
const POD_SECURITY = podSecurityContext(MSSQL_UID);
const PRIMARY_PORTS = shared([{ name: 'primary', port: PORT }]);
const POD_PORTS = shared([{ name: 'db', port: PORT }]);
const AG_POD_PORTS = shared([...POD_PORTS, { name: 'mirroring', port: MIRRORING_PORT }]);
