// The function config: absent, a DatabaseTLSPolicy, a ConfigMap of string settings (what
// `kpt fn eval -- key=value` sends), or a database resource (kustomize generator style).
import type { ErrorObject } from 'ajv';
import { validatePolicy } from '../generated/schemas.js';
import { isObj, type KubeObject, type Obj } from '../io/objects.js';
import { resultFor, type Result } from '../io/results.js';
import type { KindRegistry } from '../contract/registry.js';
import type { ExternalDatabase, ExternalIssuer, Mode, Settings } from '../contract/settings.js';
import type { DeclaredVersion } from '../contract/versions.js';
import { NO_RULES, readRules } from './rules.js';
import { kindPatternInWords } from './schema-kinds.js';
import { at, type FieldPath } from '../util/field-path.js';

export const POLICY_API_VERSION = 'dbtls.dev/v1alpha1';
export const POLICY_KIND = 'DatabaseTLSPolicy';

// The types are the contract's (fn/contract/settings.ts): every stage and kind reads them.
export type { ExternalDatabase, ExternalIssuer, Mode, Settings };

export const DEFAULT_SETTINGS: Settings = {
  mode: 'standalone',
  clusterDomain: 'cluster.local',
  trustNamespace: 'cert-manager',
  externalIssuers: [],
  externalDatabases: [],
  rules: NO_RULES,
  versions: [],
};

export interface ConfigOutcome {
  settings: Settings;
  results: Result[];
  /** A database resource given as the functionConfig: the one resource to render. */
  generatorSource?: KubeObject;
}

/** How ConfigMap `data` strings become typed settings before the schema sees them. */
const STRING_SETTINGS: Record<string, (v: string) => unknown> = {
  mode: (v) => v,
  clusterDomain: (v) => v,
  trustNamespace: (v) => v,
  externalIssuers: commaList,
  externalDatabases: commaList,
};

/** A comma-separated list setting as the schema's array: the ConfigMap form, flags, variables. */
export function commaList(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** The function config read with the supported kinds (a database resource is a generator's). */
export function readSettings(functionConfig: Obj | undefined, kinds: KindRegistry): ConfigOutcome {
  if (functionConfig === undefined || Object.keys(functionConfig).length === 0) {
    return { settings: DEFAULT_SETTINGS, results: [] };
  }
  const fc = functionConfig;
  const ref = asRef(fc);
  if (fc.kind === 'ConfigMap' && (fc.apiVersion === 'v1' || fc.apiVersion === undefined)) {
    return fromConfigMap(fc, ref);
  }
  if (fc.kind === POLICY_KIND) {
    const errors = schemaErrors(fc);
    if (errors.length)
      return {
        settings: DEFAULT_SETTINGS,
        results: errors.map((e) => resultFor(ref, 'error', sentence(e, String(e.path)), e.path)),
      };
    const rules = readRules(isObj(fc.spec) ? fc.spec.rules : undefined, ref, kinds.all);
    if (rules.results.length) return { settings: DEFAULT_SETTINGS, results: rules.results };
    return {
      settings: { ...toSettings(isObj(fc.spec) ? fc.spec : {}), rules: rules.rules },
      results: [],
    };
  }
  if (kinds.find(fc) !== undefined) {
    // kustomize generator: no policy object is visible, so settings ride on the database's
    // annotations (dbtls.dev/mode, dbtls.dev/cluster-domain, dbtls.dev/external-issuers, …).
    const annotations =
      isObj(fc.metadata) && isObj(fc.metadata.annotations) ? fc.metadata.annotations : {};
    const data = Object.fromEntries(
      Object.entries(SETTING_ANNOTATIONS)
        .filter(([a]) => a in annotations)
        .map(([a, key]) => [key, annotations[a]]),
    );
    const byKey = Object.fromEntries(
      Object.entries(SETTING_ANNOTATIONS).map(([a, key]) => [
        key,
        at('metadata', 'annotations', a),
      ]),
    );
    const outcome = fromStrings(data, ref, (key) => byKey[key] ?? at('metadata', 'annotations'));
    return { ...outcome, generatorSource: fc as KubeObject };
  }
  return {
    settings: DEFAULT_SETTINGS,
    results: [
      resultFor(
        ref,
        'error',
        `functionConfig ${String(fc.apiVersion)} ${String(fc.kind)} is not supported: use ${POLICY_API_VERSION} ${POLICY_KIND}, a ConfigMap, or a supported database resource`,
        at('kind'),
      ),
    ],
  };
}

/** Settings a kustomize generator reads from the database resource's annotations. */
export const SETTING_ANNOTATIONS: Record<string, string> = {
  'dbtls.dev/mode': 'mode',
  'dbtls.dev/cluster-domain': 'clusterDomain',
  'dbtls.dev/trust-namespace': 'trustNamespace',
  'dbtls.dev/external-issuers': 'externalIssuers',
};

function fromConfigMap(fc: Obj, ref: KubeObject): ConfigOutcome {
  const data = fc.data ?? {};
  if (!isObj(data))
    return {
      settings: DEFAULT_SETTINGS,
      results: [resultFor(ref, 'error', 'ConfigMap data must be a mapping', at('data'))],
    };
  return fromStrings(data, ref, (key) => at('data', key));
}

/** String settings (ConfigMap data or annotations); `fieldOf` names where each key was written. */
function fromStrings(
  data: Obj,
  ref: KubeObject,
  fieldOf: (key: string) => FieldPath,
): ConfigOutcome {
  const { spec, problems } = readStrings(data);
  if (problems.length === 0) return { settings: toSettings(spec), results: [] };
  return {
    settings: DEFAULT_SETTINGS,
    results: problems.map((p) =>
      resultFor(ref, 'error', sentence(p, String(fieldOf(p.key))), fieldOf(p.key)),
    ),
  };
}

/** A problem with one string setting, by its key: what is wrong, as a FieldError says it. */
interface SettingProblem extends Omit<FieldError, 'path'> {
  key: string;
}

/** The settings as the policy's spec, and each setting's problem: its key first, then the schema. */
function readStrings(data: Obj): { spec: Obj; problems: SettingProblem[] } {
  const spec: Obj = {};
  const problems: SettingProblem[] = [];
  for (const [key, value] of Object.entries(data)) {
    const convert = STRING_SETTINGS[key];
    const known = Object.keys(STRING_SETTINGS).join(', ');
    if (!convert)
      problems.push({ key, text: `unknown setting "${key}"; known settings: ${known}`, own: true });
    else if (typeof value !== 'string')
      problems.push({ key, text: `setting "${key}" must be a string`, own: true });
    else spec[key] = convert(value);
  }
  if (problems.length) return { spec, problems };
  // The setting is the key under spec: e.g. externalIssuers for spec.externalIssuers[2].
  const errors = schemaErrors({ apiVersion: POLICY_API_VERSION, kind: POLICY_KIND, spec });
  return { spec, problems: errors.map(({ path, ...e }) => ({ key: settingOf(path), ...e })) };
}

function toSettings(spec: Obj): Settings {
  return {
    mode: (spec.mode as Mode | undefined) ?? DEFAULT_SETTINGS.mode,
    clusterDomain: (spec.clusterDomain as string | undefined) ?? DEFAULT_SETTINGS.clusterDomain,
    trustNamespace: (spec.trustNamespace as string | undefined) ?? DEFAULT_SETTINGS.trustNamespace,
    externalIssuers: ((spec.externalIssuers as string[] | undefined) ?? []).map(
      parseExternalIssuer,
    ),
    externalDatabases: ((spec.externalDatabases as string[] | undefined) ?? []).map(
      parseExternalDatabase,
    ),
    rules: NO_RULES,
    versions: (spec.versions as DeclaredVersion[] | undefined) ?? [],
  };
}

export function parseExternalIssuer(entry: string): ExternalIssuer {
  const parts = entry.split('/');
  if (parts.length === 1) return { name: parts[0] };
  const kind = parts[0] as ExternalIssuer['kind'];
  if (parts.length === 2) return { kind, name: parts[1] };
  return { kind, namespace: parts[1], name: parts[2] };
}

export function parseExternalDatabase(entry: string): ExternalDatabase {
  const parts = entry.split('/');
  if (parts.length === 2) return { kind: parts[0], name: parts[1] };
  return { kind: parts[0], namespace: parts[1], name: parts[2] };
}

/**
 * A schema error at `path`. `text` is said of the field (`must be one of …`, `is required`), and a
 * message puts the field's name before it; with `own`, `text` names its own subject (`unknown field
 * "x"`, `"x" is not valid here: …`) and is the message as it is.
 */
interface FieldError {
  path: FieldPath;
  text: string;
  own?: true;
}

/** The message for an error whose field is called `subject` (a path, a flag, a variable). */
function sentence(e: Omit<FieldError, 'path'>, subject: string): string {
  return e.own ? e.text : `${subject} ${e.text}`;
}

function schemaErrors(doc: Obj): FieldError[] {
  if (validatePolicy(doc)) return [];
  return (validatePolicy.errors ?? []).map(toFieldError);
}

/** The schema's patterns said in words (a person should not have to read a regular expression). */
export const PATTERN_WORDS: Record<string, string> = {
  '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$':
    'a DNS domain such as cluster.local: labels of lowercase letters, digits and "-", separated by ".", ' +
    'each starting and ending with a letter or digit',
  '^((Issuer|ClusterIssuer)/)?([a-z0-9][-a-z0-9.]*/)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$':
    'NAME, Issuer/NAME, Issuer/NAMESPACE/NAME or ClusterIssuer/NAME, each name of lowercase letters, ' +
    'digits, "-" and ".", starting and ending with a letter or digit',
  '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$':
    'a namespace name: lowercase letters, digits and "-", starting and ending with a letter or digit',
  '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$':
    'a name of lowercase letters, digits, "-" and ".", starting and ending with a letter or digit',
  '^[0-9]+(\\.[0-9]+)*([-+.][0-9A-Za-z.-]+)?$':
    'an engine version such as 16.4 or 8.0.39-30.1: numbers separated by ".", then at most one ' +
    'suffix after "-", "+" or "."',
  '^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$':
    'a Go duration such as 2160h or 1h30m (units h, m, s, ms, us, ns; no d)',
};

/** A pattern of the (generated) schema in words: the table above, or a list of kinds. */
export function patternInWords(pattern: string): string | undefined {
  return PATTERN_WORDS[pattern] ?? kindPatternInWords(pattern);
}

/**
 * Settings given as strings (flags, environment variables), checked as the ConfigMap form is:
 * each problem with the setting's key, and what is wrong as said after the name the user wrote
 * (`--mode must be one of …`).
 */
export function settingErrors(data: Record<string, string>): { key: string; text: string }[] {
  return readStrings(data).problems.map(({ key, text }) => ({ key, text }));
}

/** The setting a schema error under the policy's spec is about: its key under spec. */
function settingOf(path: FieldPath): string {
  const [top, key] = path.segments;
  return top === 'spec' && typeof key === 'string' ? key : String(top ?? '');
}

/** The field an ajv error is at: its instancePath is a JSON pointer (RFC 6901). */
function pointerPath(pointer: string): FieldPath {
  const segments = pointer
    .split('/')
    .slice(1)
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s.replaceAll('~1', '/').replaceAll('~0', '~')));
  return at(...segments);
}

/** ajv errors in our words: the field as a value and a message a person can act on. */
export function toFieldError(e: ErrorObject): FieldError {
  const path = pointerPath(e.instancePath);
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      return { path: path.child(key), text: `unknown field "${key}"`, own: true };
    }
    case 'enum':
      return {
        path,
        text: `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}; got ${JSON.stringify(e.data ?? null)}`,
      };
    case 'const':
      return {
        path,
        text: `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`,
      };
    case 'pattern': {
      const pattern = (e.params as { pattern: string }).pattern;
      return {
        path,
        own: true,
        text: `${JSON.stringify(e.data ?? '')} is not valid here: must be ${patternInWords(pattern) ?? `text matching ${pattern}`}`,
      };
    }
    case 'required': {
      const key = (e.params as { missingProperty: string }).missingProperty;
      return { path: path.child(key), text: 'is required' };
    }
    default:
      return { path, text: e.message ?? 'is invalid' };
  }
}

function asRef(fc: Obj): KubeObject {
  const md = isObj(fc.metadata) ? fc.metadata : {};
  return {
    ...fc,
    apiVersion: String(fc.apiVersion ?? ''),
    kind: String(fc.kind ?? ''),
    metadata: { ...md, name: typeof md.name === 'string' ? md.name : 'functionConfig' },
  } as KubeObject;
}
