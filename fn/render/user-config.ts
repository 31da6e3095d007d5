// The user's server configuration in the standalone workload: KubeDB's `spec.configuration`
// (`secretName`, `inline`) and the older `spec.configSecret`, read and checked here; each kind
// includes the files the way its engine includes extra files, BEFORE dbtls's own settings, so
// that where both set something dbtls's value (its TLS settings above all) is the one in effect.
//
// Facts (kubedb/apimachinery 104ef57, apis/kubedb/v1/types.go ConfigurationSpec, helpers.go
// copyConfigurationField, postgres_helpers.go updateConfigurationFieldIfNeeded, redis_helpers.go
// copyRedisConfigurationField): `configuration` is `{secretName, inline}`, inline a map of file
// name → file content that overrides the secret's files (Postgres adds `tuning`, Redis `acl`);
// only kubedb.com/v1 has it, v1alpha2 has `configSecret` only. KubeDB copies the deprecated
// `configSecret.name` into `configuration.secretName` when configuration is absent (Postgres:
// also when its secretName is empty; Redis: when it has neither secretName nor inline) and
// otherwise drops configSecret.
import { isObj, type Obj } from '../io/objects.js';
import type { Reporter } from '../io/results.js';
import { describeType } from '../io/resource-list.js';
import type { KindContext } from '../contract/kind.js';
import { at, type FieldPath } from '../util/field-path.js';

/** One file of `spec.configuration.inline`. */
export interface InlineFile {
  key: string;
  content: string;
  /** Where it is in the database, for results. */
  path: FieldPath;
}

export interface UserConfiguration {
  /** The Secret holding the user's files and the field that names it. */
  secret?: { name: string; path: FieldPath };
  /** The inline files, in key order (KubeDB's operator reads a Go map: no order of its own). */
  inline: InlineFile[];
}

/** When KubeDB uses the deprecated configSecret (see the header). */
export type ConfigSecretRule =
  | 'unless-configuration'
  | 'unless-secret-name'
  | 'unless-secret-or-inline';

export interface UserConfigRules {
  configSecret: ConfigSecretRule;
  /** Keys of spec.configuration besides secretName and inline: what only the operator does. */
  operatorOnly?: Record<string, string>;
  /** The kind's v1alpha2 has spec.configuration too (Singlestore and MSSQLServer do). */
  inV1alpha2?: boolean;
}

/** ConfigMap keys (Kubernetes IsConfigMapKey), with room for the prefix dbtls adds. */
const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;
const MAX_KEY = 253 - 'inline-'.length;
/** A ConfigMap's data is at most 1 MiB (the API server's limit): no inline file can be larger. */
export const MAX_INLINE_BYTES = 1 << 20;

/**
 * The user's configuration, or undefined when there is none. Problems go to ctx.report; a
 * configSecret KubeDB would drop gets a warning naming the field that wins.
 */
export function readUserConfiguration(
  ctx: KindContext,
  rules: UserConfigRules,
): UserConfiguration | undefined {
  const spec = ctx.db.spec as Obj;
  const { report } = ctx;
  const fromSecret = readConfigSecret(spec, report);
  const c = spec.configuration;
  const alpha2 = ctx.db.apiVersion.endsWith('/v1alpha2') && !rules.inV1alpha2;
  if (c !== undefined && c !== null && alpha2) {
    report.error(
      at('spec', 'configuration'),
      `spec.configuration is not a field of ${ctx.db.apiVersion} ${ctx.db.kind} (the API server would drop it): ` +
        'use kubedb.com/v1, or spec.configSecret',
    );
    return fromSecret ? { secret: fromSecret, inline: [] } : undefined;
  }
  if (c !== undefined && c !== null && !isObj(c)) {
    report.error(
      at('spec', 'configuration'),
      `spec.configuration must be a mapping with secretName and inline, got ${describeType(c)}`,
    );
    return undefined;
  }
  if (!isObj(c)) return fromSecret ? { secret: fromSecret, inline: [] } : undefined;
  for (const [key, what] of Object.entries(rules.operatorOnly ?? {})) {
    if (c[key] === undefined || c[key] === null) continue;
    report.warn(
      at('spec', 'configuration', key),
      `${what} is provided by the KubeDB operator only; standalone mode does not render it ` +
        '(use mode: operator to keep it)',
    );
  }
  const named = readSecretName(c, report);
  const inline = readInline(c, report);
  const out: UserConfiguration = { inline };
  if (named) out.secret = named;
  if (fromSecret) {
    const used =
      rules.configSecret === 'unless-secret-name'
        ? named === undefined
        : rules.configSecret === 'unless-secret-or-inline'
          ? named === undefined && inline.length === 0
          : false;
    if (used) out.secret = fromSecret;
    else if (named?.name !== fromSecret.name) {
      report.warn(
        at('spec', 'configSecret'),
        `spec.configSecret is not used: KubeDB reads spec.configuration instead (configSecret is its older form); ` +
          `move Secret "${fromSecret.name}" to spec.configuration.secretName or remove ` +
          'configSecret',
      );
    }
  }
  return out.secret || inline.length > 0 ? out : undefined;
}

function readConfigSecret(
  spec: Obj,
  report: Reporter,
): { name: string; path: FieldPath } | undefined {
  const s = spec.configSecret;
  if (s === undefined || s === null) return undefined;
  if (!isObj(s) || typeof s.name !== 'string' || s.name === '') {
    report.error(
      at('spec', 'configSecret'),
      `spec.configSecret must be a mapping with the Secret's name (name: my-config), got ${describeType(s)}`,
    );
    return undefined;
  }
  return { name: s.name, path: at('spec', 'configSecret', 'name') };
}

function readSecretName(c: Obj, report: Reporter): { name: string; path: FieldPath } | undefined {
  const v = c.secretName;
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') {
    report.error(
      at('spec', 'configuration', 'secretName'),
      `spec.configuration.secretName must be the name of a Secret, got ${describeType(v)}`,
    );
    return undefined;
  }
  return { name: v, path: at('spec', 'configuration', 'secretName') };
}

function readInline(c: Obj, report: Reporter): InlineFile[] {
  const v = c.inline;
  if (v === undefined || v === null) return [];
  if (!isObj(v)) {
    report.error(
      at('spec', 'configuration', 'inline'),
      `spec.configuration.inline must be a mapping of file name to file content, got ${describeType(v)}`,
    );
    return [];
  }
  const out: InlineFile[] = [];
  for (const key of Object.keys(v).sort()) {
    const path = at('spec', 'configuration', 'inline', key);
    const content = v[key];
    if (!CONFIG_MAP_KEY.test(key) || key.length > MAX_KEY || key === '.' || key === '..') {
      report.error(
        path,
        `${JSON.stringify(key)} is not a file name a ConfigMap can hold (letters, digits, ` +
          `'-', '_', '.'; at most ${MAX_KEY} characters)`,
      );
    } else if (typeof content !== 'string') {
      report.error(
        path,
        `${path} must be the file's content as a string, got ${describeType(content)}`,
      );
    } else if (
      content.length > MAX_INLINE_BYTES / 3 &&
      Buffer.byteLength(content) > MAX_INLINE_BYTES
    ) {
      report.error(
        path,
        `${path} is ${Buffer.byteLength(content)} bytes; dbtls renders it into a ConfigMap, which the API ` +
          'server takes up to 1 MiB (1048576 bytes) in all: make it smaller',
      );
    } else out.push({ key, content, path });
  }
  return out;
}

/** The ConfigMap key (and file name) an inline file is rendered under, beside dbtls's files. */
export function inlineKey(key: string): string {
  return `inline-${key}`;
}

/** The inline files as ConfigMap data. */
export function inlineData(conf: UserConfiguration | undefined): Record<string, string> {
  const data: Record<string, string> = {};
  for (const f of conf?.inline ?? []) data[inlineKey(f.key)] = f.content;
  return data;
}

/** The user's Secret, mounted read-only at `mountPath` (all of it, or the `keys` given). */
export function userSecretVolume(
  secretName: string,
  mountPath: string,
  keys?: readonly string[],
): { volume: Obj; mount: Obj } {
  const secret: Obj = { secretName, defaultMode: 0o440 };
  if (keys) secret.items = keys.map((key) => ({ key, path: key }));
  return {
    volume: { name: USER_CONFIG_VOLUME, secret },
    mount: { name: USER_CONFIG_VOLUME, mountPath, readOnly: true },
  };
}

/** The volume name KubeDB gives the user's configuration. */
export const USER_CONFIG_VOLUME = 'custom-config';

/**
 * The Secret's content is not in the ResourceList: an info saying what the server reads of it,
 * that it is not checked, and that dbtls's TLS settings come after it.
 */
export function reportSecretUnchecked(
  report: Reporter,
  secret: { name: string; path: FieldPath },
  o: { reads: string; tlsSettings: string },
): void {
  report.info(
    secret.path,
    `the server reads ${o.reads} of Secret "${secret.name}" before dbtls's settings; dbtls ` +
      `cannot see the Secret, so its content is not checked, and dbtls's TLS settings ` +
      `(${o.tlsSettings}) come after it and take precedence`,
  );
}

/** One setting of a configuration file, by the engine's rules (name normalised). */
export interface Setting {
  name: string;
  value: string;
  line: number;
}

/** A setting dbtls renders after the user's files: its value, and whether it is a TLS setting. */
export interface OwnedSetting {
  value: string;
  tls: boolean;
}

/**
 * A warning for each user setting that dbtls also renders with another value: dbtls's comes
 * later and wins. `show` writes a setting as the engine's files do (`ssl = off`, `port 0`).
 */
export function reportOverridden(
  report: Reporter,
  file: InlineFile,
  settings: readonly Setting[],
  owned: ReadonlyMap<string, OwnedSetting>,
  show: (name: string, value: string) => string,
  same: (a: string, b: string) => boolean = (a, b) => a === b,
): void {
  for (const s of settings) {
    const ours = owned.get(s.name);
    if (ours === undefined || same(ours.value, s.value)) continue;
    const what = ours.tls ? "dbtls's TLS settings" : 'a setting dbtls renders';
    const theirs = show(s.name, shorten(ours.value));
    report.warn(
      file.path,
      `line ${s.line}: ${show(s.name, s.value)} conflicts with ${what}; dbtls's ${theirs} ` +
        "comes after the user's configuration and wins",
    );
  }
}

/** A value as a message shows it: a long one (a Galera peer list) cut after 80 characters. */
function shorten(value: string): string {
  return value.length > 80 ? `${value.slice(0, 80)}…` : value;
}
