// The `render DIR` and `check DIR` commands: their settings from flags, then the environment (as
// an Argo CD plugin sets it), each checked, then the directory processed.
import {
  formatWithPositions,
  isDirectory,
  manifestsToApply,
  printManifests,
  processDirectory,
} from './directory.js';
import type { Obj } from '../io/objects.js';
import { hasErrors } from '../io/results.js';
import { settingErrors } from '../policy/settings.js';
import { platformConfig, POLICY_VARIABLE, readPlatformPolicy } from './platform-policy.js';
import { STDERR, STDOUT, usageError, writeAll } from './write.js';

const FLAGS: Record<string, string> = {
  '--mode': 'mode',
  '--cluster-domain': 'clusterDomain',
  '--trust-namespace': 'trustNamespace',
  '--external-issuers': 'externalIssuers',
  '--external-databases': 'externalDatabases',
  '--default-namespace': 'defaultNamespace',
  '--policy': 'policy',
};
/** Argo CD passes a plugin's env as ARGOCD_ENV_<NAME>, and the destination namespace as ARGOCD_APP_NAMESPACE. */
const ENV: Record<string, string> = {
  ARGOCD_ENV_DBTLS_MODE: 'mode',
  ARGOCD_ENV_DBTLS_CLUSTER_DOMAIN: 'clusterDomain',
  ARGOCD_ENV_DBTLS_EXTERNAL_ISSUERS: 'externalIssuers',
  ARGOCD_ENV_DBTLS_EXTERNAL_DATABASES: 'externalDatabases',
  ARGOCD_ENV_DBTLS_TRUST_NAMESPACE: 'trustNamespace',
  ARGOCD_APP_NAMESPACE: 'defaultNamespace',
  [POLICY_VARIABLE]: 'policy',
};

/** `render DIR` or `check DIR`: the settings read and checked, then the directory processed. */
export function directoryCommand(argv: readonly string[]): number {
  const [command, ...rest] = argv;
  if (command !== 'render' && command !== 'check')
    return usageError(
      command.startsWith('-') ? `unknown flag ${command}` : `unknown command ${command}`,
    );
  const settings = readSettings(rest);
  if (typeof settings === 'string') return usageError(settings);
  const { dir, defaultNamespace, policyFile } = settings;
  if (dir === undefined) return usageError(`${command} needs a directory`);
  if (!isDirectory(dir)) return usageError(`${dir} is not a directory`);
  const config = functionConfig(settings);
  if (typeof config === 'string') return usageError(config);
  const platform = policyFile === undefined ? undefined : { file: policyFile };
  const { output, results, texts } = processDirectory(dir, config, defaultNamespace, platform);
  const failed = hasErrors(results);
  // Each result as file:line:column (info included), for check on stdout and for render on
  // stderr (where Argo CD shows it): a reader of either can go to the line.
  const problems = formatWithPositions(results, texts, dir);
  if (command === 'check') {
    writeAll(STDOUT, problems);
  } else {
    writeAll(STDERR, problems);
    // Never print a partial set of manifests: an empty render with auto-prune deletes everything.
    if (!failed) writeAll(STDOUT, printManifests(manifestsToApply(output.items)));
  }
  return failed ? 1 : 0;
}

/** The settings of `render`/`check`: from flags, then the environment, each checked. */
interface Settings {
  /** The settings the function config carries. */
  data: Record<string, string>;
  /** Where each setting came from (a flag or a variable), to name it in a message. */
  source: Record<string, string>;
  /** The settings given by flags: they win over the platform's policy. */
  flags: Set<string>;
  dir?: string;
  defaultNamespace?: string;
  policyFile?: string;
}

/** The settings from the arguments and the environment, or the usage error (exit 2). */
function readSettings(rest: readonly string[]): Settings | string {
  const args = readArguments(rest);
  if (typeof args === 'string') return args;
  const { data, source, dir } = args;
  if (process.env[`ARGOCD_ENV_${POLICY_VARIABLE}`] !== undefined)
    return (
      `ARGOCD_ENV_${POLICY_VARIABLE} is set (${POLICY_VARIABLE} in the Application's plugin env): ` +
      "the platform's policy cannot come from the Application; set " +
      `${POLICY_VARIABLE} on the repo-server's dbtls sidecar`
    );
  const flags = new Set(Object.keys(data));
  settingsFromEnvironment(data, source);
  const { defaultNamespace, policy: policyFile } = data;
  delete data.defaultNamespace;
  delete data.policy;
  // A bad setting is a usage error (exit 2), named as the user wrote it.
  const bad = settingErrors(data)[0];
  if (bad) return `${source[bad.key] ?? bad.key} ${bad.text}`;
  return { data, source, flags, dir, defaultNamespace, policyFile };
}

/**
 * The function config the settings make: the platform's policy with the settings merged in, a
 * ConfigMap of the settings, or none; or the error reading the policy file.
 */
function functionConfig(settings: Settings): Obj | undefined | string {
  const { data, source, flags, policyFile } = settings;
  const platformPolicy = policyFile === undefined ? undefined : readPlatformPolicy(policyFile);
  if (typeof platformPolicy === 'string') return `${source.policy}: ${platformPolicy}`;
  if (platformPolicy)
    return platformConfig(
      platformPolicy,
      Object.fromEntries(Object.entries(data).filter(([k]) => flags.has(k))),
      Object.fromEntries(Object.entries(data).filter(([k]) => !flags.has(k))),
    );
  if (!Object.keys(data).length) return undefined;
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dbtls-flags' }, data };
}

/**
 * The settings given by flags, where each came from (the flag, to name it in a message), and the
 * directory; or the usage error.
 */
function readArguments(
  rest: readonly string[],
): { data: Record<string, string>; source: Record<string, string>; dir?: string } | string {
  const data: Record<string, string> = {};
  const source: Record<string, string> = {};
  let dir: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    if (flag.startsWith('-')) {
      const key = FLAGS[flag];
      if (!key) return `unknown flag ${flag}`;
      const value = inline ?? rest[++i];
      if (value === undefined) return `${flag} needs a value`;
      data[key] = value;
      source[key] = flag;
    } else if (dir === undefined) dir = arg;
    else return `unexpected argument ${arg}`;
  }
  return { data, source, dir };
}

/** Settings from the environment where no flag gave them; the source names the variable. */
function settingsFromEnvironment(
  data: Record<string, string>,
  source: Record<string, string>,
): void {
  for (const [variable, key] of Object.entries(ENV)) {
    const value = process.env[variable];
    if (value !== undefined && value !== '' && data[key] === undefined) {
      data[key] = value;
      const argo = /^ARGOCD_ENV_(.+)$/.exec(variable);
      source[key] = argo ? `${variable} (${argo[1]} in the Application's plugin env)` : variable;
    }
  }
}
