// The floor for any function in this stack: read the ResourceList from stdin with js-yaml, using
// the schema and options dbtls reads with (fn/io/yaml.ts: YAML 1.1 scalars as Kubernetes reads
// them, the same depth and alias limits), and write it back with dbtls's dump options.
import { readFileSync } from 'node:fs';
import {
  Schema,
  binaryTag,
  boolYaml11Tag,
  dump,
  floatYaml11Tag,
  intYaml11Tag,
  load,
  mapTag,
  mergeTag,
  nullYaml11Tag,
  seqTag,
  strTag,
} from 'js-yaml';

const KUBERNETES_SCHEMA = new Schema([
  nullYaml11Tag,
  boolYaml11Tag,
  intYaml11Tag,
  floatYaml11Tag,
  strTag,
  seqTag,
  mapTag,
  mergeTag,
  binaryTag,
]);

const text = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(0));
const list = load(text, { schema: KUBERNETES_SCHEMA, maxDepth: 64, maxAliases: 1000 });
process.stdout.write(dump(list, { lineWidth: -1, noRefs: true }));
