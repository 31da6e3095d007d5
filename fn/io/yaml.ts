// YAML as Kubernetes reads it. kubectl and the API server decode manifests with sigs.k8s.io/yaml
// over yaml.v2 (`0644` is octal, `yes` is true, but no base 60, and Go's integer forms), so dbtls
// reads the values it checks with the same rules (./go-yaml.ts). Timestamps stay strings, as
// they do in Kubernetes. What dbtls does not change is written back as its own text
// (./item-sources.ts), so these rules never decide what the user's other resources mean.
import {
  Schema,
  YAMLException,
  binaryTag,
  load,
  loadAll,
  mapTag,
  mergeTag,
  seqTag,
  strTag,
} from 'js-yaml';
import {
  goBoolTag,
  goFloatTag,
  goIntTag,
  goNullTag,
  kubectlPlainValue,
  LOCAL_TAGS,
  OTHER_YAML_TAGS,
  timestampAsStringTag,
  typedKeyMapTag,
} from './go-yaml.js';
import { loadYamlPackage } from './yaml-package.js';
import { BlockReader, ownCopy } from './block-yaml.js';
import { findItemEntries } from './item-entries.js';
import { withGoWhitespace } from './yaml-whitespace.js';
import { GENERATED_FROM, GENERATED_TYPES } from './own-output.js';
import { emitYaml } from './emit.js';

export const KUBERNETES_SCHEMA = new Schema([
  goNullTag,
  goBoolTag,
  goIntTag,
  goFloatTag,
  strTag,
  seqTag,
  mapTag,
  mergeTag,
  binaryTag,
  timestampAsStringTag,
  ...LOCAL_TAGS,
  ...OTHER_YAML_TAGS,
]);
/** The same, with keys told apart by type: for the valid YAML js-yaml's mapping refuses. */
const TYPED_KEYS_SCHEMA = KUBERNETES_SCHEMA.withTags(typedKeyMapTag);

/** Input bounds: past these a document is refused with a clear error instead of exhausting memory. */
export const LIMITS = {
  maxBytes: 256 * 1024 * 1024,
  maxDepth: 64,
  maxAliases: 1000,
  /** Nodes that expanding aliases may add (each alias counted as a copy of what it names). */
  maxAliasExpansion: 100_000,
  /**
   * Places where a node may start, counted before parsing: line breaks and `,` `-` `:` `?` `[` `{`.
   * Memory grows with nodes, not bytes. Measured peak RSS per place: ~50 B for what kpt sends
   * back on a re-render (dbtls's own output at N=5,000: 7.1 million places, 86 MiB, 350 MiB) and
   * up to ~290 B for the worst block shape (one mapping of millions of keys: 2.3 GB at 8
   * million). DBTLS_MAX_NODES raises or lowers it.
   */
  maxNodes: 8_000_000,
  /**
   * Of those, the places that can start a node in a flow collection (`,` `[` `{`), the densest
   * and costliest YAML (`[a,a,…]`: a node per 2 bytes, ~350 B each). Ordinary manifests have few
   * (dbtls's own output: 48,000 in 86 MiB). DBTLS_MAX_FLOW_NODES raises or lowers it.
   */
  maxFlowNodes: 2_000_000,
} as const;

/**
 * The largest text given a second reading by the `yaml` package, for the valid YAML js-yaml
 * refuses for its keys (`off` beside `no`, a `!!set` of `yes` and `y`): that reader takes several
 * seconds per MiB. Past it, js-yaml's error stands.
 */
export const SECOND_READING_BYTES = 1 << 20;

/** A limit from the environment variable `name`, or its default. */
function limitFromEnvironment(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[0-9]+$/.test(raw.replace(/_/g, ''))) {
    throw new YAMLException(
      `${name} must be a whole number (the limit to use), not ${JSON.stringify(raw)}`,
    );
  }
  return Number(raw.replace(/_/g, ''));
}

export function parseYaml(text: string, filename?: string): unknown {
  checkNodes(text);
  const pieces = text.length >= PIECE_BYTES ? parseItemsInPieces(text) : undefined;
  if (pieces !== undefined) return pieces;
  const doc = withFallbacks(text, filename, false) as unknown;
  // Only an alias (`*name`) shares a node: without a `*` there is nothing to check (~0.2 s at 20 MiB).
  return text.includes('*') ? checkAliases(doc) : doc;
}

export function parseYamlStream(text: string, filename?: string): unknown[] {
  checkNodes(text);
  const docs = withFallbacks(text, filename, true) as unknown[];
  return text.includes('*') ? docs.map(checkAliases) : docs;
}

/**
 * js-yaml's reading, or, where js-yaml refuses YAML that Go's readers accept, a second reading:
 * keys told apart by type (`1` beside `"1"`, a numeric key after a merge), or else the `yaml`
 * package (a tab after a comma in a flow collection). When the second reading fails too, the
 * error is js-yaml's, so messages about broken YAML stay as they were.
 */
function withFallbacks(text: string, filename: string | undefined, all: boolean): unknown {
  const options = {
    schema: KUBERNETES_SCHEMA,
    maxDepth: LIMITS.maxDepth,
    maxAliases: LIMITS.maxAliases,
    filename,
  };
  const read = (t: string) => (all ? loadAll(t, options) : load(t, options));
  try {
    return read(text);
  } catch (err) {
    if (!(err instanceof YAMLException)) throw err;
    const duplicate = /duplicated mapping key/.test(err.message);
    // Keys told apart by type: `1` beside `"1"`, a numeric key after a merge.
    if (duplicate) {
      try {
        return all
          ? loadAll(text, { ...options, schema: TYPED_KEYS_SCHEMA })
          : load(text, { ...options, schema: TYPED_KEYS_SCHEMA });
      } catch {
        /* the next reading's turn */
      }
    }
    // White space Go's readers take and js-yaml does not (./yaml-whitespace.ts): the same text
    // with that white space made js-yaml's, which reads it as Go does.
    const spaced = withGoWhitespace(text);
    if (spaced !== undefined) {
      try {
        return read(spaced);
      } catch (again) {
        if (!(again instanceof YAMLException)) throw again;
      }
    }
    // Keys that are one only to kubectl (`off` and `no` are both false to yaml.v2, two strings to
    // yaml.v3), and what else js-yaml refuses about tabs: the yaml package reads them. Only those
    // errors get this reading, so every other message stays js-yaml's; and only up to
    // SECOND_READING_BYTES, as it takes several seconds per MiB.
    if (!duplicate && !tabOnErrorLine(err, text)) throw err;
    if (text.length > SECOND_READING_BYTES) throw err;
    const second = readWithYamlPackage(spaced ?? text, all);
    if (second === undefined) throw err;
    return all ? (second as unknown[]).map(checkAliases) : checkAliases(second);
  }
}

const CORE_SCALAR_TAGS = new Set(
  ['null', 'bool', 'int', 'float'].map((t) => `tag:yaml.org,2002:${t}`),
);

function tabOnErrorLine(err: YAMLException, text: string): boolean {
  const line = (err as unknown as { mark?: { line?: number } }).mark?.line;
  if (line === undefined) return false;
  let start = 0;
  for (let n = 0; n < line && start >= 0; n++) start = text.indexOf('\n', start) + 1 || -1;
  if (start < 0) return false;
  const end = text.indexOf('\n', start);
  return text.slice(start, end < 0 ? text.length : end).includes('\t');
}

/**
 * The `yaml` package's reading, with every plain scalar resolved as kubectl resolves it and
 * every other scalar kept as its text; undefined when it finds an error or a warning.
 */
function readWithYamlPackage(text: string, all: boolean): unknown {
  const { parseAllDocuments, isScalar, visit } = loadYamlPackage();
  // Every scalar is read as text (failsafe), then resolved here as kubectl resolves it.
  const resolved = (node: unknown) => {
    if (!isScalar(node)) return node;
    const core = node.tag === undefined ? node.type === 'PLAIN' : CORE_SCALAR_TAGS.has(node.tag);
    return core ? kubectlPlainValue(String(node.value)) : String(node.value);
  };
  // Two keys are one only when written alike (as kyaml compares them); `off` beside `no` is
  // kubectl's problem to report, not a reason to refuse the list.
  const uniqueKeys = (a: unknown, b: unknown) =>
    isScalar(a) &&
    isScalar(b) &&
    (a.type === 'PLAIN') === (b.type === 'PLAIN') &&
    a.source === b.source &&
    a.value === b.value;
  // `!!set`, `!!omap` and `!!pairs` as the plain collections Go's readers make of them (the
  // package's own would refuse a set whose keys kubectl folds together).
  const customTags = ['set', 'omap', 'pairs'].map((name) => ({
    tag: `tag:yaml.org,2002:${name}`,
    collection: name === 'set' ? ('map' as const) : ('seq' as const),
    resolve: (node: unknown) => node,
  }));
  const docs = parseAllDocuments(text, {
    schema: 'failsafe',
    merge: true,
    uniqueKeys,
    customTags,
  });
  if (!Array.isArray(docs)) return undefined;
  const unexpected = (d: (typeof docs)[number]) =>
    d.errors.length > 0 || d.warnings.some((w) => w.code !== 'TAG_RESOLVE_FAILED');
  if (docs.some(unexpected) || (!all && docs.length > 1)) return undefined;
  const values = docs.map((doc) => {
    visit(doc, {
      Scalar(_key, node) {
        node.value = resolved(node);
      },
    });
    return doc.toJS({ maxAliasCount: LIMITS.maxAliases });
  });
  return all ? values : values[0];
}

/**
 * A ResourceList's `items:` block sequence, parsed a few hundred KiB at a time instead of in one
 * `load`: js-yaml builds an event list for the whole text before any object (~170 MB at 20 MiB,
 * and most of the garbage collection of a large render). Each piece is whole entries of the
 * sequence, as findItemEntries (./item-sources.ts) finds them. Pieces admit no alias (maxAliases 0), so shared nodes and
 * their limits stay with one `load`; so does any text with CR line breaks. On any doubt or any
 * error the caller parses the whole text, so results, positions and messages are those of one
 * `load`.
 */
export function parseItemsInPieces(text: string, pieceBytes = PIECE_BYTES): unknown {
  if (text.includes('\r')) return undefined;
  const entries = findItemEntries(text);
  if (!entries || entries.starts.length === 0) return undefined;
  const { indent, starts, end } = entries;
  const items: unknown[] = [];
  const options = { schema: KUBERNETES_SCHEMA, maxDepth: LIMITS.maxDepth - 1, maxAliases: 0 };
  const reader = new BlockReader(KUBERNETES_SCHEMA, LIMITS.maxDepth - 1);
  const pushPiece = (piece: string) => {
    // Most pieces are plain block YAML, which the block reader reads faster; it declines the rest.
    const read = reader.readSequence(piece, indent) ?? load(piece, options);
    if (!Array.isArray(read)) throw new Error('not a sequence');
    for (const e of read) items.push(e);
  };
  try {
    let pieceStart = starts[0];
    for (let k = 0; k < starts.length; k++) {
      const at = starts[k];
      const next = k + 1 < starts.length ? starts[k + 1] : end;
      // An earlier run's output (kpt renders a package again) is dropped and rendered afresh:
      // only its identity is read.
      const own = ownOutputIdentity(text, at, next, indent, reader);
      if (own !== undefined) {
        if (at > pieceStart) pushPiece(text.slice(pieceStart, at));
        items.push(own);
        pieceStart = next;
      } else if (at - pieceStart >= pieceBytes) {
        pushPiece(text.slice(pieceStart, at));
        pieceStart = at;
      }
    }
    if (end > pieceStart) pushPiece(text.slice(pieceStart, end));
    // The rest of the document, with `items:` left empty, must be a mapping with nothing there.
    // A copy: the envelope's values (apiVersion) must not keep the whole input alive.
    const rest = ownCopy(text.slice(0, starts[0]) + text.slice(end));
    const doc = load(rest, { schema: KUBERNETES_SCHEMA, maxDepth: LIMITS.maxDepth, maxAliases: 0 });
    if (
      doc === null ||
      typeof doc !== 'object' ||
      Array.isArray(doc) ||
      !('items' in doc) ||
      (doc as { items: unknown }).items !== null
    )
      return undefined;
    (doc as { items: unknown }).items = items;
    return doc;
  } catch {
    return undefined;
  }
}

/**
 * The entry text[at, next) as apiVersion, kind and metadata alone, when it is dbtls's own output
 * as dbtls writes it (one of its generated types, the generated-from annotation in its metadata);
 * otherwise undefined, and the entry is read whole. The pipeline drops such an item unread, so
 * its spec need not be built: on a re-render, most of the text.
 */
function ownOutputIdentity(
  text: string,
  at: number,
  next: number,
  indent: number,
  reader: BlockReader,
): object | undefined {
  const pad = ' '.repeat(indent);
  OWN_HEAD.lastIndex = 0;
  const head = OWN_HEAD.exec(text.slice(at, Math.min(next, at + 200)));
  if (!head || head[1] !== pad || !GENERATED_TYPES.includes(`${head[2]} ${head[3]}`))
    return undefined;
  // metadata's lines: indented deeper than its key, up to the next key of the item.
  const from = at + head[0].length;
  let to = from;
  const deeper = `${pad}    `;
  while (to < next && (text.startsWith(deeper, to) || text.charCodeAt(to) === 10)) {
    const eol = text.indexOf('\n', to);
    to = eol < 0 || eol >= next ? next : eol + 1;
  }
  const read = reader.readSequence(`${pad}- metadata:\n${text.slice(from, to)}`, indent);
  const metadata = read?.length === 1 ? (read[0] as { metadata?: unknown }).metadata : undefined;
  const annotations = isPlainMap(metadata) ? metadata.annotations : undefined;
  if (!isPlainMap(annotations) || typeof annotations[GENERATED_FROM] !== 'string') return undefined;
  return { apiVersion: head[2], kind: head[3], metadata };
}

const OWN_HEAD = /^( *)- apiVersion: (\S+)\n\1 {2}kind: (\S+)\n\1 {2}metadata:\n/;

function isPlainMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Texts from this size up are parsed in pieces of about this size (smaller ones gain nothing). */
const PIECE_BYTES = 64 * 1024;

/**
 * Refuses, before parsing, a text too large to parse in bounded memory: more than maxNodes places
 * where a node may start, or more than maxFlowNodes of them in flow style (upper bounds of the
 * nodes, in linear time). Each limit can be set by an environment variable.
 */
function checkNodes(text: string): void {
  // One indexOf pass per character: V8 searches a one-byte string for one character several
  // times faster than a loop over charCodeAt (0.1 s instead of 0.3 s for an 80 MiB re-render).
  const flow = occurrences(text, ',') + occurrences(text, '[') + occurrences(text, '{');
  let places =
    flow +
    occurrences(text, '\n') +
    occurrences(text, '-') +
    occurrences(text, ':') +
    occurrences(text, '?');
  const maxNodes = limitFromEnvironment('DBTLS_MAX_NODES', LIMITS.maxNodes);
  const maxFlowNodes = limitFromEnvironment('DBTLS_MAX_FLOW_NODES', LIMITS.maxFlowNodes);
  // Past the quick count, a closer one: the lines of block scalars are one string each, not
  // nodes, and a rendered package is full of them (start scripts, configuration files).
  if (places > maxNodes) places = placesOutsideBlockScalars(text);
  if (places > maxNodes) {
    throw new YAMLException(
      `too large: ${places} places where a node may start (line breaks and , - : ? [ { characters), more than maxNodes (${maxNodes}), which bounds memory; to accept it, set DBTLS_MAX_NODES=${places} (about 50 to 300 bytes of memory per place)`,
    );
  }
  if (flow > maxFlowNodes) {
    throw new YAMLException(
      `too large: ${flow} places where a node may start in flow style (, [ { characters), more than maxFlowNodes (${maxFlowNodes}), which bounds memory; to accept it, write the collections in block style or set DBTLS_MAX_FLOW_NODES=${flow} (about 350 bytes of memory per place)`,
    );
  }
}

/**
 * The places of checkNodes, less those inside literal and folded block scalars (`key: |` and the
 * lines indented deeper than its line): what a parser really makes nodes of. A line-by-line pass,
 * asked only when the quick count is past the limit (dbtls's own N=5,000 output, 8.2 million
 * places by the quick count, has 6 million outside its scripts).
 */
function placesOutsideBlockScalars(text: string): number {
  let places = 0;
  let blockIndent = -1; // the indentation of the line that opened a block scalar; -1 outside one
  for (let at = 0; at < text.length; ) {
    const eol = text.indexOf('\n', at);
    const end = eol < 0 ? text.length : eol;
    let i = at;
    while (i < end && text.charCodeAt(i) === 32) i++;
    const blank = i === end || (i + 1 === end && text.charCodeAt(i) === 13);
    if (blockIndent < 0 || (!blank && i - at <= blockIndent)) {
      blockIndent = -1;
      places += 1 + nodeMarks(text, i, end);
      if (opensBlockScalar(text, i, end)) blockIndent = i - at;
    }
    at = end + 1;
  }
  return places;
}

/** The , - : ? [ { characters of text[from, to). */
function nodeMarks(text: string, from: number, to: number): number {
  let n = 0;
  for (let j = from; j < to; j++) {
    const c = text.charCodeAt(j);
    if (c === 44 || c === 45 || c === 58 || c === 63 || c === 91 || c === 123) n++;
  }
  return n;
}

/** A line ending in a block scalar's header (`key: |`, `- >-`, `|2+`); one with a comment after
 * its header is counted in full, which only overcounts. */
const BLOCK_HEADER = /(?:^|:[ \t]+|-[ \t]+)[|>][0-9+-]{0,2}[ \t]*\r?$/;
function opensBlockScalar(text: string, from: number, to: number): boolean {
  // Most lines end in neither `|` `>` nor a header's indicators: no slice for them.
  let last = to - 1;
  while (last > from && (text.charCodeAt(last) === 32 || text.charCodeAt(last) === 13)) last--;
  const c = text.charCodeAt(last);
  const maybe = c === 124 || c === 62 || c === 43 || c === 45 || (c >= 48 && c <= 57);
  return maybe && BLOCK_HEADER.test(text.slice(from, to));
}

function occurrences(text: string, char: string): number {
  let n = 0;
  for (let i = text.indexOf(char); i !== -1; i = text.indexOf(char, i + 1)) n++;
  return n;
}

/**
 * An alias shares its node instead of copying it, so a few aliases can stand for billions of
 * nodes (or for a node inside itself), which writing the output would expand. Refuse documents
 * whose aliases add more than maxAliasExpansion nodes, nest deeper than maxDepth once expanded,
 * or refer to an enclosing node.
 */
function checkAliases<T>(doc: T): T {
  const done = new Map<object, { size: number; height: number }>();
  const open = new Set<object>();
  let added = 0;
  const visit = (node: unknown, depth: number): { size: number; height: number } => {
    if (
      node === null ||
      typeof node !== 'object' ||
      !(
        Array.isArray(node) ||
        Object.getPrototypeOf(node) === Object.prototype ||
        Object.getPrototypeOf(node) === null
      )
    )
      return { size: 1, height: 0 };
    const seen = done.get(node);
    if (seen) {
      added += seen.size;
      if (added > LIMITS.maxAliasExpansion)
        throw new YAMLException(
          `aliases expand to more than ${LIMITS.maxAliasExpansion} further nodes, exceeding maxAliasExpansion (${LIMITS.maxAliasExpansion})`,
        );
      if (depth + seen.height >= LIMITS.maxDepth)
        throw new YAMLException(`nesting through aliases exceeded maxDepth (${LIMITS.maxDepth})`);
      return seen;
    }
    if (open.has(node))
      throw new YAMLException('an alias refers to a node that contains it (a recursive structure)');
    if (depth >= LIMITS.maxDepth)
      throw new YAMLException(`nesting through aliases exceeded maxDepth (${LIMITS.maxDepth})`);
    open.add(node);
    let size = 1;
    let height = 0;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      const c = visit(child, depth + 1);
      size += c.size;
      height = Math.max(height, c.height + 1);
    }
    open.delete(node);
    const result = { size, height };
    done.set(node, result);
    return result;
  };
  visit(doc, 0);
  return doc;
}

/** js-yaml's `dump(value, { lineWidth: -1, noRefs: true })`, written faster (./emit.ts). */
export function stringifyYaml(value: unknown): string {
  return emitYaml(value);
}

export { describeYamlError, type YamlError } from './yaml-errors.js';
