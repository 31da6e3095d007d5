// The settings of a run: the function config, which the platform gives (`--policy FILE`,
// DBTLS_POLICY, the Kptfile's functionConfig, a kustomize transformer's config), tightened by each
// DatabaseTLSPolicy among the items, which the repository gives. The repository cannot hide the
// platform's policy (a `.krmignore` line or a deleted file only removes its own) and cannot loosen
// it: see ./tighten.ts for what tightening means, rule by rule.
import { isDeepStrictEqual } from 'node:util';
import type { KindRegistry } from '../contract/registry.js';
import type { PolicyRules, Rule, Settings } from '../contract/settings.js';
import { isObj, type KubeObject, type Obj } from '../io/objects.js';
import { fileOf, resultFor, type Result } from '../io/results.js';
import {
  type ConfigOutcome,
  POLICY_API_VERSION,
  POLICY_KIND,
  readSettings,
  SETTING_ANNOTATIONS,
} from './settings.js';
import { tightenRules } from './tighten.js';
import { at } from '../util/field-path.js';

/** Where the platform's policy came from, for messages (`--policy`'s or DBTLS_POLICY's file). */
export interface PlatformSource {
  file: string;
}

function isPolicy(o: unknown): o is KubeObject {
  return isObj(o) && o.apiVersion === POLICY_API_VERSION && o.kind === POLICY_KIND;
}

/**
 * The settings of the run: the function config's, tightened by each DatabaseTLSPolicy among the
 * items that is not the function config itself (kpt lists a package's configPath file among the
 * items too). A setting the function config gives wins; the repository's fill in the rest.
 */
export function readPinnedSettings(
  functionConfig: Obj | undefined,
  items: readonly Obj[],
  kinds: KindRegistry,
  platform?: PlatformSource,
): ConfigOutcome {
  const base = readSettings(functionConfig, kinds);
  if (base.results.some((r) => r.severity === 'error')) return base;
  const platformPolicy = isPolicy(functionConfig) ? functionConfig : undefined;
  const repository = items.filter(
    (i): i is KubeObject =>
      isPolicy(i) && !(platformPolicy && isDeepStrictEqual(i.spec, platformPolicy.spec)),
  );
  const platformName = platformPolicy && describePlatform(platformPolicy, platform);
  const sources = new Map<string, string>();
  if (platformName)
    for (const name of Object.keys(base.settings.rules))
      sources.set(name, `platform policy ${platformName}`);
  let settings = base.settings;
  const results: Result[] = [...base.results];
  for (const policy of repository) {
    const read = readSettings(policy, kinds);
    results.push(...read.results);
    if (read.results.some((r) => r.severity === 'error')) return { ...base, results };
    const errors: Result[] = [];
    const rules = tightenRules(
      settings.rules,
      read.settings.rules,
      platformName ?? describeRepository(policy),
      kinds.all,
      (path, message) =>
        errors.push(resultFor(policy, 'error', message, at('spec', 'rules', ...path))),
      platformPolicy !== undefined,
    );
    if (errors.length) return { ...base, results: [...results, ...errors] };
    const by = describeRepository(policy);
    for (const name of Object.keys(read.settings.rules)) {
      const was = sources.get(name);
      sources.set(name, was ? `${was}, tightened by ${by}` : `repository policy ${by}`);
    }
    settings = { ...read.settings, ...explicitSettings(functionConfig, settings), rules };
  }
  // One policy alone needs no name in its results: say which where the platform's is pinned.
  if (!platformName || (!platform && repository.length === 0))
    return { ...base, settings, results };
  return { ...base, settings: { ...settings, rules: labelled(settings.rules, sources) }, results };
}

function describePlatform(policy: KubeObject, platform: PlatformSource | undefined): string {
  if (platform) return platform.file;
  return fileOf(policy)?.path ?? `DatabaseTLSPolicy "${policy.metadata?.name ?? ''}"`;
}

function describeRepository(policy: KubeObject): string {
  return fileOf(policy)?.path ?? `DatabaseTLSPolicy "${policy.metadata?.name ?? ''}"`;
}

/** Each rule with the policies it came from. */
function labelled(rules: PolicyRules, sources: ReadonlyMap<string, string>): PolicyRules {
  return Object.fromEntries(
    Object.entries(rules).map(([name, rule]) => [
      name,
      { ...(rule as Rule), source: sources.get(name) },
    ]),
  ) as PolicyRules;
}

/** The settings the function config gives itself (not its defaults): those win. */
function explicitSettings(fc: Obj | undefined, settings: Settings): Partial<Settings> {
  if (!fc) return {};
  const md = isObj(fc.metadata) ? fc.metadata : {};
  const annotations = isObj(md.annotations) ? md.annotations : {};
  const keys = isPolicy(fc)
    ? Object.keys(isObj(fc.spec) ? fc.spec : {})
    : fc.kind === 'ConfigMap'
      ? Object.keys(isObj(fc.data) ? fc.data : {})
      : Object.entries(SETTING_ANNOTATIONS)
          .filter(([a]) => a in annotations)
          .map(([, key]) => key);
  return Object.fromEntries(
    keys
      .filter((k) => k !== 'rules' && Object.hasOwn(settings, k))
      .map((k) => [k, settings[k as keyof Settings]]),
  );
}
