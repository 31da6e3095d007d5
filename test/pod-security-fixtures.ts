// Pod Security admission's test pods (test/data/pod-security): read once, for the tests that
// run dbtls's checks on them and those that render them in pod templates.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYamlStream } from '../fn/io/yaml.js';
import { BASELINE_CHECKS, checksOf, RESTRICTED_CHECKS } from '../fn/validate/pod-security/index.js';
import { ROOT } from './helpers.js';

export const FIXTURES = join(ROOT, 'test/data/pod-security');

export interface Fixture {
  level: 'baseline' | 'restricted';
  verdict: 'pass' | 'fail';
  file: string;
  pod: any;
  /** For a fail pod: the check its file is named after, as upstream spells the ID. */
  check?: string;
}

export const IDS = [...BASELINE_CHECKS, ...RESTRICTED_CHECKS].map((c) => c.id);

export function fixtures(): Fixture[] {
  const out: Fixture[] = [];
  for (const level of ['baseline', 'restricted'] as const)
    for (const verdict of ['pass', 'fail'] as const)
      for (const file of readdirSync(join(FIXTURES, level, verdict)).sort()) {
        const text = readFileSync(join(FIXTURES, level, verdict, file), 'utf8');
        const pod = (parseYamlStream(text) as any[])[0];
        const stem = file.replace(/\d*\.yaml$/, '');
        const check = verdict === 'fail' ? IDS.find((id) => id.toLowerCase() === stem) : undefined;
        out.push({ level, verdict, file, pod, check });
      }
  return out;
}

/**
 * The checks that refuse what `check` refuses at `level`: itself, the one replacing it there, or
 * (where both levels run, as for dbtls's pods) the baseline check it replaces.
 */
export function refusingChecks(check: string, level: 'baseline' | 'restricted'): string[] {
  const replacing = checksOf(level).filter((c) => c.overrides?.includes(check));
  const replaced = RESTRICTED_CHECKS.find((c) => c.id === check)?.overrides ?? [];
  return [check, ...replacing.map((c) => c.id), ...replaced];
}
