// The schema dbtls reads YAML with: Go's readers' scalar rules (./go-yaml.ts) as js-yaml tags.
// A module of its own because every reader of the io layer (./yaml.ts, ./yaml-pieces.ts, the
// text edits) takes it, and none of them should have to import another to get it.
import { binaryTag, mapTag, mergeTag, Schema, seqTag, strTag } from 'js-yaml';
import {
  goBoolTag,
  goFloatTag,
  goIntTag,
  goNullTag,
  LOCAL_TAGS,
  OTHER_YAML_TAGS,
  timestampAsStringTag,
  typedKeyMapTag,
} from './go-yaml.js';

export const KUBERNETES_SCHEMA = new Schema([
  goNullTag,
  goBoolTag,
  goIntTag,
  goFloatTag,
  strTag,
  seqTag,
  mapTag,
  mergeTag,
  binaryTag,
  timestampAsStringTag,
  ...LOCAL_TAGS,
  ...OTHER_YAML_TAGS,
]);
/** The same, with keys told apart by type: for the valid YAML js-yaml's mapping refuses. */
export const TYPED_KEYS_SCHEMA = KUBERNETES_SCHEMA.withTags(typedKeyMapTag);
