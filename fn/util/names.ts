// KubeDB's offshoot naming: `<name>-<suffix>`, the name cut so the whole stays a DNS-1123 label
// (at most 63 characters), dashes trimmed at both ends. A long database name therefore gets the
// same Certificate, Secret and Service names that KubeDB would give it.
import { flat } from './strings.js';

const MAX_LABEL = 63;

export function nameWithSuffix(name: string, suffix: string): string {
  if (suffix.length >= MAX_LABEL) return trimDashes(suffix.slice(suffix.length - MAX_LABEL));
  const room = MAX_LABEL - suffix.length - 1;
  return trimDashes(flat(name.slice(0, room), '-', suffix));
}

/** Without leading and trailing dashes; a loop, as `/-+$/` backtracks quadratically on long dash runs. */
function trimDashes(s: string): string {
  let from = 0;
  let to = s.length;
  while (from < to && s.charCodeAt(from) === 45) from++;
  while (to > from && s.charCodeAt(to - 1) === 45) to--;
  return s.slice(from, to);
}
