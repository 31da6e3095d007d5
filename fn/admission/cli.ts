// `dbtls admission [--policy FILE] [--mode MODE]`: the ValidatingAdmissionPolicies and bindings
// of a DatabaseTLSPolicy as YAML on stdout; what is not enforced at admission in a comment at the
// top and on stderr. Without --policy the policy is read from standard input.
import { readFileSync } from 'node:fs';
import { emitYaml } from '../io/emit.js';
import { isObj, type Obj } from '../io/objects.js';
import { describeYamlError, parseYamlStream } from '../io/yaml.js';
import type { DatabaseKind } from '../kinds/kind.js';
import { kindRegistry } from '../contract/registry.js';
import { POLICY_KIND, readSettings } from '../policy/settings.js';
import { STDERR, STDOUT, writeAll } from '../cli/write.js';
import { type AdmissionMode, type AdmissionOutcome, buildAdmission } from './index.js';
import { policyNameProblem } from './objects.js';

const MODES: readonly AdmissionMode[] = ['standalone', 'operator', 'validate'];

export const ADMISSION_HELP = `Usage: dbtls admission [--policy FILE] [--mode standalone|operator|validate]
  The ValidatingAdmissionPolicies and bindings (admissionregistration.k8s.io/v1) that refuse at
  admission the KubeDB and KubeVault resources that break the DatabaseTLSPolicy's rules, as YAML.
  --policy FILE   the file holding the DatabaseTLSPolicy (default: standard input)
  --mode MODE     what the cluster runs, as for render (default: the policy's spec.mode)
`;

interface Arguments {
  policy?: string;
  mode?: AdmissionMode;
}

function readArguments(args: readonly string[]): Arguments | string {
  const out: Arguments = {};
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].includes('=')
      ? [args[i].slice(0, args[i].indexOf('=')), args[i].slice(args[i].indexOf('=') + 1)]
      : [args[i], undefined];
    if (flag !== '--policy' && flag !== '--mode')
      return flag.startsWith('-') ? `unknown flag ${flag}` : `unexpected argument ${flag}`;
    const value = inline ?? args[++i];
    if (value === undefined) return `${flag} needs a value`;
    if (flag === '--policy') out.policy = value;
    else if (MODES.includes(value as AdmissionMode)) out.mode = value as AdmissionMode;
    else return `--mode must be one of ${MODES.join(', ')}; got ${JSON.stringify(value)}`;
  }
  return out;
}

/** The one DatabaseTLSPolicy among the documents, or what is wrong. */
function findPolicy(docs: readonly unknown[], source: string): Obj | string {
  const policies = docs.filter((d): d is Obj => isObj(d) && d.kind === POLICY_KIND);
  if (policies.length === 1) return policies[0];
  return policies.length === 0
    ? `${source} holds no ${POLICY_KIND}`
    : `${source} holds ${policies.length} ${POLICY_KIND}s; give a file with one`;
}

export function admissionCommand(
  args: readonly string[],
  kinds: readonly DatabaseKind[],
  version: string,
): number {
  if (args.includes('--help') || args.includes('-h')) {
    writeAll(STDOUT, ADMISSION_HELP);
    return 0;
  }
  const parsed = readArguments(args);
  const usage = (m: string) => {
    writeAll(STDERR, `dbtls admission: ${m}\nRun 'dbtls admission --help' for usage.\n`);
    return 2;
  };
  if (typeof parsed === 'string') return usage(parsed);
  const source = parsed.policy ?? 'standard input';
  let docs: unknown[];
  try {
    docs = parseYamlStream(readFileSync(parsed.policy ?? 0, 'utf8'), parsed.policy);
  } catch (err) {
    const e = (err as NodeJS.ErrnoException).code
      ? { message: (err as Error).message }
      : describeYamlError(err);
    return usage(`cannot read ${source}: ${e.message}`);
  }
  const policy = findPolicy(docs, source);
  if (typeof policy === 'string') return usage(policy);
  const name =
    isObj(policy.metadata) && typeof policy.metadata.name === 'string' ? policy.metadata.name : '';
  const { settings, results } = readSettings(policy, kindRegistry(kinds));
  const problems = results.filter((r) => r.severity === 'error');
  if (name === '')
    problems.push({
      severity: 'error',
      message: 'metadata.name is required: the generated objects are named after it',
    });
  const nameProblem = name === '' ? undefined : policyNameProblem(name);
  if (nameProblem)
    problems.push({ severity: 'error', message: nameProblem, field: { path: 'metadata.name' } });
  if (problems.length > 0) {
    const lines = problems.map(
      (r) => `${source}: ${r.field ? `${r.field.path}: ` : ''}${r.message}\n`,
    );
    writeAll(STDERR, lines.join(''));
    return 1;
  }
  const mode = parsed.mode ?? settings.mode;
  const outcome = buildAdmission(settings.rules, name, mode, kinds);
  writeAll(STDOUT, admissionYaml(outcome, name, mode, version));
  for (const u of outcome.uncovered)
    writeAll(
      STDERR,
      `dbtls admission: not enforced at admission (render time only): ${u.rule}: ${u.reason}\n`,
    );
  return 0;
}

/** The objects as a YAML stream, after a comment naming the policy and what is left out. */
export function admissionYaml(
  outcome: AdmissionOutcome,
  name: string,
  mode: AdmissionMode,
  version: string,
): string {
  const head = [
    `# Generated by dbtls ${version} admission from DatabaseTLSPolicy ${name} (mode ${mode}).`,
    '# Apply beside the pipeline that renders with the same policy; regenerate when it changes.',
  ];
  if (outcome.uncovered.length > 0) {
    head.push('# Not enforced at admission (render time only):');
    for (const u of outcome.uncovered) head.push(`# - ${u.rule}: ${u.reason}`);
  }
  if (outcome.objects.length === 0) head.push('# The policy has no rule to enforce at admission.');
  return `${head.join('\n')}\n${outcome.objects.map((o) => `---\n${emitYaml(o)}`).join('')}`;
}
