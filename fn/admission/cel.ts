// CEL text, written in one place that quotes correctly: every value from a policy or a kind
// (a label key, an issuer name, a message) enters an expression only as a string literal made
// here, never pasted. Only standard CEL is used (macros, has(), size(), matches(), duration(),
// string()), so any conformant evaluator runs it as the API server's cel-go does.
import type { FieldPath } from '../util/field-path.js';

/** A CEL string literal for `s`: single-quoted, with every character CEL treats specially escaped. */
export function celString(s: string): string {
  let out = "'";
  for (const ch of s) {
    const code = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0))
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    else if (code >= 0xd800 && code <= 0xdfff)
      out += '\\ufffd'; // a lone surrogate has no UTF-8 form; YAML readers replace it the same way
    else out += ch;
  }
  return `${out}'`;
}

/** A CEL list literal of strings (or booleans). */
export function celList(values: readonly (string | boolean)[]): string {
  return `[${values.map((v) => (typeof v === 'boolean' ? String(v) : celString(v))).join(', ')}]`;
}

/**
 * `has()` for each step of a field path under `root`, joined with &&: `spec.tls.clientTLS` gives
 * `has(object.spec) && has(object.spec.tls) && has(object.spec.tls.clientTLS)`. Selecting an
 * absent field is an error in CEL, so every step is tested before it is selected.
 */
export function celHasPath(root: string, path: FieldPath): string {
  const steps = path.segments.map(String);
  return steps.map((_, i) => `has(${root}.${steps.slice(0, i + 1).join('.')})`).join(' && ');
}

/**
 * Binds `value` to `name` for `body`: CEL has no let, but a one-element list's map() is one
 * (`[value].map(name, body)[0]`), evaluating `value` once.
 */
export function celLet(name: string, value: string, body: string): string {
  return `[${value}].map(${name}, ${body})[0]`;
}

/**
 * The longest text of the admitted object a message shows (the longest Kubernetes name): a longer
 * one is shown by its length. It bounds what a messageExpression costs (the API server charges
 * string concatenation by length) and keeps the message under the API server's 5 KiB, past which
 * it would drop it for the static message anyway.
 */
export const SHOWN_LIMIT = 253;

/** A string of the admitted object, for a message: itself, or its length past SHOWN_LIMIT. */
export function celShown(value: string): string {
  return celLet(
    'v',
    value,
    `size(v) <= ${SHOWN_LIMIT} ? v : '(' + string(size(v)) + ' characters)'`,
  );
}

/**
 * The longest duration text read at admission. A Go duration people write has a few characters
 * (2160h); reading it with matches() costs in proportion to its length, which the API server
 * limits per expression, so a longer text is refused, in its own words, rather than read.
 */
export const DURATION_TEXT_LIMIT = 128;

/**
 * Go's duration syntax as time.ParseDuration reads it (cert-manager's `duration` and
 * `renewBefore`), unsigned or with +: what CEL's duration() is then given. "0" alone and signed
 * negatives are left out: they are not positive durations.
 */
export const GO_DURATION_PATTERN = '^[+]?(([0-9]+([.][0-9]*)?|[.][0-9]+)(ns|us|µs|μs|ms|s|m|h))+$';

const NANOS_PER = { hour: 3_600_000_000_000, minute: 60_000_000_000, second: 1_000_000_000 };

/**
 * Go's Duration.String() of a non-negative CEL int of nanoseconds `n` (a variable name):
 * 2160h0m0s, 1h30m0s, 20m0.333333333s, 1.5ms. Mirrors fn/util/duration.ts formatGoDuration.
 */
export function celGoDurationText(n: string): string {
  const { hour, minute, second } = NANOS_PER;
  const whole =
    `(${n} >= ${hour} ? string(${n} / ${hour}) + 'h' + string(${n} % ${hour} / ${minute}) + 'm' : ` +
    `${n} >= ${minute} ? string(${n} / ${minute}) + 'm' : '') + ` +
    `${celFraction(`${n} % ${minute}`, second, 9)} + 's'`;
  return (
    `${n} == 0 ? '0s' : ${n} < 1000 ? string(${n}) + 'ns' : ` +
    `${n} < 1000000 ? ${celFraction(n, 1000, 3)} + 'µs' : ` +
    `${n} < ${second} ? ${celFraction(n, 1_000_000, 6)} + 'ms' : ${whole}`
  );
}

/** `v / size` with its decimal fraction, trailing zeros dropped (Go's fmtFrac). */
function celFraction(v: string, size: number, digits: number): string {
  const rest = celLet('r', `${v} % ${size}`, `r == 0 ? '' : '.' + ${celDigits('r', digits)}`);
  return `string(${v} / ${size}) + ${rest}`;
}

/** The `digits`-digit zero-padded decimal of r (0 < r < 10^digits), trailing zeros dropped. */
function celDigits(r: string, digits: number): string {
  const pads = celList(Array.from({ length: digits }, (_, i) => '0'.repeat(i)));
  let trimmed = r;
  for (let k = 1; k < digits; k++) {
    const p = 10 ** k;
    trimmed = `${r} % ${p} == 0 ? ${r} / ${p} : (${trimmed})`;
  }
  return `${pads}[${digits} - size(string(${r}))] + string(${trimmed})`;
}

/**
 * The nanoseconds of the duration `d` (a CEL name) under its whole seconds, as an int. Standard
 * CEL reads a duration's whole seconds (getSeconds) and nothing finer, so the rest is found by
 * comparing it with 2^29 … 2^0 ns, the highest first: 30 comparisons, each bit once.
 */
function celSubSecondNanos(d: string): string {
  const bit = (k: number, above: string): string => {
    const value = `${above} + (rest >= duration(string(${above} + ${2 ** k}) + 'ns') ? ${2 ** k} : 0)`;
    return k === 0 ? value : celLet(`b${k}`, value, bit(k - 1, `b${k}`));
  };
  return celLet('rest', `${d} - duration(string(${d}.getSeconds()) + 's')`, bit(29, '0'));
}

/**
 * The text of a duration for a message, as Go's Duration.String() gives it (what render time
 * says): `text` is a CEL string expression that matches GO_DURATION_PATTERN; `third` formats a
 * third of it (cert-manager's default renewBefore), rounded down to the nanosecond as Go's
 * integer division does.
 */
export function celDurationMessage(text: string, third = false): string {
  const nanos = `d.getSeconds() * 1000000000 + ${celSubSecondNanos('d')}`;
  return celLet(
    'd',
    `duration(${text})`,
    celLet('n', third ? `(${nanos}) / 3` : nanos, celGoDurationText('n')),
  );
}
