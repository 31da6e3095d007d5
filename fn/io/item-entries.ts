// Where each entry of a ResourceList's `items:` block sequence starts, found line by line: the
// cut for parsing a large list in pieces (./yaml.ts) and each item's own text (./item-sources.ts).
// It imports nothing, so both can use it without an import cycle.

/** The entries of a ResourceList's top-level `items:` block sequence. */
export interface ItemEntries {
  indent: number;
  starts: number[];
  end: number;
}

/**
 * The entries of the `items:` block sequence at the top level of a ResourceList: each starts at
 * a line with `-` at the sequence's column, followed by a space or the line's end. Inside an
 * entry a line indented no more than that column is blank, a comment, or ends the sequence, so
 * this needs no parsing; the caller checks that it found as many entries as the parser did.
 */
export function findItemEntries(text: string): ItemEntries | undefined {
  // Asked twice of one input (to cut pieces, then to record texts): the second time is free.
  if (lastEntries?.text === text) return lastEntries.entries;
  const entries = scanItemEntries(text);
  lastEntries = { text, entries };
  return entries;
}

let lastEntries: { text: string; entries: ItemEntries | undefined } | undefined;

function scanItemEntries(text: string): ItemEntries | undefined {
  const header = /^items:[ \t]*(?:#[^\n]*)?\r?\n/m.exec(text);
  if (!header) return undefined;
  const start = header.index + header[0].length;
  // The sequence's column: `-` at the start of the first line that is not blank or a comment.
  const first = /(?:[ ]*(?:#[^\n]*)?\r?\n)*( *)-(?=[ \r\n]|$)/y;
  first.lastIndex = start;
  const m = first.exec(text);
  if (!m) return undefined;
  const indent = m[1].length;
  const opener = `${' '.repeat(indent)}-`;
  const starts: number[] = [];
  let at = m.index + m[0].length - indent - 1;
  let end = text.length;
  while (at < text.length) {
    const eol = text.indexOf('\n', at);
    const next = eol < 0 ? text.length : eol + 1;
    if (text.startsWith(opener, at)) {
      const after = text.charCodeAt(at + opener.length);
      if (after !== 32 && after !== 10 && after !== 13 && !Number.isNaN(after)) {
        end = at;
        break;
      }
      starts.push(at);
    } else if (endsSequence(text, at, next, indent)) {
      end = at;
      break;
    }
    at = next;
  }
  return { indent, starts, end };
}

/** A line indented no more than `indent` that is neither blank nor a comment. */
function endsSequence(text: string, at: number, next: number, indent: number): boolean {
  let i = at;
  while (i < next && text.charCodeAt(i) === 32) i++;
  if (i - at > indent || i >= next) return false;
  const c = text.charCodeAt(i);
  return c !== 35 && c !== 10 && !(c === 13 && text.charCodeAt(i + 1) === 10);
}
