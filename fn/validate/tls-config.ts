// The shared shape of `spec.tls` (kmodules TLSConfig, as every KubeDB and KubeVault kind uses
// it): issuerRef, and certificates[] keyed by alias. Each rule reports at the exact field.
import { isObj, type Obj } from '../io/objects.js';
import type { Reporter } from '../io/results.js';
import { describeType } from '../io/resource-list.js';
import { parseGoDuration } from '../util/duration.js';
import type { Operator } from '../contract/kind.js';
import type { CertificateOverride, IssuerRef, Subject, TLSConfig } from '../contract/tls.js';
import { readString } from './fields.js';
import { at, type FieldPath } from '../util/field-path.js';

// The types live in the contract (fn/contract/tls.ts); this module reads them from a database.
export type { CertificateOverride, IssuerRef, Subject, TLSConfig };

const SUBJECT_LISTS = [
  'organizations',
  'countries',
  'organizationalUnits',
  'localities',
  'provinces',
  'streetAddresses',
  'postalCodes',
] as const;
const STRING_LISTS = ['dnsNames', 'ipAddresses', 'uris', 'emailAddresses'] as const;
const CERTIFICATE_FIELDS = [
  'alias',
  'issuerRef',
  'secretName',
  'subject',
  'duration',
  'renewBefore',
  ...STRING_LISTS,
  'privateKey',
];
export const ISSUER_GROUP = 'cert-manager.io';

/**
 * The aliases of one object: those its operator issues a certificate for, and those it knows but
 * issues none for with this object, each with why. The CRDs take any string as an alias and no
 * webhook of these kinds checks it: KubeDB (and KubeVault) look up only the aliases they issue,
 * and ignore any other entry.
 */
export interface AliasRules {
  issued: readonly string[];
  unissued?: Readonly<Record<string, string>>;
  /** The object's kind and operator, for the messages: MariaDB, KubeDB. */
  kind: string;
  operator: Operator;
}

/**
 * Reads `spec.tls`. Returns undefined when it is absent. `extraFields` are kind-specific keys
 * allowed beside issuerRef/certificates.
 */
export function readTLSConfig(
  spec: Obj,
  report: Reporter,
  aliases: AliasRules,
  extraFields: readonly string[] = [],
  issuerRefOptional = false,
): TLSConfig | undefined {
  const tls = spec.tls;
  if (tls === undefined || tls === null) return undefined;
  if (!isObj(tls)) {
    report.notMapping(at('spec', 'tls'), tls);
    return undefined;
  }
  const config: TLSConfig = { overrides: new Map(), extra: {} };
  for (const key of Object.keys(tls)) {
    if (key === 'issuerRef' || key === 'certificates') continue;
    if (extraFields.includes(key)) config.extra[key] = tls[key];
    else report.unknownField(at('spec', 'tls'), key, ['issuerRef', 'certificates', ...extraFields]);
  }
  if (tls.issuerRef === undefined || tls.issuerRef === null) {
    if (!issuerRefOptional)
      report.error(
        at('spec', 'tls', 'issuerRef'),
        'spec.tls.issuerRef is required when spec.tls is set: name the cert-manager Issuer or ' +
          'ClusterIssuer that signs the certificates',
      );
  } else {
    config.issuerRef = readIssuerRef(tls.issuerRef, at('spec', 'tls', 'issuerRef'), report);
  }
  const certs = tls.certificates;
  if (certs !== undefined && certs !== null) {
    if (!Array.isArray(certs)) {
      report.error(
        at('spec', 'tls', 'certificates'),
        `spec.tls.certificates must be a list, got ${describeType(certs)}`,
      );
    } else {
      certs.forEach((entry, i) => {
        const o = readCertificate(entry, at('spec', 'tls', 'certificates', i), report, aliases);
        if (!o) return;
        if (o.ignored) return;
        const seen = config.overrides.get(o.alias);
        if (seen)
          report.error(
            o.path.child('alias'),
            `alias "${o.alias}" is already customised by ${seen.path}; give each alias once`,
          );
        else config.overrides.set(o.alias, o);
      });
    }
  }
  return config;
}

export function readIssuerRef(
  v: unknown,
  path: FieldPath,
  report: Reporter,
): IssuerRef | undefined {
  if (!isObj(v)) {
    report.error(
      path,
      `${path} must be a mapping with apiGroup, kind and name, got ${describeType(v)}`,
    );
    return undefined;
  }
  let ok = true;
  for (const key of Object.keys(v)) {
    if (!['apiGroup', 'kind', 'name'].includes(key)) {
      report.unknownField(path, key, ['apiGroup', 'kind', 'name'], 'issuerRef');
      ok = false;
    }
  }
  const apiGroup = v.apiGroup ?? ISSUER_GROUP;
  if (apiGroup !== ISSUER_GROUP) {
    const field = path.child('apiGroup');
    report.error(
      field,
      `${field} must be "${ISSUER_GROUP}", got ${describeType(apiGroup)}: only cert-manager issuers are ` +
        `supported`,
    );
    ok = false;
  }
  const kind = path.child('kind');
  if (v.kind === undefined) {
    report.error(kind, `${kind} is required: Issuer or ClusterIssuer`);
    ok = false;
  } else if (v.kind !== 'Issuer' && v.kind !== 'ClusterIssuer') {
    report.error(kind, `${kind} must be Issuer or ClusterIssuer, got ${describeType(v.kind)}`);
    ok = false;
  }
  if (typeof v.name !== 'string' || v.name === '') {
    const name = path.child('name');
    report.error(
      name,
      v.name === undefined
        ? `${name} is required`
        : `${name} must be a non-empty string, got ${describeType(v.name)}`,
    );
    ok = false;
  }
  return ok
    ? { apiGroup: ISSUER_GROUP, kind: v.kind as IssuerRef['kind'], name: v.name as string }
    : undefined;
}

function readCertificate(
  v: unknown,
  path: FieldPath,
  report: Reporter,
  aliases: AliasRules,
): CertificateOverride | undefined {
  if (!isObj(v)) {
    report.notMapping(path, v);
    return undefined;
  }
  const before = report.results.length;
  for (const key of Object.keys(v)) {
    if (!CERTIFICATE_FIELDS.includes(key))
      report.unknownField(path, key, CERTIFICATE_FIELDS, 'a certificate entry');
  }
  const alias = v.alias;
  let ignored = false;
  const aliasPath = path.child('alias');
  if (alias === undefined)
    report.error(aliasPath, `${aliasPath} is required: one of ${aliases.issued.join(', ')}`);
  else if (typeof alias !== 'string')
    report.error(aliasPath, `${aliasPath} must be a string, got ${describeType(alias)}`);
  else if (!aliases.issued.includes(alias)) {
    report.warn(aliasPath, unissuedAlias(alias, aliases));
    ignored = true;
  }
  const o: CertificateOverride = { alias: String(alias), path, ...(ignored ? { ignored } : {}) };
  if (v.issuerRef !== undefined)
    o.issuerRef = readIssuerRef(v.issuerRef, path.child('issuerRef'), report);
  if (v.secretName !== undefined)
    o.secretName = readString(v, 'secretName', path.child('secretName'), report, 'any');
  readDurations(v, o, report);
  for (const key of STRING_LISTS) {
    if (v[key] !== undefined) o[key] = readStringList(v[key], path.child(key), report);
  }
  const subject = v.subject === undefined ? undefined : readSubject(v.subject, path, report);
  if (subject) o.subject = subject;
  if (v.privateKey !== undefined) readPrivateKey(v.privateKey, o, report);
  return report.results.length > before && alias === undefined ? undefined : o;
}

/** The warning for an entry whose alias the operator issues no certificate for: it is ignored. */
function unissuedAlias(alias: string, aliases: AliasRules): string {
  const why =
    aliases.unissued?.[alias] ??
    `${aliases.kind} issues ${aliases.issued.join(', ')}, and no other`;
  return (
    `alias ${JSON.stringify(alias)} is not a certificate this ${aliases.kind} issues: ${why}; ` +
    `${aliases.operator} ignores the entry (the CRD takes any alias), and so does dbtls: remove ` +
    `it${aliases.unissued?.[alias] ? '' : ', or give one of those aliases'}`
  );
}

/** duration and renewBefore: Go durations, as cert-manager reads them, and positive. */
function readDurations(v: Obj, o: CertificateOverride, report: Reporter): void {
  for (const key of ['duration', 'renewBefore'] as const) {
    if (v[key] === undefined) continue;
    const field = o.path.child(key);
    const s = readString(v, key, field, report, 'any');
    if (s === undefined) continue;
    const d = parseGoDuration(s);
    if (!d.ok)
      report.error(
        field,
        `${JSON.stringify(s)} is not a Go duration as cert-manager requires (${d.error}); use ` +
          `hours, e.g. 2160h for 90 days`,
      );
    else if (d.nanos <= 0n) report.error(field, `${JSON.stringify(s)} must be positive`);
    else o[key] = s;
  }
}

function readSubject(v: unknown, entry: FieldPath, report: Reporter): Subject | undefined {
  const path = entry.child('subject');
  if (!isObj(v)) {
    report.notMapping(path, v);
    return undefined;
  }
  const subject: Subject = {};
  for (const key of Object.keys(v)) {
    if ((SUBJECT_LISTS as readonly string[]).includes(key))
      subject[key as (typeof SUBJECT_LISTS)[number]] = readStringList(
        v[key],
        path.child(key),
        report,
      );
    else if (key === 'serialNumber')
      subject.serialNumber = readString(v, key, path.child('serialNumber'), report, 'any');
    else report.unknownField(path, key, [...SUBJECT_LISTS, 'serialNumber'], 'subject');
  }
  return subject;
}

/** privateKey in spec.tls.certificates: only the encoding, PKCS1 or PKCS8. */
function readPrivateKey(v: unknown, o: CertificateOverride, report: Reporter): void {
  const path = o.path.child('privateKey');
  if (!isObj(v)) {
    report.notMapping(path, v);
    return;
  }
  for (const key of Object.keys(v)) {
    if (key !== 'encoding')
      report.error(
        path.child(key),
        `unknown field "${key}"; privateKey in spec.tls.certificates has only encoding (the key ` +
          `algorithm and size are cert-manager's defaults, or those of the policy's privateKey ` +
          `rule)`,
      );
  }
  const enc = v.encoding;
  const encoding = path.child('encoding');
  if (enc !== undefined && enc !== 'PKCS1' && enc !== 'PKCS8')
    report.error(encoding, `${encoding} must be PKCS1 or PKCS8, got ${describeType(enc)}`);
  else o.privateKey = enc === undefined ? {} : { encoding: enc };
}

function readStringList(v: unknown, path: FieldPath, report: Reporter): string[] | undefined {
  if (!Array.isArray(v)) {
    report.error(path, `${path} must be a list of strings, got ${describeType(v)}`);
    return undefined;
  }
  const out: string[] = [];
  v.forEach((s, i) => {
    const entry = path.index(i);
    if (typeof s === 'string') out.push(s);
    else report.error(entry, `${entry} must be a string, got ${describeType(s)}`);
  });
  return out;
}
