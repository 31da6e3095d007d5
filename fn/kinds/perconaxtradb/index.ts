// KubeDB PerconaXtraDB (kubedb.com/v1, also v1alpha2): the kind definition the registry lists;
// its plan, configuration files, workload (a Galera cluster) and renewal live beside it (README.md).
//
// Facts (kubedb/apimachinery apis/kubedb/v1/perconaxtradb_*.go, pkg/webhooks/kubedb/v1/perconaxtradb.go,
// apis/kubedb/constants.go; kubedb/docs guides/percona-xtradb/tls): aliases server, client,
// metrics-exporter, each `<db>-<alias>-cert`; services `<db>` and governing `<db>-pods`;
// replicas default 3 and the webhook refuses fewer; the cluster name (the database's name) is at
// most 32 characters; certificates mounted under /etc/mysql/certs/<alias> with the secret's own
// file names (ca.crt, tls.crt, tls.key); `requireSSL` makes the server require_secure_transport.
// The docs require spec.tls.issuerRef with requireSSL (the public webhook does not check it).

import type { Obj } from '../../io/objects.js';
import { isObj } from '../../io/objects.js';
import { serverCertificateDefaults, USAGES } from '../../render/certificate.js';
import { serviceWildcards } from '../../render/workload.js';
import { flat } from '../../util/strings.js';
import { readMonitor } from '../../render/monitor.js';
import { nameWithSuffix } from '../../util/names.js';
import { defineKind } from '../kind.js';
import { mysqlFamilyClient, REQUIRE_SSL_SETTING } from '../mysql-family/client.js';
import { mysqlUsers } from '../mysql-family/client.js';
import { readUserConfig } from './config.js';
import {
  GALERA_PORTS,
  PORT,
  type PerconaXtraDBPlan,
  VERSION_NAMING,
  adviseStandalone,
  readClusterSize,
  readRequireSSL,
  readVersion,
} from './plan.js';
import { perconaXtraDBWorkload } from './workload.js';

// KubeDB PerconaXtraDB (kubedb.com/v1, also v1alpha2): TLS fields, certificates and the
// standalone workload, a Percona XtraDB Cluster (Galera) of spec.replicas nodes.
//
// Facts (kubedb/apimachinery apis/kubedb/v1/perconaxtradb_*.go, pkg/webhooks/kubedb/v1/perconaxtradb.go,
// apis/kubedb/constants.go; kubedb/docs guides/percona-xtradb/tls): aliases server, client,
// metrics-exporter, each `<db>-<alias>-cert`; services `<db>` and governing `<db>-pods`;
// replicas default 3 and the webhook refuses fewer; the cluster name (the database's name) is at
// most 32 characters; certificates mounted under /etc/mysql/certs/<alias> with the secret's own
// file names (ca.crt, tls.crt, tls.key); `requireSSL` makes the server require_secure_transport.
// The docs require spec.tls.issuerRef with requireSSL (the public webhook does not check it).
const ALIASES = ['server', 'client', 'metrics-exporter'] as const;
export const perconaXtraDB = defineKind<PerconaXtraDBPlan>({
  group: 'kubedb.com',
  kind: 'PerconaXtraDB',
  versionNaming: VERSION_NAMING,
  operator: 'KubeDB',
  resource: 'perconaxtradbs',
  versions: ['v1', 'v1alpha2'],
  summary:
    'Percona XtraDB Cluster: server, client and metrics-exporter certificates; Galera replication and client connections over TLS',
  aliases: () => ALIASES,

  plan(ctx) {
    const { report } = ctx;
    const spec = ctx.db.spec as Obj;
    const name = ctx.db.metadata.name;
    const version = readVersion(ctx, spec);
    const replicas = readClusterSize(ctx, spec);
    const { requireSSL, requireSSLReadable } = readRequireSSL(ctx, spec);
    const authSecret =
      isObj(spec.authSecret) &&
      typeof spec.authSecret.name === 'string' &&
      spec.authSecret.name !== ''
        ? spec.authSecret.name
        : nameWithSuffix(name, 'auth');

    if (ctx.settings.mode === 'standalone')
      adviseStandalone(ctx, { requireSSL, requireSSLReadable, authSecret });
    const monitor =
      ctx.settings.mode === 'standalone'
        ? readMonitor(spec, report, { reservedPorts: [PORT, ...GALERA_PORTS.map((p) => p.port)] })
        : undefined;
    const plan: PerconaXtraDBPlan = {
      version: version ?? '',
      replicas,
      requireSSL,
      authSecret,
      monitor,
    };
    if (ctx.settings.mode === 'standalone') plan.userConfig = readUserConfig(ctx, plan);
    return plan;
  },

  issuesCertificates: (ctx) => ctx.tls !== undefined,

  clientServices: (ctx) => ({ primary: ctx.db.metadata.name }),

  connectionSettings: [REQUIRE_SSL_SETTING],

  certificateDefaults(ctx, _plan, alias) {
    // KubeDB sets no default subject (SetTLSDefaults fills only secret names).
    const name = ctx.db.metadata.name;
    // Galera nodes connect to each other with the server certificate: it is client and server.
    if (alias === 'server') {
      // As KubeDB issues it (kubedb/docs percona-xtradb/reconfigure-tls/cluster): common name
      // <db>.<ns>.svc, and *.<db>.<ns>.svc among the names.
      const commonName = flat(name, '.', ctx.namespace, '.svc');
      const governing = nameWithSuffix(name, 'pods');
      const usages = USAGES.serverAndClient;
      const defaults = serverCertificateDefaults(ctx, [name], governing, usages, commonName);
      const wildcards = serviceWildcards(name, ctx.namespace, ctx.settings.clusterDomain);
      return { ...defaults, dnsNames: [...(defaults.dnsNames ?? []), ...wildcards] };
    }
    // The client certificate is the root user's; the exporter's is the monitor user's (<db>-monitor).
    return { commonName: alias === 'client' ? 'root' : 'monitor', usages: USAGES.client };
  },

  client: mysqlFamilyClient('PerconaXtraDB'),
  // Percona XtraDB Cluster is MySQL: MySQL's accounts and limit.
  users: mysqlUsers('MySQL'),

  podTemplate: { container: 'perconaxtradb' },

  workload: perconaXtraDBWorkload,
  // Its watcher builds the trust file (ssl-ca, Galera's socket.ssl_ca) from a trust bundle.
  serverTrustBundle: true,
});
