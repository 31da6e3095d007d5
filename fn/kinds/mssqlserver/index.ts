// KubeDB MSSQLServer (kubedb.com/v1alpha2): TLS fields, certificates and the standalone workload.
//
// Facts (kubedb/apimachinery apis/kubedb/v1alpha2/mssqlserver_*.go, its webhook, kubedb/docs and
// the kubedb/installer catalog): aliases server, client, and endpoint only when
// spec.topology.mode is AvailabilityGroup; spec.tls (with issuerRef) is required; clientTLS
// defaults to false; every certificate gets subject O=kubedb, OU=<alias> unless the user sets
// those lists; the client certificate's CN is mssql; services `<db>`, `<db>-secondary`,
// `<db>-pods`; port 1433, mirroring endpoint 5022; SQL Server runs as uid 10001 and reads
// /var/opt/mssql/mssql.conf, with TLS files under /var/opt/mssql/tls.
import { mergedMssqlConf, renderMssqlConf } from '../../text/mssql-conf.js';
import type { KubeObject, Obj } from '../../io/objects.js';
import { isObj, shared } from '../../io/objects.js';
import { serverCertificateDefaults, USAGES } from '../../render/certificate.js';
import { yaml11Booleans } from '../../io/ambiguous.js';
import { describeType } from '../../io/resource-list.js';
import type { Reporter } from '../../io/results.js';
import {
  configMap,
  dataVolumeFrom,
  emptyDirVolume,
  podSecurityContext,
  podSelector,
  RESTRICTED_CONTAINER,
  service,
  statefulSet,
  tcpReadiness,
} from '../../render/workload.js';
import { checkTLSProtocols, tlsProtocolsFor } from '../../policy/rules.js';
import type { Owner } from '../../render/metadata.js';
import {
  DEFAULT_RESTART_SLOT,
  reloaderContainer,
  RESTART_SLOT_ENV,
  WATCHER_DIR,
  WATCHER_FILE,
  WATCHER_MOUNT,
  watcherScript,
  watcherVolume,
} from '../../render/rotation.js';
import {
  operatorOnlyFields,
  readBool,
  readEnum,
  readInt,
  readString,
  warnOperatorOnly,
} from '../../validate/fields.js';
import { nameWithSuffix } from '../../util/names.js';
import { defineKind, type IssuedCertificate, type KindContext } from '../kind.js';
import { readMssqlConfiguration } from './config.js';
import type { InlineFile } from '../../render/user-config.js';
import type { VersionNaming } from '../../contract/versions.js';

/** What spec.version names: a MSSQLServerVersion of KubeDB's catalog. */
const VERSION_NAMING: VersionNaming = {
  catalogKind: 'MSSQLServerVersion',
};
import { at, type FieldPath } from '../../util/field-path.js';

const PORT = 1433;
const MIRRORING_PORT = 5022;
const MSSQL_UID = 10001; // the mssql user of Microsoft's image (KubeDB's catalog runAsUser)
const DATA_DIR = '/var/opt/mssql';
const TLS_DIR = '/var/opt/mssql/tls';
const ENDPOINT_DIR = '/var/opt/mssql/endpoint-cert';
const CONF_PATH = '/var/opt/mssql/mssql.conf';
const KEY_MODE = 0o440; // root-owned, group mssql (fsGroup): readable by SQL Server only
// The operating system's trust store in Microsoft's Ubuntu image, where KubeDB's csi-driver-cacerts
// puts the CA with clientTLS: ca-certificates.crt (OpenSSL's and Go's bundle) and hashed links.
const OS_TRUST_DIR = '/etc/ssl/certs';
const OS_TRUST_BUNDLE = `${OS_TRUST_DIR}/ca-certificates.crt`;
const TRUST_BUILD_DIR = '/var/run/dbtls/trusted-certs'; // the init step's view of the same emptyDir
/** What KubeDB's operator writes into mssql.conf (kubedb/docs mssqlserver/reconfigure-tls). */
const KUBEDB_TLS_PROTOCOLS = ['1.2', '1.1', '1.0'];
/** dbtls's stricter default: TLS 1.0 and 1.1 are deprecated (RFC 8996); Microsoft advises 1.2. */
const DEFAULT_TLS_PROTOCOLS = ['1.2'];
/** The role label KubeDB's coordinator sets on availability-group pods. */
const ROLE_LABEL = 'kubedb.com/role';
const MODES = ['AvailabilityGroup', 'DistributedAG'] as const;
type Mode = (typeof MODES)[number];
/** Environment variables KubeDB's webhook forbids in the mssql container (the operator sets them). */
const FORBIDDEN_ENV = [
  'MSSQL_SA_USERNAME',
  'MSSQL_SA_PASSWORD',
  'MSSQL_ENABLE_HADR',
  'MSSQL_AGENT_ENABLED',
  'VERSION',
];

const OPERATOR_ONLY = operatorOnlyFields(
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

interface MSSQLPlan {
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

/** The head of an mssql.conf merged from the user's and dbtls's settings. */
const MERGED_CONF_COMMENT = [
  'Rendered by dbtls from the MSSQLServer resource: spec.configuration.inline["mssql.conf"]',
  "with dbtls's TLS settings in place of the user's same keys.",
];

/** The mssql.conf mounted: dbtls's, or the user's with dbtls's TLS settings in their place. */
function withUserConf(plan: MSSQLPlan, rendered: string): string {
  return plan.userConf
    ? mergedMssqlConf(plan.userConf.content, rendered, MERGED_CONF_COMMENT)
    : rendered;
}

/**
 * KubeDB's default resources for the mssql container (DefaultResourcesMSSQLServer:
 * kubedb/apimachinery 104ef573, apis/kubedb/constants.go).
 */
const MSSQL_RESOURCES = shared({
  requests: { cpu: '1500m', memory: '2Gi' },
  limits: { memory: '4Gi' },
});

export const mssqlserver = defineKind<MSSQLPlan>({
  group: 'kubedb.com',
  kind: 'MSSQLServer',
  versionNaming: VERSION_NAMING,
  operator: 'KubeDB',
  resource: 'mssqlservers',
  versions: ['v1alpha2'],
  summary:
    'Microsoft SQL Server: server, client (and endpoint for AvailabilityGroup) certificates; mssql.conf with TLS, forceencryption from clientTLS',
  aliases: (db) =>
    isAvailabilityGroup(db) ? ['server', 'client', 'endpoint'] : ['server', 'client'],
  conditionalAliases: [
    { alias: 'endpoint', path: ['spec', 'topology', 'mode'], equals: 'AvailabilityGroup' },
  ],
  unissuedAliases: (db): Record<string, string> =>
    isAvailabilityGroup(db)
      ? {}
      : {
          endpoint:
            'the endpoint certificate secures availability-group mirroring endpoints and exists ' +
            'only with spec.topology.mode: AvailabilityGroup',
        },
  extraTLSFields: ['clientTLS'],

  plan(ctx) {
    const { report, settings } = ctx;
    const spec = ctx.db.spec as Obj;
    const standalone = settings.mode === 'standalone';
    const image = readImage(spec, standalone, report);
    // KubeDB's webhook refuses an MSSQLServer without spec.tls ("spec.tls is missing").
    if (ctx.tls === undefined && (spec.tls === undefined || spec.tls === null)) {
      report.error(
        at('spec', 'tls'),
        'spec.tls is required: KubeDB refuses an MSSQLServer without spec.tls ("spec.tls is missing"); set spec.tls.issuerRef (clientTLS: false still issues the certificates but leaves encryption to the client)',
      );
    }
    const clientTLS =
      readBool(ctx.tls?.extra ?? {}, 'clientTLS', at('spec', 'tls', 'clientTLS'), report) ?? false;
    const { mode, replicas } = readTopology(spec, report);
    const env = readEnv(ctx, spec, standalone, report);
    const authSecret =
      isObj(spec.authSecret) && typeof spec.authSecret.name === 'string'
        ? spec.authSecret.name
        : nameWithSuffix(ctx.db.metadata.name, 'auth');
    if (standalone) adviseStandalone(ctx, { mode, replicas, authSecret });
    const tlsProtocols = tlsProtocolsFor(ctx) ?? DEFAULT_TLS_PROTOCOLS;
    if (!standalone && ctx.tls !== undefined) checkOperatorTLSProtocols(ctx, spec);
    const count = replicas ?? 1;
    const plan: MSSQLPlan = {
      clientTLS,
      tlsProtocols,
      mode,
      replicas: count,
      image,
      authSecret,
      env,
    };
    // spec.tls is required: the settings the user's file is checked against are the TLS ones.
    if (standalone)
      plan.userConf = readMssqlConfiguration(ctx, mssqlConf(plan, ctx.tls !== undefined));
    return plan;
  },

  issuesCertificates: (ctx) => ctx.tls !== undefined,

  // <db>-secondary exists with a topology (AvailabilityGroup, DistributedAG).
  operatorTLSProtocols: {
    versions: KUBEDB_TLS_PROTOCOLS,
    file: 'mssql.conf',
    override: at('spec', 'configSecret'),
  },

  clientServices(ctx, plan): Record<string, string> {
    const name = ctx.db.metadata.name;
    if (!plan.mode) return { primary: name };
    return { primary: name, secondary: nameWithSuffix(name, 'secondary') };
  },

  connectionSettings: [
    {
      key: 'clientTLS',
      path: at('spec', 'tls', 'clientTLS'),
      levels: [false, true],
      value: (_ctx, plan) => plan.clientTLS,
      // KubeDB's SetTLSDefaults (apis/kubedb/v1alpha2 mssqlserver_helpers.go) sets false.
      unset: { withTLS: false, withoutTLS: false },
    },
  ],

  certificateDefaults(ctx, plan, alias) {
    const name = ctx.db.metadata.name;
    // KubeDB's SetTLSDefaults: O=kubedb, OU=<alias>, each list replaced by the user's if set.
    const subject = { organizations: ['kubedb'], organizationalUnits: [alias] };
    if (alias === 'client') {
      return { commonName: 'mssql', subject, usages: USAGES.client };
    }
    const services = plan.mode ? [name, nameWithSuffix(name, 'secondary')] : [name];
    const usages =
      alias === 'endpoint'
        ? USAGES.serverAndClient // mirroring connections go both ways
        : USAGES.server;
    return {
      ...serverCertificateDefaults(ctx, services, nameWithSuffix(name, 'pods'), usages),
      subject,
    };
  },

  client: {
    // SQL Server logins do not authenticate by certificate: the client certificate is mounted for
    // drivers that present one, and the CA for the driver to verify the server (README: SQL Server).
    endpoint: (ctx) => ({ service: ctx.db.metadata.name, port: PORT }),
    weakVerification: (_ctx, plan) =>
      plan.clientTLS
        ? undefined
        : {
            path: at('spec', 'tls', 'clientTLS'),
            setting: 'clientTLS false',
            fix: 'set spec.tls.clientTLS: true',
          },
    // No variable every driver reads; the connection string names the files (README).
    settings: () => ({ env: [] }),
  },

  // sa is KubeDB's login and SQL Server's administrator; logins compare without regard to case
  // under the default collation, and ##…## logins are SQL Server's own certificate-based ones.
  users: {
    noun: 'SQL Server login',
    administrative: ['sa'],
    caseInsensitive: true,
    invalid: (user) =>
      user.startsWith('##')
        ? 'begins with "##", which SQL Server keeps for its own logins'
        : undefined,
  },

  podTemplate: { container: 'mssql', resources: MSSQL_RESOURCES, kindApplies: ['env'] },

  workload(ctx, plan, certificates, owner) {
    const name = ctx.db.metadata.name;
    const server = certificates.find((c) => c.alias === 'server');
    const client = certificates.find((c) => c.alias === 'client');
    const endpoint = certificates.find((c) => c.alias === 'endpoint');
    const ag = plan.mode === 'AvailabilityGroup';
    const configName = nameWithSuffix(name, 'server-config');
    const governing = nameWithSuffix(name, 'pods');
    const { volumes, mounts, initContainers, trustEnv } = serverFiles(
      configName,
      plan,
      certificates,
    );
    const container = mssqlContainer(plan, mounts, trustEnv);
    const rendered = mssqlConf(plan, server !== undefined);
    const config: Record<string, string> = {
      'mssql.conf': withUserConf(plan, rendered),
    };
    const containers: Obj[] = [container];
    if (server) {
      // Renewal: SQL Server reads its certificate at start only; the sidecar restarts it.
      ctx.report.warn(at('spec', 'tls'), RESTART_WARNING);
      const withEndpoint = ag && endpoint !== undefined;
      config[WATCHER_FILE] = watcherScript(
        rotation(withEndpoint, client !== undefined, plan.replicas),
      );
      volumes.push(watcherVolume(configName));
      containers.push(
        reloaderContainer({
          image: plan.image as string,
          script: `${WATCHER_DIR}/${WATCHER_FILE}`,
          env: [RESTART_SLOT],
          // not the data volume, nor mssql.conf (a subPath)
          mounts: [
            WATCHER_MOUNT,
            ...mounts.filter((m) => !(BASE_MOUNTS as readonly Obj[]).includes(m)),
          ],
        }),
      );
    }
    return [
      configMap(owner, configName, config),
      service(owner, name, PRIMARY_PORTS, ag ? { selector: podSelector(name, 0) } : {}),
      ...(ag ? [secondaryService(owner, name)] : []),
      service(owner, governing, ag ? AG_POD_PORTS : POD_PORTS, { headless: true }),
      statefulSet(owner, {
        name,
        replicas: plan.replicas,
        serviceName: governing,
        securityContext: POD_SECURITY,
        initContainers: initContainers.length ? initContainers : undefined,
        containers,
        volumes,
        dataVolume: dataVolumeFrom(ctx.db.spec as Obj),
        podManagementPolicy: ag ? 'Parallel' : undefined,
        shareProcessNamespace: server !== undefined || undefined,
      }),
    ] satisfies KubeObject[];
  },
});

/** The mssql container: the user's environment, the sa password, HADR with a group. */
function mssqlContainer(plan: MSSQLPlan, mounts: Obj[], trustEnv: Obj[]): Obj {
  const ag = plan.mode === 'AvailabilityGroup';
  const env: Obj[] = [
    ...plan.env.filter((e) => !FORBIDDEN_ENV.includes(String(e.name))),
    {
      name: 'MSSQL_SA_PASSWORD',
      valueFrom: { secretKeyRef: { name: plan.authSecret, key: 'password' } },
    },
    ...(ag ? [ENABLE_HADR] : []),
    ...trustEnv,
  ];
  const ports = ag ? AG_CONTAINER_PORTS : CONTAINER_PORTS;
  return {
    name: 'mssql',
    image: plan.image,
    env,
    ports,
    readinessProbe: READINESS,
    volumeMounts: mounts,
    securityContext: CONTAINER_SECURITY,
  };
}

/**
 * The configuration, the certificates (server and client in one directory, the endpoint's with
 * AvailabilityGroup) and, with clientTLS, the CA in the pod's trust store.
 */
function serverFiles(
  configName: string,
  plan: MSSQLPlan,
  certificates: readonly IssuedCertificate[],
): { volumes: Obj[]; mounts: Obj[]; initContainers: Obj[]; trustEnv: Obj[] } {
  const server = certificates.find((c) => c.alias === 'server');
  const client = certificates.find((c) => c.alias === 'client');
  const endpoint = certificates.find((c) => c.alias === 'endpoint');
  const volumes: Obj[] = [{ name: 'config', configMap: { name: configName } }];
  const mounts: Obj[] = [...BASE_MOUNTS];
  const initContainers: Obj[] = [];
  const trustEnv: Obj[] = [];
  if (server) {
    volumes.push({
      name: 'tls',
      projected: { defaultMode: KEY_MODE, sources: tlsSources(server, client) },
    });
    mounts.push(TLS_MOUNT);
    if (plan.clientTLS) {
      // As KubeDB does with clientTLS (csi-driver-cacerts), the CA joins the pod's operating
      // system trust store, so that in-pod clients (sqlcmd -S localhost -N) verify the server.
      volumes.push(TRUSTED_CERTS_VOLUME);
      initContainers.push(trustCAContainer(plan.image));
      mounts.push(TRUSTED_CERTS_MOUNT);
      trustEnv.push(...TRUST_ENV);
    }
  }
  if (endpoint && plan.mode === 'AvailabilityGroup') {
    volumes.push({
      name: 'endpoint-cert',
      secret: { secretName: endpoint.secretName, defaultMode: KEY_MODE },
    });
    mounts.push(ENDPOINT_MOUNT);
  }
  return { volumes, mounts, initContainers, trustEnv };
}

/** KubeDB's <db>-secondary: the pods its coordinator labels secondary (read-only routing). */
function secondaryService(owner: Owner, name: string): KubeObject {
  const secondary = nameWithSuffix(name, 'secondary');
  return service(owner, secondary, SECONDARY_PORTS, { selector: SECONDARY_SELECTOR });
}

/** What the watcher checks: the server and client pairs, and with an availability group the endpoint's. */
function rotation(endpoint: boolean, client: boolean, replicas: number) {
  const pairs: (readonly [string, string])[] = [[`${TLS_DIR}/server.crt`, `${TLS_DIR}/server.key`]];
  if (client) pairs.push([`${TLS_DIR}/client.crt`, `${TLS_DIR}/client.key`]);
  if (endpoint) pairs.push([`${ENDPOINT_DIR}/tls.crt`, `${ENDPOINT_DIR}/tls.key`]);
  return {
    watched: endpoint ? [TLS_DIR, ENDPOINT_DIR] : [TLS_DIR],
    pairs,
    takeup: { restart: { process: 'sqlservr', replicas, what: 'SQL Server' } },
  };
}

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
  const network = new Map<string, string | number>();
  if (tls) {
    network.set('tlscert', `${TLS_DIR}/server.crt`);
    network.set('tlskey', `${TLS_DIR}/server.key`);
    network.set('tlsprotocols', plan.tlsProtocols.join(','));
  }
  network.set('forceencryption', tls && plan.clientTLS ? 1 : 0);
  return renderMssqlConf(
    'Rendered by dbtls from the MSSQLServer resource.',
    new Map([['network', network]]),
  );
}

/**
 * KubeDB's operator writes tlsprotocols = 1.2,1.1,1.0; a tlsProtocols rule can only check that,
 * unless the user's spec.configSecret brings an mssql.conf of its own, which dbtls cannot read.
 */
function checkOperatorTLSProtocols(ctx: KindContext, spec: Obj): void {
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
 * The init step of clientTLS: the image's own trust store, plus the CA as a file, a hashed link
 * (OpenSSL's lookup by subject) and an entry in the bundle, written into an emptyDir that the
 * server container mounts over /etc/ssl/certs. It runs as the pod's non-root user, so nothing of
 * the image is changed; the image's links into /usr/share/ca-certificates resolve in both.
 */
export function trustCAScript(): string {
  const out = TRUST_BUILD_DIR;
  return [
    'set -eu',
    `find ${out} -mindepth 1 -maxdepth 1 -exec rm -rf {} +`,
    `cp -RP ${OS_TRUST_DIR}/. ${out}/ 2>/dev/null || true`,
    `{ cat ${OS_TRUST_BUNDLE} 2>/dev/null || true; cat ${TLS_DIR}/ca.crt; } > ${out}/bundle.tmp`,
    `rm -f ${out}/ca-certificates.crt && mv ${out}/bundle.tmp ${out}/ca-certificates.crt`,
    `cp ${TLS_DIR}/ca.crt ${out}/dbtls-ca.crt`,
    'if command -v openssl >/dev/null 2>&1; then',
    `  hash="$(openssl x509 -hash -noout -in ${out}/dbtls-ca.crt)"`,
    `  i=0; while [ -e "${out}/$hash.$i" ]; do i=$((i + 1)); done`,
    `  ln -s dbtls-ca.crt "${out}/$hash.$i"`,
    'fi',
    '',
  ].join('\n');
}

/**
 * The env of the mssql container of spec.podTemplate, and where to report about it: the kind reads
 * it itself (the EULA, the variables KubeDB forbids); the rest of the template is pod-template.ts's.
 */
function readContainer(spec: Obj, report: Reporter): { env: Obj[]; containerPath: FieldPath } {
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

// The parts of the workload that every MSSQLServer shares (see `shared`).
const BASE_MOUNTS = shared([
  { name: 'data', mountPath: DATA_DIR },
  { name: 'config', mountPath: CONF_PATH, subPath: 'mssql.conf', readOnly: true },
]);
const TLS_MOUNT = shared({ name: 'tls', mountPath: TLS_DIR, readOnly: true });
const ENDPOINT_MOUNT = shared({ name: 'endpoint-cert', mountPath: ENDPOINT_DIR, readOnly: true });
const SERVER_FILES = shared([
  { key: 'ca.crt', path: 'ca.crt' },
  { key: 'tls.crt', path: 'server.crt' },
  { key: 'tls.key', path: 'server.key' },
]);
const CLIENT_FILES = shared([
  { key: 'tls.crt', path: 'client.crt' },
  { key: 'tls.key', path: 'client.key' },
]);
const RESTART_WARNING =
  'SQL Server reads its certificate only when it starts, so standalone mode' +
  ' restarts it when cert-manager renews a certificate: the tls-reloader container of each pod' +
  ` ends SQL Server in that pod's own ${DEFAULT_RESTART_SLOT}-second slot (${RESTART_SLOT_ENV}),` +
  ' one pod at a time, and the kubelet starts it again with the renewed files; each pod is' +
  ' unavailable for its restart once per renewal';
const RESTART_SLOT = shared({ name: RESTART_SLOT_ENV, value: String(DEFAULT_RESTART_SLOT) });
const ENABLE_HADR = shared({ name: 'MSSQL_ENABLE_HADR', value: '1' });
const CONTAINER_PORTS = shared([{ name: 'db', containerPort: PORT, protocol: 'TCP' }]);
const AG_CONTAINER_PORTS = shared([
  ...CONTAINER_PORTS,
  { name: 'mirroring', containerPort: MIRRORING_PORT, protocol: 'TCP' },
]);
const READINESS = tcpReadiness(PORT);
// SQL Server binds its ports with NET_BIND_SERVICE.
const CONTAINER_SECURITY = shared({
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
});
const POD_SECURITY = podSecurityContext(MSSQL_UID);
const PRIMARY_PORTS = shared([{ name: 'primary', port: PORT }]);
const POD_PORTS = shared([{ name: 'db', port: PORT }]);
const AG_POD_PORTS = shared([...POD_PORTS, { name: 'mirroring', port: MIRRORING_PORT }]);
const SECONDARY_PORTS = shared([{ name: 'secondary', port: PORT }]);
const SECONDARY_SELECTOR = shared({ [ROLE_LABEL]: 'secondary' });
const TRUSTED_CERTS_VOLUME = emptyDirVolume('trusted-certs');
const TRUSTED_CERTS_MOUNT = shared({
  name: 'trusted-certs',
  mountPath: OS_TRUST_DIR,
  readOnly: true,
});
// OpenSSL (msodbcsql's sqlcmd) and Go (go-sqlcmd) read these before their built-in paths.
const TRUST_ENV = shared([
  { name: 'SSL_CERT_FILE', value: OS_TRUST_BUNDLE },
  { name: 'SSL_CERT_DIR', value: OS_TRUST_DIR },
]);
const TRUST_CA_COMMAND = shared(['/bin/sh', '-c', trustCAScript()]);
const TRUST_CA_MOUNTS = shared([TLS_MOUNT, { name: 'trusted-certs', mountPath: TRUST_BUILD_DIR }]);
/** The init step runs the server's own image: its trust store is the one to extend. */
function trustCAContainer(image: string | undefined): Obj {
  return {
    name: 'trust-ca',
    image,
    command: TRUST_CA_COMMAND,
    volumeMounts: TRUST_CA_MOUNTS,
    securityContext: RESTRICTED_CONTAINER,
  };
}

/** spec.version: required, and in standalone mode one that maps to Microsoft's image. */
function readImage(spec: Obj, standalone: boolean, report: Reporter) {
  const version = readString(spec, 'version', at('spec', 'version'), report);
  if (spec.version === undefined || spec.version === null)
    report.error(
      at('spec', 'version'),
      'spec.version is required: a KubeDB MSSQLServerVersion such as "2022-cu12"',
    );
  const image = version !== undefined ? mssqlImage(version) : undefined;
  if (version !== undefined && image === undefined && standalone) {
    report.error(
      at('spec', 'version'),
      `${JSON.stringify(version)} is not a KubeDB MSSQLServerVersion that standalone mode can map to Microsoft's image; use one such as "2022-cu12" or "2025-cu0" (YEAR-cuN for 2022 or 2025), or use mode: operator`,
    );
  }
  return image;
}

/** spec.topology's mode and spec.replicas, as KubeDB's webhook checks them together. */
function readTopology(
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
function readEnv(ctx: KindContext, spec: Obj, standalone: boolean, report: Reporter): Obj[] {
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
function adviseStandalone(
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
