// Scalars and keys as js-yaml writes them, for ./emit.ts: the common strings (names, paths,
// scripts) decided here without js-yaml, every other scalar rendered by js-yaml itself once per
// distinct value and cached. Apart from the block structure (./emit-writer.ts) because these are
// the rules that must stay js-yaml's to the byte, and test/emit.test.ts holds them to it.
import { dump } from 'js-yaml';
import { GO_SAFE_DUMP_SCHEMA } from './go-yaml.js';

export const DUMP_OPTIONS = { lineWidth: -1, noRefs: true, schema: GO_SAFE_DUMP_SCHEMA } as const;

/** A value this writer leaves to js-yaml. */
export class Unsupported extends Error {}

/**
 * Strings that js-yaml writes plain, as themselves, in any block position (key or value): a
 * letter, then letters, digits, `_./-`, `:` before anything but a space, and single spaces
 * between those; except the YAML 1.1 booleans and nulls. No number, timestamp or merge key starts
 * with a letter, so nothing else of this shape would read back as anything but a string.
 */
const RESERVED = new Set([
  'y',
  'Y',
  'yes',
  'Yes',
  'YES',
  'n',
  'N',
  'no',
  'No',
  'NO',
  'true',
  'True',
  'TRUE',
  'false',
  'False',
  'FALSE',
  'on',
  'On',
  'ON',
  'off',
  'Off',
  'OFF',
  'null',
  'Null',
  'NULL',
]);
/** Per ASCII code: 1 a letter, digit or `-./_`; 2 `:`; 3 a space; 0 anything else. */
const SIMPLE_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  SIMPLE_CLASS[c] =
    letter || (c >= 45 && c <= 57) || c === 95 ? 1 : c === 58 ? 2 : c === 32 ? 3 : 0;
}
export function isSimple(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 1024) return false;
  let c = s.charCodeAt(0) | 0x20;
  if (c < 97 || c > 122) return false;
  for (let i = 1; i < n; i++) {
    c = s.charCodeAt(i);
    const cls = c < 128 ? SIMPLE_CLASS[c] : 0;
    if (cls === 1) continue;
    if (cls === 0) return false;
    const next = i + 1 < n ? s.charCodeAt(i + 1) : 32;
    if (cls === 2 ? next === 32 : next === 32 || next === 35 || next === 58) return false; // ':' before a space or the end; a space before another, '#' or ':'
  }
  return n > 5 || !RESERVED.has(s);
}

/**
 * Multi-line text of printable ASCII that is not only white space (scripts, configuration files):
 * js-yaml writes it as a literal block.
 */
export function isPlainLiteral(s: string): boolean {
  let breaks = false;
  let content = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 10) breaks = true;
    else if (c < 32 || c > 126) return false;
    else if (c !== 32) content = true;
  }
  return breaks && content;
}

/** js-yaml's literal block: header, then every non-empty line indented to column `col`. */
function literal(s: string, col: number): string {
  const chomp = s.endsWith('\n') ? (s.endsWith('\n\n') ? '+' : '') : '-';
  const indicator = /^\n* /.test(s) ? '2' : '';
  const body = s.replace(/^(?!$)/gm, ' '.repeat(col));
  return `|${indicator}${chomp}\n${body.endsWith('\n') ? body.slice(0, -1) : body}`;
}

/**
 * literal() once per text and column: the scripts and configuration files every database's
 * ConfigMap carries are one shared string per kind (its hash cached on it), re-indented once.
 */
const literalCache = new Map<string, string[]>();
export function cachedLiteral(s: string, col: number): string {
  let byCol = literalCache.get(s);
  if (byCol === undefined) {
    if (literalCache.size >= 1_000) literalCache.clear();
    literalCache.set(s, (byCol = []));
  }
  return (byCol[col] ??= literal(s, col));
}

/** YAML's one-line plain scalar (ns-plain-one-line, outside flow collections), for printable ASCII. */
const PLAIN_ASCII =
  /^(?:(?![-?:,[\]{}#&*!|>'"%@`])[\x21-\x7E]|[?:-](?=[\x21-\x7E]))#*(?: *(?:(?![:#])[\x21-\x7E]|:(?=[\x21-\x7E]))#*)*$/;
const STR_TAG = 'tag:yaml.org,2002:str';
/** How js-yaml's presenter decides what a plain scalar reads back as; marked internal, so checked. */
const canResolve =
  typeof (GO_SAFE_DUMP_SCHEMA as { resolveImplicitScalarTag?: unknown })
    .resolveImplicitScalarTag === 'function';

/**
 * A one-line string of printable ASCII, as js-yaml writes it in block context (key or value):
 * plain when YAML's plain-scalar grammar allows it and it would read back as a string, otherwise
 * single-quoted. Undefined for anything else (empty, only spaces, other characters, too long a key).
 */
function asciiScalar(s: string): string | undefined {
  const n = s.length;
  if (n === 0 || n > 1024 || !canResolve) return undefined;
  let spaces = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c > 126) return undefined;
    if (c === 32) spaces++;
  }
  if (spaces === n) return undefined;
  // Plain only where js-yaml and both Go readers (kubectl's and kpt's) read the string back.
  if (
    PLAIN_ASCII.test(s) &&
    s !== '=' &&
    GO_SAFE_DUMP_SCHEMA.resolveImplicitScalarTag(s).tag.tagName === STR_TAG
  )
    return s;
  return `'${s.replace(/'/g, "''")}'`;
}

export const CACHE_LIMIT = 20_000;
const valueCache = new Map<unknown, { text: string; openEnded: boolean }>();
const keyCache = new Map<string, string>();
/** asciiScalar's answers ('' for undefined): paths, quantities and addresses repeat across objects. */
const asciiCache = new Map<string, string>();

function remember<K, V>(cache: Map<K, V>, key: K, value: V): V {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

/**
 * The js-yaml fallback, written once: `key: value` as js-yaml dumps it, without the final line
 * break. A literal block ending in an empty line leaves the document open: js-yaml ends it with
 * `...`, which is cut off here and reported as `openEnded`.
 */
export function dumpPair(key: string, value: unknown): { text: string; openEnded: boolean } {
  const r = dump({ [key]: value }, DUMP_OPTIONS);
  const openEnded = r.endsWith('\n...\n');
  return { text: r.slice(0, openEnded ? -5 : -1), openEnded };
}

/**
 * A scalar value as js-yaml writes it at level 1 (the value of a top-level key). Its style does
 * not depend on the level; only a literal block's lines are indented by it.
 */
export function renderScalar(v: unknown): { text: string; openEnded: boolean } {
  const cached = Object.is(v, -0) ? undefined : valueCache.get(v);
  if (cached) return cached;
  const pair = dumpPair('k', v);
  const rendered = { text: pair.text.slice(3), openEnded: pair.openEnded };
  return Object.is(v, -0) ? rendered : remember(valueCache, v, rendered);
}

/** A key as js-yaml writes it; keys repeat (and are interned property names), so all are cached. */
export function renderKey(k: string): string {
  const cached = keyCache.get(k);
  if (cached !== undefined) return cached;
  let text = isSimple(k) ? k : asciiScalar(k);
  if (text === undefined) {
    const r = dump({ [k]: 0 }, DUMP_OPTIONS);
    text = r.slice(0, -4);
    if (!r.endsWith(': 0\n') || text.startsWith('?') || text.includes('\n'))
      throw new Unsupported();
  }
  return remember(keyCache, k, text);
}

/** asciiScalar's answer for `s`, '' where it has none; cached, as paths, quantities and addresses repeat. */
export function cachedAsciiScalar(s: string): string {
  const known = asciiCache.get(s);
  return known !== undefined ? known : remember(asciiCache, s, asciiScalar(s) ?? '');
}
