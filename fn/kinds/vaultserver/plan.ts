// Reading a VaultServer's spec into its plan: the version's image, the storage backend and its
// settings, the replicas, and what standalone mode leaves to the KubeVault operator.
import type { KubeObject, Obj } from '../../io/objects.js';
import { isObj } from '../../io/objects.js';
import { describeType } from '../../io/resource-list.js';
import type { Reporter } from '../../io/results.js';
import { readInt, readString } from '../../validate/fields.js';
import { at } from '../../util/field-path.js';
import type { KindContext } from '../kind.js';
import { checkDataPath, DATA_DIR, readVaultConfigSecret } from './config.js';
import { vaultImage } from './versions.js';

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
export type Backend = (typeof BACKENDS)[number];

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

export interface VaultPlan {
  backend?: Backend;
  replicas: number;
  image?: string;
  binary: 'vault' | 'bao';
  dataPath: string;
  /** spec.configSecret: the Secret whose vault.hcl Vault reads before dbtls's. */
  userConfigSecret?: string;
}

/** spec.tls without issuerRef: KubeVault's self-signed path. */
export function selfSigned(db: KubeObject): boolean {
  const tls = isObj(db.spec) ? db.spec.tls : undefined;
  return isObj(tls) && (tls.issuerRef === undefined || tls.issuerRef === null);
}

export function backendOf(db: KubeObject): string | undefined {
  const backend = isObj(db.spec) && isObj(db.spec.backend) ? db.spec.backend : {};
  const set = Object.keys(backend).filter((k) => backend[k] !== undefined && backend[k] !== null);
  return set.length === 1 ? set[0] : undefined;
}

/** The kind's `plan`: spec read and checked into what the certificates and workload need. */
export function readPlan(ctx: KindContext): VaultPlan {
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
}

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
