// Stage: render each database among the sources, once (render-database.ts): its objects, the
// database as it is emitted when that differs (`replaced`), and what applications connect to.
import type { ConnectTarget } from '../connect/index.js';
import { describeObject, groupOf, type KubeObject, namespaceOf } from '../io/objects.js';
import { type Result, resultFor } from '../io/results.js';
import { renderDatabase } from './render-database.js';
import type { TrustingDatabase } from './render-trust-bundles.js';
import { type Rendered, type Run, where } from './run.js';
import { at } from '../util/field-path.js';

export interface RenderedDatabases {
  rendered: Rendered[];
  /** Each database that is emitted changed (marked local-config, say), by its input object. */
  replaced: Map<KubeObject, KubeObject>;
  /** Every database read, by `Kind/namespace/name`, for the applications that connect to it. */
  targets: Map<string, ConnectTarget>;
  /** The databases that name a trust bundle, in input order (render-trust-bundles.ts). */
  trusting: TrustingDatabase[];
}

export function renderDatabases(
  sources: readonly KubeObject[],
  run: Run,
  results: Result[],
): RenderedDatabases {
  const rendered: Rendered[] = [];
  const seen = new Map<string, KubeObject>();
  const replaced = new Map<KubeObject, KubeObject>();
  const targets = new Map<string, ConnectTarget>();
  const trusting: TrustingDatabase[] = [];
  for (const o of sources) {
    const kind = run.kinds.find(o);
    if (!kind) continue;
    // A stand-in (a GitOps kind) and the object its operator creates are one database.
    const group = kind.counterpart ? groupOf(kind.counterpart.apiVersion) : kind.group;
    const key = `${group}/${kind.kind}/${namespaceOf(o)}/${o.metadata.name}`;
    const first = seen.get(key);
    if (first) {
      results.push(resultFor(o, 'error', givenTwice(o, first, run), at('metadata', 'name')));
      continue;
    }
    seen.set(key, o);
    const outcome = renderDatabase(o, kind, run);
    results.push(...outcome.results);
    if (outcome.target)
      targets.set(`${kind.kind}/${namespaceOf(o)}/${o.metadata.name}`, outcome.target);
    if (outcome.target?.ctx.trust) trusting.push({ source: o, target: outcome.target });
    if (outcome.objects) {
      const overrides = outcome.target?.ctx.tls?.overrides;
      rendered.push({ source: o, objects: outcome.objects, overrides });
      if (outcome.source !== o) replaced.set(o, outcome.source);
    }
  }
  return { rendered, replaced, targets, trusting };
}

/** One database given twice: the same object, or a stand-in and the object it stands for. */
function givenTwice(o: KubeObject, first: KubeObject, run: Run): string {
  const standIn = [o, first].map((x) => run.kinds.find(x)).find((k) => k?.counterpart);
  if (o.apiVersion !== first.apiVersion && standIn?.counterpart)
    return standIn.counterpart.givenTwice(o, first);
  return `${describeObject(o)} is given twice${where(first)}; each database must appear once`;
}
