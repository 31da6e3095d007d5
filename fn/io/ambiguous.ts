// Scalars that kubectl and kpt read differently. kubectl (sigs.k8s.io/yaml over yaml.v2) reads
// y, yes, on, n, no, off (in any of their cases) as booleans; kpt and kustomize (kyaml over
// yaml.v3) read them as strings. In a field dbtls reads, the difference decides what the
// database is, so dbtls names each one and says how to write it so that both agree.
import type { Node } from 'yaml';
import { FieldPath } from '../util/field-path.js';
import { isYaml11OnlyBoolean } from './go-yaml.js';
import { itemText } from './item-sources.js';
import { loadYamlPackage } from './yaml-package.js';

export interface Ambiguous {
  path: FieldPath;
  text: string;
  value: boolean;
  isKey: boolean;
}

/** A word of that kind as a plain value (after `: ` or `- `) or key, at a glance. */
const AT_A_GLANCE =
  /(?:[:-][ \t]+|^[ \t]*(?:- )?)(?:[yYnN]|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)[ \t]*(?:$|#|:[ \t]|:$)/m;

/** Each plain scalar of the item's own text that kubectl reads as a boolean and kpt as a string. */
export function yaml11Booleans(item: object): Ambiguous[] {
  const text = itemText(item);
  if (text === undefined || !AT_A_GLANCE.test(text)) return [];
  const { parseDocument, isMap, isSeq, isScalar } = loadYamlPackage();
  const doc = parseDocument(text, { schema: 'failsafe', uniqueKeys: false });
  const found: Ambiguous[] = [];
  const check = (node: unknown, path: FieldPath, isKey: boolean) => {
    if (
      isScalar(node) &&
      node.type === 'PLAIN' &&
      node.tag === undefined &&
      isYaml11OnlyBoolean(String(node.value))
    ) {
      const word = String(node.value);
      found.push({
        path,
        text: word,
        value: /^[yYoO]/.test(word) && !/^(off|Off|OFF)$/.test(word),
        isKey,
      });
    }
  };
  const walk = (node: Node | null | undefined | unknown, path: FieldPath) => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = path.child(isScalar(pair.key) ? String(pair.key.value) : '?');
        check(pair.key, key, true);
        walk(pair.value, key);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        walk(item, path.index(i));
      });
    } else {
      check(node, path, false);
    }
  };
  const entry = doc.contents;
  if (isSeq(entry) && entry.items.length === 1) walk(entry.items[0], FieldPath.root);
  return found;
}

/** What to tell the user about one such scalar. */
export function ambiguityMessage(a: Ambiguous): string {
  const what = a.isKey ? 'the key' : 'the value';
  return `${what} ${a.text} is unquoted: kubectl reads it as the boolean ${a.value}, kpt and kustomize as the string "${a.text}", so the two would apply different objects; write "${a.text}" (quoted) for the string, or ${a.value} for the boolean`;
}
