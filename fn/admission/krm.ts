// The function as an admission generator (kpt fn eval/render, a kustomize transformer): with a
// functionConfig of kind DatabaseTLSAdmission, the items pass through unchanged and the admission
// objects of the DatabaseTLSPolicy among them are added; what is not enforced at admission is
// an info result. The policy is the package's own, so the two never drift.
import { isObj, type KubeObject, type Obj } from '../io/objects.js';
import {
  emptyResourceList,
  readResourceList,
  type ResourceList,
  writeResourceList,
} from '../io/resource-list.js';
import { hasErrors, type Result, resultFor } from '../io/results.js';
import type { DatabaseKind } from '../kinds/kind.js';
import { kindRegistry } from '../contract/registry.js';
import { POLICY_API_VERSION, POLICY_KIND, readSettings } from '../policy/settings.js';
import { summary } from '../cli/krm.js';
import { type AdmissionMode, buildAdmission } from './index.js';
import { at } from '../util/field-path.js';
import { policyNameProblem } from './objects.js';

export const ADMISSION_KIND = 'DatabaseTLSAdmission';
const MODES: readonly AdmissionMode[] = ['standalone', 'operator', 'validate'];
/** Where kpt writes the generated objects: one file beside the package's policy. */
const OUTPUT_FILE = 'dbtls-admission.yaml';

export interface Outcome {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** The spec of a DatabaseTLSAdmission, or the problems with it. */
function readConfig(fc: KubeObject): { policy?: string; mode?: AdmissionMode } | Result[] {
  const spec = isObj(fc.spec) ? fc.spec : {};
  const bad: Result[] = [];
  for (const key of Object.keys(spec))
    if (key !== 'policy' && key !== 'mode')
      bad.push(
        resultFor(
          fc,
          'error',
          `unknown field "${key}"; known fields: policy, mode`,
          at('spec', key),
        ),
      );
  if (spec.policy !== undefined && typeof spec.policy !== 'string')
    bad.push(
      resultFor(fc, 'error', 'must be the name of a DatabaseTLSPolicy', at('spec', 'policy')),
    );
  if (spec.mode !== undefined && !MODES.includes(spec.mode as AdmissionMode))
    bad.push(
      resultFor(
        fc,
        'error',
        `must be one of ${MODES.join(', ')}; got ${JSON.stringify(spec.mode)}`,
        at('spec', 'mode'),
      ),
    );
  if (bad.length > 0) return bad;
  return {
    policy: spec.policy as string | undefined,
    mode: spec.mode as AdmissionMode | undefined,
  };
}

function findPolicy(items: readonly Obj[], fc: KubeObject, name?: string): KubeObject | Result {
  const policies = items.filter(
    (i) =>
      i.kind === POLICY_KIND &&
      i.apiVersion === POLICY_API_VERSION &&
      (name === undefined || (i.metadata as Obj | undefined)?.name === name),
  );
  if (policies.length === 1) return policies[0] as KubeObject;
  const which = name === undefined ? `a ${POLICY_KIND}` : `${POLICY_KIND} "${name}"`;
  const message =
    policies.length === 0
      ? `${which} is not among the input's items: list the policy's file in the package (kpt) or the kustomization's resources, and run dbtls as a transformer`
      : `${policies.length} ${POLICY_KIND}s are among the items: name one in spec.policy`;
  return resultFor(fc, 'error', message, name === undefined ? at('spec') : at('spec', 'policy'));
}

/** The admission objects added to the list, or the list unchanged with the problems. */
export function generateAdmission(
  list: ResourceList,
  kinds: readonly DatabaseKind[],
): ResourceList {
  const fc = list.functionConfig as KubeObject;
  const done = (results: Result[], items = list.items) => ({
    ...list,
    items,
    results: [...(list.results ?? []), ...results],
  });
  const config = readConfig(fc);
  if (Array.isArray(config)) return done(config);
  const policy = findPolicy(list.items, fc, config.policy);
  if (!('kind' in policy)) return done([policy]);
  const { settings, results } = readSettings(policy, kindRegistry(kinds));
  const nameProblem = policyNameProblem(String(policy.metadata.name ?? ''));
  if (nameProblem) results.push(resultFor(policy, 'error', nameProblem, at('metadata', 'name')));
  if (hasErrors(results)) return done(results);
  const mode = config.mode ?? settings.mode;
  const outcome = buildAdmission(settings.rules, policy.metadata.name, mode, kinds);
  // One file, each object at its own index in it (kpt refuses two at the same place).
  const generated = outcome.objects.map((o, i) => ({
    ...o,
    metadata: {
      ...o.metadata,
      annotations: {
        ...o.metadata.annotations,
        'config.kubernetes.io/path': OUTPUT_FILE,
        'config.kubernetes.io/index': String(i),
        'internal.config.kubernetes.io/path': OUTPUT_FILE,
        'internal.config.kubernetes.io/index': String(i),
      },
    },
  }));
  const infos = outcome.uncovered.map((u) =>
    resultFor(
      policy,
      'info',
      `not enforced at admission (render time only): ${u.reason}`,
      at('spec', 'rules', u.rule),
    ),
  );
  // Objects of an earlier run are replaced, not doubled.
  const names = new Set(generated.map((o) => `${o.kind}/${o.metadata.name}`));
  const kept = list.items.filter(
    (i) => !names.has(`${String(i.kind)}/${String((i.metadata as Obj | undefined)?.name)}`),
  );
  return done(infos, [...kept, ...generated]);
}

/** KRM mode for a DatabaseTLSAdmission functionConfig; undefined for any other (render as usual). */
export function runAdmissionKrm(text: string, kinds: readonly DatabaseKind[]): Outcome | undefined {
  const read = readResourceList(text);
  if (!read.ok) return undefined;
  if (!isObj(read.list.functionConfig) || read.list.functionConfig.kind !== ADMISSION_KIND)
    return undefined;
  const out = generateAdmission(read.list, kinds);
  const ours = (out.results ?? []).slice(read.list.results?.length ?? 0);
  const list = hasErrors(ours) ? { ...out, items: read.list.items } : out;
  return {
    stdout: writeResourceList(list ?? emptyResourceList()),
    stderr: summary(ours),
    exitCode: hasErrors(ours) ? 1 : 0,
  };
}
