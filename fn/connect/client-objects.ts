// What dbtls generates for a workload that connects: its client Certificate and the ConfigMap of
// its client's option files, labelled as the database's client and marked as dbtls's output.
import type { IssuerRef } from '../contract/tls.js';
import { type KubeObject, namespaceOf } from '../io/objects.js';
import { USAGES } from '../render/certificate.js';
import { GENERATED_FROM } from '../render/metadata.js';

function clientMetadata(o: KubeObject, name: string, db: KubeObject): KubeObject['metadata'] {
  return {
    name,
    namespace: namespaceOf(o),
    labels: { 'app.kubernetes.io/managed-by': 'dbtls', 'dbtls.dev/client-of': db.metadata.name },
    annotations: { [GENERATED_FROM]: `${o.kind}/${namespaceOf(o)}/${o.metadata.name}` },
  };
}

export function clientCertificate(
  o: KubeObject,
  name: string,
  user: string,
  ref: IssuerRef,
  db: KubeObject,
): KubeObject {
  const issuerRef = { group: ref.apiGroup, kind: ref.kind, name: ref.name };
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: clientMetadata(o, name, db),
    spec: { secretName: name, issuerRef, commonName: user, usages: USAGES.client },
  };
}

export function optionFiles(
  o: KubeObject,
  name: string,
  files: Record<string, string>,
  db: KubeObject,
): KubeObject {
  const metadata = clientMetadata(o, name, db);
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: files };
}
