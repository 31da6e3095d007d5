// KRM mode's input and output: the ResourceList read from stdin, and the answer written back.
// Nothing here processes a list (the engine does, fn/cli/krm.ts): this module and what it
// imports are what every run loads, so a run with nothing to process never loads the engine.
import { fstatSync, readSync } from 'node:fs';
import { LIMITS } from '../io/yaml.js';
import {
  emptyResourceList,
  readResourceList,
  type ResourceList,
  writeResourceList,
  writeResourceListTo,
} from '../io/resource-list.js';
import { formatResult, hasErrors, type Result } from '../io/results.js';
import { keepAnchoredTexts } from '../io/item-sources.js';
import { describeObject, type Obj } from '../io/objects.js';

export interface KrmOutcome {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export function decodeInput(bytes: Uint8Array): { text: string } | { error: string } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes) };
  } catch {
    const at = firstInvalidUtf8(bytes);
    return {
      error: `input is not UTF-8: invalid byte 0x${bytes[at]?.toString(16).padStart(2, '0')} at offset ${at}`,
    };
  }
}

/**
 * Reads a file descriptor to its end, but never more than maxBytes + 1 bytes: enough to refuse.
 * Into one buffer, sized from fstat for a file and grown by doubling for a pipe: the input is
 * copied at most a few times, not held twice over in chunks and their concatenation.
 */
export function readInput(fd: number, limit: number = LIMITS.maxBytes): Buffer {
  let size = 1 << 20;
  try {
    const st = fstatSync(fd);
    if (st.isFile()) size = Math.max(st.size + 1, 1);
  } catch {
    /* not a file: read until the end */
  }
  let buffer = Buffer.allocUnsafe(Math.min(size, limit + 1));
  let total = 0;
  while (total <= limit) {
    if (total === buffer.length) {
      const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2, limit + 1));
      buffer.copy(grown, 0, 0, total);
      buffer = grown;
    }
    let n: number;
    try {
      n = readSync(fd, buffer, total, buffer.length - total, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        continue;
      }
      if ((err as NodeJS.ErrnoException).code === 'EOF') break;
      throw err;
    }
    if (n === 0) break;
    total += n;
  }
  return buffer.subarray(0, total);
}

/** The input as text, or why it cannot be read as such. runKrm takes the text out of it. */
export type Input = { text: string } | { error: string };

/** The input's bytes, checked against maxBytes and decoded. */
export function inputOf(bytes: Uint8Array): Input {
  if (bytes.length > LIMITS.maxBytes) {
    return {
      error: `input is larger than ${LIMITS.maxBytes} bytes, exceeding maxBytes (${LIMITS.maxBytes}); nothing was processed`,
    };
  }
  return decodeInput(bytes);
}

/**
 * The ResourceList of the input, or the answer when there is none to process (input that is not
 * UTF-8, not YAML, not a ResourceList: an error result, and the items when they could be read).
 */
export function readKrmList(input: Uint8Array | Input): { list: ResourceList } | KrmOutcome {
  const decoded = 'text' in input || 'error' in input ? (input as Input) : inputOf(input);
  if ('error' in decoded)
    return finish(emptyResourceList(), [{ severity: 'error', message: decoded.error }]);
  const read = readResourceList(take(decoded));
  return read.ok ? { list: read.list } : finish(read.list ?? emptyResourceList(), read.results);
}

/**
 * Whether the list holds anything to process: an item, or a function config (whose settings are
 * checked even with no items). Without either, the answer is the list as it came, which is what
 * the pipeline returns for it (test/engine-split.test.ts holds the two to the same output); the
 * engine is not loaded for it.
 */
export function needsEngine(list: ResourceList): boolean {
  return list.items.length > 0 || list.functionConfig !== undefined;
}

/** The answer to a list with nothing to process: the list, its items (none) and its results. */
export function unchangedAnswer(list: ResourceList, write?: (chunk: string) => void): KrmOutcome {
  const results = list.results ?? [];
  return answer({ ...list, items: [], results: [...results] }, results.length, write);
}

/**
 * The answer to a processed list: `out` with dbtls's own results after the input's first
 * `inputResults`. Given `write`, the ResourceList goes to it in pieces as it is produced, and
 * `stdout` is empty.
 */
export function answer(
  processed: ResourceList,
  inputResults: number,
  write?: (chunk: string) => void,
): KrmOutcome {
  const out = withAnchorsKept(processed);
  const ours = (out.results ?? []).slice(inputResults);
  return { stdout: output(out, write), stderr: summary(ours), exitCode: hasErrors(ours) ? 1 : 0 };
}

/**
 * An item dbtls could not edit in its own text, whose anchor another item names, stays as it
 * came (the output stays YAML), with an error that says what was not done.
 */
function withAnchorsKept(list: ResourceList): ResourceList {
  const { items, lost } = keepAnchoredTexts(list.items);
  if (lost.length === 0) return list;
  const results = lost.map(({ item, anchors }) => ({
    severity: 'error' as const,
    message:
      `${describeObject(item)} could not be changed in its own text without losing the ` +
      `anchor${anchors.length > 1 ? 's' : ''} ${anchors.map((a) => `&${a}`).join(', ')} that ` +
      'another item names, so it is passed through unchanged: write the value out where the ' +
      'alias is, instead of the anchor and alias',
  }));
  return { ...list, items: items as Obj[], results: [...(list.results ?? []), ...results] };
}

/**
 * The input's text, taken out of it: once parsed, nothing else refers to the text (the block
 * reader copies the values it keeps), so it can be freed while the function runs.
 */
function take(input: { text?: string }): string {
  const text = input.text as string;
  input.text = undefined;
  return text;
}

function output(list: ResourceList, write?: (chunk: string) => void): string {
  if (!write) return writeResourceList(list);
  writeResourceListTo(list, write);
  return '';
}

export function finish(list: ResourceList, results: Result[]): KrmOutcome {
  const out = { ...list, results: [...(list.results ?? []), ...results] };
  return {
    stdout: writeResourceList(out),
    stderr: summary(results),
    exitCode: hasErrors(results) ? 1 : 0,
  };
}

/**
 * The results as lines for a person. KRM mode leaves info results out (kpt lists every result
 * itself, and stderr would say it twice); render passes withInfo, since nothing else shows them
 * there, and they say what the user must still do (a Secret standalone mode does not create).
 */
export function summary(results: readonly Result[], withInfo = false): string {
  return results
    .filter((r) => withInfo || r.severity !== 'info')
    .map((r) => `${formatResult(r)}\n`)
    .join('');
}

function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    const n =
      c < 0x80
        ? 0
        : c >= 0xc2 && c < 0xe0
          ? 1
          : c >= 0xe0 && c < 0xf0
            ? 2
            : c >= 0xf0 && c < 0xf5
              ? 3
              : -1;
    if (n < 0) return i;
    // The second byte's range excludes overlong forms, surrogates and code points past U+10FFFF.
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    if (n > 0 && (i + 1 >= b.length || b[i + 1] < lo || b[i + 1] > hi)) return i;
    for (let k = 2; k <= n; k++) if (i + k >= b.length || (b[i + k] & 0xc0) !== 0x80) return i;
    i += n;
  }
  return 0;
}
