// KubeDB Postgres (kubedb.com/v1): TLS fields, certificates and the standalone workload.
//
// Facts (KubeDB apimachinery and docs): aliases server, client, metrics-exporter; services
// `<db>` (primary), `<db>-standby`, `<db>-pods` (governing); sslMode defaults to verify-full with
// spec.tls and disable without; clientAuthMode defaults to md5 before PostgreSQL 18 and scram
// from 18; certificates are mounted under /tls/certs/<alias>.
import type { KubeObject, Obj } from '../../io/objects.js';
import { isObj, shared, sharedBy } from '../../io/objects.js';
import { serverCertificateDefaults, USAGES } from '../../render/certificate.js';
import {
  CERT_FILES,
  configMap,
  configMapVolume,
  dataVolumeFrom,
  podSecurityContext,
  podSelector,
  RESTRICTED_CONTAINER,
  secretVolume,
  service,
  statefulSet,
} from '../../render/workload.js';
import {
  type ExporterParts,
  exporterContainer,
  type Monitor,
  monitorObjects,
  readMonitor,
  STATS_PATH,
} from '../../render/monitor.js';
import { reloaderContainer, trustVolume, WATCHER_FILE, watcherScript } from '../../render/rotation.js';
import {
  operatorOnlyFields,
  readEnum,
  readInt,
  readString,
  warnOperatorOnly,
} from '../../validate/fields.js';
import { nameWithSuffix } from '../../util/names.js';
import type { Reporter } from '../../io/results.js';
import { resolveVersion, type VersionRules } from '../../catalog/read-version.js';
import { versionNumbers } from '../../catalog/versions.js';
import {
  inlineData,
  type UserConfiguration,
  USER_CONFIG_VOLUME,
  userSecretVolume,
} from '../../render/user-config.js';
import {
  CERT_DIR,
  CONFIG_DIR,
  PORT,
  type PostgresFilesPlan,
  pgHbaConf,
  postgresqlConf,
  readPostgresConfiguration,
  startScript,
  TRUST_DIR,
  TRUST_FILE,
  USER_CONFIG_DIR,
} from './config.js';
import { defineKind, type IssuedCertificate, type KindContext } from '../kind.js';
import type { VersionNaming } from '../../contract/versions.js';

/**
 * What spec.version names: a PostgresVersion of KubeDB's catalog,
 * and the names KubeDB gives its builds besides the Official ones (kubedb/installer
 * charts/kubedb-catalog).
 */
const VERSION_NAMING: VersionNaming = {
  catalogKind: 'PostgresVersion',
  schemes: [
    { pattern: /^timescaledb-[\d.]+-pg(\d+)$/, distribution: 'TimescaleDB' },
    { pattern: /^(\d+(?:\.\d+)*)(?:-(?:alpine|bookworm|bullseye))?-ext$/, distribution: 'KubeDB' },
    { pattern: /^(\d+(?:\.\d+)*)(?:-(?:bookworm|bullseye))?-postgis$/, distribution: 'PostGIS' },
    { pattern: /^(\d+(?:\.\d+)*)-documentdb$/, distribution: 'DocumentDB' },
    { pattern: /^(\d+(?:\.\d+)*)-percona$/, distribution: 'Percona' },
  ],
};
import { at } from '../../util/field-path.js';

const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
const AUTH_MODES = ['md5', 'scram', 'cert'] as const;
type SSLMode = (typeof SSL_MODES)[number];
/** KubeDB's SetDefaults (apis/kubedb/v1 postgres_helpers.go): verify-full with spec.tls, else disable. */
const SSL_MODE_UNSET = { withTLS: 'verify-full', withoutTLS: 'disable' } as const;
type AuthMode = (typeof AUTH_MODES)[number];

const ALIASES = ['server', 'client', 'metrics-exporter'] as const;
const POSTGRES_UID = 999; // the postgres user of the official Debian-based image
const DATA_DIR = '/var/lib/postgresql';
const PGDATA = `${DATA_DIR}/pgdata`;
const KEY_MODE = 0o640; // root-owned, group postgres: the one shared-readable mode PostgreSQL accepts

const OPERATOR_ONLY = operatorOnlyFields(
  'init',
  'archiver',
  'arbiter',
  ['remoteReplica', 'remote replicas'],
  ['readReplicas', 'read replicas'],
  ['distributed', 'distributed Postgres'],
  ['tde', 'transparent data encryption'],
  'autoOps',
  ['leaderElection', 'leader election and failover'],
  ['replication', 'replication slot settings'],
  ['synchronousReplicationConfig', 'synchronous replication'],
  'deletionPolicy',
  'halted',
  'healthChecker',
);

interface PostgresPlan extends PostgresFilesPlan {
  sslMode: SSLMode;
  clientAuthMode: AuthMode;
  major: number;
  /** The engine version (standalone mode's image tag). */
  version: string;
  replicas: number;
  authSecret: string;
  hotStandby: boolean;
  /** spec.monitor in standalone mode: the exporter sidecar and the stats Service. */
  monitor?: Monitor;
  /** The user's spec.configuration / configSecret (standalone mode). */
  userConfig?: UserConfiguration;
}

export const postgres = defineKind<PostgresPlan>({
  group: 'kubedb.com',
  kind: 'Postgres',
  versionNaming: VERSION_NAMING,
  operator: 'KubeDB',
  resource: 'postgreses',
  versions: ['v1', 'v1alpha2'],
  summary:
    'PostgreSQL: server, client and metrics-exporter certificates; a primary with hot standbys streaming over TLS',
  aliases: () => ALIASES,

  plan(ctx) {
    const { report } = ctx;
    const spec = ctx.db.spec as Obj;
    const { version, engine, major } = readVersion(ctx, spec);
    const hasTLS = ctx.tls !== undefined;
    const sslMode = readSslMode(spec, hasTLS, report);
    const clientAuthMode = readClientAuthMode(ctx, spec, { sslMode, major, version });
    const replicas = readInt(spec, 'replicas', at('spec', 'replicas'), report, 1) ?? 1;
    const standbyMode =
      readEnum(spec, 'standbyMode', at('spec', 'standbyMode'), ['Hot', 'Warm'] as const, report) ??
      'Hot';
    const streamingMode = readEnum(
      spec,
      'streamingMode',
      at('spec', 'streamingMode'),
      ['Synchronous', 'Asynchronous'] as const,
      report,
    );
    const authSecret =
      isObj(spec.authSecret) && typeof spec.authSecret.name === 'string'
        ? spec.authSecret.name
        : `${ctx.db.metadata.name}-auth`;

    if (ctx.settings.mode === 'standalone')
      adviseStandalone(spec, { replicas, streamingMode, authSecret }, report);
    const monitor =
      ctx.settings.mode === 'standalone'
        ? readMonitor(spec, report, { reservedPorts: [PORT] })
        : undefined;
    const plan: PostgresPlan = {
      sslMode,
      clientAuthMode,
      major,
      version: engine ?? '',
      replicas,
      authSecret,
      hotStandby: standbyMode === 'Hot',
      monitor,
    };
    if (ctx.settings.mode === 'standalone')
      plan.userConfig = readPostgresConfiguration(ctx, plan, hasTLS && sslMode !== 'disable');
    return plan;
  },

  issuesCertificates: (ctx) => ctx.tls !== undefined,

  clientServices(ctx): Record<string, string> {
    const name = ctx.db.metadata.name;
    return { primary: name, standby: nameWithSuffix(name, 'standby') };
  },

  connectionSettings: [
    {
      key: 'sslMode',
      path: at('spec', 'sslMode'),
      levels: SSL_MODES,
      value: (_ctx, plan) => plan.sslMode,
      unset: SSL_MODE_UNSET,
    },
  ],

  certificateDefaults(ctx, _plan, alias) {
    // KubeDB sets no default subject for Postgres; the user's spec.tls.certificates[].subject applies.
    const name = ctx.db.metadata.name;
    if (alias === 'server')
      return serverCertificateDefaults(
        ctx,
        [name, nameWithSuffix(name, 'standby')],
        nameWithSuffix(name, 'pods'),
        USAGES.server,
      );
    // Client certificates authenticate as the postgres superuser under clientAuthMode cert.
    return { commonName: 'postgres', usages: USAGES.client };
  },

  // KubeDB's superuser is postgres; PostgreSQL reserves the pg_ prefix for its predefined roles
  // and cuts a longer name to NAMEDATALEN - 1 = 63 bytes, which would then be another role's.
  users: {
    noun: 'PostgreSQL role',
    administrative: ['postgres'],
    invalid: (user) =>
      Buffer.byteLength(user) > 63
        ? `is ${Buffer.byteLength(user)} bytes long; PostgreSQL cuts role names to 63 bytes, and the cut name is another role (pg_hba's cert method compares the whole common name)`
        : user.startsWith('pg_')
          ? 'begins with "pg_", which PostgreSQL reserves for its predefined roles'
          : undefined,
  },

  client: {
    endpoint: (ctx) => ({ service: ctx.db.metadata.name, port: PORT }),
    weakVerification(_ctx, plan) {
      if (plan.sslMode === 'verify-full' || plan.sslMode === 'verify-ca') return undefined;
      return {
        path: at('spec', 'sslMode'),
        setting: `sslMode ${plan.sslMode}`,
        fix: 'set spec.sslMode to verify-full',
      };
    },
    refusedUser(_ctx, plan, user) {
      // pg_hba `cert` compares the common name with the user name, which the server cuts to
      // NAMEDATALEN - 1 bytes: a longer name never matches.
      if (plan.clientAuthMode !== 'cert' || Buffer.byteLength(user) <= 63) return undefined;
      return {
        path: at('spec', 'clientAuthMode'),
        reason: `PostgreSQL cuts user names to 63 bytes and pg_hba's cert method compares the whole common name, so user "${user}" (${Buffer.byteLength(user)} bytes) would be refused`,
      };
    },
    settings(c, _ctx, plan) {
      // libpq's own variables: every libpq client (psql, psycopg, pgx, JDBC via libpq) reads them.
      return {
        env: [
          { name: 'PGHOST', value: c.host },
          { name: 'PGPORT', value: String(c.port) },
          { name: 'PGSSLMODE', value: plan.sslMode === 'verify-ca' ? 'verify-ca' : 'verify-full' },
          { name: 'PGSSLROOTCERT', value: c.ca },
          { name: 'PGSSLCERT', value: c.cert },
          { name: 'PGSSLKEY', value: c.key },
          { name: 'PGUSER', value: c.user },
        ],
      };
    },
  },

  podTemplate: { container: 'postgres' },

  workload(ctx, plan, certificates, owner) {
    const name = ctx.db.metadata.name;
    const server = certificates.find((c) => c.alias === 'server');
    const client = certificates.find((c) => c.alias === 'client');
    const tls = server !== undefined && plan.sslMode !== 'disable';
    const configName = nameWithSuffix(name, 'server-config');
    const { volumes, mounts } = serverFiles(configName, plan, [server, client], tls);
    const image = `postgres:${plan.version}`;
    const container = postgresContainer(image, plan, mounts);
    const certs = [server, client].filter((c) => c !== undefined && tls) as IssuedCertificate[];
    // Renewal: a sidecar of the same image reloads the server (pg_ctl reload, i.e. SIGHUP).
    const containers: Obj[] = [container];
    if (tls) {
      containers.push(postgresReloader(image, mounts));
    }
    const exporterCert = certificates.find((c) => c.alias === 'metrics-exporter');
    if (plan.monitor) {
      if (tls && exporterCert)
        volumes.push(secretVolume(EXPORTER_VOLUME, exporterCert.secretName, CERT_FILES, KEY_MODE));
      containers.push(
        exporterContainer(
          plan.monitor,
          exporter(plan, plan.monitor, tls && !!exporterCert),
          ctx.report,
        ),
      );
    }
    const config: Record<string, string> = {
      'postgresql.conf': postgresqlConf(plan, tls),
      'pg_hba.conf': pgHbaConf(plan, tls),
      'start.sh': startScript(name, plan, tls, client),
      ...inlineData(plan.userConfig),
    };
    if (tls) config[WATCHER_FILE] = watcherScript(rotation(certs));
    return [
      configMap(owner, configName, config),
      service(owner, name, PRIMARY_PORTS, { selector: podSelector(name, 0) }),
      service(owner, nameWithSuffix(name, 'standby'), STANDBY_PORTS),
      service(owner, nameWithSuffix(name, 'pods'), POD_PORTS, { headless: true }),
      statefulSet(owner, {
        name,
        replicas: plan.replicas,
        serviceName: nameWithSuffix(name, 'pods'),
        securityContext: POD_SECURITY,
        containers,
        volumes,
        dataVolume: dataVolumeFrom(ctx.db.spec as Obj),
        shareProcessNamespace: tls || undefined,
      }),
      ...(plan.monitor ? monitorObjects(owner, plan.monitor) : []),
    ] satisfies KubeObject[];
  },
});

/** The configuration, the user's configuration Secret, and with TLS the certificates and trust. */
function serverFiles(
  configName: string,
  plan: PostgresPlan,
  certificates: readonly (IssuedCertificate | undefined)[],
  tls: boolean,
): { volumes: Obj[]; mounts: Obj[] } {
  const volumes: Obj[] = [configMapVolume('config', configName, 0o555)];
  const mounts: Obj[] = [...BASE_MOUNTS];
  const userSecret = plan.userConfig?.secret;
  if (userSecret) {
    const { volume, mount } = userSecretVolume(userSecret.name, USER_CONFIG_DIR);
    volumes.push(volume);
    mounts.push(mount);
  }
  for (const cert of certificates) {
    if (!cert || !tls) continue;
    // server.crt / client.crt, as KubeDB names them
    volumes.push(
      secretVolume(`${cert.alias}-cert`, cert.secretName, certFiles(cert.alias), KEY_MODE),
    );
    mounts.push(certMount(cert.alias));
  }
  if (tls) {
    volumes.push(trustVolume('tls-trust'));
    mounts.push(TRUST_MOUNT);
  }
  return { volumes, mounts };
}

/** The postgres container, started by start.sh with the password from spec.authSecret. */
function postgresContainer(image: string, plan: PostgresPlan, mounts: Obj[]): Obj {
  return {
    name: 'postgres',
    image,
    command: COMMAND,
    env: [
      POSTGRES_USER,
      {
        name: 'POSTGRES_PASSWORD',
        valueFrom: { secretKeyRef: { name: plan.authSecret, key: 'password' } },
      },
      PGDATA_ENV,
    ],
    ports: CONTAINER_PORTS,
    readinessProbe: READINESS,
    volumeMounts: mounts,
    securityContext: RESTRICTED_CONTAINER,
  };
}

/** The renewal sidecar: pg_ctl reload (SIGHUP) from the same image. */
function postgresReloader(image: string, mounts: Obj[]): Obj {
  return reloaderContainer({
    image,
    script: `${CONFIG_DIR}/${WATCHER_FILE}`,
    env: [PGDATA_ENV],
    // pg_ctl only reads postmaster.pid from the data volume; the user's files are the
    // server's alone
    mounts: mounts
      .filter((m) => m.name !== USER_CONFIG_VOLUME)
      .map((m) => (m === BASE_MOUNTS[0] ? DATA_READ_ONLY : m)),
  });
}

// The parts of the workload that every Postgres shares (see `shared`).
const BASE_MOUNTS = shared([
  { name: 'data', mountPath: DATA_DIR },
  { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
]);
const certMount = sharedBy((alias: string) => ({
  name: `${alias}-cert`,
  mountPath: `${CERT_DIR}/${alias}`,
  readOnly: true,
}));
const certFiles = sharedBy((base: string) => [
  { key: 'ca.crt', path: 'ca.crt' },
  { key: 'tls.crt', path: `${base}.crt` },
  { key: 'tls.key', path: `${base}.key` },
]);
const DATA_READ_ONLY = shared({ name: 'data', mountPath: DATA_DIR, readOnly: true });
const TRUST_MOUNT = shared({ name: 'tls-trust', mountPath: TRUST_DIR });
const COMMAND = shared(['/bin/sh', `${CONFIG_DIR}/start.sh`]);
const POSTGRES_USER = shared({ name: 'POSTGRES_USER', value: 'postgres' });
const PGDATA_ENV = shared({ name: 'PGDATA', value: PGDATA });
const CONTAINER_PORTS = shared([{ name: 'postgres', containerPort: PORT, protocol: 'TCP' }]);
const READINESS = shared({
  exec: { command: ['pg_isready', '--host=127.0.0.1', `--port=${PORT}`] },
  periodSeconds: 10,
});
const POD_SECURITY = podSecurityContext(POSTGRES_UID);
const PRIMARY_PORTS = shared([{ name: 'primary', port: PORT }]);
const STANDBY_PORTS = shared([{ name: 'standby', port: PORT }]);
const POD_PORTS = shared([{ name: 'db', port: PORT }]);

// The exporter: KubeDB's catalog image for current PostgresVersions (kubedb/installer 0c6e2459,
// charts/kubedb-catalog/templates/postgres), its certificate where KubeDB mounts it.
const EXPORTER_IMAGE = 'prometheuscommunity/postgres-exporter:v0.18.1';
const EXPORTER_VOLUME = 'exporter-cert';
const EXPORTER_CERT_DIR = '/tls/certs/exporter';
const EXPORTER_MOUNTS = shared([
  { name: EXPORTER_VOLUME, mountPath: EXPORTER_CERT_DIR, readOnly: true },
]);
const EXPORTER_USER = shared({ name: 'DATA_SOURCE_USER', value: 'postgres' });

/**
 * The exporter's connection, as KubeDB's Postgres operator makes it (kubedb/postgres
 * pkg/controller/statefulset.go, upsertMonitoringContainer): to localhost, with the database's
 * sslMode (allow and prefer as require), the exporter certificate's ca.crt under verify-ca and
 * verify-full, its tls.crt and tls.key under clientAuthMode cert. KubeDB builds DATA_SOURCE_NAME
 * in a shell with the password inline; here the exporter's DATA_SOURCE_URI, DATA_SOURCE_USER and
 * DATA_SOURCE_PASS carry the same settings without a shell (the exporter escapes the password).
 * The listen address is a flag: current exporters read it from no environment variable.
 */
function exporter(plan: PostgresPlan, monitor: Monitor, tls: boolean): ExporterParts {
  const sslMode = !tls
    ? 'disable'
    : plan.sslMode === 'allow' || plan.sslMode === 'prefer'
      ? 'require'
      : plan.sslMode;
  const query = [`sslmode=${sslMode}`];
  if (tls && (sslMode === 'verify-ca' || sslMode === 'verify-full'))
    query.push(`sslrootcert=${EXPORTER_CERT_DIR}/ca.crt`);
  if (tls && plan.clientAuthMode === 'cert')
    query.push(`sslcert=${EXPORTER_CERT_DIR}/tls.crt`, `sslkey=${EXPORTER_CERT_DIR}/tls.key`);
  return {
    image: EXPORTER_IMAGE,
    args: [
      `--web.listen-address=:${monitor.port}`,
      `--web.telemetry-path=${STATS_PATH}`,
      '--log.level=info',
    ],
    env: [
      { name: 'DATA_SOURCE_URI', value: `localhost:${PORT}/postgres?${query.join('&')}` },
      EXPORTER_USER,
      {
        name: 'DATA_SOURCE_PASS',
        valueFrom: { secretKeyRef: { name: plan.authSecret, key: 'password' } },
      },
    ],
    volumeMounts: tls ? EXPORTER_MOUNTS : undefined,
    uid: POSTGRES_UID,
    gid: POSTGRES_UID,
  };
}

/**
 * Renewal of the server and client certificates: PostgreSQL re-reads ssl_cert_file, ssl_key_file
 * and ssl_ca_file on a configuration reload and keeps its current TLS context if they fail to
 * load; libpq (standbys' walreceiver, pg_basebackup) reads the client files at every connection.
 */
function rotation(certs: readonly IssuedCertificate[]) {
  const dirs = certs.map((c) => `${CERT_DIR}/${c.alias}`);
  return {
    watched: dirs,
    pairs: certs.map(
      (c) =>
        [`${CERT_DIR}/${c.alias}/${c.alias}.crt`, `${CERT_DIR}/${c.alias}/${c.alias}.key`] as const,
    ),
    trust: { file: TRUST_FILE, from: dirs.map((d) => `${d}/ca.crt`) },
    takeup: {
      reload: [
        'pg_ctl reload --silent -D "$PGDATA" &&',
        '  log "PostgreSQL reloads its TLS files (SIGHUP)"',
      ],
    },
  };
}

/** How KubeDB names PostgreSQL versions (PostgresVersion), and what dbtls reads from them. */
const VERSIONS: VersionRules = {
  ...VERSION_NAMING,
  product: 'PostgreSQL',
  dependsOn: "dbtls checks neither clientAuthMode's default nor scram's minimum version",
  refusesDeprecated: true,
  standalone: { image: 'postgres', distributions: ['Official'] },
};

/**
 * spec.version: required; the PostgresVersion it names gives the engine version (its major for the
 * checks, the whole for standalone mode's image).
 */
function readVersion(
  ctx: KindContext,
  spec: Obj,
): { version?: string; engine?: string; major: number } {
  const { report } = ctx;
  const version = readString(spec, 'version', at('spec', 'version'), report);
  if (version === undefined && spec.version === undefined)
    report.error(
      at('spec', 'version'),
      'spec.version is required: the PostgreSQL version, e.g. "16.4"',
    );
  if (version === undefined) return { major: Number.NaN };
  const { engine } = resolveVersion(ctx, version, VERSIONS);
  return { version, engine, major: versionNumbers(engine)[0] };
}

/** spec.sslMode, defaulted by whether TLS is set, and refused where it contradicts spec.tls. */
function readSslMode(spec: Obj, hasTLS: boolean, report: Reporter): SSLMode {
  const sslMode =
    readEnum(spec, 'sslMode', at('spec', 'sslMode'), SSL_MODES, report) ??
    (hasTLS ? SSL_MODE_UNSET.withTLS : SSL_MODE_UNSET.withoutTLS);
  if (sslMode !== 'disable' && !hasTLS) {
    report.error(
      at('spec', 'sslMode'),
      `sslMode ${sslMode} needs TLS: set spec.tls.issuerRef, or set sslMode: disable`,
    );
  }
  if (hasTLS && sslMode === 'disable') {
    // KubeDB's webhook refuses this too: the certificates would be issued and never used.
    report.error(
      at('spec', 'sslMode'),
      'sslMode disable with spec.tls set is refused by KubeDB (the certificates would never be used): remove spec.tls or choose an sslMode such as verify-full',
    );
  }
  return sslMode;
}

/** spec.clientAuthMode, defaulted as KubeDB does, against the sslMode and the version. */
function readClientAuthMode(
  ctx: KindContext,
  spec: Obj,
  { sslMode, major, version }: { sslMode: SSLMode; major: number; version?: string },
): AuthMode {
  const { report } = ctx;
  // KubeDB v1 defaults to scram from PostgreSQL 18; its v1alpha2 API always to md5.
  const defaultAuth: AuthMode = major >= 18 && ctx.db.apiVersion.endsWith('/v1') ? 'scram' : 'md5';
  const given = readEnum(spec, 'clientAuthMode', at('spec', 'clientAuthMode'), AUTH_MODES, report);
  const clientAuthMode = given ?? defaultAuth;
  if (clientAuthMode === 'cert' && sslMode === 'disable') {
    report.error(
      at('spec', 'clientAuthMode'),
      'clientAuthMode cert authenticates clients by their TLS certificate and needs TLS: set spec.tls and an sslMode other than disable',
    );
  }
  if (clientAuthMode === 'scram' && major < 11) {
    report.error(
      at('spec', 'clientAuthMode'),
      `scram needs PostgreSQL 11 or later; version ${JSON.stringify(version)} supports md5 or cert`,
    );
  }
  if (clientAuthMode === 'md5' && major >= 18) {
    // Unset, md5 is the default of KubeDB's v1alpha2 API: say so, or the warning names a choice
    // the user never made.
    const unset = spec.clientAuthMode === undefined || spec.clientAuthMode === null;
    report.warn(
      at('spec', 'clientAuthMode'),
      unset
        ? `spec.clientAuthMode is not set, and ${ctx.db.apiVersion} defaults it to md5 (KubeDB's ` +
            'v1 defaults to scram from PostgreSQL 18): md5 password authentication is deprecated ' +
            'from PostgreSQL 18; set clientAuthMode: scram'
        : 'md5 password authentication is deprecated from PostgreSQL 18; use scram',
    );
  }
  return clientAuthMode;
}

/** What standalone mode leaves to the operator or the user: fields, failover, the password. */
function adviseStandalone(
  spec: Obj,
  {
    replicas,
    streamingMode,
    authSecret,
  }: {
    replicas: number;
    streamingMode?: string;
    authSecret: string;
  },
  report: Reporter,
): void {
  warnOperatorOnly(spec, OPERATOR_ONLY, report);
  if (replicas > 1) {
    report.warn(
      at('spec', 'replicas'),
      `pod 0 is the primary and the other ${replicas - 1} stream from it as standbys; standalone mode has no automatic failover (KubeDB's coordinator provides it)`,
    );
  }
  if (streamingMode === 'Synchronous')
    report.warn(
      at('spec', 'streamingMode'),
      'standalone mode streams asynchronously; synchronous commit needs the KubeDB operator',
    );
  if (!isObj(spec.authSecret)) {
    report.info(
      at('spec', 'authSecret'),
      `the workload reads the postgres password from Secret "${authSecret}" (key password), which standalone mode does not create`,
    );
  }
}
