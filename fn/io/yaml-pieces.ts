// A large ResourceList read a few hundred KiB at a time, and an earlier run's output read by its
// identity alone: the fast path of ./yaml.ts's parseYaml for what kpt sends, in a module of its
// own because it is a reading strategy with its own rules (whole entries, no aliases, any doubt
// sends the text back to one `load`).
import { load } from 'js-yaml';
import { ownCopy } from './block-scalars.js';
import { BlockReader } from './block-yaml.js';
import { findItemEntries } from './item-entries.js';
import { isObj } from './objects.js';
import { GENERATED_FROM, GENERATED_TYPES } from './own-output.js';
import { LIMITS } from './yaml-limits.js';
import { KUBERNETES_SCHEMA } from './yaml-schema.js';

/** Texts from this size up are parsed in pieces of about this size (smaller ones gain nothing). */
export const PIECE_BYTES = 64 * 1024;

/**
 * A ResourceList's `items:` block sequence, parsed a few hundred KiB at a time instead of in one
 * `load`: js-yaml builds an event list for the whole text before any object (~170 MB at 20 MiB,
 * and most of the garbage collection of a large render). Each piece is whole entries of the
 * sequence, as findItemEntries (./item-entries.ts) finds them. Pieces admit no alias (maxAliases 0), so shared nodes and
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
  const annotations = isObj(metadata) ? metadata.annotations : undefined;
  if (!isObj(annotations) || typeof annotations[GENERATED_FROM] !== 'string') return undefined;
  return { apiVersion: head[2], kind: head[3], metadata };
}

const OWN_HEAD = /^( *)- apiVersion: (\S+)\n\1 {2}kind: (\S+)\n\1 {2}metadata:\n/;
