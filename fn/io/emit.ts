// Block-style YAML output, byte for byte what js-yaml's
// `dump(value, { lineWidth: -1, noRefs: true, schema: GO_SAFE_DUMP_SCHEMA })` writes (the schema
// quotes every string Go's readers would not read back as that string: ./go-yaml.ts), several times faster and in pieces. js-yaml 5 builds a node tree of the whole value
// and then concatenates every nested block into its parent, re-reading each level's text, which
// costs ~50 ms per MB of output and several times the output in garbage (4.3 s and ~1 GB of heap
// for the 84 MiB the benchmark's N=5,000 list produces); our output is several times our input.
//
// The structure (mappings, sequences, indentation) is written here; every scalar whose style is
// not obvious is rendered by js-yaml itself, once per distinct value, so quoting, escaping and
// block scalars stay js-yaml's. Only plain data is handled: plain objects, arrays, strings,
// finite or not numbers, booleans, null. Anything else (a Uint8Array from `!!binary`, a class
// instance, a key js-yaml would write as an explicit `? ` pair) is handed to js-yaml, per
// top-level item. test/emit.test.ts holds the two writers to the same output.
import { dump } from 'js-yaml';
import { GO_SAFE_DUMP_SCHEMA } from './go-yaml.js';

const DUMP_OPTIONS = { lineWidth: -1, noRefs: true, schema: GO_SAFE_DUMP_SCHEMA } as const;

/** A value this writer leaves to js-yaml. */
class Unsupported extends Error {}

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
function isSimple(s: string): boolean {
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
function isPlainLiteral(s: string): boolean {
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
function cachedLiteral(s: string, col: number): string {
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

const CACHE_LIMIT = 20_000;
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
function dumpPair(key: string, value: unknown): { text: string; openEnded: boolean } {
  const r = dump({ [key]: value }, DUMP_OPTIONS);
  const openEnded = r.endsWith('\n...\n');
  return { text: r.slice(0, openEnded ? -5 : -1), openEnded };
}

/**
 * A scalar value as js-yaml writes it at level 1 (the value of a top-level key). Its style does
 * not depend on the level; only a literal block's lines are indented by it.
 */
function renderScalar(v: unknown): { text: string; openEnded: boolean } {
  const cached = Object.is(v, -0) ? undefined : valueCache.get(v);
  if (cached) return cached;
  const pair = dumpPair('k', v);
  const rendered = { text: pair.text.slice(3), openEnded: pair.openEnded };
  return Object.is(v, -0) ? rendered : remember(valueCache, v, rendered);
}

/** A key as js-yaml writes it; keys repeat (and are interned property names), so all are cached. */
function renderKey(k: string): string {
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

function isPlainObject(v: object): v is Record<string, unknown> {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The text of each frozen collection, by 2 × column + compact. */
const SHARED_TEXTS = new WeakMap<object, ({ text: string; openEnded: boolean } | undefined)[]>();

const LINES: string[] = [];
const PIECE = 64 * 1024; // characters
/** A line break and the indentation of column `col`. */
const nl = (col: number) => (LINES[col] ??= `\n${' '.repeat(col)}`);

/**
 * Writes one document's nodes onto `out` (appending to a V8 rope costs less than pushing to an
 * array and joining it); `openEnded` follows js-yaml's presenter state of that name.
 */
class Writer {
  openEnded = false;
  out = '';

  /**
   * Level n is written at column 2n + shift: js-yaml's layout at shift 0; a ResourceList's items
   * at the column the input had them (kpt and kustomize send `- ` at column 0: shift -2).
   */
  constructor(private readonly shift = 0) {}

  col(level: number): number {
    return 2 * level + this.shift;
  }

  /** Takes what has been written so far, as one flat string. */
  take(): string {
    const text = this.out;
    this.out = '';
    return text;
  }

  /** js-yaml's writeNode(level, value, { block: true, compact }) for plain data. */
  node(v: unknown, level: number, compact: boolean): void {
    if (v === null || typeof v !== 'object') {
      this.scalar(v, level);
      return;
    }
    if (Array.isArray(v)) {
      if (v.length === 0) {
        this.openEnded = false;
        this.out += '[]';
        return;
      }
      this.collection(v, level, compact);
      return;
    }
    if (!isPlainObject(v)) throw new Unsupported();
    if (hasDefinedKey(v)) this.collection(v, level, compact);
    else {
      this.openEnded = false;
      this.out += '{}';
    }
  }

  /**
   * A non-empty block collection. A frozen one is shared by many rendered objects (see
   * `shared` in ./objects.ts): its text at this level is written once and then reused.
   */
  collection(v: object, level: number, compact: boolean): void {
    if (!Object.isFrozen(v)) {
      if (Array.isArray(v)) this.sequence(v, level, compact);
      else this.mapping(v as Record<string, unknown>, level, compact);
      return;
    }
    let texts = SHARED_TEXTS.get(v);
    if (texts === undefined) SHARED_TEXTS.set(v, (texts = []));
    const slot = 2 * this.col(level) + (compact ? 1 : 0);
    let known = texts[slot];
    if (known === undefined) {
      const before = this.out;
      this.out = '';
      try {
        if (Array.isArray(v)) this.sequence(v, level, compact);
        else this.mapping(v as Record<string, unknown>, level, compact);
      } catch (err) {
        this.out = before;
        throw err;
      }
      const text = this.out;
      text.charCodeAt(0); // flattens the rope once, instead of at every write that holds it
      known = texts[slot] = { text, openEnded: this.openEnded };
      this.out = before;
    }
    this.out += known.text;
    this.openEnded = known.openEnded;
  }

  scalar(v: unknown, level: number): void {
    if (typeof v === 'string') {
      if (isSimple(v)) {
        this.openEnded = false;
        this.out += v;
        return;
      }
      if (isPlainLiteral(v)) {
        this.openEnded = v.endsWith('\n\n');
        this.out += cachedLiteral(v, this.col(level));
        return;
      }
      let ascii = asciiCache.get(v);
      if (ascii === undefined) ascii = remember(asciiCache, v, asciiScalar(v) ?? '');
      if (ascii !== '') {
        this.openEnded = false;
        this.out += ascii;
        return;
      }
    } else if (typeof v === 'number') {
      if (Number.isSafeInteger(v) && !Object.is(v, -0)) {
        this.openEnded = false;
        this.out += String(v);
        return;
      }
    } else if (typeof v === 'bigint') {
      // Integers past 2^53, read exactly: their digits, as they were written.
      this.openEnded = false;
      this.out += String(v);
      return;
    } else if (typeof v === 'boolean' || v === null) {
      this.openEnded = false;
      this.out += String(v);
      return;
    } else {
      throw new Unsupported();
    }
    const { text, openEnded } = renderScalar(v);
    this.openEnded = openEnded;
    // Only a literal block spans lines; its non-empty lines are indented two spaces per level.
    const multiLine = (level > 1 || this.shift !== 0) && text.includes('\n');
    this.out += multiLine ? text.replace(/\n(?=[^\n])/g, nl(this.col(level - 1))) : text;
  }

  /** Writes the pairs whose value is not undefined; false when there is none (the caller writes `{}`). */
  mapping(o: Record<string, unknown>, level: number, compact: boolean): boolean {
    let written = 0;
    // for-in walks the map's cached key list without copying it, as Object.keys would.
    for (const key in o) {
      const value = o[key];
      if (value === undefined) continue;
      const heads = pairHeads(key, this.col(level), compact && written === 0);
      written++;
      this.openEnded = false;
      // A non-empty block collection starts on the next line: `key:` without a space.
      if (value !== null && typeof value === 'object') {
        if (Array.isArray(value)) {
          if (value.length > 0) {
            this.out += heads[0];
            this.collection(value, level + 1, false);
            continue;
          }
        } else if (isPlainObject(value)) {
          if (hasDefinedKey(value)) {
            this.out += heads[0];
            this.collection(value, level + 1, false);
          } else {
            this.out += heads[2];
            this.openEnded = false;
          }
          continue;
        }
      }
      this.out += heads[1];
      this.node(value, level + 1, false);
    }
    return written > 0;
  }

  sequence(a: readonly unknown[], level: number, compact: boolean): void {
    for (let i = 0; i < a.length; i++) {
      if (!compact || i > 0) this.out += nl(this.col(level));
      this.out += '- ';
      this.node(a[i] === undefined ? null : a[i], level + 1, true);
    }
  }
}

/** A non-empty block collection, whose text starts on the next line after its key. */
function opensBlock(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.length > 0;
  return isPlainObject(v) && hasDefinedKey(v);
}

const HEADS = new Map<string, string[][]>();
/**
 * A pair's text before its value, whole: [`key:`, `key: `, `key: {}`] after the line break and
 * indentation of column `col` (none first in a compact mapping). One append instead of three.
 */
function pairHeads(key: string, col: number, first: boolean): string[] {
  let byLevel = HEADS.get(key);
  if (byLevel === undefined) {
    if (HEADS.size >= CACHE_LIMIT) HEADS.clear();
    HEADS.set(key, (byLevel = []));
  }
  const slot = first ? 0 : col + 1;
  let heads = byLevel[slot];
  if (heads === undefined) {
    const head = `${first ? '' : nl(col)}${renderKey(key)}`;
    heads = byLevel[slot] = [`${head}:`, `${head}: `, `${head}: {}`];
  }
  return heads;
}

/** Whether js-yaml writes any pair of `o` (a value that is not undefined). */
function hasDefinedKey(o: Record<string, unknown>): boolean {
  for (const k in o) if (o[k] !== undefined) return true;
  return false;
}

/** The keys js-yaml writes: those whose value is not undefined. */
function definedKeys(o: Record<string, unknown>): string[] {
  const keys = Object.keys(o);
  for (let i = 0; i < keys.length; i++)
    if (o[keys[i]] === undefined) return keys.filter((k) => o[k] !== undefined);
  return keys;
}

/**
 * How a ResourceList's items are written: an item with a text of its own (./item-sources.ts) as
 * that text, the others from their values at the same column, so that the sequence keeps the
 * layout the input had.
 */
export interface ItemLayout {
  /** The top-level key of the list (`items`). */
  key: string;
  /** The column of each entry's `- `. */
  indent: number;
  /** The item's own text (an entry, without its final line break), if it has one. */
  text(item: unknown): string | undefined;
  /** An item whose text ended the input without a line break: written last, with nothing after. */
  last?: unknown;
}

/**
 * Writes `value` as js-yaml's dump would, in pieces: one per top-level key, and the items of a
 * top-level list (a ResourceList's items) some 64 KiB at a time. A piece is written whole.
 */
export function emitYamlTo(
  value: unknown,
  write: (chunk: string) => void,
  layout?: ItemLayout,
): void {
  const top = topLevelKeys(value, layout);
  if (top === undefined) {
    // Not a mapping with keys this writer can write: js-yaml writes the whole value.
    write(dump(value, DUMP_OPTIONS));
    return;
  }
  const { keys, keyTexts, listed, lastItem } = top;
  const object = value as Record<string, unknown>;
  const w = new Writer();
  keys.forEach((key, i) => {
    const v = object[key];
    const head = `${i > 0 ? '\n' : ''}${keyTexts[i]}`;
    if (Array.isArray(v) && v.length > 0) {
      w.out += `${head}:`;
      const own = listed && key === layout?.key ? layout : undefined;
      const items =
        lastItem === undefined || !own ? v : [...v.filter((x) => x !== lastItem), lastItem];
      writeItems(w, items, keyTexts[i], key, own, write);
      return;
    }
    let text: string;
    try {
      w.openEnded = false;
      w.out += head + (opensBlock(v) ? ':' : ': ');
      w.node(v, 1, false);
      text = w.take();
    } catch (err) {
      if (!(err instanceof Unsupported)) throw err;
      w.out = '';
      const pair = dumpPair(key, v);
      w.openEnded = pair.openEnded;
      text = `${i > 0 ? '\n' : ''}${pair.text}`;
    }
    write(text);
  });
  if (lastItem === undefined) write(w.openEnded ? '\n...\n' : '\n');
}

/**
 * The top-level keys of `value` in the order they are written (with a layout's last item, the
 * list goes last) and their texts; undefined for anything js-yaml must write whole: a value that
 * is not a plain mapping, one without keys, or a key this writer cannot write.
 */
function topLevelKeys(
  value: unknown,
  layout: ItemLayout | undefined,
): { keys: string[]; keyTexts: string[]; listed: boolean; lastItem: unknown } | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  if (!isPlainObject(value)) return undefined;
  let keys = definedKeys(value);
  const listed =
    layout !== undefined &&
    Array.isArray(value[layout.key]) &&
    (value[layout.key] as unknown[]).length > 0;
  const lastItem = listed && layout.last !== undefined ? layout.last : undefined;
  if (lastItem !== undefined) keys = [...keys.filter((k) => k !== layout!.key), layout!.key];
  let keyTexts: string[];
  try {
    keyTexts = keys.map(renderKey);
  } catch (err) {
    if (!(err instanceof Unsupported)) throw err;
    return undefined;
  }
  return keys.length === 0 ? undefined : { keys, keyTexts, listed, lastItem };
}

/**
 * The entries of a top-level list, after its `key:`; in pieces of some 64 KiB. With a layout,
 * items with a text of their own are written as that text, the rest at the layout's column.
 */
function writeItems(
  top: Writer,
  items: readonly unknown[],
  keyText: string,
  key: string,
  layout: ItemLayout | undefined,
  write: (chunk: string) => void,
): void {
  const shift = layout ? layout.indent - 2 : 0;
  const w = shift === 0 ? top : new Writer(shift);
  if (w !== top) w.out = top.take();
  for (const item of items) {
    const own = layout?.text(item);
    if (own !== undefined) {
      w.out += `\n${own}`;
      w.openEnded = false;
    } else {
      const mark = w.out.length;
      try {
        w.out += `${nl(w.col(1))}- `;
        w.node(item === undefined ? null : item, 2, true);
      } catch (err) {
        if (!(err instanceof Unsupported)) throw err;
        w.out = w.out.slice(0, mark);
        // js-yaml writes the item in the same place: `key:\n  - …`; moved to the layout's column.
        const pair = dumpPair(key, [item]);
        w.openEnded = pair.openEnded;
        w.out += reindent(pair.text.slice(keyText.length + 1), shift);
      }
    }
    // Items go out together in pieces of some 64 KiB.
    if (w.out.length >= PIECE) write(w.take());
  }
  if (w.out.length) write(w.take());
  top.openEnded = w.openEnded;
}

/** js-yaml's text of list entries at column 2, moved by `shift` columns (every line is indented). */
function reindent(text: string, shift: number): string {
  if (shift === 0) return text;
  if (shift > 0) return text.replace(/\n(?=[^\n])/g, `\n${' '.repeat(shift)}`);
  const pad = `\n${' '.repeat(-shift)}`;
  return text.split(pad).join('\n');
}

/** `key: value` as a pair of a block mapping at column `col` (lines without a final break). */
export function emitPairAt(key: string, value: unknown, col: number): string {
  const w = new Writer(col - 2);
  w.mapping({ [key]: value }, 1, true);
  return `${' '.repeat(col)}${w.take()}`;
}

/** `value` as js-yaml's `dump(value, DUMP_OPTIONS)` writes it. */
export function emitYaml(value: unknown): string {
  const chunks: string[] = [];
  emitYamlTo(value, (c) => chunks.push(c));
  return chunks.join('');
}
