// Block-style YAML output, byte for byte what js-yaml's
// `dump(value, { lineWidth: -1, noRefs: true, schema: GO_SAFE_DUMP_SCHEMA })` writes (the schema
// quotes every string Go's readers would not read back as that string: ./go-yaml.ts), several times faster and in pieces. js-yaml 5 builds a node tree of the whole value
// and then concatenates every nested block into its parent, re-reading each level's text, which
// costs ~50 ms per MB of output and several times the output in garbage (4.3 s and ~1 GB of heap
// for the 84 MiB the benchmark's N=5,000 list produces); our output is several times our input.
//
// The structure (mappings, sequences, indentation) is written by this emitter; every scalar whose style is
// not obvious is rendered by js-yaml itself, once per distinct value, so quoting, escaping and
// block scalars stay js-yaml's. Only plain data is handled: plain objects, arrays, strings,
// finite or not numbers, booleans, null. Anything else (a Uint8Array from `!!binary`, a class
// instance, a key js-yaml would write as an explicit `? ` pair) is handed to js-yaml, per
// top-level item. test/emit.test.ts holds the two writers to the same output.
//
// The parts: ./emit-scalars.ts (each scalar and key), ./emit-writer.ts (mappings, sequences,
// indentation); this file writes whole documents, and a ResourceList's items in pieces.
import { dump } from 'js-yaml';
import { DUMP_OPTIONS, dumpPair, renderKey, Unsupported } from './emit-scalars.js';
import { definedKeys, isPlainObject, nl, opensBlock, Writer } from './emit-writer.js';

const PIECE = 64 * 1024; // characters

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
