// The pods of workloads that connect (`dbtls.dev/connect-to`, fn/connect/): the application's own
// Deployment, StatefulSet, DaemonSet, Job or CronJob, which dbtls only adds to (a secret volume, a
// configMap volume, read-only mounts, variables). Its pod is the user's to secure; the namespace's
// Pod Security admission judges it. So:
// - dbtls never makes it less secure: what the pod breaks after dbtls's additions, at either level,
//   it broke before them (checked on every run; a new violation is an error, a bug of dbtls's);
// - what the pod breaks at the baseline level is a warning, not an error: the client key dbtls
//   mounts there is as exposed as the pod is (a hostPath, the host's namespaces, a privileged
//   container reach past it), and a namespace that enforces baseline will refuse the pod. The
//   restricted level's further rules are the application's choice and go unreported.
import { isObj, type KubeObject, type Obj } from '../../io/objects.js';
import type { Reporter } from '../../io/results.js';
import { at } from '../../util/field-path.js';
import type { PodTemplate, Violation } from './check.js';
import { BOTH_LEVELS, checkById, describeViolation, podViolations } from './index.js';

/** The pod template of a workload whose pod spec is at `specPath`. */
export function clientTemplate(
  o: KubeObject,
  specPath: readonly string[],
): PodTemplate | undefined {
  let cur: unknown = o;
  for (const key of specPath.slice(0, -1)) cur = isObj(cur) ? cur[key] : undefined;
  if (!isObj(cur) || !isObj(cur.spec)) return undefined;
  return { metadata: isObj(cur.metadata) ? (cur.metadata as Obj) : {}, spec: cur.spec };
}

/** What the pod breaks at either level, by check and field: taken before dbtls adds anything. */
export function clientViolations(pod: PodTemplate): Set<string> {
  return new Set(podViolations(pod, BOTH_LEVELS).map(violationKey));
}

/**
 * Reports on the connected workload's pod as dbtls leaves it: a warning for each baseline
 * violation (the user's), an error for any violation `before` did not have (dbtls's).
 */
export function reportClientPod(
  pod: PodTemplate,
  before: ReadonlySet<string>,
  specPath: readonly string[],
  report: Reporter,
): void {
  const template = at(...specPath.slice(0, -1));
  for (const v of podViolations(pod, BOTH_LEVELS)) {
    const field = template.extend(...v.at);
    if (!before.has(violationKey(v)))
      report.error(
        field,
        `${describeViolation(v)}; dbtls's additions for the connection did this, which is a ` +
          'bug in dbtls: please report it',
      );
    else if (checkById(v.check)?.level === 'baseline')
      report.warn(
        field,
        `${describeViolation(v)}; the client key dbtls mounts in this pod is as exposed as the ` +
          'pod, and a namespace that enforces the baseline level refuses it',
      );
  }
}

function violationKey(v: Violation): string {
  return `${v.check}\0${v.at.join('\0')}`;
}
