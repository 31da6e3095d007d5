// KubeVault VaultServer (kubevault.com/v1alpha2, v1alpha1 still served): TLS fields,
// certificates and the standalone workload.
//
// Facts (kubevault/apimachinery apis/kubevault/v1alpha2 vaultserver_helpers.go, types.go,
// apis/constants.go; the KubeVault operator's listener and raft configuration; the
// kubevault/installer catalog): aliases ca, server, client, storage (storage only for the raft
// backend; ca is the operator's own self-signed CA, which a cert-manager issuer replaces);
// secrets `<name>-<alias>-certs`; common names `<name>-<alias>`; certificates mounted at
// /etc/vault/tls/<alias>; services `<name>` and the governing `<name>-internal`; ports 8200
// (API) and 8201 (cluster); configuration /etc/vault/config/vault.hcl.
import type { KubeObject, Obj } from '../../io/objects.js';
import { isObj, shared, sharedBy } from '../../io/objects.js';
import { serverCertificateDefaults, USAGES } from '../../render/certificate.js';
import { describeType } from '../../io/resource-list.js';
import type { Reporter } from '../../io/results.js';
import {
  CERT_FILES,
  configMap,
  configMapVolume,
  dataVolumeFrom,
  podSecurityContext,
  RESTRICTED_CONTAINER,
  podIPWildcards,
  secretVolume,
  service,
  statefulSet,
} from '../../render/workload.js';
import {
  reloaderContainer,
  signalReload,
  WATCHER_FILE,
  watcherScript,
} from '../../render/rotation.js';
import { readInt, readString } from '../../validate/fields.js';
import { nameWithSuffix } from '../../util/names.js';
import { defineKind, type IssuedCertificate } from '../kind.js';
import {
  API_PORT,
  CERT_DIR,
  CLUSTER_PORT,
  checkDataPath,
  DATA_DIR,
  readVaultConfigSecret,
  vaultHcl,
  vaultUserConfig,
} from './config.js';
import { USER_CONFIG_VOLUME } from '../../render/user-config.js';
import type { VersionNaming } from '../../contract/versions.js';

/**
 * What spec.version names: a VaultServerVersion of KubeVault's catalog,
 * and the names KubeVault gives its builds besides the Official ones (kubevault/installer
 * charts/kubevault-catalog).
 */
const VERSION_NAMING: VersionNaming = {
  catalogKind: 'VaultServerVersion',
  schemes: [{ pattern: /^openbao-(\d+(?:\.\d+)*)$/, distribution: 'OpenBao' }],
};
import { at } from '../../util/field-path.js';

const VAULT_UID = 100; // the vault (and openbao) user of the upstream images
const VAULT_GID = 1000;
const CONFIG_DIR = '/etc/vault/config';
const KEY_MODE = 0o440;
const MAX_RENDERED_NODES = 1000; // dbtls's own bound: vault.hcl gets a retry_join per replica
const BACKENDS = [
  'inmem',
  'etcd',
  'gcs',
  's3',
  'azure',
  'postgresql',
  'mysql',
  'file',
  'dynamodb',
  'swift',
  'consul',
  'raft',
] as const;
type Backend = (typeof BACKENDS)[number];

const OPERATOR_ONLY: Record<string, string> = {
  unsealer: 'initialising and unsealing Vault (spec.unsealer)',
  authMethods: 'enabling auth methods (spec.authMethods)',
  allowedSecretEngines: 'secret engine access (spec.allowedSecretEngines)',
  dataSources: 'extra data volumes (spec.dataSources)',
  // KubeVault scrapes /v1/sys/metrics (kubevault/apimachinery StatsService); the telemetry
  // settings Vault needs for it are written by the operator in code that is not public.
  monitor:
    "metrics from Vault's /v1/sys/metrics, for which the operator writes Vault's telemetry " +
    'settings (spec.monitor)',
  terminationPolicy: 'the termination policy (spec.terminationPolicy)',
  halted: 'halting the server (spec.halted)',
  healthChecker: 'health checking (spec.healthChecker)',
  exposePrimary: 'the primary service (spec.exposePrimary)',
  isolateTenants: 'tenant isolation (spec.isolateTenants)',
  relayPlacementRef: 'spoke relays (spec.relayPlacementRef)',
  relayTemplate: 'spoke relays (spec.relayTemplate)',
};

interface VaultPlan {
  backend?: Backend;
  replicas: number;
  image?: string;
  binary: 'vault' | 'bao';
  dataPath: string;
  /** spec.configSecret: the Secret whose vault.hcl Vault reads before dbtls's. */
  userConfigSecret?: string;
}

/** The image a VaultServerVersion name implies: `1.18.4` → hashicorp/vault, `openbao-2.4.3` → openbao/openbao. */
export function vaultImage(
  version: string,
): { image: string; binary: 'vault' | 'bao' } | undefined {
  if (/^\d+\.\d+\.\d+$/.test(version))
    return { image: `hashicorp/vault:${version}`, binary: 'vault' };
  const bao = /^openbao-(\d+\.\d+\.\d+)$/.exec(version);
  if (bao) return { image: `openbao/openbao:${bao[1]}`, binary: 'bao' };
  return undefined;
}

/** spec.tls without issuerRef: KubeVault's self-signed path. */
function selfSigned(db: KubeObject): boolean {
  const tls = isObj(db.spec) ? db.spec.tls : undefined;
  return isObj(tls) && (tls.issuerRef === undefined || tls.issuerRef === null);
}

function backendOf(db: KubeObject): string | undefined {
  const backend = isObj(db.spec) && isObj(db.spec.backend) ? db.spec.backend : {};
  const set = Object.keys(backend).filter((k) => backend[k] !== undefined && backend[k] !== null);
  return set.length === 1 ? set[0] : undefined;
}

export const vaultserver = defineKind<VaultPlan>({
  group: 'kubevault.com',
  kind: 'VaultServer',
  versionNaming: VERSION_NAMING,
  operator: 'KubeVault',
  resource: 'vaultservers',
  versions: ['v1alpha2', 'v1alpha1'],
  summary:
    'HashiCorp Vault / OpenBao: server, client (and storage for raft) certificates; a TLS tcp listener and raft storage joined over TLS',
  aliases: (db) => [
    ...(selfSigned(db) ? ['ca'] : []),
    'server',
    'client',
    ...(backendOf(db) === 'raft' ? ['storage'] : []),
  ],
  // KubeVault's aliases (apis/kubevault/v1alpha2 types.go VaultCertificateAlias, and its TLS
  // guide): ca, server, client, storage; where the object issues no certificate for one, why.
  unissuedAliases: (db) => ({
    ...(selfSigned(db)
      ? {}
      : {
          ca:
            'KubeVault creates a CA of its own only when spec.tls has no issuerRef; with one, ' +
            'the issuer is the CA',
        }),
    ...(backendOf(db) === 'raft'
      ? {}
      : {
          storage:
            'the storage certificate secures raft joins between Vault nodes and exists only ' +
            'with spec.backend.raft',
        }),
  }),
  // Without issuerRef KubeVault's operator creates a self-signed CA (alias ca) and the certificates itself.
  issuerRefOptional: true,
  certificateName: (db, alias) => nameWithSuffix(`${db.metadata.name}-${alias}`, 'certs'),
  defaultSecretName: (db, alias) => nameWithSuffix(`${db.metadata.name}-${alias}`, 'certs'),

  plan(ctx) {
    const { report, settings } = ctx;
    const spec = ctx.db.spec as Obj;
    const standalone = settings.mode === 'standalone';
    const image = readImage(spec, standalone, report);
    const replicas = readInt(spec, 'replicas', at('spec', 'replicas'), report, 1) ?? 1;
    if (replicas > MAX_RENDERED_NODES && standalone) {
      report.error(
        at('spec', 'replicas'),
        `${replicas} nodes: standalone mode writes a raft retry_join for every node into vault.hcl and renders at most ${MAX_RENDERED_NODES} (use mode: operator for more)`,
      );
    }
    if (selfSigned(ctx.db)) reportSelfSigned(standalone, report);
    const backend = readBackend(spec, report);
    let dataPath = DATA_DIR;
    if (backend !== undefined && isObj(spec.backend)) {
      dataPath = readBackendSettings(spec.backend, backend, replicas, standalone, report);
    }
    if (standalone) adviseStandalone(spec, image?.binary, report);
    const userConfigSecret = standalone ? readVaultConfigSecret(ctx) : undefined;
    const binary = image?.binary ?? 'vault';
    return { backend, replicas, image: image?.image, binary, dataPath, userConfigSecret };
  },

  issuesCertificates: (ctx) => ctx.tls !== undefined,

  // KubeVault's service aliases: vault (<name>), internal (the headless <name>-internal), and
  // primary (<name>-primary) with exposePrimary.
  clientServices(ctx): Record<string, string> {
    const name = ctx.db.metadata.name;
    const services = { vault: name, internal: nameWithSuffix(name, 'internal') };
    const exposed = isObj(ctx.db.spec) && ctx.db.spec.exposePrimary === true;
    return exposed ? { ...services, primary: nameWithSuffix(name, 'primary') } : services;
  },
  // KubeVault's ensureService keeps its own ports and labels (kubevault/operator vault.go).
  serviceTemplateIgnores: ['ports', 'labels'],

  certificateDefaults(ctx, _plan, alias) {
    // KubeVault's GetCertificateCN: <name>-<alias>; the operator sets no default subject.
    const name = ctx.db.metadata.name;
    const commonName = `${name}-${alias}`;
    if (alias === 'client') return { commonName, usages: USAGES.client };
    // storage: raft joins present it as a client to the leader's listener, which checks it as a server
    const usages = alias === 'storage' ? USAGES.serverAndClient : USAGES.server;
    const internal = nameWithSuffix(name, 'internal');
    const defaults = serverCertificateDefaults(ctx, [name], internal, usages, commonName);
    // KubeVault's own server and storage certificates also name every pod of the namespace by its
    // IP (*.<ns>.pod), as clients and raft peers that found a pod by its address reach it.
    const pods = podIPWildcards(ctx.namespace, ctx.settings.clusterDomain);
    return { ...defaults, dnsNames: [...(defaults.dnsNames ?? []), ...pods] };
  },

  client: {
    // No default user: the certificate's common name is the workload's name, for Vault's cert
    // auth method to map to a role (or set dbtls.dev/connect-as).
    endpoint: (ctx) => ({ service: ctx.db.metadata.name, port: API_PORT }),
    settings: (c) => ({
      // The Vault CLI's and the official API clients' own variables.
      env: [
        { name: 'VAULT_ADDR', value: `https://${c.host}:${c.port}` },
        { name: 'VAULT_CACERT', value: c.ca },
        { name: 'VAULT_CLIENT_CERT', value: c.cert },
        { name: 'VAULT_CLIENT_KEY', value: c.key },
      ],
    }),
  },

  // Vault's cert auth method maps a common name to a role: no name is Vault's own administrator.
  users: { noun: 'Vault cert auth name', administrative: [] },

  podTemplate: { container: 'vault', operator: 'KubeVault' },

  workload(ctx, plan, certificates, owner) {
    const name = ctx.db.metadata.name;
    const internal = nameWithSuffix(name, 'internal');
    const configName = nameWithSuffix(name, 'vault-config');
    const server = certificates.find((c) => c.alias === 'server');
    const scheme = server ? 'https' : 'http';
    const { volumes, mounts } = vaultFiles(configName, plan, certificates);
    const persistent = plan.backend === 'raft' || plan.backend === 'file';
    if (persistent) mounts.push({ name: 'data', mountPath: plan.dataPath });
    let cmd = command(plan.binary);
    if (plan.userConfigSecret) {
      // The user's file first: Vault merges each -config onto the ones before (vault-config.ts).
      const user = vaultUserConfig(plan.userConfigSecret);
      volumes.push(user.volume);
      mounts.push(user.mount);
      cmd = [cmd[0], cmd[1], user.flag, ...cmd.slice(2)];
    }
    const container = {
      name: 'vault',
      image: plan.image,
      command: cmd,
      env: vaultEnv(`$(POD_NAME).${internal}.${ctx.namespace}.svc`, plan, server !== undefined),
      ports: CONTAINER_PORTS,
      readinessProbe: readiness(scheme),
      volumeMounts: mounts,
      securityContext: RESTRICTED_CONTAINER,
    };
    const config: Record<string, string> = { 'vault.hcl': vaultHcl(ctx, plan, certificates) };
    const mounted = certificates.filter((c) => c.alias !== 'storage' || plan.backend === 'raft');
    const containers: Obj[] = [container];
    if (server) {
      // Renewal: Vault re-reads its listener's certificate and key on SIGHUP; raft joins read
      // the storage certificate at each join.
      config[WATCHER_FILE] = watcherScript(rotation(mounted, plan.binary));
      containers.push(
        reloaderContainer({
          image: plan.image as string,
          script: `${CONFIG_DIR}/${WATCHER_FILE}`,
          mounts: mounts.filter((m) => m.name !== 'data' && m.name !== USER_CONFIG_VOLUME),
        }),
      );
    }
    return [
      configMap(owner, configName, config),
      service(owner, name, SERVICE_PORTS),
      service(owner, internal, INTERNAL_PORTS, { headless: true }),
      statefulSet(owner, {
        name,
        replicas: plan.replicas,
        serviceName: internal,
        securityContext: POD_SECURITY,
        containers,
        volumes,
        shareProcessNamespace: server !== undefined || undefined,
        dataVolume: persistent
          ? dataVolumeFrom(storageSpec(ctx.db.spec as Obj, plan.backend))
          : { emptyDir: {} },
        podManagementPolicy: plan.backend === 'raft' ? 'Parallel' : undefined,
      }),
    ] satisfies KubeObject[];
  },
});

/** The configuration and the certificates mounted (the storage certificate with raft only). */
function vaultFiles(
  configName: string,
  plan: VaultPlan,
  certificates: readonly IssuedCertificate[],
): { volumes: Obj[]; mounts: Obj[] } {
  const volumes: Obj[] = [configMapVolume('config', configName)];
  const mounts: Obj[] = [CONFIG_MOUNT];
  for (const cert of certificates) {
    if (cert.alias === 'storage' && plan.backend !== 'raft') continue;
    // KubeVault's volume names: vault-server-certs, vault-client-certs (and storage-cert).
    const volume = cert.alias === 'storage' ? 'storage-cert' : `vault-${cert.alias}-certs`;
    volumes.push(secretVolume(volume, cert.secretName, CERT_FILES, KEY_MODE));
    mounts.push(certMount(cert.alias));
  }
  return { volumes, mounts };
}

/** Vault's addresses: its own, the API and cluster addresses of the pod, the CA it trusts. */
function vaultEnv(podAddress: string, plan: VaultPlan, tls: boolean): Obj[] {
  const scheme = tls ? 'https' : 'http';
  const env: Obj[] = [
    POD_NAME,
    { name: 'VAULT_ADDR', value: `${scheme}://127.0.0.1:${API_PORT}` },
    { name: 'VAULT_API_ADDR', value: `${scheme}://${podAddress}:${API_PORT}` },
    { name: 'VAULT_CLUSTER_ADDR', value: `https://${podAddress}:${CLUSTER_PORT}` },
  ];
  if (tls) env.push({ name: 'VAULT_CACERT', value: `${CERT_DIR}/server/ca.crt` });
  if (plan.backend === 'raft')
    env.push({
      name: 'VAULT_RAFT_NODE_ID',
      valueFrom: { fieldRef: { fieldPath: 'metadata.name' } },
    });
  return env;
}

/** The watcher for the mounted certificates; the server process is `binary` (vault or bao). */
function rotation(certificates: readonly IssuedCertificate[], binary: string) {
  const dirs = certificates.map((c) => `${CERT_DIR}/${c.alias}`);
  return {
    watched: dirs,
    pairs: dirs.map((d) => [`${d}/tls.crt`, `${d}/tls.key`] as const),
    takeup: {
      reload: signalReload(binary, 'HUP', 'the server, which reloads its listener certificates'),
    },
  };
}

/** The data volume claim: spec.backend.raft.storage, or the file backend's volumeClaimTemplate. */
function storageSpec(spec: Obj, backend: Backend | undefined): Obj {
  const b = isObj(spec.backend) ? spec.backend : {};
  if (backend === 'raft' && isObj(b.raft) && isObj(b.raft.storage))
    return { storage: b.raft.storage };
  if (
    backend === 'file' &&
    isObj(b.file) &&
    isObj(b.file.volumeClaimTemplate) &&
    isObj(b.file.volumeClaimTemplate.spec)
  )
    return { storage: b.file.volumeClaimTemplate.spec };
  return {};
}

// The parts of the workload that every VaultServer shares (see `shared`).
const CONFIG_MOUNT = shared({ name: 'config', mountPath: CONFIG_DIR, readOnly: true });
const certMount = sharedBy((alias: string) => ({
  name: alias === 'storage' ? 'storage-cert' : `vault-${alias}-certs`,
  mountPath: `${CERT_DIR}/${alias}`,
  readOnly: true,
}));
const command = sharedBy((binary: string) => [binary, 'server', `-config=${CONFIG_DIR}/vault.hcl`]);
const POD_NAME = shared({
  name: 'POD_NAME',
  valueFrom: { fieldRef: { fieldPath: 'metadata.name' } },
});
const CONTAINER_PORTS = shared([
  { name: 'client', containerPort: API_PORT, protocol: 'TCP' },
  { name: 'cluster', containerPort: CLUSTER_PORT, protocol: 'TCP' },
]);
// Ready once unsealed (standbys included): sealed pods get no client traffic.
const readiness = sharedBy((scheme: string) => ({
  httpGet: { path: '/v1/sys/health?standbyok=true', port: API_PORT, scheme: scheme.toUpperCase() },
  periodSeconds: 10,
}));
const POD_SECURITY = podSecurityContext(VAULT_UID, VAULT_GID);
const SERVICE_PORTS = shared([
  { name: 'client', port: API_PORT },
  { name: 'cluster', port: CLUSTER_PORT },
]);
const INTERNAL_PORTS = shared([
  { name: 'client-internal', port: API_PORT },
  { name: 'cluster-internal', port: CLUSTER_PORT },
]);

/** spec.version: required, and in standalone mode one that maps to an image. */
function readImage(spec: Obj, standalone: boolean, report: Reporter) {
  const version = readString(spec, 'version', at('spec', 'version'), report);
  if (spec.version === undefined || spec.version === null)
    report.error(
      at('spec', 'version'),
      'spec.version is required: a KubeVault VaultServerVersion such as "1.18.4"',
    );
  const image = version !== undefined ? vaultImage(version) : undefined;
  if (version !== undefined && image === undefined && standalone) {
    report.error(
      at('spec', 'version'),
      `${JSON.stringify(version)} is not a VaultServerVersion that standalone mode can map to an image; use a Vault version such as "1.18.4" (hashicorp/vault) or "openbao-2.4.3" (openbao/openbao), or use mode: operator`,
    );
  }
  return image;
}

/** Without issuerRef: refused in standalone mode, explained in the others. */
function reportSelfSigned(standalone: boolean, report: Reporter): void {
  if (standalone)
    report.error(
      at('spec', 'tls', 'issuerRef'),
      'spec.tls.issuerRef is required in standalone mode: without it the KubeVault operator creates a self-signed CA and the certificates at run time, and dbtls never creates secret material; name a cert-manager Issuer or ClusterIssuer, or use mode: operator',
    );
  else
    report.info(
      at('spec', 'tls', 'issuerRef'),
      'spec.tls.issuerRef is not set: the KubeVault operator will create a self-signed CA and the server and client certificates itself (valid 365 days); dbtls renders no Certificates for this VaultServer',
    );
}

/** spec.backend: exactly one known backend, or undefined (reported). */
function readBackend(spec: Obj, report: Reporter): Backend | undefined {
  const b = spec.backend;
  if (b === undefined || b === null)
    report.error(
      at('spec', 'backend'),
      `spec.backend is required: one storage backend, e.g. raft (${BACKENDS.join(', ')})`,
    );
  else if (!isObj(b))
    report.error(at('spec', 'backend'), `spec.backend must be a mapping, got ${describeType(b)}`);
  else {
    const set = Object.keys(b).filter((k) => b[k] !== undefined && b[k] !== null);
    const unknown = set.filter((k) => !(BACKENDS as readonly string[]).includes(k));
    for (const k of unknown)
      report.error(
        at('spec', 'backend', k),
        `unknown backend "${k}"; spec.backend has ${BACKENDS.join(', ')}`,
      );
    if (set.length === 0)
      report.error(
        at('spec', 'backend'),
        `spec.backend names no backend; set exactly one of ${BACKENDS.join(', ')}`,
      );
    else if (set.length > 1 && unknown.length === 0)
      report.error(
        at('spec', 'backend'),
        `spec.backend sets ${set.join(' and ')}; KubeVault refuses more than one backend: keep exactly one`,
      );
    else if (unknown.length === 0) return set[0] as Backend;
  }
  return undefined;
}

/** The backend's own settings: its data path, and what standalone mode can run of it. */
function readBackendSettings(
  b: Obj,
  backend: Backend,
  replicas: number,
  standalone: boolean,
  report: Reporter,
): string {
  let dataPath = DATA_DIR;
  const cfg = b[backend];
  const backendPath = at('spec', 'backend', backend);
  if (!isObj(cfg))
    report.error(backendPath, `${backendPath} must be a mapping, got ${describeType(cfg)}`);
  else if (backend === 'raft' && typeof cfg.path === 'string' && cfg.path !== '')
    dataPath = checkDataPath(cfg.path, at('spec', 'backend', 'raft', 'path'), report); // v1alpha1
  else if (backend === 'file') {
    const path = readString(cfg, 'path', at('spec', 'backend', 'file', 'path'), report);
    if (path === undefined && cfg.path === undefined)
      report.error(
        at('spec', 'backend', 'file', 'path'),
        'spec.backend.file.path is required: the directory Vault stores its data in',
      );
    if (path !== undefined)
      dataPath = checkDataPath(path, at('spec', 'backend', 'file', 'path'), report);
  }
  if (standalone && !['raft', 'file', 'inmem'].includes(backend)) {
    report.error(
      backendPath,
      `the ${backend} backend needs credentials and connection settings that only the KubeVault operator renders; standalone mode can run raft, file or inmem storage (or use mode: operator)`,
    );
  }
  if (standalone && (backend === 'file' || backend === 'inmem') && replicas > 1) {
    report.error(
      at('spec', 'replicas'),
      `the ${backend} backend is not shared between pods, so ${replicas} replicas would be ${replicas} separate Vaults behind one service; standalone mode cannot run that: set replicas: 1 or use the raft backend`,
    );
  }
  if (standalone && backend === 'inmem')
    report.warn(
      at('spec', 'backend', 'inmem'),
      'inmem storage loses every secret when the pod restarts; use it for tests only',
    );
  return dataPath;
}

/** What standalone mode leaves to the operator or the user: fields, init and unsealing. */
function adviseStandalone(spec: Obj, binary: string | undefined, report: Reporter): void {
  for (const [field, what] of Object.entries(OPERATOR_ONLY)) {
    const v = spec[field];
    if (
      v === undefined ||
      v === null ||
      v === false ||
      (isObj(v) && Object.keys(v).length === 0) ||
      (Array.isArray(v) && v.length === 0)
    )
      continue;
    report.operatorOnly(at('spec', field), what, 'KubeVault');
  }
  report.warn(
    at('spec'),
    `standalone Vault starts uninitialised and sealed: run "${binary ?? 'vault'} operator init" and unseal each pod yourself, then configure auth methods, secret engines and policies (VaultPolicy, VaultPolicyBinding), which only the KubeVault operator applies`,
  );
}
