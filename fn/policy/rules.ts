// The organisation's rules from DatabaseTLSPolicy spec.rules, checked on every database they
// match. Every result names its rule ("policy rule requireTLS: …"); `enforce` makes a violation an
// error, `audit` a warning. Kind-specific settings reach the rules only through the kinds' own
// declarations (DatabaseKind.connectionSettings): nothing here names a kind.
import { KINDS } from '../kinds/index.js';
import type { ConnectionSetting, DatabaseKind, KindContext } from '../kinds/kind.js';
import { isObj, type KubeObject, namespaceOf, type Obj } from '../io/objects.js';
import { fieldPathOf, resultFor, type Reporter, type Result } from '../io/results.js';
import { formatGoDuration, parseGoDuration } from '../util/duration.js';
import { DEFAULT_DURATION } from '../validate/certificate-lifetime.js';
import type { IssuerIndex } from '../validate/issuers.js';
import type { CertificateOverride, IssuerRef } from '../validate/tls-config.js';
import { at, type FieldPath } from '../util/field-path.js';

export type Enforcement = 'enforce' | 'audit';

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: {
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values?: string[];
  }[];
}
export interface Match {
  namespaces?: string[];
  selector?: LabelSelector;
}
interface Rule {
  enforcement: Enforcement;
  match: Match;
}

export interface PolicyRules {
  requireTLS?: Rule & { defaultIssuerRef?: IssuerRef };
  connectionSecurity?: Rule & { minimum: Record<string, string | boolean> };
  allowedIssuers?: Rule & { issuers: AllowedIssuer[]; text: string[] };
  forbidSelfSignedIssuers?: Rule;
  privateKey?: Rule & {
    algorithm?: 'RSA' | 'ECDSA' | 'Ed25519';
    minimumSize?: number;
    encoding?: 'PKCS1' | 'PKCS8';
    rotationPolicy?: 'Always' | 'Never';
  };
  certificateLifetime?: Rule & { maximumDuration?: bigint; minimumRenewBefore?: bigint };
  /** TLS versions servers accept, where dbtls writes their configuration (MSSQL tlsprotocols). */
  tlsProtocols?: Rule & { versions: string[] };
}
interface AllowedIssuer {
  kind?: 'Issuer' | 'ClusterIssuer';
  namespace?: string;
  name: string;
}

export const NO_RULES: PolicyRules = {};
const RULES = at('spec', 'rules');
const ECDSA_SIZES = [256, 384, 521];

/** Reports a problem at a field under spec.rules. */
type Bad = (path: FieldPath, message: string) => void;

/**
 * Reads spec.rules after the JSON Schema has accepted its shape: the checks a schema cannot make
 * (durations that fit together, key sizes for the algorithm, settings the kinds declare). One
 * reader per rule.
 */
export function readRules(
  raw: unknown,
  ref: KubeObject,
): { rules: PolicyRules; results: Result[] } {
  const results: Result[] = [];
  const bad: Bad = (path, message) => results.push(resultFor(ref, 'error', message, path));
  if (!isObj(raw)) return { rules: NO_RULES, results };
  const rules: PolicyRules = {};
  if (isObj(raw.requireTLS)) rules.requireTLS = readRequireTLS(raw.requireTLS);
  if (isObj(raw.connectionSecurity))
    rules.connectionSecurity = readConnectionSecurity(raw.connectionSecurity, bad);
  if (isObj(raw.allowedIssuers)) {
    const r = raw.allowedIssuers;
    const text = r.issuers as string[];
    rules.allowedIssuers = { ...base(r), text, issuers: text.map(parseIssuer) };
  }
  if (isObj(raw.forbidSelfSignedIssuers))
    rules.forbidSelfSignedIssuers = base(raw.forbidSelfSignedIssuers);
  if (isObj(raw.privateKey)) rules.privateKey = readPrivateKeyRule(raw.privateKey, bad);
  if (isObj(raw.certificateLifetime))
    rules.certificateLifetime = readCertificateLifetime(raw.certificateLifetime, bad);
  if (isObj(raw.tlsProtocols)) {
    const r = raw.tlsProtocols;
    // Highest first, as SQL Server's own default list is written (1.2,1.1,1.0).
    const versions = [...new Set(r.versions as string[])].sort().reverse();
    rules.tlsProtocols = { ...base(r), versions };
  }
  return { rules, results };
}

/** What every rule has: its enforcement and what it matches. */
function base(o: Obj): Rule {
  return {
    enforcement: (o.enforcement as Enforcement | undefined) ?? 'enforce',
    match: (o.match as Match | undefined) ?? {},
  };
}

function readRequireTLS(r: Obj): PolicyRules['requireTLS'] {
  const d = r.defaultIssuerRef as Obj | undefined;
  if (!d) return base(r);
  const kind = d.kind as IssuerRef['kind'];
  return {
    ...base(r),
    defaultIssuerRef: { apiGroup: 'cert-manager.io', kind, name: d.name as string },
  };
}

/** Each minimum names a setting some kind declares, with one of that setting's levels. */
function readConnectionSecurity(r: Obj, bad: Bad): PolicyRules['connectionSecurity'] {
  const minimum = r.minimum as Record<string, string | boolean>;
  const declared = connectionSettings();
  for (const [key, value] of Object.entries(minimum)) {
    const kinds = declared.filter((d) => d.setting.key === key);
    if (kinds.length === 0) {
      const known = declared.map((d) => `${d.setting.key} (${d.kind.kind})`);
      bad(
        RULES.child('connectionSecurity', 'minimum', key),
        `unknown setting "${key}"; the supported kinds declare ` +
          `${known.length ? known.join(', ') : 'none'}`,
      );
      continue;
    }
    for (const d of kinds) {
      if (!d.setting.levels.includes(value)) {
        bad(
          RULES.child('connectionSecurity', 'minimum', key),
          `${JSON.stringify(value)} is not a value of ${d.kind.kind} ${d.setting.path}; use one ` +
            `of ${d.setting.levels.map((l) => JSON.stringify(l)).join(', ')}`,
        );
      }
    }
  }
  return { ...base(r), minimum };
}

/** A minimum size cert-manager accepts for the algorithm, and an encoding the key can have. */
function readPrivateKeyRule(r: Obj, bad: Bad): PolicyRules['privateKey'] {
  const algorithm = r.algorithm as 'RSA' | 'ECDSA' | 'Ed25519' | undefined;
  const size = r.minimumSize as number | undefined;
  const alg = algorithm ?? 'RSA';
  if (size !== undefined) {
    if (alg === 'RSA' && (size < 2048 || size > 8192))
      bad(
        RULES.child('privateKey', 'minimumSize'),
        `${size} is not an RSA key size cert-manager accepts; use 2048 to 8192`,
      );
    if (alg === 'ECDSA' && size > 521)
      bad(
        RULES.child('privateKey', 'minimumSize'),
        `${size} is larger than the largest ECDSA key (521); use 256, 384 or 521`,
      );
    if (alg === 'Ed25519')
      bad(
        RULES.child('privateKey', 'minimumSize'),
        'Ed25519 keys have one size; remove minimumSize',
      );
  }
  if (alg === 'Ed25519' && r.encoding === 'PKCS1')
    bad(
      RULES.child('privateKey', 'encoding'),
      'Ed25519 keys are always written as PKCS8; use encoding PKCS8 or remove it',
    );
  return {
    ...base(r),
    ...compactRule({
      algorithm,
      minimumSize: size,
      encoding: r.encoding as 'PKCS1' | 'PKCS8' | undefined,
      rotationPolicy: r.rotationPolicy as 'Always' | 'Never' | undefined,
    }),
  };
}

/** Durations cert-manager accepts, and a minimum renewBefore shorter than the longest lifetime. */
function readCertificateLifetime(r: Obj, bad: Bad): PolicyRules['certificateLifetime'] {
  const read = (key: string): bigint | undefined => {
    if (typeof r[key] !== 'string') return undefined;
    const d = parseGoDuration(r[key] as string);
    if (!d.ok) {
      bad(
        RULES.child('certificateLifetime', key),
        `${JSON.stringify(r[key])} is not a Go duration (${d.error})`,
      );
      return undefined;
    }
    return d.nanos;
  };
  const maximumDuration = read('maximumDuration');
  const minimumRenewBefore = read('minimumRenewBefore');
  if (maximumDuration !== undefined && maximumDuration < 3_600_000_000_000n) {
    bad(
      RULES.child('certificateLifetime', 'maximumDuration'),
      `${formatGoDuration(maximumDuration)} is shorter than the 1h0m0s cert-manager requires of ` +
        `every certificate`,
    );
  }
  if (minimumRenewBefore !== undefined && minimumRenewBefore < 300_000_000_000n) {
    bad(
      RULES.child('certificateLifetime', 'minimumRenewBefore'),
      `${formatGoDuration(minimumRenewBefore)} is shorter than the 5m0s cert-manager requires of ` +
        `renewBefore`,
    );
  }
  const longest = maximumDuration ?? DEFAULT_DURATION;
  if (minimumRenewBefore !== undefined && minimumRenewBefore >= longest) {
    bad(
      RULES.child('certificateLifetime', 'minimumRenewBefore'),
      `${formatGoDuration(minimumRenewBefore)} is not shorter than the ` +
        `${maximumDuration !== undefined ? 'maximumDuration' : 'default duration'} ` +
        `${formatGoDuration(longest)}; no certificate could satisfy both`,
    );
  }
  return { ...base(r), ...compactRule({ maximumDuration, minimumRenewBefore }) };
}

/** The TLS versions the tlsProtocols rule chooses for this database, or undefined without one. */
export function tlsProtocolsFor(ctx: KindContext): readonly string[] | undefined {
  const rule = (ctx.settings.rules ?? NO_RULES).tlsProtocols;
  return rule && matches(rule.match, ctx.db) ? rule.versions : undefined;
}

/**
 * Where the operator writes a server's TLS versions itself (`written`), the tlsProtocols rule can
 * only check them: a version the rule leaves out is a violation at `path`, where the user can
 * override what the operator writes.
 */
export function checkTLSProtocols(
  ctx: KindContext,
  written: readonly string[],
  what: string,
  path: FieldPath,
): void {
  const rule = (ctx.settings.rules ?? NO_RULES).tlsProtocols;
  if (!rule || !matches(rule.match, ctx.db)) return;
  const extra = written.filter((v) => !rule.versions.includes(v));
  if (extra.length === 0) return;
  const allowed = rule.versions.join(', ');
  const message = `${what} allows TLS ${extra.join(', ')}; the policy allows only ${allowed}`;
  violation(ctx.report, rule, 'tlsProtocols', path, message);
}

function compactRule<T extends Obj>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function parseIssuer(entry: string): AllowedIssuer {
  const parts = entry.split('/');
  if (parts.length === 1) return { name: parts[0] };
  if (parts.length === 2) return { kind: parts[0] as AllowedIssuer['kind'], name: parts[1] };
  return { kind: parts[0] as AllowedIssuer['kind'], namespace: parts[1], name: parts[2] };
}

function connectionSettings() {
  return KINDS.flatMap((kind: DatabaseKind<any>) =>
    (kind.connectionSettings ?? []).map((setting) => ({ kind, setting })),
  );
}

/** Whether a rule applies to this database: its namespace listed (if any) and its labels selected (if any). */
export function matches(match: Match, db: KubeObject): boolean {
  if (
    match.namespaces &&
    match.namespaces.length > 0 &&
    !match.namespaces.includes(namespaceOf(db))
  )
    return false;
  const sel = match.selector;
  if (!sel) return true;
  const labels: Record<string, string> = isObj(db.metadata.labels) ? db.metadata.labels : {};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const inValues = has && (e.values ?? []).includes(labels[e.key]);
    if (e.operator === 'In' && !inValues) return false;
    if (e.operator === 'NotIn' && inValues) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

function violation(
  report: Reporter,
  rule: Rule,
  name: string,
  path: FieldPath,
  message: string,
): void {
  const text = `policy rule ${name}: ${message}`;
  if (rule.enforcement === 'audit') report.warn(path, text);
  else report.error(path, text);
}

/**
 * requireTLS with a defaultIssuerRef: a matched database without spec.tls gets one (the one
 * documented mutation besides local-config), reported as an info result. Returns the database to
 * use from here on.
 */
export function applyPolicyDefaults(
  db: KubeObject,
  rules: PolicyRules,
  report: Reporter,
): KubeObject {
  const rule = rules.requireTLS;
  if (!rule?.defaultIssuerRef || !matches(rule.match, db) || !isObj(db.spec)) return db;
  if (db.spec.tls !== undefined && db.spec.tls !== null) return db;
  const ref = rule.defaultIssuerRef;
  report.info(
    at('spec', 'tls'),
    `policy rule requireTLS: TLS is required and spec.tls was not set; added spec.tls.issuerRef ` +
      `${ref.kind} "${ref.name}" (the rule's defaultIssuerRef)`,
  );
  return {
    ...db,
    spec: {
      ...db.spec,
      tls: { issuerRef: { apiGroup: ref.apiGroup, kind: ref.kind, name: ref.name } },
    },
  };
}

/** The rules about the database as a whole: TLS present, connection settings, issuers. */
export function checkDatabasePolicy(
  ctx: KindContext,
  kind: DatabaseKind<any>,
  plan: unknown,
  issuers: IssuerIndex,
): void {
  const rules = ctx.settings.rules ?? NO_RULES;
  const { db, tls } = ctx;
  if (rules.requireTLS && matches(rules.requireTLS.match, db))
    checkRequireTLS(ctx, rules.requireTLS);
  const cs = rules.connectionSecurity;
  if (cs && matches(cs.match, db))
    checkConnectionSecurity(ctx, kind.connectionSettings ?? [], plan, cs);
  const refs: { ref: IssuerRef; path: FieldPath }[] = [];
  if (tls?.issuerRef) refs.push({ ref: tls.issuerRef, path: at('spec', 'tls', 'issuerRef') });
  for (const o of tls?.overrides.values() ?? [])
    if (o.issuerRef) refs.push({ ref: o.issuerRef, path: o.path.child('issuerRef') });
  const ai = rules.allowedIssuers;
  if (ai && matches(ai.match, db)) {
    for (const { ref, path } of refs) checkAllowedIssuer(ctx, ai, ref, path);
  }
  const ss = rules.forbidSelfSignedIssuers;
  if (ss && matches(ss.match, db)) {
    for (const { ref, path } of refs) checkNotSelfSigned(ctx, ss, issuers, ref, path);
  }
}

function checkRequireTLS(ctx: KindContext, rt: NonNullable<PolicyRules['requireTLS']>): void {
  const { db, tls } = ctx;
  if (tls !== undefined || !isObj(db.spec)) return;
  if (db.spec.tls !== undefined && db.spec.tls !== null) return;
  // Validate mode changes nothing, so a defaultIssuerRef is not added: the database must say it.
  const d = rt.defaultIssuerRef;
  const unapplied =
    d && ctx.settings.mode === 'validate'
      ? ` (validate mode changes nothing, so the rule's defaultIssuerRef ${d.kind} "${d.name}" ` +
        'is not added)'
      : '';
  violation(
    ctx.report,
    rt,
    'requireTLS',
    at('spec', 'tls'),
    'TLS is required for this database; set ' +
      `spec.tls.issuerRef to a cert-manager Issuer or ClusterIssuer${unapplied}`,
  );
}

/** Each setting the kind declares is at least the policy's minimum. */
function checkConnectionSecurity<Plan>(
  ctx: KindContext,
  settings: readonly ConnectionSetting<Plan>[],
  plan: Plan,
  cs: NonNullable<PolicyRules['connectionSecurity']>,
): void {
  for (const setting of settings) {
    if (!Object.hasOwn(cs.minimum, setting.key)) continue;
    const required = cs.minimum[setting.key];
    const actual = setting.value(ctx, plan);
    if (actual === undefined) continue;
    const rank = (v: string | boolean) => setting.levels.indexOf(v);
    if (rank(actual) < rank(required)) {
      violation(
        ctx.report,
        cs,
        'connectionSecurity',
        setting.path,
        `${setting.key} is ${JSON.stringify(actual)}; the policy requires at least ` +
          `${JSON.stringify(required)}`,
      );
    }
  }
}

function checkAllowedIssuer(
  ctx: KindContext,
  ai: NonNullable<PolicyRules['allowedIssuers']>,
  ref: IssuerRef,
  path: FieldPath,
): void {
  const ok = ai.issuers.some(
    (a: AllowedIssuer) =>
      a.name === ref.name &&
      (a.kind === undefined || a.kind === ref.kind) &&
      (a.namespace === undefined || (ref.kind === 'Issuer' && a.namespace === ctx.namespace)),
  );
  if (!ok)
    violation(
      ctx.report,
      ai,
      'allowedIssuers',
      path,
      `${ref.kind} "${ref.name}" is not an allowed issuer; use one of ${ai.text.join(', ')}`,
    );
}

function checkNotSelfSigned(
  ctx: KindContext,
  ss: Rule,
  issuers: IssuerIndex,
  ref: IssuerRef,
  path: FieldPath,
): void {
  const { report } = ctx;
  const found = issuers.find(ref, ctx.namespace);
  if (!found) {
    // An issuer named nothing already has its error; an external one is unknown to us.
    if (!report.results.some((r) => r.severity === 'error' && fieldPathOf(r)?.equals(path))) {
      report.warn(
        path,
        `policy rule forbidSelfSignedIssuers: ${ref.kind} "${ref.name}" is not in the input, so ` +
          `whether it is self-signed cannot be checked`,
      );
    }
  } else if (
    isObj(found.spec) &&
    found.spec.selfSigned !== undefined &&
    found.spec.selfSigned !== null
  ) {
    violation(
      report,
      ss,
      'forbidSelfSignedIssuers',
      path,
      `${ref.kind} "${ref.name}" is self-signed (spec.selfSigned); use an issuer backed by a CA ` +
        `(ca, vault, acme or an external issuer)`,
    );
  }
}

/** A key as cert-manager issues it when the Certificate leaves fields unset (v1.18 and later). */
function withCertManagerKeyDefaults(key: Obj): Obj {
  const algorithm = key.algorithm ?? 'RSA';
  const size = key.size ?? (algorithm === 'RSA' ? 2048 : algorithm === 'ECDSA' ? 256 : undefined);
  const encoding = key.encoding ?? 'PKCS1';
  return { algorithm, size, encoding, rotationPolicy: key.rotationPolicy ?? 'Always' };
}

/**
 * The policy's part of one emitted Certificate. KubeDB's certificate overrides have no private
 * key algorithm, size or rotation policy, so the privateKey rule supplies them; certificateLifetime
 * supplies a duration or renewBefore when cert-manager's defaults would break it. Then the values
 * are checked: a user's override (encoding, duration, renewBefore) is reported at the user's field.
 */
export function applyCertificatePolicy(
  cert: KubeObject,
  ctx: KindContext,
  override: CertificateOverride | undefined,
): KubeObject {
  const rules = ctx.settings.rules ?? NO_RULES;
  const { db, report } = ctx;
  const spec: Obj = { ...(cert.spec as Obj) };
  const name = cert.metadata.name;
  // Validate mode emits nothing, so it supplies nothing either: KubeDB issues what the database
  // says, with cert-manager's defaults for the rest, and that is what is checked.
  const supply = ctx.settings.mode !== 'validate';
  const one: OneCertificate = { spec, name, override, report, supply };
  const pk = rules.privateKey;
  if (pk && matches(pk.match, db)) applyPrivateKeyRule(one, pk);
  const lt = rules.certificateLifetime;
  if (lt && matches(lt.match, db)) applyLifetimeRule(one, lt);
  return { ...cert, spec };
}

/** One Certificate as the policy's rules see it; `spec` is the copy they fill in. */
interface OneCertificate {
  spec: Obj;
  name: string;
  override: CertificateOverride | undefined;
  report: Reporter;
  /** False in validate mode, which supplies nothing and checks cert-manager's defaults. */
  supply: boolean;
}

/** The privateKey rule: supplies the key's fields the Certificate leaves unset, then checks them. */
function applyPrivateKeyRule(
  one: OneCertificate,
  pk: NonNullable<PolicyRules['privateKey']>,
): void {
  const { spec, supply } = one;
  const key: Obj = { ...(isObj(spec.privateKey) ? spec.privateKey : {}) };
  const size =
    pk.minimumSize === undefined
      ? undefined
      : pk.algorithm === 'ECDSA'
        ? ECDSA_SIZES.find((s) => s >= (pk.minimumSize as number))
        : pk.minimumSize;
  if (supply) {
    if (key.algorithm === undefined && pk.algorithm !== undefined) key.algorithm = pk.algorithm;
    if (key.size === undefined && size !== undefined) key.size = size;
    if (key.encoding === undefined && pk.encoding !== undefined) key.encoding = pk.encoding;
    if (key.rotationPolicy === undefined && pk.rotationPolicy !== undefined)
      key.rotationPolicy = pk.rotationPolicy;
  }
  const issued = supply ? key : withCertManagerKeyDefaults(key);
  const check = (field: string, bad: boolean, actual: unknown, wanted: string) => {
    if (bad) keyViolation(one, pk, field, key[field] !== undefined, `${String(actual)}`, wanted);
  };
  check(
    'algorithm',
    pk.algorithm !== undefined && issued.algorithm !== pk.algorithm,
    issued.algorithm,
    String(pk.algorithm),
  );
  check(
    'size',
    pk.minimumSize !== undefined && typeof issued.size === 'number' && issued.size < pk.minimumSize,
    issued.size,
    `at least ${pk.minimumSize}`,
  );
  check(
    'encoding',
    pk.encoding !== undefined && issued.encoding !== pk.encoding,
    issued.encoding,
    String(pk.encoding),
  );
  check(
    'rotationPolicy',
    pk.rotationPolicy !== undefined && issued.rotationPolicy !== pk.rotationPolicy,
    issued.rotationPolicy,
    String(pk.rotationPolicy),
  );
  spec.privateKey = key;
}

/**
 * A key field the privateKey rule does not allow: at the user's override when it set the field,
 * otherwise at metadata.name naming the Certificate. `set` says whether the key had the field.
 */
function keyViolation(
  { name, override, report, supply }: OneCertificate,
  pk: Rule,
  field: string,
  set: boolean,
  actual: string,
  wanted: string,
): void {
  const userField = override?.privateKey?.[field as 'encoding'] !== undefined;
  const path = userField ? override.path.child('privateKey', field) : at('metadata', 'name');
  const subject = userField
    ? `privateKey.${field}`
    : `privateKey.${field} of Certificate "${name}"`;
  const unset = " (cert-manager's default: validate mode supplies nothing";
  const why =
    supply || set
      ? ''
      : field === 'encoding'
        ? `${unset}; set privateKey.encoding in spec.tls.certificates)`
        : `${unset}, and KubeDB's spec.tls.certificates[] has no field for it)`;
  violation(
    report,
    pk,
    'privateKey',
    path,
    `${subject} is ${actual}${why}; the policy requires ${wanted}`,
  );
}

/** The certificateLifetime rule: a duration and renewBefore within the policy's bounds. */
function applyLifetimeRule(
  one: OneCertificate,
  lt: NonNullable<PolicyRules['certificateLifetime']>,
): void {
  const { spec, name, override, report, supply } = one;
  const read = (v: unknown) => {
    const d = typeof v === 'string' ? parseGoDuration(v) : undefined;
    return d?.ok ? d.nanos : undefined;
  };
  const userDuration = override?.duration !== undefined;
  const unsupplied = (field: string) => unsuppliedBy(supply, field);
  let duration = read(spec.duration);
  if (
    supply &&
    duration === undefined &&
    lt.maximumDuration !== undefined &&
    lt.maximumDuration < DEFAULT_DURATION
  ) {
    duration = lt.maximumDuration;
    spec.duration = formatGoDuration(duration);
  }
  const effective = duration ?? DEFAULT_DURATION;
  if (lt.maximumDuration !== undefined && effective > lt.maximumDuration) {
    violation(
      report,
      lt,
      'certificateLifetime',
      userDuration ? override!.path.child('duration') : at('metadata', 'name'),
      `duration${userDuration ? '' : ` of Certificate "${name}"`} is ${formatGoDuration(effective)}${userDuration ? '' : unsupplied('duration')}; the policy allows at most ${formatGoDuration(lt.maximumDuration)}`,
    );
  }
  let renewBefore = read(spec.renewBefore);
  // cert-manager renews at two thirds of the lifetime unless told otherwise.
  if (
    supply &&
    renewBefore === undefined &&
    lt.minimumRenewBefore !== undefined &&
    effective / 3n < lt.minimumRenewBefore &&
    lt.minimumRenewBefore < effective
  ) {
    renewBefore = lt.minimumRenewBefore;
    spec.renewBefore = formatGoDuration(renewBefore);
  }
  const effectiveRenew = renewBefore ?? effective / 3n;
  if (lt.minimumRenewBefore !== undefined && effectiveRenew < lt.minimumRenewBefore)
    renewsTooLate(one, lt, effective, effectiveRenew);
}

/** What validate mode cannot supply, the user must set: say where. */
function unsuppliedBy(supply: boolean, field: string): string {
  return supply ? '' : ` (validate mode supplies nothing: set ${field} in spec.tls.certificates)`;
}

/** The renewal point is closer to expiry than the certificateLifetime rule's minimumRenewBefore. */
function renewsTooLate(
  { name, override, report, supply }: OneCertificate,
  lt: NonNullable<PolicyRules['certificateLifetime']>,
  effective: bigint,
  effectiveRenew: bigint,
): void {
  const userDuration = override?.duration !== undefined;
  const userRenew = override?.renewBefore !== undefined;
  const unsupplied = (field: string) => unsuppliedBy(supply, field);
  const path = userRenew
    ? override!.path.child('renewBefore')
    : userDuration
      ? override!.path.child('duration')
      : at('metadata', 'name');
  const message = userRenew
    ? `renewBefore is ${formatGoDuration(effectiveRenew)}; the policy requires at least ` +
      `${formatGoDuration(lt.minimumRenewBefore!)}`
    : !supply && lt.minimumRenewBefore! < effective
      ? `renewBefore of Certificate "${name}" is ${formatGoDuration(effectiveRenew)}, a third ` +
        `of its duration${unsupplied('renewBefore')}; the policy requires at least ` +
        `${formatGoDuration(lt.minimumRenewBefore!)}`
      : `duration${userDuration ? '' : ` of Certificate "${name}"`} is ${formatGoDuration(effective)}, too short to renew ${formatGoDuration(lt.minimumRenewBefore!)} before expiry as the policy requires; use a longer duration`;
  violation(report, lt, 'certificateLifetime', path, message);
}
