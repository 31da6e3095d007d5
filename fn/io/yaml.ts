// YAML as Kubernetes reads it. kubectl and the API server decode manifests with YAML 1.1
// scalar rules (`0644` is octal, `yes` is true), so we read with the same rules: a manifest
// that passes through us means what it meant before. Timestamps stay strings, as they do in
// Kubernetes. Output is block style with every ambiguous string quoted.
import {
  Schema, YAMLException, binaryTag, boolYaml11Tag, dump, floatYaml11Tag, intYaml11Tag, load, loadAll,
  mapTag, mergeTag, nullYaml11Tag, seqTag, strTag,
} from 'js-yaml';

export const KUBERNETES_SCHEMA = new Schema([
  nullYaml11Tag, boolYaml11Tag, intYaml11Tag, floatYaml11Tag, strTag, seqTag, mapTag, mergeTag, binaryTag,
]);

/** Input bounds: past these a document is refused with a clear error instead of exhausting memory. */
export const LIMITS = {
  maxBytes: 256 * 1024 * 1024,
  maxDepth: 64,
  maxAliases: 1000,
} as const;

export interface YamlError { message: string; line?: number; column?: number }

export function parseYaml(text: string, filename?: string): unknown {
  return load(text, { schema: KUBERNETES_SCHEMA, maxDepth: LIMITS.maxDepth, maxAliases: LIMITS.maxAliases, filename });
}

export function parseYamlStream(text: string, filename?: string): unknown[] {
  return loadAll(text, { schema: KUBERNETES_SCHEMA, maxDepth: LIMITS.maxDepth, maxAliases: LIMITS.maxAliases, filename });
}

export function stringifyYaml(value: unknown): string {
  return dump(value, { lineWidth: -1, noRefs: true });
}

/** A YAML parse failure as a one-line message with its position (1-based), never a stack. */
export function describeYamlError(err: unknown): YamlError {
  if (err instanceof YAMLException) {
    const mark = (err as unknown as { mark?: { line?: number; column?: number } }).mark;
    const reason = (err as unknown as { reason?: string }).reason ?? err.message.split('\n')[0];
    return {
      message: reason,
      line: mark?.line !== undefined ? mark.line + 1 : undefined,
      column: mark?.column !== undefined ? mark.column + 1 : undefined,
    };
  }
  if (err instanceof RangeError) return { message: 'input nests too deeply to process' };
  return { message: err instanceof Error ? err.message : String(err) };
}
