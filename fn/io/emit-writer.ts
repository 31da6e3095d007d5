// The block structure of the emitter (./emit.ts): mappings, sequences and their indentation,
// written onto one string, with the text of shared (frozen) collections and of pair heads kept
// for reuse. What each scalar and key looks like is ./emit-scalars.ts's to say.
import {
  CACHE_LIMIT,
  cachedAsciiScalar,
  cachedLiteral,
  isPlainLiteral,
  isSimple,
  renderKey,
  renderScalar,
  Unsupported,
} from './emit-scalars.js';

/** A plain object, not a class instance: the only mappings this writer writes itself. */
export function isPlainObject(v: object): v is Record<string, unknown> {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The text of each frozen collection, by 2 × column + compact. */
const SHARED_TEXTS = new WeakMap<object, ({ text: string; openEnded: boolean } | undefined)[]>();

const LINES: string[] = [];
/** A line break and the indentation of column `col`. */
export const nl = (col: number) => (LINES[col] ??= `\n${' '.repeat(col)}`);

/**
 * Writes one document's nodes onto `out` (appending to a V8 rope costs less than pushing to an
 * array and joining it); `openEnded` follows js-yaml's presenter state of that name.
 */
export class Writer {
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
      const ascii = cachedAsciiScalar(v);
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
export function opensBlock(v: unknown): boolean {
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
export function definedKeys(o: Record<string, unknown>): string[] {
  const keys = Object.keys(o);
  for (let i = 0; i < keys.length; i++)
    if (o[keys[i]] === undefined) return keys.filter((k) => o[k] !== undefined);
  return keys;
}
