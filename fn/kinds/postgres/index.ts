// KubeDB Postgres (kubedb.com/v1): the kind definition the registry lists; the plan, the
// versions, the workload, its configuration and its renewal live beside it (README.md: the facts).
//
// Facts (KubeDB apimachinery and docs): aliases server, client, metrics-exporter; services
// `<db>` (primary), `<db>-standby`, `<db>-pods` (governing); sslMode defaults to verify-full with
// spec.tls and disable without; clientAuthMode defaults to md5 before PostgreSQL 18 and scram
// from 18; certificates are mounted under /tls/certs/<alias>.
import { isObj, type Obj } from '../../io/objects.js';
import { serverCertificateDefaults, USAGES } from '../../render/certificate.js';
import { readMonitor } from '../../render/monitor.js';
import { readEnum, readInt } from '../../validate/fields.js';
import { nameWithSuffix } from '../../util/names.js';
import { at } from '../../util/field-path.js';
import { PORT, readPostgresConfiguration } from './config.js';
import { defineKind } from '../kind.js';
import {
  adviseStandalone,
  type PostgresPlan,
  readClientAuthMode,
  readSslMode,
  SSL_MODE_UNSET,
  SSL_MODES,
} from './plan.js';
import { readVersion, VERSION_NAMING } from './versions.js';
import { postgresWorkload } from './workload.js';

const ALIASES = ['server', 'client', 'metrics-exporter'] as const;

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

  workload: postgresWorkload,
  // Its watcher builds the trust file (ssl_ca_file, the standbys' sslrootcert) from a trust bundle.
  serverTrustBundle: true,
});
