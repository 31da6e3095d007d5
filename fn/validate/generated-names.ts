// The names dbtls derives from a database's name, as the API server checks them.
import type { KubeObject } from '../io/objects.js';
import type { Reporter } from '../io/results.js';
import { at } from '../util/field-path.js';
import { DNS1123_SUBDOMAIN } from './go-formats.js';

/**
 * Names and labels of every generated object, as the API server checks them: a DNS-1123
 * subdomain (≤253) for each name, a DNS-1035 label (≤63, starting with a letter) for Services,
 * label values of at most 63 characters. A StatefulSet name must leave room for the
 * `controller-revision-hash: <name>-<hash>` label of its pods (52 characters). Generated names
 * derive from the database's name, so one error at its metadata.name lists them all and says
 * how long the name may be.
 */
export function reportGeneratedNames(objects: readonly KubeObject[], report: Reporter): void {
  const dbName = report.object.metadata.name;
  const found: string[] = [];
  let limit = Number.POSITIVE_INFINITY;
  let letter = false;
  let lowercase = false;
  const labels = new Map<string, string>();
  for (const o of objects) {
    const name = o.metadata.name;
    const reasons: string[] = [];
    const over = (length: number, max: number, why = '') => {
      reasons.push(`${length} characters, more than ${max}${why}`);
      limit = Math.min(limit, max - (length - dbName.length));
    };
    if (name.length > 253) over(name.length, 253);
    else if (!DNS1123_SUBDOMAIN.test(name)) {
      lowercase = true;
      reasons.push('not a lowercase RFC 1123 subdomain');
    } else if (o.kind === 'Service' && name.length > 63) over(name.length, 63);
    else if (o.kind === 'StatefulSet' && name.length > 52)
      over(name.length, 52, " (its pods' controller-revision-hash label adds 11)");
    if (o.kind === 'Service' && !/^[A-Za-z]/.test(name)) {
      letter = true;
      reasons.push('does not start with a letter');
    }
    for (const [key, value] of Object.entries(o.metadata.labels ?? {})) {
      if (typeof value === 'string' && value.length > 63) labels.set(key, value);
    }
    if (reasons.length) found.push(`${o.kind} "${name}": ${reasons.join(', ')}`);
  }
  for (const [key, value] of labels) {
    found.push(`label ${key}: ${value.length} characters, more than 63`);
    limit = Math.min(limit, 63 - (value.length - dbName.length));
  }
  if (found.length === 0) return;
  const advice = [
    Number.isFinite(limit) ? `of at most ${Math.max(limit, 1)} characters` : '',
    letter ? 'starting with a letter' : '',
  ].filter((x) => x !== '');
  const what = `${lowercase || advice.length === 0 ? 'lowercase ' : ''}metadata.name${advice.length ? ` ${advice.join(', ')}` : ''}`;
  report.error(
    at('metadata', 'name'),
    `the cluster would reject names derived from this one: ${found.join('; ')}; choose a ${what}`,
  );
}
