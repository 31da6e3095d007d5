// The Certificate's lifetime as the webhook checks it (ValidateDuration): duration, renewBefore
// or renewBeforePercentage, and the renewal policy.
import { isObj, type Obj } from '../io/objects.js';
import { formatGoDuration, HOUR, MINUTE, parseGoDuration } from '../util/duration.js';
import { type Add, asList, asString, goQuoted, SPEC } from './webhook-error.js';

export const MINIMUM_DURATION = HOUR;
export const MINIMUM_RENEW_BEFORE = 5n * MINUTE;
export const DEFAULT_DURATION = 2160n * HOUR;

export function validateRenewal(spec: Obj, add: Add): void {
  if (!isObj(spec.renewal)) return;
  const path = SPEC.child('renewal');
  const policy = asString(spec.renewal.policy);
  if (policy !== '' && policy !== 'RenewBefore' && policy !== 'Disabled') {
    const detail = 'supported values: "RenewBefore", "Disabled"';
    add(path.child('policy'), 'Unsupported value', detail, goQuoted(policy));
  }
  if (policy === 'Disabled' && asList(spec.renewal.windows).length > 0) {
    const detail = 'windows cannot be set when `renewal.policy` is set to Disabled';
    add(path.child('windows'), 'Forbidden', detail);
  }
}

/** ValidateDuration: the lifetime and the renewal point. */
export function validateDurations(spec: Obj, add: Add): void {
  const read = (v: unknown): bigint | undefined => {
    if (typeof v !== 'string') return undefined;
    const d = parseGoDuration(v);
    return d.ok ? d.nanos : undefined;
  };
  const duration = read(spec.duration) ?? DEFAULT_DURATION;
  const renewBefore = read(spec.renewBefore);
  const pct =
    typeof spec.renewBeforePercentage === 'number' ? spec.renewBeforePercentage : undefined;
  const fmt = formatGoDuration;
  const atDuration = SPEC.child('duration');
  const atRenewBefore = SPEC.child('renewBefore');
  if (duration < MINIMUM_DURATION) {
    const detail = `certificate duration must be greater than ${fmt(MINIMUM_DURATION)}`;
    add(atDuration, 'Invalid value', detail, fmt(duration));
  }
  if (renewBefore !== undefined && pct !== undefined) {
    const detail =
      'renewBefore and renewBeforePercentage are mutually exclusive and cannot both be set';
    add(atRenewBefore, 'Invalid value', detail, fmt(renewBefore));
    add(SPEC.child('renewBeforePercentage'), 'Invalid value', detail, String(pct));
  }
  if (renewBefore !== undefined && renewBefore < MINIMUM_RENEW_BEFORE) {
    const detail = `certificate renewBefore must be greater than ${fmt(MINIMUM_RENEW_BEFORE)}`;
    add(atRenewBefore, 'Invalid value', detail, fmt(renewBefore));
  }
  if (renewBefore !== undefined && renewBefore >= duration) {
    const detail = `certificate duration ${fmt(duration)} must be greater than renewBefore ${fmt(renewBefore)}`;
    add(atRenewBefore, 'Invalid value', detail, fmt(renewBefore));
  }
  if (pct !== undefined) validateRenewBeforePercentage(duration, pct, add);
}

function validateRenewBeforePercentage(duration: bigint, pct: number, add: Add): void {
  const path = SPEC.child('renewBeforePercentage');
  // The webhook (v1.21.1) computes the complement, duration*(100-pct)/100.
  const rb = (duration * BigInt(100 - Math.trunc(pct))) / 100n;
  if (rb < MINIMUM_RENEW_BEFORE) {
    const least = formatGoDuration(MINIMUM_RENEW_BEFORE);
    const detail = `certificate renewBeforePercentage must result in a renewBefore greater than ${least}`;
    add(path, 'Invalid value', detail, String(pct));
  }
  if (rb >= duration) {
    const detail =
      'certificate renewBeforePercentage must result in a renewBefore less than duration';
    add(path, 'Invalid value', detail, String(pct));
  }
}
