// KubeDB Redis (kubedb.com/v1, also v1alpha2): TLS fields, certificates and, in standalone mode,
// the workload of a single Redis server, or of a Redis cluster (cluster.ts), on the
// upstream redis image.
//
// Facts (kubedb/apimachinery apis/kubedb/v1/redis_{types,helpers}.go,
// pkg/webhooks/kubedb/v1/redis.go, apis/kubedb/constants.go; kubedb/docs guides/redis/tls):
// aliases server, client, metrics-exporter, each `<db>-<alias>-cert`; the client certificate's
// common name is `default` (Redis's root user); services `<db>`, `<db>-standby` (sentinel) and
// governing `<db>-pods`; mode Standalone (the default; exactly 1 replica), Cluster (shards ≥ 3,
// default 3; replicas per shard ≥ 2, default 2; spec.cluster.announce only in Cluster mode, one
// entry per shard with one endpoint per replica) or Sentinel (spec.sentinelRef.name required);
// TLS needs Redis 6 or later; disableAuth refuses an authSecret. Redis has no requireSSL or
// sslMode: with spec.tls the server listens on TLS only (port 0, tls-port 6379) and requires
// client certificates (tls-auth-clients yes), in every mode, replication and cluster bus included.
// The cluster's pods are reached under `*.<db>-pods.<ns>.svc`, which the server certificate names.
import { serverCertificateDefaults, USAGES } from '../../render/certificate.js';
import { nameWithSuffix } from '../../util/names.js';
import { defineKind } from '../kind.js';
import { type RedisPlan, readPlan } from './plan.js';
import { VERSION_NAMING } from './versions.js';
import { redisWorkload } from './workload.js';

const ALIASES = ['server', 'client', 'metrics-exporter'] as const;

export const redis = defineKind<RedisPlan>({
  group: 'kubedb.com',
  kind: 'Redis',
  versionNaming: VERSION_NAMING,
  operator: 'KubeDB',
  resource: 'redises',
  versions: ['v1', 'v1alpha2'],
  summary:
    'Redis: server, client and metrics-exporter certificates; standalone, cluster or ' +
    "sentinel mode (standalone and cluster in dbtls's standalone mode), TLS only with client " +
    'certificates, replication included',
  aliases: () => ALIASES,

  plan: readPlan,

  issuesCertificates: (ctx) => ctx.tls !== undefined,

  clientServices: (ctx) => ({ primary: ctx.db.metadata.name }),

  certificateDefaults(ctx, plan, alias) {
    // KubeDB sets no default subject (SetTLSDefaults fills only secret names).
    const name = ctx.db.metadata.name;
    if (alias === 'server') {
      const services = plan.mode === 'Sentinel' ? [name, nameWithSuffix(name, 'standby')] : [name];
      // Replicas and cluster nodes connect to each other with the server certificate
      // (tls-replication, tls-cluster): it is client and server.
      return serverCertificateDefaults(
        ctx,
        services,
        nameWithSuffix(name, 'pods'),
        USAGES.serverAndClient,
      );
    }
    // Redis's root user (kubedb.RedisRootUsername), the docs' client certificate's common name.
    return { commonName: 'default', usages: USAGES.client };
  },

  // Not connectable (no client profile), but its users are facts of the kind: default is Redis's
  // own user, the one KubeDB's client certificate names.
  users: { noun: 'Redis ACL user', administrative: ['default'] },

  podTemplate: { container: 'redis' },

  workload: redisWorkload,
});
