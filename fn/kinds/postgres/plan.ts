// The Postgres plan: what the kind reads from spec (sslMode, clientAuthMode, the fields standalone
// mode leaves to the operator), checked against each other and the version.
import { isObj, type Obj } from '../../io/objects.js';
import { operatorOnlyFields, readEnum, warnOperatorOnly } from '../../validate/fields.js';
import type { Reporter } from '../../io/results.js';
import type { Monitor } from '../../render/monitor.js';
import type { UserConfiguration } from '../../render/user-config.js';
import { at } from '../../util/field-path.js';
import type { KindContext } from '../kind.js';
import type { PostgresFilesPlan } from './config.js';

export const SSL_MODES = [
  'disable',
  'allow',
  'prefer',
  'require',
  'verify-ca',
  'verify-full',
] as const;
const AUTH_MODES = ['md5', 'scram', 'cert'] as const;
export type SSLMode = (typeof SSL_MODES)[number];
/** KubeDB's SetDefaults (apis/kubedb/v1 postgres_helpers.go): verify-full with spec.tls, else disable. */
export const SSL_MODE_UNSET = { withTLS: 'verify-full', withoutTLS: 'disable' } as const;
export type AuthMode = (typeof AUTH_MODES)[number];

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

export interface PostgresPlan extends PostgresFilesPlan {
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

/** spec.sslMode, defaulted by whether TLS is set, and refused where it contradicts spec.tls. */
export function readSslMode(spec: Obj, hasTLS: boolean, report: Reporter): SSLMode {
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
export function readClientAuthMode(
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
export function adviseStandalone(
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
