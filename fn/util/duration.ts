// Go's time.ParseDuration and Duration.String, which cert-manager uses for `duration` and
// `renewBefore`: `2160h` parses, `90d` does not. Values are nanoseconds as bigint (Go's int64).

const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  μs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const MAX = 2n ** 63n - 1n;

export type DurationParse = { ok: true; nanos: bigint } | { ok: false; error: string };

export function parseGoDuration(input: string): DurationParse {
  const bad = (): DurationParse => ({
    ok: false,
    error: `time: invalid duration ${JSON.stringify(input)}`,
  });
  let s = input;
  let neg = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return { ok: true, nanos: 0n };
  if (s === '') return bad();
  let total = 0n;
  while (s !== '') {
    const num = /^(\d*)(?:\.(\d*))?/.exec(s);
    if (!num || (num[1] === '' && (num[2] === undefined || num[2] === ''))) return bad();
    s = s.slice(num[0].length);
    const unitMatch = /^[^\d.]+/.exec(s);
    if (!unitMatch)
      return { ok: false, error: `time: missing unit in duration ${JSON.stringify(input)}` };
    const unitName = unitMatch[0];
    const unit = UNITS[unitName];
    if (unit === undefined)
      return {
        ok: false,
        error: `time: unknown unit ${JSON.stringify(unitName)} in duration ${JSON.stringify(input)}`,
      };
    s = s.slice(unitName.length);
    const whole = BigInt(num[1] === '' ? '0' : num[1]);
    let v = whole * unit;
    const frac = num[2] ?? '';
    if (frac !== '') v += (BigInt(frac) * unit) / 10n ** BigInt(frac.length);
    total += v;
    if (total > MAX) return bad();
  }
  return { ok: true, nanos: neg ? -total : total };
}

/** Go's Duration.String(): 2160h0m0s, 1h30m0s, 5m0s, 1.5s, 0s. */
export function formatGoDuration(nanos: bigint): string {
  if (nanos === 0n) return '0s';
  const neg = nanos < 0n;
  let u = neg ? -nanos : nanos;
  let out: string;
  if (u < 1_000_000_000n) {
    const [unit, size] =
      u < 1_000n ? ['ns', 1n] : u < 1_000_000n ? ['µs', 1_000n] : ['ms', 1_000_000n];
    out = fraction(u, size) + unit;
  } else {
    const h = u / 3_600_000_000_000n;
    u %= 3_600_000_000_000n;
    const m = u / 60_000_000_000n;
    u %= 60_000_000_000n;
    const sec = `${fraction(u, 1_000_000_000n)}s`;
    out = h > 0n ? `${h}h${m}m${sec}` : m > 0n ? `${m}m${sec}` : sec;
  }
  return neg ? `-${out}` : out;
}

function fraction(v: bigint, size: bigint): string {
  const whole = v / size;
  const rest = v % size;
  if (rest === 0n) return whole.toString();
  const digits = size.toString().length - 1;
  const padded = rest.toString().padStart(digits, '0');
  let end = padded.length;
  while (end > 0 && padded.charCodeAt(end - 1) === 48) end--; // trailing zeros (not /0+$/: quadratic)
  return `${whole}.${padded.slice(0, end)}`;
}

export const HOUR = 3_600_000_000_000n;
export const MINUTE = 60_000_000_000n;
