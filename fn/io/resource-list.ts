// The ResourceList envelope: parse it, check its shape, write it back. Every failure becomes a
// result; nothing here throws past its caller.
import { describeYamlError, LIMITS, parseYaml } from './yaml.js';
import { emitYamlTo } from './emit.js';
import { itemLayout, recordItemSources } from './item-sources.js';
import { isObj, type KubeObject, type Obj } from './objects.js';
import type { Result } from './results.js';
import { at, type FieldPath } from '../util/field-path.js';
import { describeType } from './describe-type.js';

// Exported here too, where its importers find it; it lives in fn/io/describe-type.ts so that
// fn/io/results.ts need not import this module (that was an import cycle).
export { describeType };

export const RESOURCE_LIST_VERSIONS = [
  'config.kubernetes.io/v1',
  'config.kubernetes.io/v1beta1',
  'v1',
];

export interface ResourceList {
  apiVersion: string;
  kind: 'ResourceList';
  items: Obj[];
  functionConfig?: Obj;
  results?: Result[];
  [key: string]: unknown;
}

/** On failure, `list` carries the items when they could be read, so that they are not lost. */
export type ReadOutcome =
  | { ok: true; list: ResourceList }
  | { ok: false; results: Result[]; list?: ResourceList };

export function emptyResourceList(results: Result[] = []): ResourceList {
  return { apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items: [], results };
}

function fatal(message: string): ReadOutcome {
  return { ok: false, results: [{ severity: 'error', message }] };
}

export function readResourceList(text: string): ReadOutcome {
  if (text.length > LIMITS.maxBytes) {
    return fatal(`input is ${text.length} bytes; the limit is ${LIMITS.maxBytes} bytes`);
  }
  if (onlyBlanksAndComments(text)) return fatal('input is empty: expected a ResourceList');
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    const e = describeYamlError(err);
    const at = e.line ? ` at line ${e.line}, column ${e.column}` : '';
    // Valid YAML that is only too large is not called invalid.
    return fatal(
      e.message.startsWith('too large: ')
        ? `input is ${e.message}`
        : `input is not valid YAML: ${e.message}${at}`,
    );
  }
  if (doc === undefined || doc === null) return fatal('input is empty: expected a ResourceList');
  if (!isObj(doc))
    return fatal(`input is not a ResourceList: expected a mapping, got ${describeType(doc)}`);
  if (doc.kind !== 'ResourceList') {
    return fatal(
      `input is not a ResourceList: kind is ${JSON.stringify(doc.kind ?? null)}, expected "ResourceList"`,
    );
  }
  if (typeof doc.apiVersion !== 'string' || !RESOURCE_LIST_VERSIONS.includes(doc.apiVersion)) {
    return fatal(
      `input is not a ResourceList: apiVersion ${JSON.stringify(doc.apiVersion ?? null)} is not one of ${RESOURCE_LIST_VERSIONS.join(', ')}`,
    );
  }
  const items = doc.items ?? [];
  if (!Array.isArray(items))
    return fatal(`ResourceList items must be a list, got ${describeType(items)}`);
  // The items are readable from here on: a bad envelope field must not lose them.
  const keep = (message: string): ReadOutcome => ({
    ...fatal(message),
    list: { apiVersion: doc.apiVersion as string, kind: 'ResourceList', items },
  });
  if (
    doc.functionConfig !== undefined &&
    doc.functionConfig !== null &&
    !isObj(doc.functionConfig)
  ) {
    return keep(
      `ResourceList functionConfig must be a mapping, got ${describeType(doc.functionConfig)}`,
    );
  }
  const results = doc.results ?? [];
  if (!Array.isArray(results))
    return keep(`ResourceList results must be a list, got ${describeType(results)}`);
  recordItemSources(text, items);
  const list = { ...doc, items, results } as ResourceList;
  if (doc.functionConfig === null) delete list.functionConfig;
  return { ok: true, list };
}

/**
 * Whether every line is blank or a comment: one pass over the text. (The pattern this replaces,
 * `^(\s*(#[^\n]*)?\n?)*$`, took exponential time on a few comment or blank lines: 16 comment
 * lines, 107 s.)
 */
export function onlyBlanksAndComments(text: string): boolean {
  for (let at = 0; at < text.length; ) {
    let eol = text.indexOf('\n', at);
    if (eol < 0) eol = text.length;
    const line = text.slice(at, eol).trim(); // white space as \s reads it, a BOM among it
    if (line !== '' && line.charCodeAt(0) !== 35) return false;
    at = eol + 1;
  }
  return true;
}

/** Problems that make an item unusable as a Kubernetes object; such items still pass through. */
export function itemProblem(item: unknown): string | undefined {
  const problems = itemProblems(item);
  return problems.length ? problems.map((p) => p.text).join('; ') : undefined;
}

/** One way an item falls short of a Kubernetes object, and the field, where there is one. */
export interface ItemProblem {
  path?: FieldPath;
  text: string;
}

/**
 * Each way an item falls short of a Kubernetes object, with the field: what it lacks, and the
 * identity and metadata fields of the wrong type (which the API server would refuse, and which
 * dbtls must not read as "default" or overwrite).
 */
export function itemProblems(item: unknown): readonly ItemProblem[] {
  if (isWellFormed(item)) return NO_PROBLEMS;
  if (!isObj(item)) return [{ text: `is not a mapping (got ${describeType(item)})` }];
  const missing: FieldPath[] = [];
  const wrong: ItemProblem[] = [];
  const quote = (v: unknown) =>
    typeof v === 'boolean' || typeof v === 'number'
      ? ` (YAML reads it unquoted as a ${typeof v}: quote it)`
      : '';
  const str = (path: FieldPath, v: unknown) => {
    if (v === undefined || v === null) missing.push(path);
    else if (typeof v !== 'string' || v === '')
      wrong.push({
        path,
        text: `${path} must be a non-empty string, got ${describeType(v)}${quote(v)}`,
      });
  };
  str(at('apiVersion'), item.apiVersion);
  str(at('kind'), item.kind);
  const md = item.metadata;
  if (md === undefined || md === null) missing.push(at('metadata', 'name'));
  else if (!isObj(md))
    wrong.push({
      path: at('metadata'),
      text: `metadata must be a mapping, got ${describeType(md)}`,
    });
  else {
    str(at('metadata', 'name'), md.name);
    if (md.namespace !== undefined && md.namespace !== null && typeof md.namespace !== 'string') {
      wrong.push({
        path: at('metadata', 'namespace'),
        text: `metadata.namespace must be a string, got ${describeType(md.namespace)}${quote(md.namespace)}`,
      });
    }
    for (const key of ['labels', 'annotations']) {
      const m = md[key];
      if (m === undefined || m === null) continue;
      if (!isObj(m)) {
        wrong.push({
          path: at('metadata', key),
          text: `metadata.${key} must be a mapping of strings, got ${describeType(m)}`,
        });
        continue;
      }
      const bad = Object.keys(m).find((k) => m[k] !== null && typeof m[k] !== 'string');
      if (bad !== undefined)
        wrong.push({
          path: at('metadata', key, bad),
          text: `metadata.${key}.${bad} must be a string, got ${describeType(m[bad])}${quote(m[bad])}`,
        });
    }
  }
  return [
    ...(missing.length ? [{ path: missing[0], text: `has no ${missing.join(', ')}` }] : []),
    ...wrong,
  ];
}

const NO_PROBLEMS: readonly ItemProblem[] = Object.freeze([]);

/** itemProblems' checks, without building anything: nearly every item passes them. */
function isWellFormed(item: unknown): boolean {
  if (!isObj(item)) return false;
  const md = item.metadata;
  if (
    typeof item.apiVersion !== 'string' ||
    item.apiVersion === '' ||
    typeof item.kind !== 'string' ||
    item.kind === '' ||
    !isObj(md)
  )
    return false;
  if (typeof md.name !== 'string' || md.name === '') return false;
  if (md.namespace !== undefined && md.namespace !== null && typeof md.namespace !== 'string')
    return false;
  return isStringMap(md.labels) && isStringMap(md.annotations);
}

function isStringMap(m: unknown): boolean {
  if (m === undefined || m === null) return true;
  if (!isObj(m)) return false;
  for (const k in m) if (m[k] !== null && typeof m[k] !== 'string') return false;
  return true;
}

export function isKubeObject(item: unknown): item is KubeObject {
  return itemProblem(item) === undefined;
}

export function writeResourceList(list: ResourceList): string {
  const chunks: string[] = [];
  writeResourceListTo(list, (chunk) => chunks.push(chunk));
  return chunks.join('');
}

/**
 * The same text as writeResourceList, handed to `write` in pieces of about 64 KiB as it is
 * produced, so that the output (often several times the input) is never held whole.
 */
export function writeResourceListTo(list: ResourceList, write: (chunk: string) => void): void {
  let parts: string[] = [];
  let size = 0;
  emitYamlTo(
    outputOf(list),
    (chunk) => {
      parts.push(chunk);
      size += chunk.length;
      if (size >= 1 << 16) {
        write(parts.length === 1 ? parts[0] : parts.join(''));
        parts = [];
        size = 0;
      }
    },
    itemLayout(list.items),
  );
  if (parts.length) write(parts.join(''));
}

function outputOf(list: ResourceList): Obj {
  const out: Obj = { apiVersion: list.apiVersion, kind: 'ResourceList' };
  for (const [k, v] of Object.entries(list)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'results') continue;
    out[k] = v;
  }
  if (list.results && list.results.length > 0) out.results = list.results;
  return out;
}
