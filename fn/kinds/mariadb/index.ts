// KubeDB MariaDB (kubedb.com/v1, also v1alpha2): the kind definition the registry lists; its plan,
// configuration files and workload (one server or a Galera cluster) live beside it (README.md).
//
// Facts (kubedb/apimachinery apis/kubedb/v1/mariadb_{types,helpers}.go,
// pkg/webhooks/kubedb/v1/mariadb.go, apis/kubedb/constants.go; kubedb/docs guides/mariadb/tls):
// aliases server, client, metrics-exporter (the docs still list an `archiver` secret and the Go
// enum marker says server;archiver;metrics-exporter, but the constants and SetTLSDefaults say
// client: current code wins), each `<db>-<alias>-cert`; services `<db>` and governing `<db>-pods`;
// replicas default 1, more than 1 without a topology means GaleraCluster; a topology needs at
// least 3 replicas; topology.mode GaleraCluster or MariaDBReplication (with MaxScale);
// wsrepSSTMethod rsync (default) or mariabackup; the cluster name (the database's name) is at
// most 32 characters; requireSSL needs MariaDB 10.5.2 or later; certificates mounted under
// /etc/mysql/certs/<alias>.

import type { Obj } from '../../io/objects.js';
import { serverCertificateDefaults, USAGES } from '../../render/certificate.js';
import { serviceWildcards } from '../../render/workload.js';
import { readMonitor } from '../../render/monitor.js';
import { readEnum, readInt, readUpstreamVersion, warnOperatorOnly } from '../../validate/fields.js';
import { nameWithSuffix } from '../../util/names.js';
import { flat } from '../../util/strings.js';
import { defineKind } from '../kind.js';
import { mysqlFamilyClient, REQUIRE_SSL_SETTING } from '../mysql-family/client.js';
import { adviseStandalone, readSecureTransport } from '../mysql-family/plan.js';
import { mysqlUsers } from '../mysql-family/client.js';
import { MYSQL_PORT } from '../mysql-family/config.js';
import { at } from '../../util/field-path.js';
import { readMariaDBConfiguration } from './config.js';
import {
  GALERA_PORTS,
  type MariaDBPlan,
  OPERATOR_ONLY,
  SST_METHODS,
  VERSION_NAMING,
  checkRequireSSLVersion,
  checkStandalone,
  readClusterMode,
} from './plan.js';
import { mariadbWorkload } from './workload.js';

// KubeDB MariaDB (kubedb.com/v1, also v1alpha2): TLS fields, certificates and the standalone
// workload, one server or a Galera cluster.
//
// Facts (kubedb/apimachinery apis/kubedb/v1/mariadb_{types,helpers}.go,
// pkg/webhooks/kubedb/v1/mariadb.go, apis/kubedb/constants.go; kubedb/docs guides/mariadb/tls):
// aliases server, client, metrics-exporter (the docs still list an `archiver` secret and the Go
// enum marker says server;archiver;metrics-exporter, but the constants and SetTLSDefaults say
// client: current code wins), each `<db>-<alias>-cert`; services `<db>` and governing `<db>-pods`;
// replicas default 1, more than 1 without a topology means GaleraCluster; a topology needs at
// least 3 replicas; topology.mode GaleraCluster or MariaDBReplication (with MaxScale);
// wsrepSSTMethod rsync (default) or mariabackup; the cluster name (the database's name) is at
// most 32 characters; requireSSL needs MariaDB 10.5.2 or later; certificates mounted under
// /etc/mysql/certs/<alias>.
const ALIASES = ['server', 'client', 'metrics-exporter'] as const;
export const mariadb = defineKind<MariaDBPlan>({
  group: 'kubedb.com',
  kind: 'MariaDB',
  versionNaming: VERSION_NAMING,
  operator: 'KubeDB',
  resource: 'mariadbs',
  versions: ['v1', 'v1alpha2'],
  summary:
    'MariaDB: server, client and metrics-exporter certificates; one server or a Galera ' +
    'cluster, client connections and Galera replication over TLS',
  aliases: () => ALIASES,
  unissuedAliases: () => ({
    archiver:
      "archiver is KubeDB's older name of the client certificate (its docs still show it); " +
      'current KubeDB issues server, client and metrics-exporter',
  }),

  plan(ctx) {
    const { report } = ctx;
    const spec = ctx.db.spec as Obj;
    const standalone = ctx.settings.mode === 'standalone';
    const { engine } = readUpstreamVersion(ctx, spec, {
      ...VERSION_NAMING,
      product: 'MariaDB',
      image: 'mariadb',
      example: '11.4.3',
      // KubeDB's MariaDBVersions have no distribution: each is the one upstream MariaDB.
      distributions: ['Official', ''],
      dependsOn: 'dbtls does not check that requireSSL has the MariaDB version it needs',
      refusesDeprecated: true,
    });
    const replicas = readInt(spec, 'replicas', at('spec', 'replicas'), report, 1) ?? 1;
    const mode = readClusterMode(ctx, replicas);
    const sstMethod =
      readEnum(spec, 'wsrepSSTMethod', at('spec', 'wsrepSSTMethod'), SST_METHODS, report) ??
      'rsync';
    const transport = readSecureTransport(ctx);
    if (transport.requireSSL) checkRequireSSLVersion(engine, report);
    if (standalone) {
      checkStandalone(ctx, mode, replicas);
      warnOperatorOnly(spec, OPERATOR_ONLY, report);
      adviseStandalone(ctx, transport, 'root');
    }
    const plan: MariaDBPlan = {
      ...transport,
      version: engine ?? '',
      replicas,
      galera: mode === 'GaleraCluster',
      sstMethod,
      monitor: standalone
        ? readMonitor(spec, report, {
            reservedPorts: [MYSQL_PORT, ...GALERA_PORTS.map((p) => p.port)],
          })
        : undefined,
    };
    if (standalone) plan.userConfig = readMariaDBConfiguration(ctx, plan);
    return plan;
  },

  issuesCertificates: (ctx) => ctx.tls !== undefined,

  clientServices: (ctx) => ({ primary: ctx.db.metadata.name }),

  client: mysqlFamilyClient('MariaDB'),
  users: mysqlUsers('MariaDB'),

  connectionSettings: [REQUIRE_SSL_SETTING],

  certificateDefaults(ctx, _plan, alias) {
    // KubeDB sets no default subject (SetTLSDefaults fills only secret names).
    const name = ctx.db.metadata.name;
    // Galera nodes connect to each other with the server certificate: it is client and server.
    if (alias === 'server') {
      // As KubeDB issues it (kubedb/docs mariadb/reconfigure-tls/cluster): common name
      // <db>.<ns>.svc, and *.<db>.<ns>.svc among the names.
      const commonName = flat(name, '.', ctx.namespace, '.svc');
      const governing = nameWithSuffix(name, 'pods');
      const usages = USAGES.serverAndClient;
      const defaults = serverCertificateDefaults(ctx, [name], governing, usages, commonName);
      const wildcards = serviceWildcards(name, ctx.namespace, ctx.settings.clusterDomain);
      return { ...defaults, dnsNames: [...(defaults.dnsNames ?? []), ...wildcards] };
    }
    // The client certificate is the root user's; the exporter's is the monitor user's.
    return { commonName: alias === 'client' ? 'root' : 'monitor', usages: USAGES.client };
  },

  podTemplate: { container: 'mariadb' },

  workload: mariadbWorkload,
  // Its watcher builds the trust file (ssl-ca, Galera's socket.ssl_ca) from a trust bundle.
  serverTrustBundle: true,
});
