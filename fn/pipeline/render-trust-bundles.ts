// Stage: the trust-manager Bundles dbtls renders (docs/trust-bundles.md). Every database that
// names a trust bundle (`dbtls.dev/trust-bundle`, read in read-database.ts) of which the input
// holds no Bundle contributes its issuers' CAs and its extra sources; one Bundle per name, the
// union, written into exactly the namespaces of those databases and of the workloads connected to
// them. It is placed with its first database's objects, so that a later run settles it as it
// settles every other object of dbtls's (earlier-output.ts).
import type { ConnectTarget } from '../connect/index.js';
import type { TrustSource } from '../contract/trust.js';
import { type KubeObject, namespaceOf } from '../io/objects.js';
import { GENERATED_FROM } from '../render/metadata.js';
import { flat } from '../util/strings.js';
import { BUNDLE_API_VERSION, BUNDLE_KEY, sortedSources } from '../validate/trust-bundle.js';
import type { Rendered } from './run.js';

/** A database that names a trust bundle: its input object, and the database as read. */
export interface TrustingDatabase {
  source: KubeObject;
  target: ConnectTarget;
}

/** A workload connected to a database: the namespaces a Bundle targets. */
export interface Reached {
  target: ConnectTarget;
  workload: KubeObject;
}

/** The label the API server sets on every namespace: its name. */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export function renderTrustBundles(
  trusting: readonly TrustingDatabase[],
  reached: readonly Reached[],
  rendered: readonly Rendered[],
): void {
  const byName = new Map<string, TrustingDatabase[]>();
  for (const t of trusting) {
    const trust = t.target.ctx.trust;
    if (!trust || trust.given || !t.target.valid) continue;
    byName.set(trust.name, [...(byName.get(trust.name) ?? []), t]);
  }
  for (const [name, databases] of byName) {
    const first = databases[0];
    const objects = rendered.find((r) => r.source === first.source)?.objects;
    if (!objects) continue;
    const targets = new Set(databases.map((d) => d.target));
    const namespaces = new Set(databases.map((d) => d.target.ctx.namespace));
    // A namespace here is a database's (checkIdentity) or a workload's that connects: its own
    // database's, or one a grant names (fn/connect/grants.ts: a DNS-1123 label).
    for (const r of reached) if (targets.has(r.target)) namespaces.add(namespaceOf(r.workload));
    const sources = sortedSources(databases.flatMap((d) => d.target.ctx.trust?.sources ?? []));
    objects.push(trustManagerBundle(name, first.source, sources, [...namespaces].sort()));
  }
}

/** trust-manager's Bundle (trust.cert-manager.io/v1alpha1, cluster-scoped). */
function trustManagerBundle(
  name: string,
  first: KubeObject,
  sources: readonly TrustSource[],
  namespaces: readonly string[],
): KubeObject {
  return {
    apiVersion: BUNDLE_API_VERSION,
    kind: 'Bundle',
    metadata: {
      name,
      labels: { 'app.kubernetes.io/managed-by': 'dbtls' },
      annotations: {
        [GENERATED_FROM]: flat(first.kind, '/', namespaceOf(first), '/', first.metadata.name),
      },
    },
    spec: {
      sources: sources.map((s) =>
        s.kind === 'Secret'
          ? { secret: { name: s.name, key: s.key } }
          : { configMap: { name: s.name, key: s.key } },
      ),
      target: {
        configMap: { key: BUNDLE_KEY },
        namespaceSelector: {
          matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: 'In', values: namespaces }],
        },
      },
    },
  };
}
