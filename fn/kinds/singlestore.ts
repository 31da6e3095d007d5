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
import { type OptionLine, renderOptionFile } from '../text/my-cnf.js';
import type { KubeObject, Obj } from '../io/objects.js';
import type { Owner } from '../render/metadata.js';
import { describeType } from '../io/resource-list.js';
import { isObj, merged, shared } from '../io/objects.js';
import { serverCertificateDefaults, USAGES } from '../render/certificate.js';
import {
  configMap,
  dataVolumeFrom,
  podSecurityContext,
  RESTRICTED_CONTAINER,
  service,
  statefulSet,
  tcpReadiness,
  serviceWildcards,
} from '../render/workload.js';
import {
  reloaderContainer,
  WATCHER_DIR,
  WATCHER_FILE,
  WATCHER_MOUNT,
  watcherScript,
  watcherVolume,
} from '../render/rotation.js';
import { operatorOnlyFields, readInt, readString, warnOperatorOnly } from '../validate/fields.js';
import { nameWithSuffix } from '../util/names.js';
import type { Reporter } from '../io/results.js';
import { defineKind, type IssuedCertificate } from './kind.js';
import { mysqlClientSettings, mysqlUsers } from './mysql-family/client.js';
import { readSinglestoreConfiguration, singlestoreConfigVolume } from './singlestore-config.js';
import { inlineData, type UserConfiguration } from '../render/user-config.js';
import type { VersionNaming } from '../contract/versions.js';

/** What spec.version names: a SinglestoreVersion of KubeDB's catalog. */
const VERSION_NAMING: VersionNaming = {
  catalogKind: 'SinglestoreVersion',
};
import { at, type FieldPath } from '../util/field-path.js';

const ALIASES = ['server', 'client'] as const;
const PORT = 3306;
const MEMSQL_UID = 999; // SinglestoreVersion securityContext: runAsUser 999, runAsGroup 998
const MEMSQL_GID = 998;
const CERT_DIR = '/etc/memsql/certs';
const CONFIG_DIR = '/etc/memsql/conf.d';
const DATA_DIR = '/var/lib/memsql';
const KEY_MODE = 0o440;
const COMPONENT = 'app.kubernetes.io/component';

/** The node images of KubeDB's SinglestoreVersion catalog (kubedb/docs quickstart), by version. */
const NODE_IMAGES: Record<string, string> = {
  '8.1.32': 'alma-8.1.32-e3d3cde6da',
  '8.5.7': 'alma-8.5.7-bf633c1a54',
  '8.5.30': 'alma-8.5.30-4f46ab16a5',
  '8.7.10': 'alma-8.7.10-95e2357384',
  '8.7.21': 'alma-8.7.21-f0b8de04d5',
  '8.9.3': 'alma-8.9.3-bfa36a984a',
};
const IMAGE_REPOSITORY = 'ghcr.io/appscode-images/singlestore-node';

const OPERATOR_ONLY = operatorOnlyFields(
  'init',
  // KubeDB runs no exporter image for SingleStore (its catalog has none): the operator configures
  // the engine's own exporter (port 9104) inside each node, in code that is not public.
  [
    'monitor',
    "SingleStore's built-in metrics exporter, which the operator configures inside each node",
  ],
  'autoOps',
  'deletionPolicy',
  'halted',
  'healthChecker',
);
// spec.configuration is rendered for the one-node form only (singlestore-config.ts).
const TOPOLOGY_OPERATOR_ONLY = operatorOnlyFields('configuration');
const NODE_OPERATOR_ONLY: Record<string, string> = {
  configuration: 'custom configuration',
};

interface NodeGroup {
  /** 'aggregator' or 'leaf'; undefined for the standalone node. */
  role?: 'aggregator' | 'leaf';
  name: string;
  replicas: number;
  storage: Obj;
}

interface SinglestorePlan {
  version: string;
  image: string;
  groups: NodeGroup[];
  topology: boolean;
  authSecret: string;
  licenseSecret: string;
  userConfig?: UserConfiguration;
}

/**
 * KubeDB's default resources for the Singlestore container (DefaultResourcesMemoryIntensiveSDB:
 * kubedb/apimachinery 104ef573, apis/kubedb/constants.go).
 */
const SINGLESTORE_RESOURCES = shared({
  requests: { cpu: '600m', memory: '2Gi' },
  limits: { memory: '2Gi' },
});

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

  plan(ctx) {
    const { report } = ctx;
    const spec = ctx.db.spec as Obj;
    const name = ctx.db.metadata.name;
    const standalone = ctx.settings.mode === 'standalone';
    const version = readVersion(spec, standalone, report);
    const licenseSecret = readSecretRef(
      spec.licenseSecret,
      at('spec', 'licenseSecret'),
      report,
      'is required: the Secret with the SingleStore license (key password), which dbtls references and never reads',
    );
    const authSecret =
      isObj(spec.authSecret) &&
      typeof spec.authSecret.name === 'string' &&
      spec.authSecret.name !== ''
        ? spec.authSecret.name
        : nameWithSuffix(name, 'auth');
    const topology = spec.topology !== undefined && spec.topology !== null;
    const groups = topology
      ? readTopology(spec, name, standalone, report)
      : [{ name, replicas: 1, storage: spec }];
    let userConfig: UserConfiguration | undefined;
    if (standalone) {
      warnOperatorOnly(spec, OPERATOR_ONLY, report);
      if (topology) warnOperatorOnly(spec, TOPOLOGY_OPERATOR_ONLY, report);
      else userConfig = readSinglestoreConfiguration(ctx, ctx.tls ? TLS_OPTIONS : undefined);
      adviseStandalone(spec, topology, authSecret, report);
    }
    return {
      version: version ?? '',
      image: `${IMAGE_REPOSITORY}:${NODE_IMAGES[version ?? ''] ?? version ?? ''}`,
      groups,
      topology,
      authSecret,
      licenseSecret: licenseSecret ?? '',
      userConfig,
    };
  },

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

  workload(ctx, plan, certificates, owner) {
    const name = ctx.db.metadata.name;
    const server = certificates.find((c) => c.alias === 'server');
    const client = certificates.find((c) => c.alias === 'client');
    const governing = nameWithSuffix(name, 'pods');
    const configName = nameWithSuffix(name, 'server-config');
    const files = nodeFiles(configName, server, client, plan.userConfig);
    const config: Record<string, string> = {
      'memsql.cnf': memsqlCnf(server),
      ...inlineData(plan.userConfig),
    };
    if (server) config[WATCHER_FILE] = watcherScript(rotation(client !== undefined));
    const out: KubeObject[] = [
      configMap(owner, configName, config),
      service(
        owner,
        name,
        PRIMARY_PORTS,
        plan.topology ? { selector: { [COMPONENT]: 'aggregator' } } : {},
      ),
      service(owner, governing, POD_PORTS, { headless: true }),
    ];
    for (const group of plan.groups) {
      out.push(groupStatefulSet(owner, plan, group, governing, server !== undefined, files));
    }
    return out;
  },
});

/** The volumes and mounts of every node: the custom configuration, and the certificates. */
function nodeFiles(
  configName: string,
  server: IssuedCertificate | undefined,
  client: IssuedCertificate | undefined,
  userConfig: UserConfiguration | undefined,
): { volumes: Obj[]; mounts: Obj[] } {
  // The custom configuration directory gets memsql.cnf only (the ConfigMap also has the watcher),
  // and the user's files.
  const volumes: Obj[] = [
    userConfig
      ? singlestoreConfigVolume(configName, userConfig)
      : { name: 'custom-config', configMap: { name: configName, items: CONFIG_ITEMS } },
  ];
  const mounts: Obj[] = [...BASE_MOUNTS];
  if (server) {
    // One directory with both certificates, as KubeDB lays it out (volume tls-volume).
    const sources: Obj[] = [{ secret: { name: server.secretName, items: SERVER_FILES } }];
    if (client) sources.push({ secret: { name: client.secretName, items: CLIENT_FILES } });
    volumes.push({ name: 'tls-volume', projected: { defaultMode: KEY_MODE, sources } });
    volumes.push(watcherVolume(configName));
    mounts.push(TLS_MOUNT);
  }
  return { volumes, mounts };
}

/** The StatefulSet of one node group (or the one node), with the reloader when TLS is on. */
function groupStatefulSet(
  owner: Owner,
  plan: SinglestorePlan,
  group: NodeGroup,
  governing: string,
  tls: boolean,
  files: { volumes: Obj[]; mounts: Obj[] },
): KubeObject {
  const rootPassword = {
    name: 'ROOT_PASSWORD',
    valueFrom: { secretKeyRef: { name: plan.authSecret, key: 'password' } },
  };
  const container = {
    name: 'singlestore',
    image: plan.image,
    env: [
      ROOT_USERNAME,
      rootPassword,
      {
        name: 'LICENSE_KEY',
        valueFrom: { secretKeyRef: { name: plan.licenseSecret, key: 'password' } },
      },
    ],
    ports: CONTAINER_PORTS,
    readinessProbe: READINESS,
    volumeMounts: files.mounts,
    securityContext: RESTRICTED_CONTAINER,
  };
  const sts = statefulSet(owner, {
    name: group.name,
    replicas: group.replicas,
    serviceName: governing,
    podLabels: group.role ? { [COMPONENT]: group.role } : undefined,
    securityContext: POD_SECURITY,
    // Renewal: a sidecar of the node image runs SSL_RELOAD over SQL, in place.
    containers: tls
      ? [
          container,
          reloaderContainer({
            image: plan.image,
            script: `${WATCHER_DIR}/${WATCHER_FILE}`,
            env: [rootPassword],
            mounts: [WATCHER_MOUNT, TLS_MOUNT],
          }),
        ]
      : [container],
    volumes: files.volumes,
    dataVolume: dataVolumeFrom(group.storage),
  });
  if (group.role) {
    // Two StatefulSets of one database: each selects only its own group's pods.
    const spec = sts.spec as { selector: { matchLabels: Record<string, string> } };
    spec.selector.matchLabels = merged(spec.selector.matchLabels, { [COMPONENT]: group.role });
  }
  return sts;
}

function readSecretRef(
  v: unknown,
  path: FieldPath,
  report: Reporter,
  missing: string,
): string | undefined {
  if (v === undefined || v === null) {
    report.error(path, `${path} ${missing}`);
    return undefined;
  }
  if (!isObj(v)) {
    report.error(path, `${path} must be a mapping with name, got ${describeType(v)}`);
    return undefined;
  }
  const namePath = path.child('name');
  const name = readString(v, 'name', namePath, report);
  if (v.name === undefined || v.name === null) report.error(namePath, `${namePath} is required`);
  return name;
}

/**
 * Renewal: SSL_RELOAD makes the node re-read ssl_ca, ssl_cert and ssl_key and keeps its current
 * TLS contexts if the new files fail; it needs a SUPER user's SQL connection, made here with the
 * MySQL-protocol client of the node image (singlestore, memsql or mysql, whichever it has).
 */
function rotation(client: boolean) {
  const pairs: (readonly [string, string])[] = [
    [`${CERT_DIR}/server.crt`, `${CERT_DIR}/server.key`],
  ];
  if (client) pairs.push([`${CERT_DIR}/client.crt`, `${CERT_DIR}/client.key`]);
  return {
    watched: [CERT_DIR],
    pairs,
    takeup: {
      reload: [
        'client="$(command -v singlestore || command -v memsql || command -v mysql)" ||',
        '  { log "no SQL client in the image"; return 1; }',
        'MYSQL_PWD="$ROOT_PASSWORD" "$client" --protocol=TCP --host=127.0.0.1 \\',
        `  --port=${PORT} --user=root -e SSL_RELOAD || return 1`,
        'log "SingleStore reloads its TLS files (SSL_RELOAD)"',
      ],
    },
  };
}

/** The server's TLS settings, as a custom configuration file the node merges into memsql.cnf. */
export function memsqlCnf(server: IssuedCertificate | undefined): string {
  const lines: OptionLine[] = [
    { comment: 'Rendered by dbtls from the Singlestore resource.' },
    { group: 'server' },
  ];
  if (server)
    lines.push(
      ['ssl_ca', `${CERT_DIR}/ca.crt`],
      ['ssl_cert', `${CERT_DIR}/server.crt`],
      ['ssl_key', `${CERT_DIR}/server.key`],
    );
  else lines.push({ comment: 'no spec.tls: the server offers no TLS' });
  return renderOptionFile(lines, ' = ');
}

/** The options memsqlCnf sets with a certificate, as parseServerOptions names them. */
const TLS_OPTIONS: ReadonlyMap<string, string> = new Map([
  ['ssl-ca', `${CERT_DIR}/ca.crt`],
  ['ssl-cert', `${CERT_DIR}/server.crt`],
  ['ssl-key', `${CERT_DIR}/server.key`],
]);

// The parts of the workload that every Singlestore shares (see `shared`).
const BASE_MOUNTS = shared([
  { name: 'data', mountPath: DATA_DIR },
  { name: 'custom-config', mountPath: CONFIG_DIR, readOnly: true },
]);
const CONFIG_ITEMS = shared([{ key: 'memsql.cnf', path: 'memsql.cnf' }]);
const TLS_MOUNT = shared({ name: 'tls-volume', mountPath: CERT_DIR, readOnly: true });
const SERVER_FILES = shared([
  { key: 'ca.crt', path: 'ca.crt' },
  { key: 'tls.crt', path: 'server.crt' },
  { key: 'tls.key', path: 'server.key' },
]);
const CLIENT_FILES = shared([
  { key: 'tls.crt', path: 'client.crt' },
  { key: 'tls.key', path: 'client.key' },
]);
const ROOT_USERNAME = shared({ name: 'ROOT_USERNAME', value: 'root' });
const CONTAINER_PORTS = shared([{ name: 'db', containerPort: PORT, protocol: 'TCP' }]);
const READINESS = tcpReadiness(PORT);
const POD_SECURITY = podSecurityContext(MEMSQL_UID, MEMSQL_GID);
const PRIMARY_PORTS = shared([{ name: 'primary', port: PORT }]);
const POD_PORTS = shared([{ name: 'db', port: PORT }]);

/** With spec.topology, each group's StatefulSet takes its own spec.topology.<role>.podTemplate. */
function nodeTemplates(db: KubeObject): Record<string, FieldPath> {
  const spec = db.spec as Obj;
  const out: Record<string, FieldPath> = {};
  if (!isObj(spec.topology)) return out;
  for (const role of ['aggregator', 'leaf']) {
    const node = spec.topology[role];
    const suffix = isObj(node) && typeof node.suffix === 'string' ? node.suffix : '';
    const base = suffix ? nameWithSuffix(db.metadata.name, suffix) : db.metadata.name;
    out[nameWithSuffix(base, role)] = at('spec', 'topology', role, 'podTemplate');
  }
  return out;
}

/** spec.version: required, and in standalone mode one whose node image dbtls knows. */
function readVersion(spec: Obj, standalone: boolean, report: Reporter): string | undefined {
  const version = readString(spec, 'version', at('spec', 'version'), report);
  if (spec.version === undefined || spec.version === null)
    report.error(
      at('spec', 'version'),
      'spec.version is required: the SingleStore version, e.g. "8.9.3"',
    );
  else if (version !== undefined && standalone && NODE_IMAGES[version] === undefined) {
    report.error(
      at('spec', 'version'),
      `${JSON.stringify(version)} is not a SinglestoreVersion dbtls knows the node image of (${Object.keys(NODE_IMAGES).join(', ')}); use one of these, or mode: operator`,
    );
  }
  return version;
}

/** spec.topology's aggregator and leaf groups; what only the whole database's fields set. */
function readTopology(spec: Obj, name: string, standalone: boolean, report: Reporter): NodeGroup[] {
  const groups: NodeGroup[] = [];
  if (!isObj(spec.topology))
    report.error(
      at('spec', 'topology'),
      `spec.topology must be a mapping with aggregator and leaf, got ${describeType(spec.topology)}`,
    );
  else {
    for (const key of Object.keys(spec.topology)) {
      if (key !== 'aggregator' && key !== 'leaf')
        report.error(
          at('spec', 'topology', key),
          `unknown field "${key}"; spec.topology has aggregator, leaf`,
        );
    }
    for (const [role, defaultReplicas] of [
      ['aggregator', 3],
      ['leaf', 2],
    ] as const) {
      const group = readNodeGroup(spec, role, defaultReplicas, name, standalone, report);
      if (group) groups.push(group);
    }
  }
  if (isObj(spec.podTemplate) && Object.keys(spec.podTemplate).length > 0)
    report.warn(
      at('spec', 'podTemplate'),
      'spec.podTemplate is not used with spec.topology: each group has its own pod template ' +
        '(spec.topology.aggregator.podTemplate, spec.topology.leaf.podTemplate)',
    );
  if (spec.storage !== undefined)
    report.warn(
      at('spec', 'storage'),
      'spec.storage is not used with spec.topology: each group has its own storage (spec.topology.aggregator.storage, spec.topology.leaf.storage)',
    );
  return groups;
}

/** One group of spec.topology (aggregator or leaf): its StatefulSet's name, replicas, storage. */
function readNodeGroup(
  spec: Obj,
  role: 'aggregator' | 'leaf',
  defaultReplicas: number,
  name: string,
  standalone: boolean,
  report: Reporter,
): NodeGroup | undefined {
  const node = (spec.topology as Obj)[role];
  const path = at('spec', 'topology', role);
  if (node === undefined || node === null) {
    report.error(
      path,
      `${path} is required with spec.topology: a SingleStore cluster has ${role === 'aggregator' ? 'aggregators' : 'leaves'}`,
    );
    return undefined;
  }
  if (!isObj(node)) {
    report.error(path, `${path} must be a mapping, got ${describeType(node)}`);
    return undefined;
  }
  const replicas = readInt(node, 'replicas', path.child('replicas'), report, 1) ?? defaultReplicas;
  const suffix = readString(node, 'suffix', path.child('suffix'), report);
  const base = suffix ? nameWithSuffix(name, suffix) : name;
  const group: NodeGroup = {
    role,
    name: nameWithSuffix(base, role),
    replicas,
    storage: { storageType: spec.storageType, storage: node.storage },
  };
  if (standalone) {
    for (const [field, what] of Object.entries(NODE_OPERATOR_ONLY)) {
      if (isObj(node[field]) && Object.keys(node[field] as Obj).length > 0) {
        report.warn(
          path.child(field),
          `${what} of the ${role} nodes is provided by the KubeDB operator only; standalone mode does not render it (use mode: operator to keep it)`,
        );
      }
    }
  }
  return group;
}

/** What standalone mode leaves to the operator or the user: fields, bootstrap, the password. */
function adviseStandalone(spec: Obj, topology: boolean, authSecret: string, report: Reporter) {
  if (topology) {
    // A topology that is not a mapping is already an error: no advice about running it.
    if (isObj(spec.topology)) {
      report.warn(
        at('spec', 'topology'),
        "standalone mode renders the aggregator and leaf nodes with TLS, but not the cluster bootstrap: electing the master aggregator and registering the other aggregators and the leaves (ADD AGGREGATOR, ADD LEAF) is done by KubeDB's coordinator; run those yourself or use mode: operator",
      );
    }
  } else {
    report.warn(
      at('spec'),
      "standalone mode renders the node with TLS, but creating and starting it (memsqlctl create-node, start-node) is done by KubeDB's singlestore-init and coordinator containers; run those yourself or use mode: operator",
    );
  }
  if (!(isObj(spec.authSecret) && typeof spec.authSecret.name === 'string')) {
    report.info(
      at('spec', 'authSecret'),
      `the workload reads the root password from Secret "${authSecret}" (key password), which standalone mode does not create`,
    );
  }
}
