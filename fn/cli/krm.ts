// KRM mode: a ResourceList on stdin, a ResourceList on stdout, a readable summary on stderr
// (kustomize and Argo CD show stderr and ignore results), exit 1 on any error result.
import { fstatSync, readSync } from 'node:fs';
import { runFunction } from '../pipeline/index.js';
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
 * Given `write`, the output ResourceList goes to it in pieces as it is produced, and `stdout` is
 * empty. Given the Input instead of the bytes, the bytes can be freed before the work starts
 * (a caller's argument stays reachable until the call returns: 20 MiB at N=5,000).
 */
export function runKrm(input: Uint8Array | Input, write?: (chunk: string) => void): KrmOutcome {
  const decoded = 'text' in input || 'error' in input ? (input as Input) : inputOf(input);
  if ('error' in decoded)
    return finish(emptyResourceList(), [{ severity: 'error', message: decoded.error }]);
  const read = readResourceList(take(decoded));
  if (!read.ok) return finish(read.list ?? emptyResourceList(), read.results);
  let out: ResourceList;
  try {
    out = runFunction(read.list);
  } catch (err) {
    // A bug of ours must not lose the user's resources or print a stack: pass everything through.
    return finish(read.list, [
      {
        severity: 'error',
        message: `internal error in dbtls: ${err instanceof Error ? err.message : String(err)}; the input was passed through unchanged. Please report this.`,
      },
    ]);
  }
  out = withAnchorsKept(out);
  const ours = (out.results ?? []).slice(read.list.results?.length ?? 0);
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

function finish(list: ResourceList, results: Result[]): KrmOutcome {
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
