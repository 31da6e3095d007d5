// Stage: applications that connect (fn/connect/). Their client Certificates join the rendered
// objects; the workloads dbtls adds to (or takes its additions from) join the changed items. Every
// secret a Certificate of the input or of the databases writes is known first, so that a client
// certificate cannot take one.
import { connectApplications, type ConnectTarget, type SecretWriters } from '../connect/index.js';
import { describeObject, isObj, type KubeObject, namespaceOf } from '../io/objects.js';
import type { Result } from '../io/results.js';
import type { Reached } from './render-trust-bundles.js';
import { type Rendered, type Run, where } from './run.js';

/** What connecting produced besides the objects: results, and who connects to which database. */
export interface Connected {
  results: Result[];
  reached: Reached[];
}

export function connectWorkloads(
  objects: readonly KubeObject[],
  targets: ReadonlyMap<string, ConnectTarget>,
  rendered: Rendered[],
  replaced: Map<KubeObject, KubeObject>,
  run: Run,
): Connected {
  const writers: SecretWriters = new Map();
  for (const o of [...objects, ...rendered.flatMap((r) => r.objects)]) {
    if (o.kind !== 'Certificate' || !isObj(o.spec) || typeof o.spec.secretName !== 'string')
      continue;
    writers.set(`${namespaceOf(o)}/${o.spec.secretName}`, {
      description: `${describeObject(o)}${where(o)}`,
    });
  }
  const { issuers, settings, kinds } = run;
  const outcome = connectApplications(objects, targets, issuers, writers, settings, kinds.all);
  for (const [from, to] of outcome.changed) replaced.set(from, to);
  rendered.push(...outcome.generated);
  return { results: outcome.results, reached: outcome.reached };
}
