// The platform's policy for `render` and `check`: a file outside the repository, named by
// `--policy FILE` or DBTLS_POLICY (set on the Argo CD repo-server's dbtls sidecar or in CI), that
// applies whatever the rendered directory holds. The directory's own DatabaseTLSPolicy can only
// tighten it (fn/policy/pinning.ts). Command-line flags are the platform's too and win over the
// file's settings; an Argo CD Application's plugin env (ARGOCD_ENV_DBTLS_*) is the application's
// and fills in only what neither sets.
import { readFileSync } from 'node:fs';
import { isObj, type Obj } from '../io/objects.js';
import { describeYamlError, parseYamlStream } from '../io/yaml.js';
import { commaList, POLICY_API_VERSION, POLICY_KIND } from '../policy/settings.js';

/** The variable the platform sets to its policy's file. */
export const POLICY_VARIABLE = 'DBTLS_POLICY';

/** The one DatabaseTLSPolicy in `file`, or why there is none (for a usage error). */
export function readPlatformPolicy(file: string): Obj | string {
  let docs: unknown[];
  try {
    docs = parseYamlStream(readFileSync(file, 'utf8'), file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? 'no such file'
        : code
          ? (err as Error).message
          : describeYamlError(err).message;
    return `cannot read the platform's policy ${file}: ${message}`;
  }
  const policies = docs.filter(
    (d): d is Obj => isObj(d) && d.apiVersion === POLICY_API_VERSION && d.kind === POLICY_KIND,
  );
  if (policies.length === 1 && policies.length === docs.filter((d) => d != null).length)
    return policies[0];
  return `the platform's policy ${file} must hold one ${POLICY_API_VERSION} ${POLICY_KIND} and nothing else; it holds ${docs.filter((d) => d != null).length} document(s), ${policies.length} of them ${POLICY_KIND}`;
}

const LISTS = new Set(['externalIssuers', 'externalDatabases']);

/**
 * The platform's policy with the platform's flags over its settings, and the application's
 * settings (`application`: Argo CD's plugin env) where neither gives one.
 */
export function platformConfig(
  policy: Obj,
  flags: Record<string, string>,
  application: Record<string, string>,
): Obj {
  const spec: Obj = { ...(isObj(policy.spec) ? policy.spec : {}) };
  const set = (key: string, value: string) => {
    spec[key] = LISTS.has(key) ? commaList(value) : value;
  };
  for (const [key, value] of Object.entries(application)) if (!(key in spec)) set(key, value);
  for (const [key, value] of Object.entries(flags)) set(key, value);
  return { ...policy, spec };
}
