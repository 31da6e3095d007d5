// What a plain scalar means to the two Go readers a manifest meets:
//   - kubectl and the API server's YAML path: sigs.k8s.io/yaml over gopkg.in/yaml.v2 (YAML 1.1
//     booleans and nulls, Go's integer forms, no base 60, timestamps kept as strings);
//   - kpt and kustomize: kyaml over gopkg.in/yaml.v3 (the same numbers, but only true/false as
//     booleans, and timestamps as times).
// dbtls reads values as kubectl will send them to the API server, and writes a plain scalar only
// where both readers take it as the string it is. The rules mirror the readers' `resolve`
// functions (yaml.v2 2.4 and yaml.v3 3.0 resolve.go); test/go-yaml.test.ts holds them to the
// real readers, built from Debian's Go packages (test/yaml-reference).
import {
  defineMappingTag,
  defineScalarTag,
  defineSequenceTag,
  DUMP_SCHEMA,
  NOT_RESOLVED,
  type ScalarTagDefinition,
} from 'js-yaml';

const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const TRUE_V2 = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'true', 'True', 'TRUE']);
const FALSE_V2 = new Set([
  'n',
  'N',
  'no',
  'No',
  'NO',
  'off',
  'Off',
  'OFF',
  'false',
  'False',
  'FALSE',
]);
const BOOLS_V3 = new Set(['true', 'True', 'TRUE', 'false', 'False', 'FALSE']);
const SPECIAL_FLOATS: ReadonlyMap<string, number> = new Map([
  ...['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].map((s) => [s, Infinity] as const),
  ...['-.inf', '-.Inf', '-.INF'].map((s) => [s, -Infinity] as const),
  ...['.nan', '.NaN', '.NAN'].map((s) => [s, NaN] as const),
]);

/** The YAML 1.1 booleans that yaml.v3 reads as strings: kubectl and kpt disagree on them. */
export function isYaml11OnlyBoolean(text: string): boolean {
  return (TRUE_V2.has(text) || FALSE_V2.has(text)) && !BOOLS_V3.has(text);
}

/** Go's strconv.ParseInt/ParseUint(s, 0, 64) syntax, once yaml has removed every `_`. */
const GO_INT =
  /^([-+]?)(?:0[xX]([0-9a-fA-F]+)|0[oO]([0-7]+)|0[bB]([01]+)|0([0-7]+)|([1-9][0-9]*|0))$/;
/** yaml.v2 and yaml.v3's yamlStyleFloat, tried when the text is no integer. */
const GO_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/** An integer as the readers take it: int64, or uint64 for a positive one past int64. */
function goInteger(plain: string): bigint | undefined {
  const m = GO_INT.exec(plain);
  if (!m) return undefined;
  const [, sign, hex, oct, bin, legacyOctal, dec] = m;
  const digits =
    hex !== undefined
      ? `0x${hex}`
      : oct !== undefined
        ? `0o${oct}`
        : bin !== undefined
          ? `0b${bin}`
          : legacyOctal !== undefined
            ? `0o${legacyOctal}`
            : dec;
  const magnitude = BigInt(digits);
  const value = sign === '-' ? -magnitude : magnitude;
  // ParseUint takes no sign: past int64, only an unsigned text is an integer.
  if (value < INT64_MIN || value > UINT64_MAX) return undefined;
  if (value > 2n ** 63n - 1n && sign !== '') return undefined;
  return value;
}

/**
 * The number a plain scalar is to Go's readers, or undefined when it is none. Only texts that
 * start with a digit, a sign or a dot are tried, as the readers' resolve tables dispatch.
 */
function goNumber(text: string): number | bigint | undefined {
  const c = text.charCodeAt(0);
  if (!((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46)) return undefined;
  const special = SPECIAL_FLOATS.get(text);
  if (special !== undefined) return special;
  const plain = text.includes('_') ? text.replace(/_/g, '') : text;
  const int = goInteger(plain);
  if (int !== undefined) return Number.isSafeInteger(Number(int)) ? Number(int) : int;
  if (!GO_FLOAT.test(plain)) return undefined;
  const float = Number(plain);
  // strconv.ParseFloat fails on overflow, and the readers then keep the text as a string.
  return Number.isFinite(float) ? float : undefined;
}

/**
 * A timestamp to yaml.v3 (yaml.v2, through sigs.k8s.io/yaml, keeps it a string): the layouts
 * 2006-1-2, 2006-1-2T15:4:5.999999999Z07:00 (t or T) and "2006-1-2 15:4:5.999999999". Wider
 * than the readers, which only makes the writer quote a few more strings.
 */
const TIMESTAMP_LIKE = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ]|$)/;

/** The value kubectl sends for a plain scalar: null, a boolean, a number, a bigint or the text. */
export function kubectlPlainValue(text: string): unknown {
  if (NULLS.has(text)) return null;
  if (TRUE_V2.has(text)) return true;
  if (FALSE_V2.has(text)) return false;
  const n = goNumber(text);
  return n === undefined ? text : n;
}

/**
 * Whether both Go readers take `text`, written as a plain scalar, for that very string. The
 * emitter writes plain only what passes this (and js-yaml's own reading); the rest is quoted.
 */
export function goReadsAsString(text: string): boolean {
  if (NULLS.has(text) || TRUE_V2.has(text) || FALSE_V2.has(text) || text === '<<' || text === '=') {
    return false;
  }
  return goNumber(text) === undefined && !TIMESTAMP_LIKE.test(text);
}

// js-yaml tags that read as kubectl does. Integers past 2^53 stay exact as bigints.

export const goNullTag = defineScalarTag('tag:yaml.org,2002:null', {
  implicit: true,
  implicitFirstChars: ['', '~', 'n', 'N'],
  resolve: (source) => (NULLS.has(source) ? null : NOT_RESOLVED),
  identify: (v) => v === null,
  represent: () => 'null',
});

export const goBoolTag = defineScalarTag('tag:yaml.org,2002:bool', {
  implicit: true,
  implicitFirstChars: [...'yYnNoOtTfF'],
  resolve: (source) => (TRUE_V2.has(source) ? true : FALSE_V2.has(source) ? false : NOT_RESOLVED),
  identify: (v) => typeof v === 'boolean',
  represent: (v) => String(v),
});

export const goIntTag = defineScalarTag<number | bigint>('tag:yaml.org,2002:int', {
  implicit: true,
  implicitFirstChars: [...'+-0123456789'],
  resolve: (source) => {
    const n = goNumber(source);
    return typeof n === 'bigint' ||
      (typeof n === 'number' && Number.isInteger(n) && !isFloatText(source))
      ? n
      : NOT_RESOLVED;
  },
  identify: (v) => typeof v === 'bigint' || (typeof v === 'number' && Number.isSafeInteger(v)),
  represent: (v) => String(v),
});

export const goFloatTag = defineScalarTag<number>('tag:yaml.org,2002:float', {
  implicit: true,
  implicitFirstChars: [...'+-.0123456789'],
  resolve: (source) => {
    const n = goNumber(source);
    return n === undefined ? NOT_RESOLVED : Number(n);
  },
  identify: (v) => typeof v === 'number' && !Number.isSafeInteger(v),
  represent: (v) => String(v),
});

/** `1.0`, `1e3`, `08`: a whole number the readers take as a float (kubectl sends it as 1, 1000, 8). */
function isFloatText(source: string): boolean {
  const plain = source.replace(/_/g, '');
  return goInteger(plain) === undefined;
}

/** `!!timestamp`: Kubernetes keeps times as strings, so the text is the value. */
export const timestampAsStringTag = defineScalarTag('tag:yaml.org,2002:timestamp', {
  resolve: (source) => source,
  identify: () => false,
});

/**
 * Tags matched by prefix, read as the plain node they tag: Go's readers keep such a node's value
 * as it is written, and so does dbtls, which never writes these items back from their values.
 */
function plainNodeTags(prefix: string) {
  const matchByTagPrefix = true;
  const identify = () => false;
  return [
    defineScalarTag(prefix, { matchByTagPrefix, identify, resolve: (source) => source }),
    defineSequenceTag<unknown[]>(prefix, {
      matchByTagPrefix,
      identify,
      create: () => [],
      addItem: (carrier, item) => {
        carrier.push(item);
      },
    }),
    defineMappingTag<Record<string, unknown>>(prefix, {
      matchByTagPrefix,
      identify,
      create: () => ({}),
      addPair: (carrier, key, value) => {
        carrier[String(key)] = value;
        return '';
      },
      has: (carrier, key) => Object.hasOwn(carrier, String(key)),
      keys: (carrier) => Object.keys(carrier),
      get: (carrier, key) => carrier[String(key)],
    }),
  ] as const;
}

/** Tags of the user's own: `!custom`, `!!python/…` as `!`-prefixed local tags. */
export const LOCAL_TAGS = plainNodeTags('!');
/** Other tags of YAML's own namespace (`!!set`, `!!omap`). */
export const OTHER_YAML_TAGS = plainNodeTags('tag:yaml.org,2002:');

/**
 * A mapping whose keys are told apart by type as YAML tells them apart: `1` and `"1"` are two
 * keys (kubectl keeps the later), and a key given after a merge (`<<: *base` then `80: web`)
 * overrides the merged one even when one is a number and the other its text. js-yaml's own
 * mapping compares keys as strings and refuses both; dbtls reads with this one only when js-yaml
 * has said "duplicated mapping key", so ordinary input costs nothing more.
 */
interface TypedKeys {
  value: Record<string, unknown>;
  keys: Set<string>;
}
const typedKey = (key: unknown) => `${typeof key}:${String(key)}`;
export const typedKeyMapTag = defineMappingTag<TypedKeys, Record<string, unknown>>(
  'tag:yaml.org,2002:map',
  {
    create: () => ({ value: {}, keys: new Set() }),
    addPair: (carrier, key, value) => {
      if (key !== null && typeof key === 'object') return 'a mapping key may not be a collection';
      carrier.keys.add(typedKey(key));
      Object.defineProperty(carrier.value, String(key), {
        value,
        enumerable: true,
        configurable: true,
        writable: true,
      });
      return '';
    },
    has: (carrier, key) => carrier.keys.has(typedKey(key)),
    keys: (result) => Object.keys(result),
    get: (result, key) => result[String(key)],
    finalize: (carrier) => carrier.value,
    identify: () => false,
  },
);

/**
 * js-yaml's dump schema, told also what Go's readers do not take as strings: js-yaml quotes a
 * string that any implicit tag of its schema would resolve, so with this tag it quotes `0X1F`,
 * `1_e3`, `0O17` and `2001-12-14` as it already quotes `yes` and `0x1f`. Integers past 2^53
 * (bigints, read exactly) are written as their digits.
 */
const goNonStringTag = defineScalarTag('tag:dbtls.dev,2026:go-non-string', {
  implicit: true,
  resolve: (source) => (goReadsAsString(source) ? NOT_RESOLVED : source),
  identify: () => false,
});
const dumpIntTag = DUMP_SCHEMA.tags.find(
  (t): t is ScalarTagDefinition => t.nodeKind === 'scalar' && t.tagName === 'tag:yaml.org,2002:int',
);
if (!dumpIntTag) throw new Error('js-yaml DUMP_SCHEMA has no int tag');
const bigintDumpTag: ScalarTagDefinition = {
  ...dumpIntTag,
  identify: (v: unknown) => typeof v === 'bigint' || dumpIntTag.identify(v),
  represent: (v: unknown) => (typeof v === 'bigint' ? String(v) : dumpIntTag.represent(v)),
};
export const GO_SAFE_DUMP_SCHEMA = DUMP_SCHEMA.withTags(bigintDumpTag, goNonStringTag);
