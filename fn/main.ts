// dbtls entry point: a KRM function on stdin/stdout, or `render`/`check` over a directory.
import { inputOf, readInput, runKrm } from './cli/krm.js';
import {
  formatWithPositions,
  isDirectory,
  manifestsToApply,
  printManifests,
  processDirectory,
} from './cli/directory.js';
import type { Obj } from './io/objects.js';
import { hasErrors } from './io/results.js';
import { STDERR, STDOUT, writeAll } from './cli/write.js';
import { KINDS } from './kinds/index.js';
import { settingErrors } from './policy/settings.js';
import { platformConfig, POLICY_VARIABLE, readPlatformPolicy } from './cli/platform-policy.js';

declare const __DBTLS_VERSION__: string;
const VERSION = typeof __DBTLS_VERSION__ === 'string' ? __DBTLS_VERSION__ : '0.0.0-dev';

const HELP = `dbtls ${VERSION}: validate the TLS settings of KubeDB and KubeVault resources and render
cert-manager Certificates and TLS-mounted workloads.

Usage:
  dbtls                  KRM function: read a ResourceList on stdin, write one on stdout
  dbtls render DIR       print the manifests to apply for the YAML files under DIR
  dbtls check DIR        print each problem as file:line:column; exit 1 on any error
  dbtls admission [--policy FILE] [--mode MODE]
                         the policy's rules as ValidatingAdmissionPolicies (see
                         dbtls admission --help)
  dbtls help | --help | --version

Settings (render and check; in KRM mode they come from the functionConfig):
  --mode standalone|operator|validate
                                 standalone (default, no KubeDB): Certificates and workload;
                                 operator (KubeDB community operator only): Certificates only,
                                 the database left to KubeDB;
                                 validate (full KubeDB): every check, nothing generated,
                                 every item unchanged
  --cluster-domain DOMAIN        default cluster.local
  --trust-namespace NS           trust-manager's trust namespace, where the sources of the trust
                                 bundles dbtls renders are read from (default cert-manager)
  --external-issuers LIST        comma-separated NAME, Issuer/NAME, Issuer/NS/NAME, ClusterIssuer/NAME
  --external-databases LIST      comma-separated KIND/NAME (the workload's namespace), KIND/NS/NAME:
                                 databases only in the cluster that workloads may connect to
  --default-namespace NS         namespace for databases and Issuers that name none (default: "default")
  --policy FILE                  the platform's DatabaseTLSPolicy: applies whatever DIR holds; a
                                 DatabaseTLSPolicy in DIR can only tighten it

Environment (render and check; a flag wins over its variable):
  ARGOCD_ENV_DBTLS_MODE, ARGOCD_ENV_DBTLS_CLUSTER_DOMAIN, ARGOCD_ENV_DBTLS_EXTERNAL_ISSUERS
  ARGOCD_ENV_DBTLS_EXTERNAL_DATABASES, ARGOCD_ENV_DBTLS_TRUST_NAMESPACE
                                 the settings above, as an Argo CD plugin's env sets them
  ARGOCD_APP_NAMESPACE           --default-namespace: Argo CD puts namespaceless objects there
  DBTLS_POLICY                   --policy: set by the platform (the repo-server's dbtls sidecar,
                                 CI), never by an Application's plugin env

Supported kinds:
${KINDS.map((k) => `  ${k.kind} (${k.group}): ${k.summary}`).join('\n')}
`;

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

function fail(message: string): number {
  writeAll(STDERR, `dbtls: ${message}\nRun 'dbtls --help' for usage.\n`);
  return 2;
}

function main(argv: string[]): number | Promise<number> {
  // Loaded only for this command: an ordinary render never evaluates the admission code.
  if (argv[0] === 'admission')
    return import('./admission/cli.js').then((m) =>
      m.admissionCommand(argv.slice(1), KINDS, VERSION),
    );
  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') {
    writeAll(STDOUT, HELP);
    return 0;
  }
  if (argv.includes('--version')) {
    writeAll(STDOUT, `dbtls ${VERSION}\n`);
    return 0;
  }
  if (argv.length === 0) return krmFunction();
  return directoryCommand(argv);
}

/** The KRM function: a ResourceList on stdin, one on stdout. */
function krmFunction(): number | Promise<number> {
  const input = inputOf(readInput(0));
  // The admission generator's code loads only for an input that names its function config.
  if ('text' in input && input.text.includes('DatabaseTLSAdmission'))
    return import('./admission/krm.js').then((m) => {
      const out = m.runAdmissionKrm(input.text, KINDS);
      return out ? written(out) : krm(input);
    });
  return krm(input);
}

/** `render DIR` or `check DIR`: the settings read and checked, then the directory processed. */
function directoryCommand(argv: string[]): number {
  const [command, ...rest] = argv;
  if (command !== 'render' && command !== 'check')
    return fail(command.startsWith('-') ? `unknown flag ${command}` : `unknown command ${command}`);
  const settings = readSettings(rest);
  if (typeof settings === 'string') return fail(settings);
  const { dir, defaultNamespace, policyFile } = settings;
  if (dir === undefined) return fail(`${command} needs a directory`);
  if (!isDirectory(dir)) return fail(`${dir} is not a directory`);
  const config = functionConfig(settings);
  if (typeof config === 'string') return fail(config);
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

function krm(input: ReturnType<typeof inputOf>): number {
  return written(runKrm(input, (chunk) => writeAll(STDOUT, chunk)));
}

function written(out: { stdout: string; stderr: string; exitCode: number }): number {
  writeAll(STDOUT, out.stdout);
  writeAll(STDERR, out.stderr);
  return out.exitCode;
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

function failed(err: unknown): void {
  // Often a reader that went away (EPIPE); stderr may be gone with it.
  try {
    writeAll(STDERR, `dbtls: ${err instanceof Error ? err.message : String(err)}\n`);
  } catch {
    /* nowhere left to say it */
  }
  process.exitCode = 2;
}

try {
  const code = main(process.argv.slice(2));
  if (typeof code === 'number') process.exitCode = code;
  else
    code.then((c) => {
      process.exitCode = c;
    }, failed);
} catch (err) {
  failed(err);
}
