// dbtls entry point: a KRM function on stdin/stdout, or `render`/`check` over a directory. What
// this module imports is what every start loads; the engine (fn/cli/engine.ts: the pipeline, the
// kinds, the directory and admission commands) is loaded only when there is something to do.
import {
  type Input,
  inputOf,
  type KrmOutcome,
  needsEngine,
  readInput,
  readKrmList,
  unchangedAnswer,
} from './cli/krm-io.js';
import { STDERR, STDOUT, writeAll } from './cli/write.js';

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
`;

/**
 * The engine, loaded on first need: a file of its own beside this entry point in dist/
 * (dbtls-engine.js, scripts/build.mjs). By require, so that a run stays synchronous.
 */
const engine = (): typeof import('./cli/engine.js') => require('./cli/engine.js');

function main(argv: string[]): number {
  if (argv[0] === 'admission') {
    const { admissionCommand, KINDS } = engine();
    return admissionCommand(argv.slice(1), KINDS, VERSION);
  }
  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') {
    const kinds = engine().KINDS.map((k) => `  ${k.kind} (${k.group}): ${k.summary}\n`);
    writeAll(STDOUT, HELP + kinds.join(''));
    return 0;
  }
  if (argv.includes('--version')) {
    writeAll(STDOUT, `dbtls ${VERSION}\n`);
    return 0;
  }
  if (argv.length === 0) return krmFunction();
  return engine().directoryCommand(argv);
}

/** The KRM function: a ResourceList on stdin, one on stdout. */
function krmFunction(): number {
  const input = inputOf(readInput(0));
  // The admission generator: for an input that names its function config.
  if ('text' in input && input.text.includes('DatabaseTLSAdmission')) {
    const { runAdmissionKrm, KINDS } = engine();
    const out = runAdmissionKrm(input.text, KINDS);
    if (out) return written(out);
  }
  return krm(input);
}

/** The list answered as it came when it holds nothing to process, else by the engine. */
function krm(input: Input): number {
  const read = readKrmList(input);
  if (!('list' in read)) return written(read);
  const { list } = read;
  const write = (chunk: string) => writeAll(STDOUT, chunk);
  return written(
    needsEngine(list) ? engine().processList(list, write) : unchangedAnswer(list, write),
  );
}

function written(out: KrmOutcome): number {
  writeAll(STDOUT, out.stdout);
  writeAll(STDERR, out.stderr);
  return out.exitCode;
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
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  failed(err);
}
