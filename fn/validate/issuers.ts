// Cross-references from `issuerRef` to the cert-manager Issuers and ClusterIssuers in the input.
import { groupOf, type KubeObject, namespaceOf } from '../io/objects.js';
import type { Reporter } from '../io/results.js';
import type { ExternalIssuer } from '../contract/settings.js';
import { ISSUER_GROUP, type IssuerRef } from './tls-config.js';
import type { FieldPath } from '../util/field-path.js';

export class IssuerIndex {
  private readonly namespaced = new Map<string, KubeObject>();
  private readonly cluster = new Map<string, KubeObject>();

  constructor(
    items: readonly KubeObject[],
    private readonly external: readonly ExternalIssuer[],
    readonly visible = true,
  ) {
    for (const o of items) {
      if (groupOf(o.apiVersion) !== ISSUER_GROUP) continue;
      if (o.kind === 'Issuer') this.namespaced.set(`${namespaceOf(o)}/${o.metadata.name}`, o);
      else if (o.kind === 'ClusterIssuer') this.cluster.set(o.metadata.name, o);
    }
  }

  find(ref: IssuerRef, namespace: string): KubeObject | undefined {
    return ref.kind === 'Issuer'
      ? this.namespaced.get(`${namespace}/${ref.name}`)
      : this.cluster.get(ref.name);
  }

  private isExternal(ref: IssuerRef, namespace: string): boolean {
    return this.external.some(
      (e) =>
        e.name === ref.name &&
        (e.kind === undefined || e.kind === ref.kind) &&
        (e.namespace === undefined || (ref.kind === 'Issuer' && e.namespace === namespace)),
    );
  }

  /**
   * Reports an issuerRef that names nothing the cluster will have: at its `name`, with the nearest
   * name of that kind there is (a typo), or at its `kind` when the name exists as the other kind.
   * `oneField`: the reference is one field (an annotation `Issuer/<name>`), reported as a whole.
   */
  check(
    ref: IssuerRef,
    namespace: string,
    path: FieldPath,
    report: Reporter,
    oneField = false,
  ): void {
    if (this.find(ref, namespace) || this.isExternal(ref, namespace)) return;
    if (!this.visible) {
      report.warn(
        path,
        `${ref.kind} "${ref.name}" cannot be checked: issuers are not visible to a kustomize generator; list it in externalIssuers to confirm it exists in the cluster`,
      );
      return;
    }
    const where = ref.kind === 'Issuer' ? `in namespace "${namespace}"` : 'in the input';
    const fix =
      'add it to the input, or list it in externalIssuers if it exists only in the cluster';
    let hint = '';
    let field = path.child('name');
    if (ref.kind === 'Issuer') {
      const elsewhere = [...this.namespaced.keys()]
        .filter((k) => k.endsWith(`/${ref.name}`))
        .map((k) => k.split('/')[0]);
      if (elsewhere.length)
        hint = `; an Issuer of that name is in namespace ${elsewhere.map((n) => `"${n}"`).join(', ')}, but an Issuer only signs for its own namespace`;
      else if (this.cluster.has(ref.name)) {
        hint = '; a ClusterIssuer of that name exists: set kind: ClusterIssuer';
        field = path.child('kind');
      }
    } else if ([...this.namespaced.keys()].some((k) => k.endsWith(`/${ref.name}`))) {
      hint = '; an Issuer (namespaced) of that name exists: set kind: Issuer';
      field = path.child('kind');
    }
    const nearest =
      hint === '' ? nearestName(ref.name, this.namesOf(ref.kind, namespace)) : undefined;
    const advice = nearest === undefined ? fix : `did you mean "${nearest}"? Otherwise ${fix}`;
    report.error(
      oneField ? path : field,
      `${ref.kind} "${ref.name}" not found ${where}${hint}; ${advice}`,
    );
  }

  /** The names an issuerRef of `kind` may use from `namespace`: Issuers there, or ClusterIssuers. */
  private namesOf(kind: IssuerRef['kind'], namespace: string): string[] {
    if (kind === 'ClusterIssuer') return [...this.cluster.keys()];
    return [...this.namespaced.keys()]
      .filter((k) => k.startsWith(`${namespace}/`))
      .map((k) => k.slice(namespace.length + 1));
  }
}

/**
 * The name closest to `name` that is close enough to be a typo of it: at most a third of its
 * characters (at least 1, at most 3) inserted, deleted, replaced or swapped. undefined if none.
 */
export function nearestName(name: string, names: readonly string[]): string | undefined {
  const limit = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of [...names].sort()) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [
    i,
    ...Array<number>(b.length).fill(0),
  ]);
  for (let j = 1; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
    }
  }
  return rows[a.length][b.length];
}
