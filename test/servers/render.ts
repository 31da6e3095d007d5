// Runs the function (in-process) over an example package or generated items and picks out what the
// server tests need: Certificates, ConfigMaps, the StatefulSet.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { KUBERNETES_SCHEMA } from '../../fn/io/yaml.js';
import { errorsOf, resourceList, runFn } from '../helpers.js';
import { type CertificateSpec, issue, type TestCA } from './ca-issuer.js';

export interface Rendered {
  items: any[];
  certificates: any[];
  configMaps: Record<string, Record<string, string>>;
  statefulSets: any[];
  warnings: string[];
}

export function renderItems(items: unknown[]): Rendered {
  const run = runFn(resourceList(items));
  const errors = errorsOf(run);
  if (errors.length > 0 || run.status !== 0)
    throw new Error(`render failed: ${JSON.stringify(errors)}`);
  const out: any[] = run.output.items;
  const configMaps: Rendered['configMaps'] = {};
  for (const cm of out.filter((i) => i.kind === 'ConfigMap'))
    configMaps[cm.metadata.name] = cm.data ?? {};
  return {
    items: out,
    certificates: out.filter((i) => i.kind === 'Certificate'),
    configMaps,
    statefulSets: out.filter((i) => i.kind === 'StatefulSet'),
    warnings: (run.output.results ?? [])
      .filter((r: any) => r.severity === 'warning')
      .map((r: any) => r.message),
  };
}

/** The YAML resources of an example package (Kptfile and dot-folders left out). */
export function exampleItems(dir: string): unknown[] {
  const items: unknown[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!/\.ya?ml$/.test(f)) continue;
    for (const doc of loadAll(readFileSync(join(dir, f), 'utf8'), { schema: KUBERNETES_SCHEMA }))
      if (doc) items.push(doc);
  }
  return items;
}

/** Issues every rendered Certificate from `ca`; secret name → directory of its keys. */
export function issueAll(ca: TestCA, certificates: any[], dir: string): Record<string, string> {
  const secrets: Record<string, string> = {};
  for (const c of certificates) {
    const spec = c.spec as CertificateSpec;
    secrets[spec.secretName] = issue(ca, spec, join(dir, spec.secretName)).dir;
  }
  return secrets;
}
