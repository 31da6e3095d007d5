// The bounds on what dbtls reads: a document too large to parse in bounded memory is refused
// before parsing (nodes counted in linear time), and one whose aliases would expand past the
// limits after. Apart from ./yaml.ts because these are checks on the text and the value, not
// readings of it; each limit a user may need to move has an environment variable.
import { YAMLException } from 'js-yaml';

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

/**
 * Refuses, before parsing, a text too large to parse in bounded memory: more than maxNodes places
 * where a node may start, or more than maxFlowNodes of them in flow style (upper bounds of the
 * nodes, in linear time). Each limit can be set by an environment variable.
 */
export function checkNodes(text: string): void {
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
export function checkAliases<T>(doc: T): T {
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
