// spec.serviceTemplates in standalone mode: each template applied to the Service the kind renders
// for its alias (DatabaseKind.clientServices), as the operators apply them.
//
// KubeDB (community operator, e.g. Postgres ensurePrimaryService; kubedb/apimachinery
// ServiceLabels; kmodules offshoot-api PatchServicePorts): the first template of an alias; its
// annotations; its labels except app.kubernetes.io/{name,instance,version,managed-by} and the
// kubedb.com domain (meta FilterKeys); type and clusterIP when set; externalIPs, loadBalancerIP,
// loadBalancerSourceRanges, externalTrafficPolicy; healthCheckNodePort when > 0; ports matched
// by NAME only (a template port without a name, or naming no port, is ignored), changing port and
// nodePort. sessionAffinityConfig is in the schema but no operator applies it. The headless
// governing Service is never templated by KubeDB; KubeVault gives its `internal` template's
// annotations (only) to its headless Service, and applies neither ports nor labels.
// The `stats` template goes to the stats Service spec.monitor renders (monitorServices), as
// KubeDB's ensureStatsService applies it; the monitoring agent's annotations are written after.
//
// The template's parts are read in files of their own: service-template-metadata.ts (labels and
// annotations), service-template-spec.ts (type and the other spec fields) and
// service-template-ports.ts (ports by name), with what they share in service-template-context.ts
// and the API server's value rules in kube-value-rules.ts.
import { isObj, type KubeObject } from '../io/objects.js';
import { describeType } from '../io/resource-list.js';
import type { DatabaseKind, KindContext } from '../contract/kind.js';
import { monitorServices, selectStatsService } from './monitor.js';
import { at, type FieldPath } from '../util/field-path.js';
import { TemplateContext } from './service-template-context.js';
import { templatedMetadata } from './service-template-metadata.js';
import { templatedSpec } from './service-template-spec.js';

const PATH = at('spec', 'serviceTemplates');

/** The workload with each templated Service replaced by its templated form. */
export function applyServiceTemplates<Plan>(
  ctx: KindContext,
  kind: DatabaseKind<Plan>,
  plan: Plan,
  workload: KubeObject[],
): KubeObject[] {
  const templates = isObj(ctx.db.spec) ? ctx.db.spec.serviceTemplates : undefined;
  // Not a list, or entries that are no mappings: reported where the declared names are read.
  if (!Array.isArray(templates) || templates.length === 0) return workload;
  // The stats Service is no client Service (its names stay out of the server certificate).
  const services = { ...kind.clientServices?.(ctx, plan), ...monitorServices(workload) };
  const rendered = new Map<string, number>();
  workload.forEach((o, i) => {
    if (o.kind === 'Service') rendered.set(o.metadata.name, i);
  });
  const out = [...workload];
  const seen = new Map<string, number>();
  // Node ports are one per cluster: the same one twice would be refused for the second Service.
  const nodePorts = new Map<number, FieldPath>();
  templates.forEach((t, i) => {
    if (!isObj(t)) return;
    const path = PATH.index(i);
    const alias = t.alias;
    const aliasPath = path.child('alias');
    if (typeof alias !== 'string' || alias === '') {
      ctx.report.error(
        aliasPath,
        `${aliasPath} must name the Service the template is for (${Object.keys(services).join(', ')}), got ` +
          `${describeType(alias)}`,
      );
      return;
    }
    const first = seen.get(alias);
    if (first !== undefined) {
      ctx.report.error(
        path.child('alias'),
        `alias "${alias}" already has the template ${PATH.index(first)}; the operator would apply ` +
          'only one of them: give each alias one template',
      );
      return;
    }
    seen.set(alias, i);
    const name = services[alias];
    const index = name === undefined ? undefined : rendered.get(name);
    if (index === undefined) {
      ctx.report.warn(path.child('alias'), notRendered(alias, name, services, rendered));
      return;
    }
    const ignores = kind.serviceTemplateIgnores ?? [];
    const template = new TemplateContext(ctx, path, t, kind.operator, ignores, nodePorts);
    const applied = applyTemplate(template, out[index]);
    if (applied) out[index] = applied;
  });
  return selectStatsService(out);
}

function notRendered(
  alias: string,
  name: string | undefined,
  services: Readonly<Record<string, string>>,
  rendered: ReadonlyMap<string, number>,
): string {
  const present = Object.entries(services)
    .filter(([, s]) => rendered.has(s))
    .map(([a, s]) => `${a} (${s})`);
  const which =
    name === undefined
      ? `renders no Service of alias "${alias}"`
      : `does not render the ${alias} Service "${name}"`;
  return (
    `standalone mode ${which}, so this template is not applied; the templates it applies ` +
    `are for ${present.join(', ') || 'no Service'}`
  );
}

/** The templated Service, or undefined when the template has an error. */
function applyTemplate(tpl: TemplateContext, service: KubeObject): KubeObject | undefined {
  const before = tpl.ctx.report.results.length;
  const metadata = templatedMetadata(tpl, service);
  const spec = isObj(service.spec) ? service.spec : {};
  if (spec.clusterIP === 'None') {
    // The headless governing Service: its DNS names are the pods'; only annotations apply.
    const set = Object.keys(tpl.spec).filter((k) => tpl.spec[k] !== undefined);
    if (set.length > 0) {
      tpl.ctx.report.warn(
        tpl.path.child('spec'),
        `service "${service.metadata.name}" is the headless governing Service: the ` +
          `${tpl.operator} operator applies only the template's annotations to it, so ` +
          `${set.join(', ')} ${set.length > 1 ? 'are' : 'is'} not applied`,
      );
    }
    return tpl.failedSince(before) ? undefined : { ...service, metadata };
  }
  const newSpec = templatedSpec(tpl, service, spec);
  if (tpl.failedSince(before)) return undefined;
  return { ...service, metadata, spec: newSpec };
}
