// KubeDB MSSQLServer (kubedb.com/v1alpha2): the kind definition the registry lists; its plan,
// versions, workload, configuration and renewal live beside it (README.md: the facts).
//
// Facts (kubedb/apimachinery apis/kubedb/v1alpha2/mssqlserver_*.go, its webhook, kubedb/docs and
// the kubedb/installer catalog): aliases server, client, and endpoint only when
// spec.topology.mode is AvailabilityGroup; spec.tls (with issuerRef) is required; clientTLS
// defaults to false; every certificate gets subject O=kubedb, OU=<alias> unless the user sets
// those lists; the client certificate's CN is mssql; services `<db>`, `<db>-secondary`,
// `<db>-pods`; port 1433, mirroring endpoint 5022; SQL Server runs as uid 10001 and reads
// /var/opt/mssql/mssql.conf, with TLS files under /var/opt/mssql/tls.
import type { Obj } from '../../io/objects.js';
import { isObj, shared } from '../../io/objects.js';
import { serverCertificateDefaults, USAGES } from '../../render/certificate.js';
import { tlsProtocolsFor } from '../../policy/rules.js';
import { readBool } from '../../validate/fields.js';
import { nameWithSuffix } from '../../util/names.js';
import { defineKind } from '../kind.js';
import { at } from '../../util/field-path.js';
import { mssqlConf, readMssqlConfiguration } from './config.js';
import {
  DEFAULT_TLS_PROTOCOLS,
  KUBEDB_TLS_PROTOCOLS,
  type MSSQLPlan,
  PORT,
  adviseStandalone,
  checkOperatorTLSProtocols,
  isAvailabilityGroup,
  readEnv,
  readTopology,
} from './plan.js';
import { VERSION_NAMING, readImage } from './versions.js';
import { mssqlWorkload } from './workload.js';

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

  workload: mssqlWorkload,
});
