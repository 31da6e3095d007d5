// Builders for the standalone workload that every kind shares: Services, the StatefulSet
// skeleton, secret volumes with the file modes servers insist on, configuration ConfigMaps.
import { compact, isObj, type KubeObject, type Obj, shared } from '../io/objects.js';
import { flat } from '../util/strings.js';
import { kubeObject, objectMeta, type Owner, selectorLabels } from './metadata.js';

export interface Port {
  name: string;
  port: number;
  targetPort?: number | string;
}

/** A container that may not gain privileges and holds no Linux capabilities: every kind's but SQL Server's. */
export const RESTRICTED_CONTAINER = shared({
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
});

/**
 * A pod that runs as `uid` and group `gid`, with its volumes group-owned by `gid` (fsGroup): how
 * the certificate keys become readable by the server and nobody else. Shared.
 */
export function podSecurityContext(uid: number, gid: number = uid): Obj {
  // The seccomp profile completes what Pod Security's restricted level asks of a pod.
  return shared({
    runAsUser: uid,
    runAsGroup: gid,
    fsGroup: gid,
    runAsNonRoot: true,
    seccompProfile: { type: 'RuntimeDefault' },
  });
}

/** Ready when the port accepts connections. Shared. */
export function tcpReadiness(port: number): Obj {
  return shared({ tcpSocket: { port }, periodSeconds: 10 });
}

/** A certificate secret's three files under their own names. */
export const CERT_FILES: readonly SecretFile[] = shared([
  { key: 'ca.crt', path: 'ca.crt' },
  { key: 'tls.crt', path: 'tls.crt' },
  { key: 'tls.key', path: 'tls.key' },
]);

/** A Service's ports for a shared list of them, written once. */
const servicePorts = new WeakMap<readonly Port[], readonly Obj[]>();

/** `ports`: a list made with `shared` is rendered once for every Service that names it. */
export function service(
  owner: Owner,
  name: string,
  ports: readonly Port[],
  opts: { headless?: boolean; selector?: Record<string, string> } = {},
): KubeObject {
  let rendered = servicePorts.get(ports);
  if (rendered === undefined) {
    rendered = ports.map((p) => ({
      name: p.name,
      port: p.port,
      targetPort: p.targetPort ?? p.port,
      protocol: 'TCP',
    }));
    if (Object.isFrozen(ports)) servicePorts.set(ports, shared(rendered));
  }
  return kubeObject('v1', 'Service', objectMeta(owner, name), {
    spec: compact({
      type: 'ClusterIP',
      clusterIP: opts.headless ? 'None' : undefined,
      publishNotReadyAddresses: opts.headless ? true : undefined,
      selector: { ...selectorLabels(owner), ...opts.selector },
      ports: rendered,
    }),
  });
}

/** Selector for one pod of the StatefulSet: how a primary Service reaches pod 0. */
export function podSelector(statefulSet: string, ordinal: number): Record<string, string> {
  return { 'statefulset.kubernetes.io/pod-name': `${statefulSet}-${ordinal}` };
}

export function configMap(owner: Owner, name: string, data: Record<string, string>): KubeObject {
  return kubeObject('v1', 'ConfigMap', objectMeta(owner, name), { data });
}

export interface SecretFile {
  key: string;
  path: string;
}

/**
 * A certificate secret as a volume. `mode` is the file mode (e.g. 0o640): with the pod's fsGroup
 * the files are root-owned and group-readable by the server, which servers such as PostgreSQL
 * accept for keys, and nobody else can read them. `files` are written as given: pass a shared list.
 */
export function secretVolume(
  name: string,
  secretName: string,
  files: readonly SecretFile[],
  mode: number,
): Obj {
  return { name, secret: { secretName, defaultMode: mode, items: files } };
}

/**
 * An emptyDir volume. Frozen, because `compact` drops empty mappings and an emptyDir without
 * settings is one: `{name, emptyDir: {}}` would lose its source and the API server refuse it.
 */
export function emptyDirVolume(name: string, settings: Obj = {}): Obj {
  return Object.freeze({ name, emptyDir: Object.freeze({ ...settings }) });
}

export function configMapVolume(name: string, configMapName: string, mode?: number): Obj {
  return { name, configMap: compact({ name: configMapName, defaultMode: mode }) };
}

export interface StatefulSetInput {
  name: string;
  replicas: number;
  serviceName: string;
  podLabels?: Record<string, string>;
  securityContext?: Obj;
  containers: Obj[];
  initContainers?: Obj[];
  volumes: Obj[];
  dataVolume: DataVolume;
  podManagementPolicy?: 'OrderedReady' | 'Parallel';
  /** The containers see each other's processes: how the TLS reloader signals the server. */
  shareProcessNamespace?: boolean;
}

export type DataVolume = { claim: Obj } | { emptyDir: Obj };

export function statefulSet(owner: Owner, s: StatefulSetInput): KubeObject {
  const labels = selectorLabels(owner);
  const volumes = [...s.volumes];
  const claims: Obj[] = [];
  if ('claim' in s.dataVolume)
    claims.push({ metadata: { name: 'data' }, spec: s.dataVolume.claim });
  else volumes.push(emptyDirVolume('data', s.dataVolume.emptyDir));
  return kubeObject('apps/v1', 'StatefulSet', objectMeta(owner, s.name), {
    spec: compact({
      replicas: s.replicas,
      serviceName: s.serviceName,
      podManagementPolicy: s.podManagementPolicy ?? 'OrderedReady',
      selector: { matchLabels: labels },
      template: {
        metadata: { labels: { ...labels, ...s.podLabels } },
        spec: compact({
          shareProcessNamespace: s.shareProcessNamespace,
          securityContext: s.securityContext,
          initContainers: s.initContainers,
          containers: s.containers,
          volumes,
        }),
      },
      volumeClaimTemplates: claims,
    }),
  });
}

/**
 * The data volume from KubeDB's `spec.storageType`/`spec.storage`: a PersistentVolumeClaim
 * template for Durable (the default), an emptyDir for Ephemeral.
 */
export function dataVolumeFrom(spec: Obj): DataVolume {
  if (spec.storageType === 'Ephemeral')
    return { emptyDir: isObj(spec.ephemeralStorage) ? spec.ephemeralStorage : {} };
  const storage = isObj(spec.storage) ? spec.storage : {};
  return {
    claim: compact({
      accessModes: Array.isArray(storage.accessModes) ? storage.accessModes : ['ReadWriteOnce'],
      storageClassName: storage.storageClassName,
      resources: isObj(storage.resources) ? storage.resources : { requests: { storage: '1Gi' } },
    }),
  };
}

/** The four forms of a Service's name that clients use, short to fully qualified. */
export function serviceNames(service: string, namespace: string, clusterDomain: string): string[] {
  return [
    service,
    flat(service, '.', namespace),
    flat(service, '.', namespace, '.svc'),
    flat(service, '.', namespace, '.svc.', clusterDomain),
  ];
}

/**
 * A server certificate's DNS names: every form of each Service clients reach the server by, of
 * the headless governing Service and of its pods, and localhost (for clients inside the pod).
 */
export function serverDNSNames(
  services: string[],
  governing: string,
  namespace: string,
  clusterDomain: string,
): string[] {
  return [
    ...[...services, governing].flatMap((s) => serviceNames(s, namespace, clusterDomain)),
    ...podWildcards(governing, namespace, clusterDomain),
    'localhost',
  ];
}

/** Wildcards under a Service's own name (`*.<service>.<ns>.svc`), as KubeDB adds for some kinds. */
export function serviceWildcards(service: string, namespace: string, domain: string): string[] {
  return podWildcards(service, namespace, domain);
}

/**
 * Wildcards covering every pod of a namespace by its IP-based DNS name (`10-1-2-3.<ns>.pod`), as
 * Kubernetes DNS answers them and KubeVault puts them in a server certificate.
 */
export function podIPWildcards(namespace: string, clusterDomain: string): string[] {
  return [flat('*.', namespace, '.pod'), flat('*.', namespace, '.pod.', clusterDomain)];
}

/** Wildcards covering every pod of a headless governing Service. */
export function podWildcards(
  governing: string,
  namespace: string,
  clusterDomain: string,
): string[] {
  return [
    flat('*.', governing, '.', namespace, '.svc'),
    flat('*.', governing, '.', namespace, '.svc.', clusterDomain),
  ];
}
