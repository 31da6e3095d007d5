// The policy's part of each Certificate: the privateKey rule supplies and checks the key's
// algorithm, size, encoding and rotation; certificateLifetime supplies and checks duration and
// renewBefore. A user's override that breaks a rule is reported at the user's field.
import type { KindContext } from '../contract/kind.js';
import type { PolicyRules, Rule } from '../contract/settings.js';
import type { CertificateOverride } from '../contract/tls.js';
import { isObj, type KubeObject, type Obj } from '../io/objects.js';
import type { Reporter } from '../io/results.js';
import { formatGoDuration, parseGoDuration } from '../util/duration.js';
import { DEFAULT_DURATION } from '../validate/certificate-lifetime.js';
import { at } from '../util/field-path.js';
import { matches, NO_RULES, violation } from './matching.js';

/** The ECDSA curves cert-manager issues, by key size. */
const ECDSA_SIZES = [256, 384, 521];

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
