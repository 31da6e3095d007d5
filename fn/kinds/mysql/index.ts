// KubeDB MySQL (kubedb.com/v1, also v1alpha2): the kind definition the registry lists; its plan,
// configuration files and workload (a single server on the upstream mysql image) live beside it.
//
// Facts (kubedb/apimachinery apis/kubedb/v1/mysql_{types,helpers}.go,
// pkg/webhooks/kubedb/v1/mysql.go, apis/kubedb/constants.go; kubedb/docs guides/mysql/tls):
// aliases server, client, metrics-exporter (the `router` constant is in neither the enum nor
// SetTLSDefaults), each `<db>-<alias>-cert`; services `<db>`, `<db>-standby` (clusters) and
// governing `<db>-pods`; topology.mode GroupReplication, InnoDBCluster, RemoteReplica or SemiSync,
// a topology defaults to 3 replicas, a single server to 1; group replication has 3 to 9 members
// (MySQLMaxGroupMembers), a version-4 UUID as group name (generated when empty) and Multi-Primary
// from 8.4.2; `requireSSL` makes the server require_secure_transport.

import type { Obj } from '../../io/objects.js';
import { serverCertificateDefaults, USAGES } from '../../render/certificate.js';
import { readMonitor } from '../../render/monitor.js';
import { readInt, readUpstreamVersion, warnOperatorOnly } from '../../validate/fields.js';
import { nameWithSuffix } from '../../util/names.js';
import { defineKind } from '../kind.js';
import { mysqlFamilyClient, REQUIRE_SSL_SETTING } from '../mysql-family/client.js';
import { adviseStandalone, readSecureTransport } from '../mysql-family/plan.js';
import { mysqlUsers } from '../mysql-family/client.js';
import { clientTLSCnf, MYSQL_PORT, readMysqlConfiguration } from '../mysql-family/config.js';
import { at } from '../../util/field-path.js';
import {
  DEFAULT_GROUP_SIZE,
  MAX_GROUP_MEMBERS,
  type MySQLPlan,
  OPERATOR_ONLY,
  VERSIONS,
  VERSION_NAMING,
  readTopology,
} from './plan.js';
import { mysqlWorkload } from './workload.js';

// KubeDB MySQL (kubedb.com/v1, also v1alpha2): TLS fields, certificates and, in standalone mode,
// the workload of a single server on the upstream mysql image.
//
// Facts (kubedb/apimachinery apis/kubedb/v1/mysql_{types,helpers}.go,
// pkg/webhooks/kubedb/v1/mysql.go, apis/kubedb/constants.go; kubedb/docs guides/mysql/tls):
// aliases server, client, metrics-exporter (the `router` constant is in neither the enum nor
// SetTLSDefaults), each `<db>-<alias>-cert`; services `<db>`, `<db>-standby` (clusters) and
// governing `<db>-pods`; topology.mode GroupReplication, InnoDBCluster, RemoteReplica or SemiSync,
// a topology defaults to 3 replicas, a single server to 1; group replication has 3 to 9 members
// (MySQLMaxGroupMembers), a version-4 UUID as group name (generated when empty) and Multi-Primary
// from 8.4.2; `requireSSL` makes the server require_secure_transport.
const ALIASES = ['server', 'client', 'metrics-exporter'] as const;
export const mysql = defineKind<MySQLPlan>({
  group: 'kubedb.com',
  kind: 'MySQL',
  versionNaming: VERSION_NAMING,
  operator: 'KubeDB',
  resource: 'mysqls',
  versions: ['v1', 'v1alpha2'],
  summary:
    'MySQL: server, client and metrics-exporter certificates; a single server, group ' +
    'replication or InnoDB cluster (clusters in operator mode), client connections over TLS',
  aliases: () => ALIASES,

  plan(ctx) {
    const { report } = ctx;
    const spec = ctx.db.spec as Obj;
    const standalone = ctx.settings.mode === 'standalone';
    const { engine } = readUpstreamVersion(ctx, spec, VERSIONS);
    const topology = readTopology(spec, engine, report);
    const replicas =
      readInt(spec, 'replicas', at('spec', 'replicas'), report, 1) ??
      (topology && topology !== 'RemoteReplica' ? DEFAULT_GROUP_SIZE : 1);
    if (
      topology === 'GroupReplication' &&
      (replicas < DEFAULT_GROUP_SIZE || replicas > MAX_GROUP_MEMBERS)
    ) {
      report.error(
        at('spec', 'replicas'),
        `${replicas} members: KubeDB runs group replication with ` +
          `${DEFAULT_GROUP_SIZE} to ${MAX_GROUP_MEMBERS} members`,
      );
    }
    const transport = readSecureTransport(ctx);
    if (standalone) {
      if (topology !== undefined) {
        report.error(
          at('spec', 'topology', 'mode'),
          `${topology} is run by the KubeDB operator only; ` +
            `standalone mode renders a single MySQL server (remove spec.topology, or use mode: ` +
            `operator)`,
        );
      } else if (replicas > 1) {
        report.error(
          at('spec', 'replicas'),
          `${replicas} servers without spec.topology would not ` +
            `replicate; standalone mode renders a single MySQL server (set replicas: 1, or use ` +
            `mode: operator with a topology)`,
        );
      }
      warnOperatorOnly(spec, OPERATOR_ONLY, report);
      adviseStandalone(ctx, transport, 'root');
    }
    const monitor = standalone
      ? readMonitor(spec, report, { reservedPorts: [MYSQL_PORT] })
      : undefined;
    const plan: MySQLPlan = { ...transport, version: engine ?? '', replicas, topology, monitor };
    if (standalone) {
      const cert = (alias: string) =>
        ctx.tls ? { alias, name: alias, secretName: alias } : undefined;
      const myCnf = () => [clientTLSCnf('MySQL', plan.requireSSL, cert('server'), cert('client'))];
      plan.userConfig = readMysqlConfiguration(ctx, myCnf, ctx.tls !== undefined);
    }
    return plan;
  },

  issuesCertificates: (ctx) => ctx.tls !== undefined,

  clientServices: (ctx) => ({ primary: ctx.db.metadata.name }),

  client: mysqlFamilyClient('MySQL'),
  users: mysqlUsers('MySQL'),

  connectionSettings: [REQUIRE_SSL_SETTING],

  certificateDefaults(ctx, plan, alias) {
    // KubeDB sets no default subject (SetTLSDefaults fills only secret names).
    const name = ctx.db.metadata.name;
    if (alias === 'server') {
      const services = plan.topology ? [name, nameWithSuffix(name, 'standby')] : [name];
      // Group members and replicas connect to each other with the server certificate.
      return serverCertificateDefaults(
        ctx,
        services,
        nameWithSuffix(name, 'pods'),
        USAGES.serverAndClient,
      );
    }
    return { commonName: alias === 'client' ? 'root' : 'monitor', usages: USAGES.client };
  },

  podTemplate: { container: 'mysql' },

  workload: mysqlWorkload,
  // Its watcher builds the trust file (ssl-ca) from a trust bundle.
  serverTrustBundle: true,
});
