// Synthetic ResourceLists for the benchmark: N databases of the five supported kinds (round-robin),
// one CA Issuer per namespace (ten databases to a namespace), and M = 4N unrelated resources
// (ConfigMaps, Deployments, Services, ServiceAccounts), interleaved as a package's files would be.
// Every item carries the annotations `kpt fn render` sends, so generated objects are placed beside
// their source as in real use. Each database is valid: the function does its full work on it.
//
//   node bench/generate.mjs N [> list.yaml]
import { dump } from 'js-yaml';

const PER_NAMESPACE = 10;

function annotate(o, path, index) {
  o.metadata.annotations = {
    ...(o.metadata.annotations ?? {}),
    'config.kubernetes.io/path': path,
    'config.kubernetes.io/index': String(index),
    'internal.config.kubernetes.io/path': path,
    'internal.config.kubernetes.io/index': String(index),
    'internal.config.kubernetes.io/seqindent': 'compact',
  };
  return o;
}

const issuerRef = (name) => ({ apiGroup: 'cert-manager.io', kind: 'Issuer', name });
const storage = (size = '1Gi') => ({
  storageClassName: 'standard',
  accessModes: ['ReadWriteOnce'],
  resources: { requests: { storage: size } },
});

/** The five kinds, each after its example under examples/, with a name and namespace of its own. */
const DATABASES = [
  (name, ns, issuer) => ({
    apiVersion: 'kubedb.com/v1',
    kind: 'Postgres',
    metadata: { name, namespace: ns },
    spec: {
      version: '16.4',
      replicas: 3,
      sslMode: 'verify-full',
      storageType: 'Durable',
      tls: {
        issuerRef: issuerRef(issuer),
        certificates: [
          {
            alias: 'server',
            subject: { organizations: ['kubedb:server'] },
            dnsNames: ['localhost'],
            ipAddresses: ['127.0.0.1'],
          },
        ],
      },
      storage: storage(),
    },
  }),
  (name, ns, issuer) => ({
    apiVersion: 'kubedb.com/v1',
    kind: 'PerconaXtraDB',
    metadata: { name, namespace: ns },
    spec: {
      version: '8.4.3',
      replicas: 3,
      storageType: 'Durable',
      storage: storage(),
      requireSSL: true,
      tls: {
        issuerRef: issuerRef(issuer),
        certificates: [
          {
            alias: 'server',
            subject: { organizations: ['kubedb:server'] },
            dnsNames: ['localhost'],
            ipAddresses: ['127.0.0.1'],
          },
        ],
      },
      deletionPolicy: 'WipeOut',
    },
  }),
  (name, ns, issuer) => {
    const group = (replicas, size) => ({
      replicas,
      podTemplate: {
        spec: {
          containers: [
            {
              name: 'singlestore',
              resources: {
                limits: { memory: '2Gi', cpu: '700m' },
                requests: { memory: '2Gi', cpu: '700m' },
              },
            },
          ],
        },
      },
      storage: storage(size),
    });
    return {
      apiVersion: 'kubedb.com/v1alpha2',
      kind: 'Singlestore',
      metadata: { name, namespace: ns },
      spec: {
        version: '8.9.3',
        topology: { aggregator: group(2, '1Gi'), leaf: group(1, '10Gi') },
        licenseSecret: { kind: 'Secret', name: 'license-secret' },
        deletionPolicy: 'WipeOut',
        tls: {
          issuerRef: issuerRef(issuer),
          certificates: [
            {
              alias: 'server',
              subject: { organizations: ['kubedb:server'] },
              dnsNames: ['localhost'],
              ipAddresses: ['127.0.0.1'],
            },
          ],
        },
      },
    };
  },
  (name, ns, issuer) => ({
    apiVersion: 'kubedb.com/v1alpha2',
    kind: 'MSSQLServer',
    metadata: { name, namespace: ns },
    spec: {
      version: '2022-cu12',
      replicas: 3,
      topology: { mode: 'AvailabilityGroup', availabilityGroup: { databases: ['agdb1', 'agdb2'] } },
      tls: {
        issuerRef: issuerRef(issuer),
        clientTLS: true,
        certificates: [{ alias: 'server', subject: { organizations: ['kubedb:server'] } }],
      },
      podTemplate: {
        spec: {
          containers: [
            {
              name: 'mssql',
              env: [
                { name: 'ACCEPT_EULA', value: 'Y' },
                { name: 'MSSQL_PID', value: 'Developer' },
              ],
            },
          ],
        },
      },
      storageType: 'Durable',
      storage: storage(),
      deletionPolicy: 'WipeOut',
    },
  }),
  (name, ns, issuer) => ({
    apiVersion: 'kubevault.com/v1alpha2',
    kind: 'VaultServer',
    metadata: { name, namespace: ns },
    spec: {
      tls: { issuerRef: issuerRef(issuer) },
      allowedSecretEngines: { namespaces: { from: 'All' }, secretEngines: ['mysql'] },
      version: '1.18.4',
      replicas: 3,
      backend: {
        raft: {
          storage: { storageClassName: 'standard', resources: { requests: { storage: '1Gi' } } },
        },
      },
      unsealer: {
        secretShares: 5,
        secretThreshold: 3,
        mode: { kubernetesSecret: { secretName: 'vault-keys' } },
      },
      terminationPolicy: 'DoNotTerminate',
    },
  }),
];

/** The unrelated resources: what else lives in an application's package. */
const OTHERS = [
  (name, ns) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${name}-config`, namespace: ns, labels: { app: name } },
    data: {
      LOG_LEVEL: 'info',
      FEATURE_FLAGS: 'a,b,c',
      'app.properties':
        'server.port=8080\nserver.shutdown=graceful\nspring.datasource.url=jdbc:postgresql://db:5432/app\n',
    },
  }),
  (name, ns) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels: { app: name } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          serviceAccountName: name,
          containers: [
            {
              name: 'app',
              image: `registry.example.com/${name}:1.4.2`,
              ports: [{ name: 'http', containerPort: 8080 }],
              envFrom: [{ configMapRef: { name: `${name}-config` } }],
              resources: {
                requests: { cpu: '100m', memory: '128Mi' },
                limits: { memory: '256Mi' },
              },
              readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10 },
            },
          ],
        },
      },
    },
  }),
  (name, ns) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns, labels: { app: name } },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  }),
  (name, ns) => ({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name, namespace: ns, labels: { app: name } },
  }),
];

/** The items of a ResourceList with `n` databases, their Issuers and 4n other resources. */
export function generateItems(n) {
  const items = [];
  const namespaces = Math.ceil(n / PER_NAMESPACE);
  for (let k = 0; k < namespaces; k++) {
    const ns = `team-${k}`;
    const issuer = `${ns}-ca`;
    items.push(
      annotate(
        {
          apiVersion: 'cert-manager.io/v1',
          kind: 'Issuer',
          metadata: { name: issuer, namespace: ns },
          spec: { ca: { secretName: `${ns}-ca-key-pair` } },
        },
        `${ns}/issuer.yaml`,
        0,
      ),
    );
    for (let i = k * PER_NAMESPACE; i < Math.min(n, (k + 1) * PER_NAMESPACE); i++) {
      const make = DATABASES[i % DATABASES.length];
      const db = make(`db-${i}`, ns, issuer);
      items.push(annotate(db, `${ns}/db-${i}.yaml`, 0));
      const app = `app-${i}`;
      OTHERS.forEach((other, j) => {
        items.push(annotate(other(app, ns), `${ns}/${app}.yaml`, j));
      });
    }
  }
  return items;
}

export function generate(n) {
  return dump(
    { apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items: generateItems(n) },
    { lineWidth: -1, noRefs: true },
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2]);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write('usage: node bench/generate.mjs N\n');
    process.exit(2);
  }
  process.stdout.write(generate(n));
}
