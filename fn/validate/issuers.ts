// Cross-references from `issuerRef` to the cert-manager Issuers and ClusterIssuers in the input.
import { groupOf, type KubeObject, namespaceOf } from '../io/objects.js';
import type { Reporter } from '../io/results.js';
import type { ExternalIssuer } from '../policy/settings.js';
import { ISSUER_GROUP, type IssuerRef } from './tls-config.js';

export class IssuerIndex {
  private readonly namespaced = new Map<string, KubeObject>();
  private readonly cluster = new Map<string, KubeObject>();

  constructor(items: readonly KubeObject[], private readonly external: readonly ExternalIssuer[], readonly visible = true) {
    for (const o of items) {
      if (groupOf(o.apiVersion) !== ISSUER_GROUP) continue;
      if (o.kind === 'Issuer') this.namespaced.set(`${namespaceOf(o)}/${o.metadata.name}`, o);
      else if (o.kind === 'ClusterIssuer') this.cluster.set(o.metadata.name, o);
    }
  }

  find(ref: IssuerRef, namespace: string): KubeObject | undefined {
    return ref.kind === 'Issuer' ? this.namespaced.get(`${namespace}/${ref.name}`) : this.cluster.get(ref.name);
  }

  private isExternal(ref: IssuerRef, namespace: string): boolean {
    return this.external.some((e) => e.name === ref.name && (e.kind === undefined || e.kind === ref.kind)
      && (e.namespace === undefined || (ref.kind === 'Issuer' && e.namespace === namespace)));
  }

  /** Reports an issuerRef that names nothing the cluster will have. */
  check(ref: IssuerRef, namespace: string, path: string, report: Reporter): void {
    if (this.find(ref, namespace) || this.isExternal(ref, namespace)) return;
    const where = ref.kind === 'Issuer' ? `in namespace "${namespace}"` : 'in the input';
    let hint = '';
    if (ref.kind === 'Issuer') {
      const elsewhere = [...this.namespaced.keys()].filter((k) => k.endsWith(`/${ref.name}`)).map((k) => k.split('/')[0]);
      if (elsewhere.length) hint = `; an Issuer of that name is in namespace ${elsewhere.map((n) => `"${n}"`).join(', ')}, but an Issuer only signs for its own namespace`;
      else if (this.cluster.has(ref.name)) hint = `; a ClusterIssuer of that name exists: set kind: ClusterIssuer`;
    } else if ([...this.namespaced.keys()].some((k) => k.endsWith(`/${ref.name}`))) {
      hint = '; an Issuer (namespaced) of that name exists: set kind: Issuer';
    }
    const message = `${ref.kind} "${ref.name}" not found ${where}${hint}; add it to the input, or list it in externalIssuers if it exists only in the cluster`;
    if (this.visible) report.error(path, message);
    else report.warn(path, `${ref.kind} "${ref.name}" cannot be checked: issuers are not visible to a kustomize generator; list it in externalIssuers to confirm it exists in the cluster`);
  }
}
