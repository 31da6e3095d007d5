// certificateLifetime as CEL over spec.tls.certificates[]: each entry's duration and renewBefore
// against the policy's bounds, and what cert-manager's defaults (90 days, renewal at a third of
// the lifetime) or dbtls's supplied values give where an entry leaves them unset. The branches
// and messages are those of fn/policy/rules.ts applyLifetimeRule and renewsTooLate.
import type { DatabaseKind } from '../kinds/kind.js';
import type { PolicyRules } from '../policy/rules.js';
import { formatGoDuration } from '../util/duration.js';
import { DEFAULT_DURATION } from '../validate/certificate-lifetime.js';
import { type AliasMessage, aliasMessage, everyAliasSets } from './certificate-rules.js';
import {
  celDurationMessage,
  celShown,
  celString,
  DURATION_TEXT_LIMIT,
  GO_DURATION_PATTERN,
} from './cel.js';
import {
  type AdmissionMode,
  boundedEntries,
  entryField,
  everyEntry,
  type RuleAdmission,
  type Validation,
} from './model.js';

type Lifetime = Required<PolicyRules>['certificateLifetime'];

const POLICY = 'policy rule certificateLifetime: ';
const UNSUPPLIED = (field: string) =>
  ` (validate mode supplies nothing: set ${field} in spec.tls.certificates)`;
const literal = (nanos: bigint) => `duration(${celString(formatGoDuration(nanos))})`;
const readable = (text: string) =>
  `size(${text}) <= ${DURATION_TEXT_LIMIT} && ${text}.matches(${celString(GO_DURATION_PATTERN)}) && duration(${text}) > duration('0s')`;
/** The entry sets the field to a duration the bounds can be checked on. */
const sets = (c: string, field: string) => `(has(${c}.${field}) && ${readable(`${c}.${field}`)})`;

export function certificateLifetime(
  rule: Lifetime,
  kinds: readonly DatabaseKind[],
  mode: AdmissionMode,
): RuleAdmission {
  const validations: Validation[] = [boundedEntries(), ...unreadable()];
  const max = rule.maximumDuration;
  const minimum = rule.minimumRenewBefore;
  // Without a duration of its own, a certificate lasts what dbtls supplies (the maximum, where
  // shorter than cert-manager's 90 days) or, in validate mode, cert-manager's default.
  const unsetDuration =
    mode !== 'validate' && max !== undefined && max < DEFAULT_DURATION ? max : DEFAULT_DURATION;
  if (max !== undefined) validations.push(tooLong(max, mode));
  if (minimum !== undefined) validations.push(renewsLate(minimum, unsetDuration, mode));
  const unset = unsetViolations(max, minimum, unsetDuration, mode);
  for (const message of unset) validations.push(...everyAliasSets(kinds, () => 'true', message));
  return {
    rule: 'certificateLifetime',
    enforcement: rule.enforcement,
    match: rule.match,
    kinds,
    validations,
    notCovered: [],
  };
}

/** A duration the bounds cannot be checked on is refused: cert-manager would refuse it too. */
function unreadable(): Validation[] {
  return (['duration', 'renewBefore'] as const).map((field) => {
    const text =
      'is not a positive Go duration as cert-manager requires; use hours, e.g. 2160h for 90 days';
    const tooLongText = ` characters long; admission reads a duration of at most ${DURATION_TEXT_LIMIT}: use hours, e.g. 2160h for 90 days`;
    return everyEntry(
      (c) => `!has(${c}.${field}) || (${readable(`${c}.${field}`)})`,
      (c, i) =>
        `${entryField(i, field)} + (size(${c}.${field}) > ${DURATION_TEXT_LIMIT} ? ` +
        `'is ' + string(size(${c}.${field})) + ${celString(tooLongText)} : ` +
        `'"' + ${celShown(`${c}.${field}`)} + '" ' + ${celString(text)})`,
      `spec.tls.certificates: a ${field} ${text}`,
    );
  });
}

/** A duration longer than maximumDuration: the entry's own, or (validate mode) the default. */
function tooLong(max: bigint, mode: AdmissionMode): Validation {
  const limit = `; the policy allows at most ${formatGoDuration(max)}`;
  const defaultTooLong = mode === 'validate' && DEFAULT_DURATION > max;
  const unset = aliasMessage(
    `${POLICY}duration of the `,
    ` Certificate is ${formatGoDuration(DEFAULT_DURATION)}${UNSUPPLIED('duration')}${limit}`,
  );
  const own = (c: string) => `duration(${c}.duration) <= ${literal(max)}`;
  return everyEntry(
    (c) => `!variables.issuing || (${sets(c, 'duration')} ? ${own(c)} : ${!defaultTooLong})`,
    (c, i) =>
      `${sets(c, 'duration')} ? ${entryField(i, 'duration')} + ${celString(`${POLICY}duration is `)} + ` +
      `${celDurationMessage(`${c}.duration`)} + ${celString(limit)} : ${unset.cel(`${c}.alias`)}`,
    `spec.tls.certificates: ${POLICY}a duration is longer than the policy allows${limit}`,
  );
}

/** Renewal later than minimumRenewBefore before expiry: renewsTooLate's three messages. */
function renewsLate(minimum: bigint, unsetDuration: bigint, mode: AdmissionMode): Validation {
  const least = formatGoDuration(minimum);
  const duration = (c: string) =>
    `(${sets(c, 'duration')} ? duration(${c}.duration) : ${literal(unsetDuration)})`;
  // Supplied renewBefore covers the unset one unless it is not shorter than the duration;
  // validate mode supplies nothing, and a third of the lifetime (rounded down) must do.
  const lateUnset = (c: string) =>
    mode === 'validate'
      ? `${duration(c)} < ${literal(3n * minimum)}`
      : `${duration(c)} <= ${literal(minimum)}`;
  const ok = (c: string) =>
    `!variables.issuing || (${sets(c, 'renewBefore')} ? duration(${c}.renewBefore) >= ${literal(minimum)} : !(${lateUnset(c)}))`;
  return everyEntry(
    ok,
    (c, i) =>
      `${sets(c, 'renewBefore')} ? ${entryField(i, 'renewBefore')} + ${celString(`${POLICY}renewBefore is `)} + ` +
      `${celDurationMessage(`${c}.renewBefore`)} + ${celString(`; the policy requires at least ${least}`)} : ` +
      (mode === 'validate'
        ? `${duration(c)} > ${literal(minimum)} ? ${thirdMessage(c, i, minimum)} : ${shortMessage(c, i, minimum, unsetDuration)}`
        : shortMessage(c, i, minimum, unsetDuration)),
    `spec.tls.certificates: ${POLICY}a certificate renews later than ${least} before expiry`,
  );
}

/** Validate mode: renewal at a third of the lifetime is later than the minimum. */
function thirdMessage(c: string, i: string, minimum: bigint): string {
  const after = `, a third of its duration${UNSUPPLIED('renewBefore')}; the policy requires at least ${formatGoDuration(minimum)}`;
  const third = `(${sets(c, 'duration')} ? ${celDurationMessage(`${c}.duration`, true)} : ${celString(formatGoDuration(DEFAULT_DURATION / 3n))})`;
  const text = `${celString(`${POLICY}renewBefore of the `)} + ${celShown(`${c}.alias`)} + ' Certificate is ' + ${third} + ${celString(after)}`;
  return `(${sets(c, 'duration')} ? ${entryField(i, 'duration')} : '') + ${text}`;
}

/** The duration is too short to renew the minimum before expiry. */
function shortMessage(c: string, i: string, minimum: bigint, unsetDuration: bigint): string {
  const after = `, too short to renew ${formatGoDuration(minimum)} before expiry as the policy requires; use a longer duration`;
  const own = `${entryField(i, 'duration')} + ${celString(`${POLICY}duration is `)} + ${celDurationMessage(`${c}.duration`)} + ${celString(after)}`;
  const unset = `${celString(`${POLICY}duration of the `)} + ${celShown(`${c}.alias`)} + ${celString(` Certificate is ${formatGoDuration(unsetDuration)}${after}`)}`;
  return `(${sets(c, 'duration')} ? ${own} : ${unset})`;
}

/**
 * What a certificate whose alias has no entry breaks: the same branches with nothing set, decided
 * here once since every value is the policy's or a default.
 */
function unsetViolations(
  max: bigint | undefined,
  minimum: bigint | undefined,
  unsetDuration: bigint,
  mode: AdmissionMode,
): AliasMessage[] {
  const out: AliasMessage[] = [];
  const lasts = formatGoDuration(unsetDuration);
  if (max !== undefined && mode === 'validate' && DEFAULT_DURATION > max)
    out.push(
      aliasMessage(
        `${POLICY}duration of the `,
        ` Certificate is ${lasts}${UNSUPPLIED('duration')}; the policy allows at most ${formatGoDuration(max)}`,
      ),
    );
  if (minimum === undefined) return out;
  const least = formatGoDuration(minimum);
  const late = mode === 'validate' ? unsetDuration < 3n * minimum : unsetDuration <= minimum;
  if (!late) return out;
  if (mode === 'validate' && minimum < unsetDuration)
    out.push(
      aliasMessage(
        `${POLICY}renewBefore of the `,
        ` Certificate is ${formatGoDuration(unsetDuration / 3n)}, a third of its duration${UNSUPPLIED('renewBefore')}; the policy requires at least ${least}`,
      ),
    );
  else
    out.push(
      aliasMessage(
        `${POLICY}duration of the `,
        ` Certificate is ${lasts}, too short to renew ${least} before expiry as the policy requires; use a longer duration`,
      ),
    );
  return out;
}
