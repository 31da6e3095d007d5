// KubeDB MongoDB (kubedb.com/v1, also v1alpha2): TLS fields and certificates, for a cluster that
// runs the KubeDB operator. Standalone mode does not render MongoDB (see plan()).
//
// Facts (kubedb/apimachinery apis/kubedb/v1/mongodb_{types,helpers}.go,
// pkg/webhooks/kubedb/v1/mongodb.go, apis/kubedb/constants.go; kubedb/docs guides/mongodb/tls):
// aliases server, client, metrics-exporter; default subjects O=kubedb with OU=server, client,
// metrics-exporter (each list the user sets replaces the default one); the client certificate
// is the root user's (CN root, added to $external); sslMode disabled, allowSSL, preferSSL,
// requireSSL, defaulting to requireSSL with spec.tls and disabled without; clusterAuthMode
// keyFile, sendKeyFile, sendX509, x509, defaulting (replica set or sharded) to keyFile under
// disabled/allowSSL and x509 otherwise; x509/sendX509 are refused under disabled/allowSSL and
// sendKeyFile under disabled. A sharded cluster, or a replica set with an arbiter, gets one
// server certificate per PetSet, `<petset>-server-cert` (KubeDB resets the server secretName):
// shards `<prefix><db>-shard<i>`, `<prefix><db>-configsvr`, `<prefix><db>-mongos`; `<db>` and
// `<db>-arbiter`. Governing services are `<petset>-pods` (the arbiter's is its replica set's).
import { resolveVersion } from '../catalog/read-version.js';
import type { Obj } from '../io/objects.js';
import { isObj } from '../io/objects.js';
import type { Reporter } from '../io/results.js';
import { serverCertificateDefaults, USAGES } from '../render/certificate.js';
import { readEnum, readInt, readString } from '../validate/fields.js';
import { nameWithSuffix } from '../util/names.js';
import { defineKind, type CertificatePart, type KindContext } from './kind.js';
import type { VersionNaming } from '../contract/versions.js';

/**
 * What spec.version names: a MongoDBVersion of KubeDB's catalog,
 * and the names KubeDB gives its builds besides the Official ones (kubedb/installer
 * charts/kubedb-catalog).
 */
const VERSION_NAMING: VersionNaming = {
  catalogKind: 'MongoDBVersion',
  schemes: [{ pattern: /^percona-(\d+(?:\.\d+)*)$/, distribution: 'Percona' }],
};
import { at } from '../util/field-path.js';

const ALIASES = ['server', 'client', 'metrics-exporter'] as const;
const SSL_MODES = ['disabled', 'allowSSL', 'preferSSL', 'requireSSL'] as const;
const CLUSTER_AUTH_MODES = ['keyFile', 'sendKeyFile', 'sendX509', 'x509'] as const;
type SSLMode = (typeof SSL_MODES)[number];
/**
 * KubeDB's SetDefaults (apis/kubedb/v1 mongodb_helpers.go): requireSSL with spec.tls, else
 * disabled. Its webhook defaults every served version as v1 (kubedb/installer
 * charts/kubedb-webhook-server, provisioner/mutating-webhook.yaml: apiVersions v1, so v1alpha2
 * requests are converted), not by v1alpha2's older SetDefaults (always disabled).
 */
const SSL_MODE_UNSET = { withTLS: 'requireSSL', withoutTLS: 'disabled' } as const;
type ClusterAuthMode = (typeof CLUSTER_AUTH_MODES)[number];
const IN_MEMORY_MIN = 3;
const MAX_SHARDS = 1000; // dbtls's own bound: one server certificate per shard

interface MongoDBPlan {
  sslMode: SSLMode;
  clusterAuthMode: ClusterAuthMode | undefined;
  /** The PetSets that each get a server certificate of their own; empty: one `<db>-server-cert`. */
  serverParts: readonly ServerPart[];
}

interface ServerPart {
  petSet: string;
  governing: string;
}

export const mongodb = defineKind<MongoDBPlan>({
  group: 'kubedb.com',
  kind: 'MongoDB',
  versionNaming: VERSION_NAMING,
  operator: 'KubeDB',
  resource: 'mongodbs',
  versions: ['v1', 'v1alpha2'],
  summary:
    'MongoDB (operator mode): server (one per PetSet when sharded), client and ' +
    'metrics-exporter certificates; sslMode and clusterAuthMode checked',
  aliases: () => ALIASES,

  plan(ctx) {
    const { report } = ctx;
    const spec = ctx.db.spec as Obj;
    const name = ctx.db.metadata.name;
    const version = readString(spec, 'version', at('spec', 'version'), report);
    // Nothing dbtls checks depends on the MongoDB version; KubeDB refuses a deprecated one.
    if (version !== undefined)
      resolveVersion(ctx, version, {
        ...VERSION_NAMING,
        product: 'MongoDB',
        refusesDeprecated: true,
      });
    if (spec.version === undefined || spec.version === null)
      report.error(
        at('spec', 'version'),
        'spec.version is ' + 'required: the MongoDB version, e.g. "8.0.17"',
      );
    const sslMode = readSslMode(ctx, spec);
    const topology = readTopology(spec, report);
    const clusterAuthMode = readClusterAuthMode(spec, topology !== 'standalone', sslMode, report);
    const serverParts = serverPartsOf(spec, name, topology);
    checkServerSecretName(ctx, serverParts);
    if (ctx.settings.mode === 'standalone') {
      report.error(
        at('kind'),
        'MongoDB is rendered in operator mode only: dbtls does not generate a ' +
          "MongoDB workload (mongod's TLS files, PEM key files and replica-set initiation are " +
          "the KubeDB operator's), so no half workload is rendered; use mode: operator",
      );
    }
    return { sslMode, clusterAuthMode, serverParts };
  },

  issuesCertificates: (ctx) => ctx.tls !== undefined,

  connectionSettings: [
    {
      key: 'mongodbSSLMode',
      path: at('spec', 'sslMode'),
      levels: SSL_MODES,
      value: (_ctx, plan) => plan.sslMode,
      unset: SSL_MODE_UNSET,
    },
  ],

  certificateParts(_ctx, plan, alias): CertificatePart[] {
    if (alias !== 'server') return [];
    return plan.serverParts.map((p) => ({
      name: nameWithSuffix(p.petSet, 'server-cert'),
      part: p.petSet,
    }));
  },

  certificateDefaults(ctx, plan, alias, part) {
    const name = ctx.db.metadata.name;
    // MongoDB tells members from clients by O/OU: KubeDB's defaults make them differ.
    const subject = { organizations: ['kubedb'], organizationalUnits: [alias] };
    if (alias === 'server') {
      const governing =
        plan.serverParts.find((p) => p.petSet === part)?.governing ?? nameWithSuffix(name, 'pods');
      // Members authenticate to each other with it under x509: it is client and server.
      return {
        ...serverCertificateDefaults(ctx, [name], governing, USAGES.serverAndClient),
        subject,
      };
    }
    return { commonName: 'root', subject, usages: USAGES.client };
  },

  workload() {
    // plan() refuses standalone mode, so the pipeline never asks for a workload.
    return [];
  },
});

type Topology = 'standalone' | 'replicaSet' | 'sharded';

function readTopology(spec: Obj, report: Reporter): Topology {
  const rs = spec.replicaSet;
  const sh = spec.shardTopology;
  const has = (v: unknown) => v !== undefined && v !== null;
  const inMemory = spec.storageEngine === 'inMemory';
  // KubeDB's webhook has no rule against both: spec.shardTopology wins (its helpers look at it
  // first), and each shard's replica set is named shard<N> (spec.shardTopology.shard.prefix<N>).
  if (has(rs) && has(sh))
    report.warn(
      at('spec', 'replicaSet'),
      'spec.replicaSet is ignored beside spec.shardTopology: KubeDB runs a sharded cluster and ' +
        "names each shard's replica set itself (shard<N>, or spec.shardTopology.shard.prefix " +
        'followed by N); remove spec.replicaSet',
    );
  if (has(sh)) {
    readShardTopology(spec, inMemory, report);
    return 'sharded';
  }
  const replicas = readInt(spec, 'replicas', at('spec', 'replicas'), report, 1) ?? 1;
  if (has(rs)) {
    if (!isObj(rs) || typeof rs.name !== 'string' || rs.name === '') {
      report.error(
        at('spec', 'replicaSet', 'name'),
        'spec.replicaSet.name is required: the replica set name, e.g. rs0',
      );
    }
    if (inMemory && replicas < IN_MEMORY_MIN)
      report.error(
        at('spec', 'replicas'),
        `${replicas} is too ` +
          `few with storageEngine inMemory: KubeDB requires ${IN_MEMORY_MIN} or more`,
      );
  } else {
    if (replicas !== 1)
      report.error(
        at('spec', 'replicas'),
        `${replicas} is refused by KubeDB for a ` +
          `standalone MongoDB, which runs exactly 1 server; add spec.replicaSet for more`,
      );
    for (const node of ['arbiter', 'hidden']) {
      const path = at('spec', node);
      if (has(spec[node]))
        report.error(
          path,
          `${path} needs a replica set or sharded cluster; KubeDB refuses it for a standalone MongoDB`,
        );
    }
  }
  if (isObj(spec.hidden))
    readInt(spec.hidden, 'replicas', at('spec', 'hidden', 'replicas'), report, 1);
  return has(rs) ? 'replicaSet' : 'standalone';
}

/** The PetSets that get a server certificate each, as KubeDB's CertificateName names them. */
function serverPartsOf(spec: Obj, name: string, topology: Topology): ServerPart[] {
  const part = (petSet: string, governing = nameWithSuffix(petSet, 'pods')): ServerPart => ({
    petSet,
    governing,
  });
  if (topology === 'sharded' && isObj(spec.shardTopology)) {
    const sh = spec.shardTopology;
    const prefix = (node: string) =>
      isObj(sh[node]) && typeof sh[node].prefix === 'string' ? sh[node].prefix : '';
    const shards =
      isObj(sh.shard) &&
      typeof sh.shard.shards === 'number' &&
      Number.isInteger(sh.shard.shards) &&
      sh.shard.shards > 0
        ? Math.min(sh.shard.shards, MAX_SHARDS)
        : 0;
    return [
      ...Array.from({ length: shards }, (_, i) => part(`${prefix('shard')}${name}-shard${i}`)),
      part(`${prefix('configServer')}${name}-configsvr`),
      part(`${prefix('mongos')}${name}-mongos`),
    ];
  }
  if (topology === 'replicaSet' && spec.arbiter !== undefined && spec.arbiter !== null) {
    const governing = nameWithSuffix(name, 'pods');
    return [part(name, governing), part(`${name}-arbiter`, governing)];
  }
  return [];
}

/** spec.sslMode, defaulted by whether TLS is set, against spec.tls. */
function readSslMode(ctx: KindContext, spec: Obj): SSLMode {
  const { report } = ctx;
  const hasTLS = ctx.tls !== undefined;
  const explicitSSL = readEnum(spec, 'sslMode', at('spec', 'sslMode'), SSL_MODES, report);
  const sslMode = explicitSSL ?? (hasTLS ? SSL_MODE_UNSET.withTLS : SSL_MODE_UNSET.withoutTLS);
  // The docs: any sslMode but disabled needs spec.tls.issuerRef (a spec.tls without it is reported there).
  if (sslMode !== 'disabled' && (spec.tls === undefined || spec.tls === null)) {
    report.error(
      at('spec', 'sslMode'),
      `sslMode ${sslMode} needs TLS: set spec.tls.issuerRef, or set sslMode: disabled`,
    );
  }
  if (hasTLS && explicitSSL === 'disabled') {
    report.warn(
      at('spec', 'sslMode'),
      'spec.sslMode is disabled while spec.tls is set: the certificates are issued ' +
        'but MongoDB does not use TLS; remove spec.tls or choose requireSSL',
    );
  }
  return sslMode;
}

/** spec.clusterAuthMode, defaulted as KubeDB does for members, against the sslMode. */
function readClusterAuthMode(
  spec: Obj,
  clustered: boolean,
  sslMode: SSLMode,
  report: Reporter,
): ClusterAuthMode | undefined {
  const explicitAuth = readEnum(
    spec,
    'clusterAuthMode',
    at('spec', 'clusterAuthMode'),
    CLUSTER_AUTH_MODES,
    report,
  );
  const clusterAuthMode =
    explicitAuth ??
    (clustered
      ? sslMode === 'disabled' || sslMode === 'allowSSL'
        ? 'keyFile'
        : 'x509'
      : undefined);
  if (explicitAuth !== undefined && !clustered) {
    report.warn(
      at('spec', 'clusterAuthMode'),
      'spec.clusterAuthMode applies to members of a replica set or sharded cluster; ' +
        'a standalone MongoDB has none, so it has no effect',
    );
  }
  if (
    (clusterAuthMode === 'x509' || clusterAuthMode === 'sendX509') &&
    (sslMode === 'disabled' || sslMode === 'allowSSL')
  ) {
    report.error(
      at('spec', 'clusterAuthMode'),
      `${clusterAuthMode} authenticates members by their TLS ` +
        `certificates, which sslMode ${sslMode} does not guarantee; KubeDB refuses it: use ` +
        `sslMode preferSSL or requireSSL`,
    );
  }
  if (clusterAuthMode === 'sendKeyFile' && sslMode === 'disabled') {
    report.error(
      at('spec', 'clusterAuthMode'),
      'sendKeyFile moves members towards x509, which needs ' +
        'TLS; KubeDB refuses it with sslMode disabled: use allowSSL or stronger',
    );
  }
  return clusterAuthMode;
}

/** KubeDB issues one server certificate per PetSet of a sharded cluster, each in its own secret. */
function checkServerSecretName(ctx: KindContext, serverParts: readonly { petSet: string }[]): void {
  const { report } = ctx;
  const serverOverride = ctx.tls?.overrides.get('server');
  if (serverParts.length > 0 && serverOverride?.secretName !== undefined) {
    const secretName = serverOverride.path.child('secretName');
    report.error(
      secretName,
      `${secretName} is ignored by KubeDB here: it issues one ` +
        `server certificate per PetSet ` +
        `(${serverParts.map((p) => `${p.petSet}-server-cert`).join(', ')}), each in a secret ` +
        `of that name; remove secretName`,
    );
  }
}

/** spec.shardTopology: its shard, configServer and mongos nodes; fields KubeDB refuses beside it. */
function readShardTopology(spec: Obj, inMemory: boolean, report: Reporter): void {
  const has = (v: unknown) => v !== undefined && v !== null;
  const sh = spec.shardTopology;
  if (!isObj(sh)) {
    report.error(
      at('spec', 'shardTopology'),
      'spec.shardTopology must be a mapping with shard, ' + 'configServer and mongos',
    );
    return;
  }
  for (const field of ['replicas', 'podTemplate', 'configSecret']) {
    const path = at('spec', field);
    if (has(spec[field]))
      report.error(
        path,
        `${path} is refused by KubeDB with spec.shardTopology: set it per node in ` +
          'spec.shardTopology.shard, configServer or mongos',
      );
  }
  for (const node of ['shard', 'configServer', 'mongos'] as const) {
    readShardNode(sh, node, inMemory, report);
  }
}

/** One node of spec.shardTopology: replicas (and for shard, the number of shards), prefix. */
function readShardNode(
  sh: Obj,
  node: 'shard' | 'configServer' | 'mongos',
  inMemory: boolean,
  report: Reporter,
): void {
  const has = (v: unknown) => v !== undefined && v !== null;
  const n = sh[node];
  const path = at('spec', 'shardTopology', node);
  if (!isObj(n)) {
    report.error(path, `${path} is required in a sharded topology, with replicas of at least 1`);
    return;
  }
  const replicasPath = path.child('replicas');
  const replicas = readInt(n, 'replicas', replicasPath, report, 1);
  if (replicas === undefined && !has(n.replicas))
    report.error(replicasPath, `${replicasPath} is required: at least 1`);
  if (inMemory && node !== 'mongos' && replicas !== undefined && replicas < IN_MEMORY_MIN) {
    report.error(
      replicasPath,
      `${replicas} is too few with storageEngine inMemory: ` +
        `KubeDB requires ${IN_MEMORY_MIN} or more`,
    );
  }
  if (node === 'shard') {
    const shardsPath = path.child('shards');
    const shards = readInt(n, 'shards', shardsPath, report, 1);
    if (shards === undefined && !has(n.shards))
      report.error(shardsPath, `${shardsPath} is required: at least 1`);
    if (shards !== undefined && shards > MAX_SHARDS)
      report.error(
        shardsPath,
        `${shards} ` +
          `shards: dbtls issues a server certificate per shard and renders at most ` +
          `${MAX_SHARDS}`,
      );
  }
  readString(n, 'prefix', path.child('prefix'), report);
}
