// KubeDB Singlestore (kubedb.com/v1alpha2): TLS fields, certificates and the standalone workload,
// one node or the aggregator and leaf groups of spec.topology.
//
// Facts (kubedb/apimachinery apis/kubedb/v1alpha2/singlestore_*.go,
// pkg/webhooks/kubedb/v1alpha2/singlestore.go, apis/kubedb/constants.go; kubedb/docs
// guides/singlestore): aliases server and client, each `<db>-<alias>-cert`; services `<db>` and
// governing `<db>-pods` (for every group); workloads `<db>` standalone, `<db>[-<suffix>]-aggregator`
// and `<db>[-<suffix>]-leaf` in a topology (replicas default 3 and 2); certificates in one
// directory, /etc/memsql/certs (ca.crt, server.crt, server.key, client.crt, client.key), read
// through the server's ssl_ca, ssl_cert and ssl_key; custom *.cnf files in /etc/memsql/conf.d;
// the license comes from spec.licenseSecret (required by the CRD), port 3306.
import { serverCertificateDefaults, USAGES } from '../../render/certificate.js';
import { serviceWildcards } from '../../render/workload.js';
import { nameWithSuffix } from '../../util/names.js';
import { defineKind } from '../kind.js';
import { mysqlClientSettings, mysqlUsers } from '../mysql-family/client.js';
import { PORT } from './config.js';
import { readPlan, type SinglestorePlan } from './plan.js';
import { VERSION_NAMING } from './versions.js';
import { nodeTemplates, SINGLESTORE_RESOURCES, singlestoreWorkload } from './workload.js';

const ALIASES = ['server', 'client'] as const;

export const singlestore = defineKind<SinglestorePlan>({
  group: 'kubedb.com',
  kind: 'Singlestore',
  versionNaming: VERSION_NAMING,
  operator: 'KubeDB',
  resource: 'singlestores',
  versions: ['v1alpha2'],
  summary:
    'SingleStore: server and client certificates; one node, or aggregator and leaf groups, serving TLS',
  aliases: () => ALIASES,

  plan: readPlan,

  issuesCertificates: (ctx) => ctx.tls !== undefined,

  clientServices: (ctx) => ({ primary: ctx.db.metadata.name }),

  certificateDefaults(ctx, _plan, alias) {
    // KubeDB sets no default subject (SetTLSDefaults fills only secret names).
    const name = ctx.db.metadata.name;
    // The primary service, and the pods of every group under the governing service they share;
    // aggregators connect to leaves with the same certificate. As KubeDB issues it (kubedb/docs
    // singlestore/reconfigure-tls/cluster): common name <db>, and *.<db>.<ns>.svc among the names.
    if (alias === 'server') {
      const governing = nameWithSuffix(name, 'pods');
      const defaults = serverCertificateDefaults(ctx, [name], governing, USAGES.serverAndClient);
      const wildcards = serviceWildcards(name, ctx.namespace, ctx.settings.clusterDomain);
      return { ...defaults, dnsNames: [...(defaults.dnsNames ?? []), ...wildcards] };
    }
    return { commonName: 'root', usages: USAGES.client };
  },

  client: {
    // The primary Service reaches the aggregators; clients speak the MySQL protocol.
    endpoint: (ctx) => ({ service: ctx.db.metadata.name, port: PORT }),
    settings: (c, ctx) =>
      mysqlClientSettings(c, `Singlestore ${ctx.namespace}/${ctx.db.metadata.name}`),
  },

  users: mysqlUsers('Singlestore'),

  podTemplate: {
    container: 'singlestore',
    resources: SINGLESTORE_RESOURCES,
    templates: nodeTemplates,
  },

  workload: singlestoreWorkload,
});
