// Hostile strings for every field that reaches a rendered script or configuration file: the
// characters each target language gives a meaning to (quotes, `$()`, backticks, `${`, `#`, `;`,
// brackets, backslashes), line breaks of every kind (U+2028 included), NUL, non-ASCII, and very
// long values, mixed with plain text.
import fc from 'fast-check';

const PIECES = [
  "'",
  '"',
  '\\',
  '$(touch /tmp/pwned)',
  '`id`',
  '${HOME}',
  '%{x}',
  '$',
  '{',
  '}',
  '#',
  ';',
  '=',
  '[',
  ']',
  ' ',
  '\t',
  '\n',
  '\r',
  '\r\n',
  '\u2028',
  '\u2029',
  '\u0085',
  '\v',
  '\f',
  '\b',
  '\x07',
  '\x7f',
  '\\n',
  '\\x41',
  '\\u0024',
  'é',
  '\u00a0',
  '😀',
  '\nenable-debug-command yes',
  '"\n}\nlistener "tcp" { tls_disable = true }',
  '\n[client]\nssl-mode=DISABLED',
  "'\nssl = off\n",
  '--evil=1',
];

/** Any mix of hostile pieces and plain text, without NUL (which no reader can carry). */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .array(fc.oneof(fc.constantFrom(...PIECES), fc.string()), { maxLength: 12 })
      .map((a) => a.join('')),
  },
  {
    weight: 1,
    arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replace(/\0/g, '')),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...PIECES), fc.integer({ min: 1000, max: 6000 }))
      .map(([p, n]) => `a${p.repeat(Math.ceil(n / p.length))}z`),
  },
);

/** A hostile string with a NUL somewhere: every writer must refuse it. */
export const withNul: fc.Arbitrary<string> = fc
  .tuple(hostileString, hostileString)
  .map(([a, b]) => `${a}\0${b}`);
