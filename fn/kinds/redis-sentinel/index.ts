// KubeDB RedisSentinel (kubedb.com/v1, also v1alpha2): the sentinels that watch Redis databases in
// Sentinel mode (Redis spec.mode: Sentinel, spec.sentinelRef naming this object). TLS fields and
// certificates in every mode; in standalone mode the sentinels' StatefulSet on the upstream redis
// image, monitoring every Redis of the input whose spec.sentinelRef names this object.
//
// Facts (kubedb/apimachinery 104ef5739e1d7a54c0afb6c4c04700c04a3203c5):
// - apis/kubedb/v1/redis_sentinel_types.go: spec.version, replicas, tls, authSecret,
//   disableAuth, storageType, storage, monitor, podTemplate, serviceTemplates; kind
//   RedisSentinel, plural redissentinels.
// - apis/kubedb/v1/redis_sentinel_helpers.go: SetTLSDefaults fills the secret names of Redis's
//   aliases (RedisCertificateAlias: server, client, metrics-exporter); CertificateName is
//   `<sentinel>-<alias>-cert`; GoverningServiceName `<sentinel>-pods`; the primary Service is
//   the object's name (OffshootName); GetAuthSecretName `<sentinel>-auth`; replicas default 1.
// - apis/kubedb/constants.go: RedisSentinelPort 26379, port name `sentinel`;
//   RedisSentinelTLSVolumePath `/sentinel-certs`, one folder per alias below it here.
// - pkg/webhooks/kubedb/v1/redissentinel.go: spec.tls needs Redis 6 or later (checkTLSSupport).
// - kubedb/docs guides/redis/tls/sentinel.md: the client certificate's common name is `default`.
// The Redis side of the link, and the checks between the two: link.ts.
import { at } from '../../util/field-path.js';
import type { KubeObject, Obj } from '../../io/objects.js';
import { isObj, namespaceOf } from '../../io/objects.js';
import { serverCertificateDefaults, USAGES } from '../../render/certificate.js';
import {
  CERT_FILES,
  configMap,
  configMapVolume,
  dataVolumeFrom,
  podSecurityContext,
  RESTRICTED_CONTAINER,
  secretVolume,
  service,
  statefulSet,
  tcpReadiness,
} from '../../render/workload.js';
import {
  operatorOnlyFields,
  readBool,
  readInt,
  readString,
  readUpstreamVersion,
  warnOperatorOnly,
} from '../../validate/fields.js';
import { versionNumbers } from '../../catalog/versions.js';
import { nameWithSuffix } from '../../util/names.js';
import { defineKind, type KindContext } from '../kind.js';
// spec.version names a RedisVersion, as a Redis's does, under the same naming schemes.
import { REDIS_VERSION_RULES, TLS_SINCE_MAJOR, VERSION_NAMING } from '../redis/versions.js';
import {
  monitoredBy,
  SENTINEL_CERT_DIR,
  SENTINEL_KIND,
  SENTINEL_PORT,
  authSecretOf,
} from './link.js';
import {
  type Monitored,
  SENTINEL_CONFIG_DIR,
  SENTINEL_DATA_DIR,
  sentinelConf,
  sentinelStartScript,
} from './config.js';

const ALIASES = ['server', 'client', 'metrics-exporter'] as const;
const REDIS_UID = 999; // the redis user of the official redis image
const KEY_MODE = 0o440;
const OWN_PASSWORD_ENV = 'SENTINEL_PASSWORD';

const OPERATOR_ONLY = operatorOnlyFields(
  'monitor',
  'autoOps',
  'deletionPolicy',
  'halted',
  'healthChecker',
);

interface SentinelPlan {
  version: string;
  replicas: number;
  /** The sentinels' own password Secret, unless auth is disabled. */
  authSecret?: string;
  /** The Redises of the input that name this sentinel (standalone mode). */
  monitored: KubeObject[];
}

export const redisSentinel = defineKind<SentinelPlan>({
  group: 'kubedb.com',
  kind: SENTINEL_KIND,
  versionNaming: VERSION_NAMING,
  operator: 'KubeDB',
  resource: 'redissentinels',
  versions: ['v1', 'v1alpha2'],
  summary:
    'Redis Sentinel: server, client and metrics-exporter certificates; sentinels over TLS only ' +
    'with client certificates, monitoring the Redis databases in Sentinel mode that name them',
  aliases: () => ALIASES,

  plan(ctx) {
    const { report } = ctx;
    const spec = ctx.db.spec as Obj;
    const { engine } = readUpstreamVersion(ctx, spec, REDIS_VERSION_RULES);
    const major = versionNumbers(engine)[0];
    if (ctx.tls !== undefined && major < TLS_SINCE_MAJOR)
      report.error(
        at('spec', 'tls'),
        `Redis ${engine} has no TLS; KubeDB supports spec.tls from Redis ${TLS_SINCE_MAJOR}`,
      );
    const replicas = readInt(spec, 'replicas', at('spec', 'replicas'), report, 1) ?? 1;
    const disableAuth = readBool(spec, 'disableAuth', at('spec', 'disableAuth'), report) ?? false;
    if (isObj(spec.authSecret))
      readString(spec.authSecret, 'name', at('spec', 'authSecret', 'name'), report);
    const plan: SentinelPlan = {
      version: engine ?? '',
      replicas,
      authSecret: disableAuth ? undefined : authSecretOf(ctx.db),
      monitored: [],
    };
    if (ctx.settings.mode === 'standalone') adviseStandalone(ctx, plan);
    return plan;
  },

  issuesCertificates: (ctx) => ctx.tls !== undefined,

  clientServices: (ctx) => ({ primary: ctx.db.metadata.name }),

  certificateDefaults(ctx, _plan, alias) {
    const name = ctx.db.metadata.name;
    // The sentinels reach the data nodes and each other with the server certificate
    // (tls-replication yes): it is client and server.
    if (alias === 'server')
      return serverCertificateDefaults(
        ctx,
        [name],
        nameWithSuffix(name, 'pods'),
        USAGES.serverAndClient,
      );
    // The docs' sentinel client certificate: common name `default`, Redis's root user.
    return { commonName: 'default', usages: USAGES.client };
  },

  podTemplate: { container: 'redissentinel' },

  workload(ctx, plan, certificates, owner) {
    const name = ctx.db.metadata.name;
    const governing = nameWithSuffix(name, 'pods');
    const configName = nameWithSuffix(name, 'sentinel-config');
    const monitored: Monitored[] = plan.monitored.map((db, i) => ({
      db,
      passwordEnv: authSecretOf(db) ? `REDIS_PASSWORD_${i}` : undefined,
    }));
    const tls = certificates.some((c) => c.alias === 'server');
    const files = {
      'sentinel.conf': sentinelConf(tls, monitored, plan.replicas),
      'start.sh': sentinelStartScript(plan.authSecret ? OWN_PASSWORD_ENV : undefined, monitored),
    };
    const volumes: Obj[] = [configMapVolume('config', configName, 0o555)];
    const mounts: Obj[] = [
      { name: 'data', mountPath: SENTINEL_DATA_DIR },
      { name: 'config', mountPath: SENTINEL_CONFIG_DIR, readOnly: true },
    ];
    for (const cert of certificates) {
      if (cert.alias === 'metrics-exporter') continue;
      volumes.push(secretVolume(`tls-${cert.alias}`, cert.secretName, CERT_FILES, KEY_MODE));
      mounts.push({
        name: `tls-${cert.alias}`,
        mountPath: `${SENTINEL_CERT_DIR}/${cert.alias}`,
        readOnly: true,
      });
    }
    const container = compactContainer({
      name: 'redissentinel', // kubedb.RedisSentinelContainerName
      image: `redis:${plan.version}`,
      command: ['/bin/sh', `${SENTINEL_CONFIG_DIR}/start.sh`],
      env: sentinelEnv(plan, monitored),
      ports: [{ name: 'sentinel', containerPort: SENTINEL_PORT, protocol: 'TCP' }],
      readinessProbe: tcpReadiness(SENTINEL_PORT),
      volumeMounts: mounts,
      securityContext: RESTRICTED_CONTAINER,
    });
    const pods = {
      serviceName: governing,
      securityContext: podSecurityContext(REDIS_UID),
      containers: [container],
      volumes,
    };
    const ports = [{ name: 'sentinel', port: SENTINEL_PORT }];
    return [
      configMap(owner, configName, files),
      service(owner, name, ports),
      service(owner, governing, ports, { headless: true }),
      statefulSet(owner, {
        name,
        replicas: plan.replicas,
        ...pods,
        dataVolume: dataVolumeFrom(ctx.db.spec as Obj),
        podManagementPolicy: 'Parallel',
      }),
    ];
  },
});

/** The sentinels' password and each monitored Redis's, from their Secrets. */
function sentinelEnv(plan: SentinelPlan, monitored: readonly Monitored[]): Obj[] | undefined {
  const env: Obj[] = [];
  if (plan.authSecret)
    env.push({
      name: OWN_PASSWORD_ENV,
      valueFrom: { secretKeyRef: { name: plan.authSecret, key: 'password' } },
    });
  for (const m of monitored) {
    const secret = authSecretOf(m.db);
    if (m.passwordEnv && secret)
      env.push({
        name: m.passwordEnv,
        valueFrom: { secretKeyRef: { name: secret, key: 'password' } },
      });
  }
  return env.length > 0 ? env : undefined;
}

function compactContainer(c: Obj): Obj {
  if (c.env === undefined) delete c.env;
  return c;
}

/** Standalone mode: the Redises it monitors, and what it leaves to the operator or the user. */
function adviseStandalone(ctx: KindContext, plan: SentinelPlan): void {
  const { report } = ctx;
  const spec = ctx.db.spec as Obj;
  warnOperatorOnly(spec, OPERATOR_ONLY, report);
  if (ctx.tls === undefined)
    report.warn(
      at('spec', 'tls'),
      'spec.tls is not set: the sentinels accept plaintext connections from anyone who can reach them',
    );
  const named = isObj(spec.authSecret) && typeof spec.authSecret.name === 'string';
  if (plan.authSecret && !named)
    report.info(
      at('spec', 'authSecret'),
      `the sentinels read their password from Secret "${plan.authSecret}" (key password), which standalone mode does not create`,
    );
  plan.monitored = monitoredBy(ctx, ctx.db);
  const others = plan.monitored.filter((db) => namespaceOf(db) !== ctx.namespace);
  for (const db of others)
    report.error(
      at('metadata', 'namespace'),
      `metadata.namespace "${ctx.namespace}" differs from the namespace of Redis ${namespaceOf(db)}/${db.metadata.name}, which names this RedisSentinel in spec.sentinelRef: standalone mode renders sentinels that monitor the Redis databases of their own namespace (they read each one's password Secret); move one of the two, or use mode: operator`,
    );
  if (plan.monitored.length === 0)
    report.warn(
      at('metadata', 'name'),
      `RedisSentinel ${ctx.namespace}/${ctx.db.metadata.name} names no Redis of the input: no Redis in Sentinel mode has spec.sentinelRef naming this RedisSentinel, so its sentinels monitor nothing`,
    );
}
