// YAML as Kubernetes reads it. kubectl and the API server decode manifests with sigs.k8s.io/yaml
// over yaml.v2 (`0644` is octal, `yes` is true, but no base 60, and Go's integer forms), so dbtls
// reads the values it checks with the same rules (./go-yaml.ts). Timestamps stay strings, as
// they do in Kubernetes. What dbtls does not change is written back as its own text
// (./item-sources.ts), so these rules never decide what the user's other resources mean.
//
// The parts: ./yaml-schema.ts (the schema), ./yaml-limits.ts (the bounds checked before and
// after parsing), ./yaml-pieces.ts (a large ResourceList read in pieces); here, the readings and
// the fallbacks for the valid YAML js-yaml refuses.
import { load, loadAll, YAMLException } from 'js-yaml';
import { kubectlPlainValue } from './go-yaml.js';
import { loadYamlPackage } from './yaml-package.js';
import { withGoWhitespace } from './yaml-whitespace.js';
import { emitYaml } from './emit.js';
import { checkAliases, checkNodes, LIMITS } from './yaml-limits.js';
import { PIECE_BYTES, parseItemsInPieces } from './yaml-pieces.js';
import { KUBERNETES_SCHEMA, TYPED_KEYS_SCHEMA } from './yaml-schema.js';

export { LIMITS } from './yaml-limits.js';
export { parseItemsInPieces } from './yaml-pieces.js';
export { KUBERNETES_SCHEMA } from './yaml-schema.js';

/**
 * The largest text given a second reading by the `yaml` package, for the valid YAML js-yaml
 * refuses for its keys (`off` beside `no`, a `!!set` of `yes` and `y`): that reader takes several
 * seconds per MiB. Past it, js-yaml's error stands.
 */
export const SECOND_READING_BYTES = 1 << 20;

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

/** js-yaml's `dump(value, { lineWidth: -1, noRefs: true })`, written faster (./emit.ts). */
export function stringifyYaml(value: unknown): string {
  return emitYaml(value);
}

export { describeYamlError, type YamlError } from './yaml-errors.js';
