// The pods dbtls renders (standalone mode) pass Pod Security's baseline and restricted levels, and
// dbtls's own rule for them: the rendered pod is checked, and whatever breaks a check is an error
// naming the field of the database resource it came from (the template's field, recorded as it
// was applied). What dbtls renders itself passes (test/pod-security.test.ts checks every example);
// a violation without a user's field would be a bug in dbtls, and says so.
import { isObj, type KubeObject, type Obj } from '../../io/objects.js';
import type { Reporter } from '../../io/results.js';
import { FieldPath } from '../../util/field-path.js';
import type { PodTemplate, Step } from './check.js';
import { describeViolation, podViolations, SERVER_CHECKS } from './index.js';

const WHY = "every pod dbtls renders passes Pod Security's baseline and restricted levels";

/** Where each part of the rendered pod came from (fn/render/pod/origins.ts). */
export interface FieldOrigins {
  locate(at: readonly Step[]): FieldPath | undefined;
}

/** Reports what the checks refuse in one rendered pod template. */
export function reportServerPod(
  workload: KubeObject,
  pod: PodTemplate,
  origins: FieldOrigins,
  report: Reporter,
): void {
  for (const v of podViolations(pod, SERVER_CHECKS)) {
    const field = origins.locate(v.at);
    if (field !== undefined) report.error(field, `${describeViolation(v)}; ${WHY}`);
    else
      report.error(
        FieldPath.root,
        `${workload.kind} ${workload.metadata.name}: ${describeViolation(v)}; dbtls rendered ` +
          'this itself, which is a bug in dbtls: please report it',
      );
  }
}

/** The pod template of a pod-bearing object dbtls renders, if it is one. */
export function podTemplateOf(o: KubeObject): PodTemplate | undefined {
  const spec = isObj(o.spec) ? o.spec : undefined;
  const template =
    o.kind === 'Pod'
      ? o
      : o.kind === 'CronJob'
        ? (spec?.jobTemplate as Obj | undefined)?.spec
        : spec;
  const t = o.kind === 'Pod' ? template : isObj(template) ? template.template : undefined;
  if (!isObj(t) || !isObj(t.spec)) return undefined;
  return { metadata: isObj(t.metadata) ? t.metadata : {}, spec: t.spec };
}
