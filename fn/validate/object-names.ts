// The names and labels of what dbtls renders, as the API server checks them. The rules are
// apimachinery's (k8s.io/apimachinery pkg/util/validation: IsDNS1123Subdomain, IsDNS1123Label,
// IsDNS1035Label, IsValidLabelValue, with their messages; test/object-names.test.ts runs their
// own test data), applied where the API server applies them: every object's name is a DNS-1123
// subdomain, a Service's a DNS-1035 label, a pod's hostname (a StatefulSet pod's is its name,
// `<statefulset>-<ordinal>`) a DNS-1123 label, a label value at most 63 characters.
import type { Operator } from '../contract/kind.js';
import type { KubeObject } from '../io/objects.js';
import { isObj } from '../io/objects.js';
import type { Reporter } from '../io/results.js';
import { at } from '../util/field-path.js';

const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL = new RegExp(`^${LABEL}$`);
const DNS1123_SUBDOMAIN = new RegExp(`^${LABEL}(\\.${LABEL})*$`);
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const maxLen = (n: number) => `must be no more than ${n} characters`;
const regexError = (msg: string, fmt: string, ...examples: string[]) =>
  `${msg} (e.g. ${examples.map((e) => `'${e}'`).join(',  or ')}, regex used for validation is '${fmt}')`;

/** apimachinery's IsDNS1123Label: its messages for a value that fails, none for one that passes. */
export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(maxLen(63));
  if (!DNS1123_LABEL.test(value))
    errs.push(
      regexError(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
        LABEL,
        'my-name',
        '123-abc',
      ),
    );
  return errs;
}

/** apimachinery's IsDNS1123Subdomain. */
export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push(maxLen(253));
  if (!DNS1123_SUBDOMAIN.test(value))
    errs.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        `${LABEL}(\\.${LABEL})*`,
        'example.com',
      ),
    );
  return errs;
}

/** apimachinery's IsDNS1035Label: what a Service's name must be. */
export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(maxLen(63));
  if (!DNS1035_LABEL.test(value))
    errs.push(
      regexError(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
        '[a-z]([-a-z0-9]*[a-z0-9])?',
        'my-name',
        'abc-123',
      ),
    );
  return errs;
}

/** apimachinery's IsValidLabelValue. */
export function isLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(maxLen(63));
  if (!LABEL_VALUE.test(value))
    errs.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?',
        'MyValue',
        'my_value',
        '12345',
      ),
    );
  return errs;
}

/** What one generated name breaks, and what it asks of the database's name. */
interface Finding {
  text: string;
  /** The longest database name that would do, where the rule is one of length. */
  limit?: number;
  dots?: boolean;
  letter?: boolean;
  lowercase?: boolean;
}

/** A StatefulSet's `controller-revision-hash: <name>-<hash>` label: a hash of up to 10 characters. */
const STATEFULSET_MAX = 52;

function findingsOf(o: KubeObject, dbName: string): Finding[] {
  const name = o.metadata.name;
  const limit = (max: number) => max - (name.length - dbName.length);
  const out: Finding[] = [];
  const over = (max: number, why = '') =>
    out.push({ text: `${name.length} characters, more than ${max}${why}`, limit: limit(max) });
  if (name.length > 253) over(253);
  else if (isDNS1123Subdomain(name).length)
    out.push({ text: 'not a lowercase RFC 1123 subdomain', lowercase: true });
  else if (o.kind === 'Service') out.push(...serviceFindings(name, over));
  else if (o.kind === 'StatefulSet') {
    if (name.length > STATEFULSET_MAX)
      over(STATEFULSET_MAX, " (its pods' controller-revision-hash label adds 11)");
    const replicas = replicasOf(o);
    const pods =
      replicas > 1
        ? `its pods' hostnames ("${name}-0" … "${name}-${replicas - 1}") contain`
        : `its pod's hostname ("${name}-0") contains`;
    if (name.includes('.'))
      out.push({
        text: `${pods} ".", and a pod's hostname must be an RFC 1123 label`,
        dots: true,
      });
  }
  return out;
}

/** A Service's name: a DNS-1035 label (ValidateServiceName). */
function serviceFindings(name: string, over: (max: number) => void): Finding[] {
  const out: Finding[] = [];
  if (name.length > 63) over(63);
  if (name.includes('.'))
    out.push({ text: 'contains ".", and a Service name must be a DNS-1035 label', dots: true });
  if (!/^[a-z]/.test(name)) out.push({ text: 'does not start with a letter', letter: true });
  return out;
}

function replicasOf(o: KubeObject): number {
  const spec = isObj(o.spec) ? o.spec : {};
  return typeof spec.replicas === 'number' ? spec.replicas : 1;
}

/**
 * Names and labels of every generated object, as the API server checks them. Generated names
 * derive from the database's name, so one error at its metadata.name lists every object and rule
 * it breaks and says what name would do.
 */
export function reportGeneratedNames(objects: readonly KubeObject[], report: Reporter): void {
  const dbName = report.object.metadata.name;
  const found: { text: string; finding: Finding }[] = [];
  const labels = new Map<string, string>();
  for (const o of objects) {
    const findings = findingsOf(o, dbName);
    if (findings.length)
      found.push({
        text: `${o.kind} "${o.metadata.name}": ${findings.map((f) => f.text).join(', ')}`,
        finding: Object.assign({}, ...findings, {
          limit: Math.min(...findings.map((f) => f.limit ?? Number.POSITIVE_INFINITY)),
        }),
      });
    for (const [key, value] of Object.entries(o.metadata.labels ?? {}))
      if (typeof value === 'string' && value.length > 63) labels.set(key, value);
  }
  for (const [key, value] of labels)
    found.push({
      text: `label ${key}: ${value.length} characters, more than 63`,
      finding: { text: '', limit: 63 - (value.length - dbName.length) },
    });
  if (found.length === 0) return;
  report.error(
    at('metadata', 'name'),
    `the cluster would reject names derived from this one: ${found.map((f) => f.text).join('; ')}; choose a ${advice(found.map((f) => f.finding))}`,
  );
}

/** The name that would do: `lowercase metadata.name of at most 52 characters, without "."`. */
function advice(findings: readonly Finding[]): string {
  const limit = Math.min(...findings.map((f) => f.limit ?? Number.POSITIVE_INFINITY));
  const parts = [
    Number.isFinite(limit) ? `of at most ${Math.max(limit, 1)} characters` : '',
    findings.some((f) => f.letter) ? 'starting with a letter' : '',
    findings.some((f) => f.dots) ? 'without "."' : '',
  ].filter((x) => x !== '');
  const lowercase = findings.some((f) => f.lowercase) || parts.length === 0;
  return `${lowercase ? 'lowercase ' : ''}metadata.name${parts.length ? ` ${parts.join(', ')}` : ''}`;
}

/**
 * Operator and validate mode render no Services, but KubeDB's (and KubeVault's) operator names
 * the database's Service after it: a name the API server refuses for a Service is accepted as a
 * database and leaves it without one. A warning: KubeDB takes the object.
 */
export function reportOperatorServiceName(
  db: KubeObject,
  operator: Operator,
  report: Reporter,
): void {
  const name = db.metadata.name;
  const findings = serviceFindings(name, () => {});
  if (name.length > 63)
    findings.unshift({ text: `${name.length} characters, more than 63`, limit: 63 });
  if (findings.length === 0) return;
  report.warn(
    at('metadata', 'name'),
    `the ${operator} operator names this ${db.kind}'s Service after it, and the API server would refuse Service "${name}": ${findings.map((f) => f.text).join(', ')}; the ${db.kind} is accepted but gets no Service: choose a ${advice(findings)}`,
  );
}
