// Directory mode: `render DIR` prints the manifests to apply; `check DIR` prints each problem as
// `file:line:column: severity: message (Kind/namespace/name, field)` and exits 1 on errors.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { runFunction } from '../pipeline/index.js';
import { annotationsOf, groupOf, isObj, type KubeObject, type Obj } from '../io/objects.js';
import { locate } from '../io/positions.js';
import type { ResourceList } from '../io/resource-list.js';
import {
  formatResult,
  hasErrors,
  INDEX_ANNOTATION,
  INTERNAL_INDEX_ANNOTATION,
  INTERNAL_PATH_ANNOTATION,
  PATH_ANNOTATION,
  fieldPathOf,
  type Result,
} from '../io/results.js';
import { describeYamlError, LIMITS, parseYamlStream, stringifyYaml } from '../io/yaml.js';
import type { PlatformSource } from '../policy/pinning.js';
import { POLICY_KIND, POLICY_API_VERSION } from '../policy/settings.js';
import { LOCAL_CONFIG } from '../render/metadata.js';
import { findKind } from '../kinds/index.js';
import { decodeInput } from './krm.js';
import { documentText, markDerived, readAs, recordDocumentSources } from '../io/item-sources.js';
import { Ignores, KrmignoreTooLarge } from './krmignore.js';
import { isKustomizeFile } from '../io/kustomize.js';
import { isListObject, listItems } from '../io/lists.js';

export interface DirectoryInput {
  list: ResourceList;
  results: Result[];
  texts: Map<string, string>;
}

/**
 * Every YAML file under `dir`, in path order: hidden files and folders, node_modules, what a
 * `.krmignore` lists, and kustomize's own build files (see isKustomizeFile) are skipped.
 */
export function listYamlFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string, inherited: Ignores) => {
    const ignores = inherited.enter(d, rel);
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    )) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const p = join(d, entry.name);
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (ignores.ignores(path, entry.isDirectory())) continue;
      if (entry.isDirectory()) walk(p, path, ignores);
      else if (entry.isFile() && /\.ya?ml$/.test(entry.name) && !isKustomizeFile(entry.name))
        out.push(p);
    }
  };
  walk(dir, '', Ignores.none());
  return out;
}

export { isKustomizeFile } from '../io/kustomize.js';

/**
 * Whether a file's documents are something other than Kubernetes resources: none of them has an
 * `apiVersion` or a `kind` (a GitHub workflow, a Helm values file), or all are kustomize's
 * (`kustomize.config.k8s.io`). A file with a resource in it is read whole, so a document that
 * only lacks a field is still reported.
 */
export function isNotResources(docs: readonly unknown[]): boolean {
  const mappings = docs.filter(isObj);
  if (
    mappings.length === 0 ||
    mappings.length < docs.filter((d) => d !== null && d !== undefined).length
  )
    return false;
  if (mappings.every((d) => d.apiVersion === undefined && d.kind === undefined)) return true;
  return mappings.every((d) => groupOf(String(d.apiVersion)) === 'kustomize.config.k8s.io');
}

export function readDirectory(
  dir: string,
  extraConfig?: Obj,
  defaultNamespace?: string,
): DirectoryInput {
  const results: Result[] = [];
  const texts = new Map<string, string>();
  const items: Obj[] = [];
  let files: string[];
  try {
    files = listYamlFiles(dir);
  } catch (err) {
    if (!(err instanceof KrmignoreTooLarge)) throw err;
    results.push({ severity: 'error', message: err.message, file: { path: err.path } });
    files = [];
  }
  for (const file of files) {
    const path = relative(dir, file).split(sep).join('/');
    const read = readYamlFile(file, path, results);
    if (read?.docs?.every((d) => d === null || d === undefined)) {
      results.push(emptyFile(path));
      continue;
    }
    if (read === undefined || (read.docs && isNotResources(read.docs))) continue;
    // The text of a file that is not valid YAML is kept too.
    texts.set(path, read.text);
    if (read.docs) items.push(...itemsOfFile(read.docs, path, defaultNamespace, results));
  }
  const policies = items.filter(
    (item) => item.apiVersion === POLICY_API_VERSION && item.kind === POLICY_KIND,
  );
  if (policies.length > 1) {
    results.push({
      severity: 'error',
      message: `found ${policies.length} DatabaseTLSPolicy objects; a directory takes at most one`,
      file: fileOfItem(policies[1]),
    });
  }
  // The directory's policy stays among the items: it tightens the function config, which is the
  // platform's (flags, --policy, environment), in the pipeline's first stage (fn/policy/pinning.ts).
  const functionConfig = extraConfig;
  const list: ResourceList = {
    apiVersion: 'config.kubernetes.io/v1',
    kind: 'ResourceList',
    items,
    results: [],
  };
  if (functionConfig) list.functionConfig = functionConfig;
  return { list, results, texts };
}

/**
 * One file's text and documents (none, with an error, when it is not valid YAML), or undefined
 * with an error when it cannot be read.
 */
function readYamlFile(
  file: string,
  path: string,
  results: Result[],
): { text: string; docs?: unknown[] } | undefined {
  if (statSync(file).size > LIMITS.maxBytes) {
    results.push({
      severity: 'error',
      message:
        `file is larger than ${LIMITS.maxBytes} bytes, exceeding maxBytes ` +
        `(${LIMITS.maxBytes})`,
      file: { path },
    });
    return undefined;
  }
  const decoded = decodeInput(readFileSync(file));
  if ('error' in decoded) {
    results.push({ severity: 'error', message: decoded.error, file: { path } });
    return undefined;
  }
  try {
    const docs = parseYamlStream(decoded.text, path);
    recordDocumentSources(decoded.text, docs);
    return { text: decoded.text, docs };
  } catch (err) {
    const e = describeYamlError(err);
    // A limit refuses valid YAML that is only too large: say that, not "not valid YAML".
    const limit = /^too large: |^DBTLS_MAX_/.test(e.message);
    results.push({
      severity: 'error',
      message: limit ? e.message : `file is not valid YAML: ${e.message}`,
      file: { path },
      tags: e.line ? { line: String(e.line), column: String(e.column) } : undefined,
    });
    return { text: decoded.text };
  }
}

/** A YAML file that holds no document (empty, or only comments): said, as it may be a mistake. */
function emptyFile(path: string): Result {
  return {
    severity: 'warning',
    message: `${path} holds no YAML document (it is empty or all comments): nothing is read from it`,
    file: { path },
  };
}

/** A file's documents as items, each annotated with its file and index, as kpt does. */
function itemsOfFile(
  docs: readonly unknown[],
  path: string,
  defaultNamespace: string | undefined,
  results: Result[],
): Obj[] {
  const items: Obj[] = [];
  let index = 0;
  for (const doc of docs) {
    if (doc === null || doc === undefined) continue;
    if (!isObj(doc)) {
      results.push({
        severity: 'error',
        message: 'document is not a Kubernetes object (a mapping)',
        file: { path, index },
      });
      index++;
      continue;
    }
    const md = isObj(doc.metadata) ? doc.metadata : {};
    const annotations = isObj(md.annotations) ? md.annotations : {};
    const namespace =
      defaultNamespace && md.namespace === undefined && takesDefaultNamespace(doc)
        ? { namespace: defaultNamespace }
        : {};
    const where = {
      [PATH_ANNOTATION]: path,
      [INDEX_ANNOTATION]: String(index),
      [INTERNAL_PATH_ANNOTATION]: path,
      [INTERNAL_INDEX_ANNOTATION]: String(index),
    };
    const metadata = { ...md, ...namespace, annotations: { ...annotations, ...where } };
    const placed = defaultNamespace && isListObject(doc) ? inNamespace(doc, defaultNamespace) : doc;
    items.push(markDerived({ ...placed, metadata }, doc));
    index++;
  }
  return items;
}

/** A List whose databases and Issuers without a namespace are given `namespace`. */
function inNamespace(list: Obj, namespace: string): Obj {
  let changed = false;
  const items = listItems(list).map((e) => {
    if (isObj(e) && isListObject(e)) {
      const inner = inNamespace(e, namespace);
      changed ||= inner !== e;
      return inner;
    }
    if (!isObj(e) || !takesDefaultNamespace(e)) return e;
    const md = isObj(e.metadata) ? e.metadata : {};
    if (md.namespace !== undefined) return e;
    changed = true;
    return { ...e, metadata: { ...md, namespace } };
  });
  return changed ? { ...list, items } : list;
}

/** Objects that dbtls reads by namespace: supported databases and cert-manager Issuers. */
function takesDefaultNamespace(o: Obj): boolean {
  return (
    findKind(o) !== undefined ||
    (groupOf(String(o.apiVersion)) === 'cert-manager.io' &&
      (o.kind === 'Issuer' || o.kind === 'Certificate'))
  );
}

function fileOfItem(o: Obj): Result['file'] {
  const a = isObj(o.metadata) && isObj(o.metadata.annotations) ? o.metadata.annotations : {};
  return { path: String(a[PATH_ANNOTATION]), index: Number(a[INDEX_ANNOTATION] ?? 0) };
}

export interface DirectoryOutcome {
  stdout: string;
  stderr: string;
  exitCode: number;
  results: Result[];
}

/**
 * Renders the directory under the function config `extraConfig` (flags, environment, the platform's
 * policy, whose file `platform` names): the directory's own policy can only tighten it.
 */
export function processDirectory(
  dir: string,
  extraConfig?: Obj,
  defaultNamespace?: string,
  platform?: PlatformSource,
): { output: ResourceList; results: Result[]; texts: Map<string, string> } {
  const input = readDirectory(dir, extraConfig, defaultNamespace);
  if (hasErrors(input.results))
    return { output: input.list, results: input.results, texts: input.texts };
  const output = runFunction(input.list, undefined, platform);
  return { output, results: [...input.results, ...(output.results ?? [])], texts: input.texts };
}

/**
 * What a cluster should receive: no local-config objects (nor such entries of a List), no
 * Kptfile, no path bookkeeping.
 */
export function manifestsToApply(items: readonly Obj[]): Obj[] {
  return items
    .filter((o) => {
      if (!isObj(o.metadata)) return false;
      if (isLocalConfig(o)) return false;
      if (
        groupOf(String(o.apiVersion)) === 'kpt.dev' ||
        (o.apiVersion === POLICY_API_VERSION && o.kind === POLICY_KIND)
      )
        return false;
      return true;
    })
    .map((o) => stripBookkeeping(isListObject(o) ? withoutLocalEntries(o) : o));
}

function isLocalConfig(o: Obj): boolean {
  const a = isObj(o.metadata) && isObj(o.metadata.annotations) ? o.metadata.annotations : {};
  return a[LOCAL_CONFIG] !== undefined && a[LOCAL_CONFIG] !== 'false';
}

/** A List without its local-config entries (a database standalone mode renders in its place). */
function withoutLocalEntries(list: Obj): Obj {
  const entries = listItems(list);
  let changed = false;
  const kept = entries.flatMap((e) => {
    if (!isObj(e)) return [e];
    if (isLocalConfig(e)) return [];
    // A List in a List: its local-config entries are left out too.
    const inner = isListObject(e) ? withoutLocalEntries(e) : e;
    changed ||= inner !== e;
    return [inner];
  });
  return !changed && kept.length === entries.length
    ? list
    : markDerived({ ...list, items: kept }, list);
}

const BOOKKEEPING =
  /^(internal\.config\.kubernetes\.io\/|config\.kubernetes\.io\/(path|index)$|config\.k8s\.io\/id$|kustomize\.config\.k8s\.io\/id$)/;

export function stripBookkeeping(o: Obj): Obj {
  const md = o.metadata as KubeObject['metadata'];
  const annotations = Object.fromEntries(
    Object.entries(annotationsOf(o as KubeObject)).filter(([k]) => !BOOKKEEPING.test(k)),
  );
  const metadata: Obj = { ...md, annotations };
  if (Object.keys(annotations).length === 0) delete metadata.annotations;
  // A document without metadata (a List) got it only to carry its file: none again.
  const read = readAs(o) as Obj | undefined;
  if (Object.keys(metadata).length === 0 && read && read.metadata === undefined) {
    const { metadata: _none, ...rest } = o;
    return markDerived(rest, o);
  }
  return markDerived({ ...o, metadata }, o);
}

/** Each object as a document: the user's own text where it has one (io/item-sources.ts). */
export function printManifests(items: readonly Obj[]): string {
  return items.map((o) => `---\n${documentText(o) ?? stringifyYaml(o)}`).join('');
}

/** `file:line:column: severity: message (Kind/ns/name, field)` for each result. */
export function formatWithPositions(
  results: readonly Result[],
  texts: Map<string, string>,
  dir: string,
): string {
  return results
    .map((r) => {
      const file = r.file?.path;
      if (!file) return `${formatResult(r)}\n`;
      let line = r.tags?.line;
      let column = r.tags?.column;
      if (!line) {
        const text = texts.get(file);
        const pos =
          text !== undefined
            ? locate(text, r.file?.index ?? 0, fieldPathOf(r), r.resourceRef)
            : undefined;
        if (pos) {
          line = String(pos.line);
          column = String(pos.column);
        }
      }
      const shown = join(dir, file);
      return `${shown}${line ? `:${line}:${column}` : ''}: ${formatResult(r)}\n`;
    })
    .join('');
}

export function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
