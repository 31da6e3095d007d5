// The Pod Security Standards (kubernetes.io/docs/concepts/security/pod-security-standards) over a
// rendered pod template: the checks of each level, as Pod Security admission runs them, and the
// message that names a check. Who applies them, and with which severity: ./server-pods.ts (the
// pods dbtls renders), ./client-pods.ts (the workloads `dbtls.dev/connect-to` wires).
import type { Check, Level, PodTemplate, Violation } from './check.js';
import { hostNamespaces, hostPorts, hostProbesAndHostLifecycle } from './host.js';
import { procMount, procMountRestricted, sysctls } from './kernel.js';
import {
  allowPrivilegeEscalation,
  capabilitiesBaseline,
  capabilitiesRestricted,
  privileged,
  windowsHostProcess,
} from './privilege.js';
import {
  appArmorProfile,
  seccompProfileBaseline,
  seccompProfileRestricted,
  seLinuxOptions,
} from './profiles.js';
import { rootGroup, runAsNonRoot, runAsUser } from './users.js';
import { hostPathVolumes, oneVolumeSource, restrictedVolumes } from './volumes.js';

export type { Level, PodTemplate, Step, Violation } from './check.js';

/** The baseline level's checks, in the order of the standard's table. */
export const BASELINE_CHECKS: readonly Check[] = [
  windowsHostProcess,
  hostNamespaces,
  privileged,
  capabilitiesBaseline,
  hostPathVolumes,
  hostPorts,
  hostProbesAndHostLifecycle,
  appArmorProfile,
  seLinuxOptions,
  procMount,
  seccompProfileBaseline,
  sysctls,
];

/** The checks the restricted level adds to baseline's (some replacing one of baseline's). */
export const RESTRICTED_CHECKS: readonly Check[] = [
  restrictedVolumes,
  allowPrivilegeEscalation,
  runAsNonRoot,
  runAsUser,
  seccompProfileRestricted,
  capabilitiesRestricted,
  procMountRestricted,
];

/** A level's checks exactly as Pod Security admission runs them (overridden ones left out). */
export function checksOf(level: Level): readonly Check[] {
  if (level === 'baseline') return BASELINE_CHECKS;
  const overridden = new Set(RESTRICTED_CHECKS.flatMap((c) => c.overrides ?? []));
  return [...BASELINE_CHECKS.filter((c) => !overridden.has(c.id)), ...RESTRICTED_CHECKS];
}

/**
 * Both levels at once (a pod that passes restricted need not pass baseline: restricted's
 * capabilities and seccomp checks, which replace baseline's, skip Windows pods), with the API
 * server's one-source rule first. A field two checks refuse is reported once, by the first:
 * baseline's check before restricted's stricter one.
 */
export const BOTH_LEVELS: readonly Check[] = [
  oneVolumeSource,
  ...BASELINE_CHECKS,
  ...RESTRICTED_CHECKS,
];

/** And dbtls's own rule for the pods it renders. */
export const SERVER_CHECKS: readonly Check[] = [...BOTH_LEVELS, rootGroup];

const BY_ID = new Map(SERVER_CHECKS.map((c) => [c.id, c]));

/** What `checks` refuse in `pod`, one violation per field. */
export function podViolations(pod: PodTemplate, checks: readonly Check[]): Violation[] {
  const seen = new Set<string>();
  const out: Violation[] = [];
  for (const check of checks)
    for (const v of check.run(pod)) {
      const key = v.at.join('\0');
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(v);
    }
  return out;
}

/** The check by its ID (upstream's, or dbtls's own). */
export function checkById(id: string): Check | undefined {
  return BY_ID.get(id);
}

/** `<subject> <found>: <who> allows <what>`: the violation, and the rule by its check's name. */
export function describeViolation(v: Violation): string {
  const check = BY_ID.get(v.check);
  if (!check) return `${v.subject} ${v.found}`;
  const by = check.by ?? `Pod Security's ${check.level} check ${check.id}`;
  return `${v.subject} ${v.found}: ${by} allows ${check.allows}`;
}
