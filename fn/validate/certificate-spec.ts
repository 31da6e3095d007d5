// cert-manager's admission webhook checks of a Certificate spec (ValidateCertificateSpec in
// internal/apis/certmanager/validation/certificate.go, release v1.21.1), ported rule by rule so
// that every Certificate dbtls emits is one the cluster accepts. Each error carries the webhook's
// field path, error type, bad value and detail text; formatWebhookError prints it as the API
// server would (`spec.duration: Invalid value: 30m0s: certificate duration must be ...`).
// Where Go and JavaScript differ (net.ParseIP, mail.ParseAddress) the Go behaviour is reproduced.
import { isObj, type KubeObject, namespaceOf, type Obj } from '../io/objects.js';
import type { Reporter } from '../io/results.js';
import type { CertificateOverride } from './tls-config.js';
import { formatGoDuration, HOUR, MINUTE, parseGoDuration } from '../util/duration.js';
import { FieldPath } from './field-path.js';

export type WebhookErrorType =
  | 'Required value'
  | 'Invalid value'
  | 'Unsupported value'
  | 'Forbidden'
  | 'Too long'
  | 'Duplicate value';

export interface WebhookError {
  /** The webhook's path, e.g. `spec.ipAddresses[1]`. */
  field: string;
  /** The same path as a value, for reading its parts (userField). */
  path: FieldPath;
  type: WebhookErrorType;
  /** The bad value as Go prints it: strings quoted, numbers and durations bare. */
  value?: string;
  detail: string;
}

/** apimachinery's field.Error.Error(): `<field>: <type>[: <value>][: <detail>]`. */
export function formatWebhookError(e: WebhookError): string {
  const parts: string[] = [e.type];
  if (
    e.value !== undefined &&
    (e.type === 'Invalid value' || e.type === 'Unsupported value' || e.type === 'Duplicate value')
  )
    parts.push(e.value);
  if (e.detail !== '') parts.push(e.detail);
  return `${e.field}: ${parts.join(': ')}`;
}

/** The key usages cert-manager knows (pkg/api/util/usages.go), the CRD's enum. */
export const KEY_USAGES = [
  'signing',
  'digital signature',
  'content commitment',
  'key encipherment',
  'key agreement',
  'data encipherment',
  'cert sign',
  'crl sign',
  'encipher only',
  'decipher only',
  'any',
  'server auth',
  'client auth',
  'code signing',
  'email protection',
  's/mime',
  'ipsec end system',
  'ipsec tunnel',
  'ipsec user',
  'timestamping',
  'ocsp signing',
  'microsoft sgc',
  'netscape sgc',
] as const;

const SIGNATURE_ALGORITHMS: Record<string, string[]> = {
  RSA: ['SHA256WithRSA', 'SHA384WithRSA', 'SHA512WithRSA'],
  ECDSA: ['ECDSAWithSHA256', 'ECDSAWithSHA384', 'ECDSAWithSHA512'],
  Ed25519: ['PureEd25519'],
};

const SUBJECT_KEYS = [
  'organizations',
  'countries',
  'organizationalUnits',
  'localities',
  'provinces',
  'streetAddresses',
  'postalCodes',
  'serialNumber',
];
const LITERAL_SUBJECT_KEYS = [
  'C',
  'O',
  'OU',
  'CN',
  'SERIALNUMBER',
  'L',
  'ST',
  'STREET',
  'DC',
  'UID',
];
export const MINIMUM_DURATION = HOUR;
export const MINIMUM_RENEW_BEFORE = 5n * MINUTE;
export const DEFAULT_DURATION = 2160n * HOUR;

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_LABEL}(\\.${DNS1123_LABEL})*$`);
const DNS1123_SUBDOMAIN_DETAIL =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

const q = (s: string) => JSON.stringify(s);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** apimachinery's IsDNS1123Subdomain: the detail strings for a name that fails. */
export function dns1123SubdomainErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN.test(value)) errs.push(DNS1123_SUBDOMAIN_DETAIL);
  return errs;
}

/** Reports one webhook error at a path: what each section of the validator calls. */
type Add = (path: FieldPath, type: WebhookErrorType, detail: string, value?: string) => void;

const SPEC = FieldPath.root('spec');

/**
 * Every error the webhook returns for this Certificate `spec`, in its order: the sections below
 * follow ValidateCertificateSpec's, one helper each.
 */
export function validateCertificateSpec(spec: Obj): WebhookError[] {
  const el: WebhookError[] = [];
  const add: Add = (path, type, detail, value) =>
    el.push({
      field: path.toString(),
      path,
      type,
      detail,
      ...(value !== undefined ? { value } : {}),
    });
  validateSecretName(spec, add);
  validateIssuerRef(spec, add);
  const commonName = validateLiteralSubject(spec, add);
  validateIdentity(spec, commonName, add);
  validateSubjectAltNames(spec, add);
  validateKeyAlgorithms(spec, add);
  // durations: only when duration or renewBefore is set, as upstream
  if (spec.duration !== undefined || spec.renewBefore !== undefined) validateDurations(spec, add);
  validateUsages(spec, add);
  validateRevisionHistoryLimit(spec, add);
  validateSecretTemplate(spec, add);
  validateNameConstraints(spec, add);
  validateAdditionalOutputFormats(spec, add);
  validateKeystores(spec, add);
  validateRenewal(spec, add);
  return el;
}

function validateSecretName(spec: Obj, add: Add): void {
  const at = SPEC.child('secretName');
  const secretName = str(spec.secretName);
  if (secretName === '') add(at, 'Required value', 'must be specified');
  else
    for (const d of dns1123SubdomainErrors(secretName)) add(at, 'Invalid value', d, q(secretName));
}

function validateIssuerRef(spec: Obj, add: Add): void {
  const at = SPEC.child('issuerRef');
  const ref = isObj(spec.issuerRef) ? spec.issuerRef : {};
  if (str(ref.name) === '') add(at.child('name'), 'Required value', 'must be specified');
  const group = str(ref.group);
  const kind = str(ref.kind);
  if (
    (group === '' || group === 'cert-manager.io') &&
    !['', 'Issuer', 'ClusterIssuer'].includes(kind)
  ) {
    const hint = group === '' ? ' (did you forget to set spec.issuerRef.kind.group?)' : '';
    add(
      at.child('kind'),
      'Invalid value',
      `must be one of Issuer or ClusterIssuer${hint}`,
      q(kind),
    );
  }
}

/** The literalSubject checks; returns the common name, the literal subject's CN if it has one. */
function validateLiteralSubject(spec: Obj, add: Add): string {
  let commonName = str(spec.commonName);
  const literalSubject = str(spec.literalSubject);
  if (literalSubject === '') return commonName;
  if (commonName !== '')
    add(
      SPEC.child('commonName'),
      'Invalid value',
      'When providing a `LiteralSubject` no `commonName` may be provided.',
      q(commonName),
    );
  const subject = isObj(spec.subject) ? spec.subject : {};
  const hasSubject = SUBJECT_KEYS.some((k) =>
    k === 'serialNumber' ? str(subject[k]) !== '' : list(subject[k]).length > 0,
  );
  if (hasSubject)
    add(
      SPEC.child('subject'),
      'Invalid value',
      'When providing a `LiteralSubject` no `Subject` properties may be provided.',
      JSON.stringify(subject),
    );
  const at = SPEC.child('literalSubject');
  const dn = parseLiteralSubject(literalSubject);
  if ('error' in dn) {
    add(at, 'Invalid value', dn.error, q(literalSubject));
    return commonName;
  }
  for (const [type, value] of dn.attributes) {
    if (type === 'CN') commonName = value;
    else if (!LITERAL_SUBJECT_KEYS.includes(type) && !/^\d+(\.\d+)+$/.test(type)) {
      const detail = `Literal subject contains unrecognized key with value [${value}]`;
      add(at, 'Invalid value', detail, q(literalSubject));
    }
  }
  return commonName;
}

/** At least one identity, and a common name that fits in 64 bytes. */
function validateIdentity(spec: Obj, commonName: string, add: Add): void {
  const sans = ['dnsNames', 'uris', 'emailAddresses', 'ipAddresses', 'otherNames'];
  if (commonName === '' && sans.every((key) => list(spec[key]).length === 0)) {
    add(
      SPEC,
      'Invalid value',
      'at least one of commonName (from the commonName field or from a literalSubject), ' +
        'dnsNames, emailSANs, ipAddresses, otherNames, or uriSANs must be set',
      '""',
    );
  }
  // the length in bytes
  if (Buffer.byteLength(commonName, 'utf8') > 64)
    add(SPEC.child('commonName'), 'Too long', 'may not be more than 64 bytes');
}

/** ipAddresses, emailAddresses and otherNames, entry by entry. */
function validateSubjectAltNames(spec: Obj, add: Add): void {
  list(spec.ipAddresses).forEach((ip, i) => {
    const at = SPEC.child('ipAddresses').index(i);
    if (!isGoIP(str(ip))) add(at, 'Invalid value', 'invalid IP address', q(str(ip)));
  });
  list(spec.emailAddresses).forEach((email, i) => {
    const problem = goMailProblem(str(email));
    if (problem)
      add(SPEC.child('emailAddresses').index(i), 'Invalid value', problem, q(str(email)));
  });
  list(spec.otherNames).forEach((on, i) => {
    const at = SPEC.child('otherNames').index(i);
    const o = isObj(on) ? on : {};
    const oid = str(o.oid);
    if (oid === '') add(at.child('oid'), 'Required value', 'must be specified');
    else if (!/^[0-2](\.(0|[1-9]\d*))+$/.test(oid))
      add(at.child('oid'), 'Invalid value', 'invalid oid syntax', q(oid));
    if (str(o.utf8Value) === '')
      add(at.child('utf8Value'), 'Required value', 'must be set to a valid non-empty UTF8 string');
  });
}

/** privateKey's algorithm and size, then the signature algorithm that key allows. */
function validateKeyAlgorithms(spec: Obj, add: Add): void {
  const pk = isObj(spec.privateKey) ? spec.privateKey : undefined;
  const algorithm = pk ? str(pk.algorithm) : '';
  if (pk) validatePrivateKey(algorithm, typeof pk.size === 'number' ? pk.size : 0, add);
  const signature = str(spec.signatureAlgorithm);
  if (signature === '') return;
  const keyAlg = algorithm === '' ? 'RSA' : algorithm;
  const allowed = SIGNATURE_ALGORITHMS[keyAlg];
  if (allowed && !allowed.includes(signature)) {
    add(
      SPEC.child('signatureAlgorithm'),
      'Invalid value',
      `for key algorithm ${keyAlg} the allowed signature algorithms are [${allowed.join(' ')}]`,
      q(signature),
    );
  }
}

function validatePrivateKey(algorithm: string, size: number, add: Add): void {
  const at = SPEC.child('privateKey');
  if (algorithm === '' || algorithm === 'RSA') {
    if (size > 0 && (size < 2048 || size > 8192)) {
      const detail = 'must be between 2048 and 8192 for rsa keyAlgorithm';
      add(at.child('size'), 'Invalid value', detail, String(size));
    }
  } else if (algorithm === 'ECDSA') {
    if (size > 0 && ![256, 384, 521].includes(size)) {
      const detail = 'supported values: "256", "384", "521"';
      add(at.child('size'), 'Unsupported value', detail, String(size));
    }
  } else if (algorithm !== 'Ed25519') {
    const detail = 'must be either empty or one of rsa, ecdsa or ed25519';
    add(at.child('algorithm'), 'Invalid value', detail, q(algorithm));
  }
}

function validateUsages(spec: Obj, add: Add): void {
  list(spec.usages).forEach((u, i) => {
    if (!(KEY_USAGES as readonly string[]).includes(str(u)))
      add(SPEC.child('usages').index(i), 'Invalid value', 'unknown keyusage', q(str(u)));
  });
}

function validateRevisionHistoryLimit(spec: Obj, add: Add): void {
  const limit = spec.revisionHistoryLimit;
  if (typeof limit === 'number' && limit < 1)
    add(
      SPEC.child('revisionHistoryLimit'),
      'Invalid value',
      'must not be less than 1',
      String(limit),
    );
}

function validateSecretTemplate(spec: Obj, add: Add): void {
  if (!isObj(spec.secretTemplate)) return;
  const at = SPEC.child('secretTemplate');
  const annotations = isObj(spec.secretTemplate.annotations) ? spec.secretTemplate.annotations : {};
  for (const key of Object.keys(annotations)) {
    if (key.startsWith('cert-manager.io/') && key !== 'cert-manager.io/allow-direct-injection') {
      const detail = 'cert-manager.io/* annotations are not allowed';
      add(at.child('annotations'), 'Invalid value', detail, q(key));
    }
  }
  const labels = isObj(spec.secretTemplate.labels) ? spec.secretTemplate.labels : {};
  for (const value of Object.values(labels)) {
    if (str(value).length > 63)
      add(at.child('labels'), 'Invalid value', 'must be no more than 63 characters', q(str(value)));
  }
}

function validateNameConstraints(spec: Obj, add: Add): void {
  const constraints = spec.nameConstraints;
  if (!isObj(constraints)) return;
  const at = SPEC.child('nameConstraints');
  const value = JSON.stringify(constraints);
  if (spec.isCA !== true)
    add(at, 'Invalid value', 'isCa should be true when nameConstraints is set', value);
  if (constraints.permitted === undefined && constraints.excluded === undefined)
    add(at, 'Invalid value', 'either permitted or excluded must be set', value);
}

function validateAdditionalOutputFormats(spec: Obj, add: Add): void {
  const formats = new Set<string>();
  for (const f of list(spec.additionalOutputFormats)) {
    const type = isObj(f) ? str(f.type) : '';
    if (formats.has(type))
      add(SPEC.child('additionalOutputFormats').key('type'), 'Duplicate value', '', q(type));
    formats.add(type);
  }
}

function validateKeystores(spec: Obj, add: Add): void {
  const keystores = isObj(spec.keystores) ? spec.keystores : {};
  for (const [key, label] of [
    ['jks', 'JKS'],
    ['pkcs12', 'PKCS#12'],
  ] as const) {
    const ks = keystores[key];
    if (!isObj(ks)) continue;
    const ref = isObj(ks.passwordSecretRef) ? str(ks.passwordSecretRef.name) : '';
    const at = SPEC.child('keystores').child(key);
    if (ks.password !== undefined && ref !== '')
      add(
        at,
        'Forbidden',
        `exactly one of passwordSecretRef and password must be provided for ${label} keystores; ` +
          `cannot set both`,
      );
    else if (ks.password === undefined && ref === '')
      add(
        at,
        'Forbidden',
        `must set exactly one of passwordSecretRef and password must for ${label} keystores`,
      );
    else if (ks.password !== undefined && str(ks.password) === '')
      add(
        at.child('password'),
        'Forbidden',
        `literal password cannot be empty if set on ${label} keystores`,
      );
  }
}

function validateRenewal(spec: Obj, add: Add): void {
  if (!isObj(spec.renewal)) return;
  const at = SPEC.child('renewal');
  const policy = str(spec.renewal.policy);
  if (policy !== '' && policy !== 'RenewBefore' && policy !== 'Disabled') {
    const detail = 'supported values: "RenewBefore", "Disabled"';
    add(at.child('policy'), 'Unsupported value', detail, q(policy));
  }
  if (policy === 'Disabled' && list(spec.renewal.windows).length > 0) {
    const detail = 'windows cannot be set when `renewal.policy` is set to Disabled';
    add(at.child('windows'), 'Forbidden', detail);
  }
}

/** ValidateDuration: the lifetime and the renewal point. */
function validateDurations(spec: Obj, add: Add): void {
  const read = (v: unknown): bigint | undefined => {
    if (typeof v !== 'string') return undefined;
    const d = parseGoDuration(v);
    return d.ok ? d.nanos : undefined;
  };
  const duration = read(spec.duration) ?? DEFAULT_DURATION;
  const renewBefore = read(spec.renewBefore);
  const pct =
    typeof spec.renewBeforePercentage === 'number' ? spec.renewBeforePercentage : undefined;
  const fmt = formatGoDuration;
  const atDuration = SPEC.child('duration');
  const atRenewBefore = SPEC.child('renewBefore');
  if (duration < MINIMUM_DURATION) {
    const detail = `certificate duration must be greater than ${fmt(MINIMUM_DURATION)}`;
    add(atDuration, 'Invalid value', detail, fmt(duration));
  }
  if (renewBefore !== undefined && pct !== undefined) {
    const detail =
      'renewBefore and renewBeforePercentage are mutually exclusive and cannot both be set';
    add(atRenewBefore, 'Invalid value', detail, fmt(renewBefore));
    add(SPEC.child('renewBeforePercentage'), 'Invalid value', detail, String(pct));
  }
  if (renewBefore !== undefined && renewBefore < MINIMUM_RENEW_BEFORE) {
    const detail = `certificate renewBefore must be greater than ${fmt(MINIMUM_RENEW_BEFORE)}`;
    add(atRenewBefore, 'Invalid value', detail, fmt(renewBefore));
  }
  if (renewBefore !== undefined && renewBefore >= duration) {
    const detail = `certificate duration ${fmt(duration)} must be greater than renewBefore ${fmt(renewBefore)}`;
    add(atRenewBefore, 'Invalid value', detail, fmt(renewBefore));
  }
  if (pct !== undefined) validateRenewBeforePercentage(duration, pct, add);
}

function validateRenewBeforePercentage(duration: bigint, pct: number, add: Add): void {
  const at = SPEC.child('renewBeforePercentage');
  // The webhook (v1.21.1) computes the complement, duration*(100-pct)/100.
  const rb = (duration * BigInt(100 - Math.trunc(pct))) / 100n;
  if (rb < MINIMUM_RENEW_BEFORE) {
    const least = formatGoDuration(MINIMUM_RENEW_BEFORE);
    const detail = `certificate renewBeforePercentage must result in a renewBefore greater than ${least}`;
    add(at, 'Invalid value', detail, String(pct));
  }
  if (rb >= duration) {
    const detail =
      'certificate renewBeforePercentage must result in a renewBefore less than duration';
    add(at, 'Invalid value', detail, String(pct));
  }
}

/**
 * Go's net.ParseIP: dotted-decimal IPv4 (no leading zeros since Go 1.17), or IPv6 (optionally
 * ending in an embedded IPv4), never a zone (`%eth0`) or a prefix length.
 */
export function isGoIP(s: string): boolean {
  return isGoIPv4(s) || isGoIPv6(s);
}

function isGoIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

function isGoIPv6(s: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(':')) return false;
  let body = s;
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    // an embedded IPv4 address stands for the last two 16-bit groups
    if (!isGoIPv4(tail)) return false;
    body = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return false;
  const words = halves.flatMap((h) => (h === '' ? [] : h.split(':')));
  if (!words.every((w) => /^[0-9a-fA-F]{1,4}$/.test(w))) return false;
  return halves.length === 2 ? words.length < 8 : words.length === 8;
}

/**
 * Go's mail.ParseAddress as cert-manager uses it: the problem with an email SAN, or undefined.
 * Go first reads an addr-spec (`local@domain`); failing that, a display name and an angle
 * address (`Name <a@b>`). A value that parses but is not the bare address itself is rejected by
 * cert-manager with its own message.
 */
export function goMailProblem(s: string): string | undefined {
  const invalid = (e: string) => `invalid email address: ${e}`;
  const itself =
    'invalid email address: make sure the supplied value only contains the email address itself';
  const input = s.replace(/^[ \t]+/, '');
  if (input === '') return invalid('mail: no address');
  const spec = addrSpec(input);
  if ('address' in spec) {
    const rest = spec.rest.replace(/^[ \t]+/, '');
    if (rest !== '') return invalid(`mail: expected single address, got ${JSON.stringify(rest)}`);
    return spec.address === s ? undefined : itself;
  }
  // display-name, then angle-addr
  let rest = input;
  let phrase = '';
  if (!rest.startsWith('<')) {
    const words: string[] = [];
    for (;;) {
      const m = /^(?:"(?:[^"\\]|\\.)*"|[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.\u0080-\uffff]+)/.exec(rest);
      if (!m) break;
      words.push(m[0]);
      rest = rest.slice(m[0].length).replace(/^[ \t]+/, '');
    }
    if (words.length === 0) return invalid('mail: missing word in phrase: mail: invalid string');
    phrase = words.join(' ');
  }
  if (!rest.startsWith('<')) {
    return invalid(
      /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.\u0080-\uffff]+$/.test(phrase)
        ? "mail: missing '@' or angle-addr"
        : 'mail: no angle-addr',
    );
  }
  const inner = addrSpec(rest.slice(1));
  if ('error' in inner) return invalid(inner.error);
  if (!inner.rest.startsWith('>')) return invalid('mail: unclosed angle-addr');
  return itself;
}

const ATOM = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.\u0080-\uffff]+/;

/** consumeAddrSpec: the address as Go would return it and what follows, or Go's error. */
function addrSpec(s: string): { address: string; rest: string } | { error: string } {
  let local: string;
  let rest: string;
  if (s.startsWith('"')) {
    const m = /^"((?:[^"\\]|\\.)*)"/.exec(s);
    if (!m) return { error: 'mail: unclosed quoted-string' };
    local = m[1].replace(/\\(.)/g, '$1');
    rest = s.slice(m[0].length);
  } else {
    const atom = dotAtom(s);
    if ('error' in atom) return atom;
    [local, rest] = [atom.atom, atom.rest];
  }
  if (!rest.startsWith('@')) return { error: 'mail: missing @ in addr-spec' };
  rest = rest.slice(1);
  if (rest === '') return { error: 'mail: no domain in addr-spec' };
  let domain: string;
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']');
    if (end < 0) return { error: 'mail: unclosed domain-literal' };
    [domain, rest] = [rest.slice(0, end + 1), rest.slice(end + 1)];
  } else {
    const atom = dotAtom(rest);
    if ('error' in atom) return atom;
    [domain, rest] = [atom.atom, atom.rest];
  }
  return { address: `${local}@${domain}`, rest };
}

function dotAtom(s: string): { atom: string; rest: string } | { error: string } {
  const m = ATOM.exec(s);
  if (!m) return { error: 'mail: invalid string' };
  const atom = m[0];
  if (atom.startsWith('.')) return { error: 'mail: leading dot in atom' };
  if (atom.includes('..')) return { error: 'mail: double dot in atom' };
  if (atom.endsWith('.')) return { error: 'mail: trailing dot in atom' };
  return { atom, rest: s.slice(atom.length) };
}

/** A small RFC 4514 reader: attribute type/value pairs, enough to find the CN and unknown keys. */
function parseLiteralSubject(s: string): { attributes: [string, string][] } | { error: string } {
  const attributes: [string, string][] = [];
  let i = 0;
  while (i < s.length) {
    const eq = s.indexOf('=', i);
    if (eq < 0) return { error: 'DN ended with incomplete type, value pair' };
    const type = s.slice(i, eq).trim();
    let value = '';
    let j = eq + 1;
    for (; j < s.length && s[j] !== ',' && s[j] !== '+'; j++) {
      if (s[j] === '\\' && j + 1 < s.length) {
        j++;
      }
      value += s[j];
    }
    if (type === '') return { error: 'DN ended with incomplete type, value pair' };
    attributes.push([type, value.trim()]);
    i = j + 1;
  }
  return { attributes };
}

/**
 * Runs the webhook's checks on a Certificate dbtls is about to emit and reports each error where
 * it can be fixed: at the user's field when the value came from spec.tls (an override or the
 * issuerRef), otherwise at the database's metadata.name, saying what to change.
 */
export function reportWebhookErrors(
  cert: KubeObject,
  alias: string,
  override: CertificateOverride | undefined,
  report: Reporter,
): void {
  const spec = isObj(cert.spec) ? cert.spec : {};
  const name = cert.metadata.name;
  for (const e of validateCertificateSpec(spec)) {
    const text = formatWebhookError(e);
    const userPath = userField(e.path, spec, override);
    if (userPath) {
      report.error(userPath, `cert-manager's webhook would reject Certificate "${name}": ${text}`);
    } else {
      report.error(
        'metadata.name',
        `cert-manager's webhook would reject the generated Certificate "${name}": ${text}; ` +
          `${hintFor(e.field, spec, alias, report.object.metadata.name, namespaceOf(report.object))}`,
      );
    }
  }
  (override?.dnsNames ?? []).forEach((dns, i) => {
    const problem = dnsNameProblem(dns);
    if (problem)
      report.warn(
        `${override!.path}.dnsNames[${i}]`,
        `${JSON.stringify(dns)} is not a valid DNS name: it ${problem}; cert-manager accepts it, ` +
          `but no client will match it and ACME issuers refuse it`,
      );
  });
}

/**
 * Stricter than the webhook, which does not look at dnsNames: a SAN that is not a DNS name
 * (RFC 1123 labels, a wildcard only as the whole leftmost label) is issued by a CA issuer but
 * matches no client's host name, and ACME servers refuse it.
 */
export function dnsNameProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (name.length > 253) return `is ${name.length} characters; a DNS name has at most 253`;
  const labels = name.split('.');
  for (const [i, label] of labels.entries()) {
    if (label === '*' && i === 0 && labels.length > 1) continue;
    if (label.includes('*')) return 'has a wildcard that is not the whole leftmost label';
    if (label === '') return 'has an empty label';
    if (label.length > 63)
      return `has a label of ${label.length} characters; a label has at most 63`;
    if (!/^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?$/.test(label))
      return (
        `has the label "${label}": letters, digits and '-' only, not starting or ending ` +
        `with '-'`
      );
  }
  return undefined;
}

/** The field of spec.tls that produced a Certificate field, or undefined for dbtls's own defaults. */
function userField(
  path: FieldPath,
  spec: Obj,
  o: CertificateOverride | undefined,
): string | undefined {
  // The Certificate's field directly under spec, and the list index after it if there is one.
  const top = path.nameAt(1) ?? '';
  if (top === 'issuerRef') return o?.issuerRef ? `${o.path}.issuerRef` : 'spec.tls.issuerRef';
  if (!o) return undefined;
  switch (top) {
    case 'secretName':
      return o.secretName !== undefined ? `${o.path}.secretName` : undefined;
    case 'duration':
      return o.duration !== undefined ? `${o.path}.duration` : undefined;
    case 'renewBefore':
      if (o.renewBefore !== undefined) return `${o.path}.renewBefore`;
      return o.duration !== undefined ? `${o.path}.duration` : undefined;
    case 'subject':
      return o.subject !== undefined ? `${o.path}.subject` : undefined;
    case 'privateKey':
      return o.privateKey?.encoding !== undefined && path.last === 'encoding'
        ? `${o.path}.privateKey.encoding`
        : undefined;
    case 'dnsNames':
    case 'ipAddresses':
    case 'uris':
    case 'emailAddresses': {
      const index = path.indexAt(2);
      if (index === undefined) return undefined;
      const value = list(spec[top])[index];
      const j = (o[top] ?? []).indexOf(value as string);
      return j >= 0 ? `${o.path}.${top}[${j}]` : undefined;
    }
    default:
      return undefined;
  }
}

function hintFor(
  field: string,
  spec: Obj,
  alias: string,
  dbName: string,
  namespace: string,
): string {
  if (field === 'spec.commonName') {
    const cn = str(spec.commonName);
    const bytes = Buffer.byteLength(cn, 'utf8');
    // The name plus what the kind adds to it (VaultServer's "-<alias>"): the name gets the rest of the 64 bytes.
    const added = cn.includes(dbName) ? bytes - Buffer.byteLength(dbName, 'utf8') : 0;
    // PerconaXtraDB's <db>.<ns>.svc: the namespace takes its share, and may leave no room at all.
    const withNamespace = cn.includes(`.${namespace}.`);
    const derived =
      `the ${alias} certificate's commonName "${cn}" (${bytes} bytes) is derived ` +
      "from the database's name";
    if (withNamespace && 64 - added < 1) {
      return (
        `${derived} and namespace, and namespace "${namespace}" leaves no room for a name: ` +
        'use a shorter namespace'
      );
    }
    const andNamespace = withNamespace ? ' and namespace' : '';
    const inNamespace = withNamespace ? ' in this namespace' : '';
    const limit = `at most ${64 - added} bytes${inNamespace}`;
    return `${derived}${andNamespace}: choose a metadata.name of ${limit}`;
  }
  if (field === 'spec.secretName') {
    return (
      `the secret name is derived from the database's name: choose a shorter lowercase ` +
      `metadata.name, or set secretName for alias ${alias} in spec.tls.certificates`
    );
  }
  return (
    'the value comes from dbtls itself, not from your input: please report this as a dbtls ' + 'bug'
  );
}
