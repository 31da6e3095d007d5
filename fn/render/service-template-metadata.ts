// A service template's metadata: its annotations and labels, merged over the Service's own as
// KubeDB does (kmodules meta FilterKeys), each key and value held to the API server's rules.
// Apart from the spec (service-template-spec.ts): the two are read independently.
import { isObj, type KubeObject } from '../io/objects.js';
import { describeType } from '../io/resource-list.js';
import type { FieldPath } from '../util/field-path.js';
import { keyProblem, labelValueProblem } from './kube-value-rules.js';
import type { TemplateContext } from './service-template-context.js';

/** Labels KubeDB never copies to an offshoot (kmodules meta labelKeyBlacklist). */
const KEPT_LABELS = new Set([
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/version',
  'app.kubernetes.io/managed-by',
]);
/** Annotations that steer kpt and dbtls itself: on a Service they would change the pipeline. */
const RESERVED_ANNOTATION = /^(internal\.)?config\.kubernetes\.io\/|^dbtls\.dev\//;

export function templatedMetadata(
  tpl: TemplateContext,
  service: KubeObject,
): KubeObject['metadata'] {
  const md = tpl.t.metadata;
  if (md === undefined || md === null) return service.metadata;
  if (!isObj(md)) {
    const path = tpl.path.child('metadata');
    tpl.ctx.report.error(path, `${path} must be a mapping, got ${describeType(md)}`);
    return service.metadata;
  }
  for (const key of Object.keys(md)) {
    if (key !== 'labels' && key !== 'annotations')
      tpl.unknown(tpl.path.child('metadata', key), 'labels and annotations');
  }
  const annotations = templatedAnnotations(tpl, md.annotations, service);
  const labels = templatedLabels(tpl, md.labels);
  return {
    ...service.metadata,
    labels: { ...service.metadata.labels, ...labels },
    annotations: { ...service.metadata.annotations, ...annotations },
  };
}

function templatedAnnotations(
  tpl: TemplateContext,
  v: unknown,
  service: KubeObject,
): Record<string, string> {
  const path = tpl.path.child('metadata', 'annotations');
  const out: Record<string, string> = {};
  const own = service.metadata.annotations ?? {};
  for (const [key, value] of readStringMap(tpl, v, path)) {
    const field = path.child(key);
    if (key in own && !RESERVED_ANNOTATION.test(key)) {
      // The prometheus.io/builtin agent's scrape settings: it patches them in after the template.
      if (own[key] !== value)
        tpl.ctx.report.warn(
          field,
          `${field} is set on service "${service.metadata.name}" by spec.monitor, as the monitoring ` +
            `agent sets it after applying the template: the template's ${JSON.stringify(value)} ` +
            `is not used (it stays ${JSON.stringify(own[key])})`,
        );
    } else if (RESERVED_ANNOTATION.test(key)) {
      tpl.ctx.report.error(
        field,
        `${field} is an annotation kpt or dbtls reads from the objects dbtls generates; on a Service it ` +
          'would change how the package is rendered: remove it from the template',
      );
    } else out[key] = value;
  }
  return out;
}

function templatedLabels(tpl: TemplateContext, v: unknown): Record<string, string> {
  const path = tpl.path.child('metadata', 'labels');
  const out: Record<string, string> = {};
  const labels = readStringMap(tpl, v, path);
  if (labels.length > 0 && tpl.ignores.includes('labels')) {
    tpl.notApplied(path, 'labels');
    return out;
  }
  for (const [key, value] of labels) {
    if (KEPT_LABELS.has(key) || /(^|\.)kubedb\.com\//.test(key)) {
      const field = path.child(key);
      tpl.ctx.report.warn(
        field,
        `${field} is a label KubeDB sets on its Services itself and never takes from a template; it is ` +
          'not applied',
      );
    } else out[key] = value;
  }
  return out;
}

function readStringMap(tpl: TemplateContext, v: unknown, path: FieldPath): [string, string][] {
  if (v === undefined || v === null) return [];
  if (!isObj(v)) {
    tpl.ctx.report.error(path, `${path} must be a mapping of strings, got ${describeType(v)}`);
    return [];
  }
  const out: [string, string][] = [];
  const labels = path.last === 'labels';
  for (const [key, value] of Object.entries(v)) {
    const field = path.child(key);
    const problem = keyProblem(key) ?? (labels ? labelValueProblem(value) : undefined);
    if (typeof value !== 'string')
      tpl.ctx.report.error(field, `${field} must be a string, got ${describeType(value)}`);
    else if (problem)
      tpl.ctx.report.error(field, `${field} ${problem}: the API server would refuse the Service`);
    else out.push([key, value]);
  }
  return out;
}
