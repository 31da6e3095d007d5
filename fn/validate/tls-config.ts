// The shared shape of `spec.tls` (kmodules TLSConfig, as every KubeDB and KubeVault kind uses
// it): issuerRef, and certificates[] keyed by alias. Each rule reports at the exact field.
import { isObj, type Obj } from '../io/objects.js';
import type { Reporter } from '../io/results.js';
import { describeType } from '../io/resource-list.js';
import { parseGoDuration } from '../util/duration.js';
import type { CertificateOverride, IssuerRef, Subject, TLSConfig } from '../contract/tls.js';
import { readString } from './fields.js';

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
 * Reads `spec.tls`. Returns undefined when it is absent. `knownAliases` are the aliases the kind
 * issues for this object; `extraFields` are kind-specific keys allowed beside issuerRef/certificates.
 */
export function readTLSConfig(
  spec: Obj,
  report: Reporter,
  knownAliases: readonly string[],
  extraFields: readonly string[] = [],
  issuerRefOptional = false,
): TLSConfig | undefined {
  const tls = spec.tls;
  if (tls === undefined || tls === null) return undefined;
  if (!isObj(tls)) {
    report.notMapping('spec.tls', tls);
    return undefined;
  }
  const config: TLSConfig = { overrides: new Map(), extra: {} };
  for (const key of Object.keys(tls)) {
    if (key === 'issuerRef' || key === 'certificates') continue;
    if (extraFields.includes(key)) config.extra[key] = tls[key];
    else report.unknownField('spec.tls', key, ['issuerRef', 'certificates', ...extraFields]);
  }
  if (tls.issuerRef === undefined || tls.issuerRef === null) {
    if (!issuerRefOptional)
      report.error(
        'spec.tls.issuerRef',
        'spec.tls.issuerRef is required when spec.tls is set: name the cert-manager Issuer or ' +
          'ClusterIssuer that signs the certificates',
      );
  } else {
    config.issuerRef = readIssuerRef(tls.issuerRef, 'spec.tls.issuerRef', report);
  }
  const certs = tls.certificates;
  if (certs !== undefined && certs !== null) {
    if (!Array.isArray(certs)) {
      report.error('spec.tls.certificates', `must be a list, got ${describeType(certs)}`);
    } else {
      certs.forEach((entry, i) => {
        const o = readCertificate(entry, `spec.tls.certificates[${i}]`, report, knownAliases);
        if (!o) return;
        const seen = config.overrides.get(o.alias);
        if (seen)
          report.error(
            `${o.path}.alias`,
            `alias "${o.alias}" is already customised by ${seen.path}; give each alias once`,
          );
        else config.overrides.set(o.alias, o);
      });
    }
  }
  return config;
}

export function readIssuerRef(v: unknown, path: string, report: Reporter): IssuerRef | undefined {
  if (!isObj(v)) {
    report.error(path, `must be a mapping with apiGroup, kind and name, got ${describeType(v)}`);
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
    report.error(
      `${path}.apiGroup`,
      `must be "${ISSUER_GROUP}", got ${describeType(apiGroup)}: only cert-manager issuers are ` +
        `supported`,
    );
    ok = false;
  }
  if (v.kind === undefined) {
    report.error(`${path}.kind`, 'is required: Issuer or ClusterIssuer');
    ok = false;
  } else if (v.kind !== 'Issuer' && v.kind !== 'ClusterIssuer') {
    report.error(`${path}.kind`, `must be Issuer or ClusterIssuer, got ${describeType(v.kind)}`);
    ok = false;
  }
  if (typeof v.name !== 'string' || v.name === '') {
    report.error(
      `${path}.name`,
      v.name === undefined
        ? 'is required'
        : `must be a non-empty string, got ${describeType(v.name)}`,
    );
    ok = false;
  }
  return ok
    ? { apiGroup: ISSUER_GROUP, kind: v.kind as IssuerRef['kind'], name: v.name as string }
    : undefined;
}

function readCertificate(
  v: unknown,
  path: string,
  report: Reporter,
  knownAliases: readonly string[],
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
  if (alias === undefined)
    report.error(`${path}.alias`, `is required: one of ${knownAliases.join(', ')}`);
  else if (typeof alias !== 'string' || !knownAliases.includes(alias)) {
    report.error(
      `${path}.alias`,
      `unknown alias ${typeof alias === 'string' ? JSON.stringify(alias) : describeType(alias)}; ` +
        `this resource issues ${knownAliases.join(', ')}`,
    );
  }
  const o: CertificateOverride = { alias: String(alias), path };
  if (v.issuerRef !== undefined)
    o.issuerRef = readIssuerRef(v.issuerRef, `${path}.issuerRef`, report);
  if (v.secretName !== undefined)
    o.secretName = readString(v, 'secretName', `${path}.secretName`, report, 'any');
  readDurations(v, o, report);
  for (const key of STRING_LISTS) {
    if (v[key] !== undefined) o[key] = readStringList(v[key], `${path}.${key}`, report);
  }
  const subject = v.subject === undefined ? undefined : readSubject(v.subject, path, report);
  if (subject) o.subject = subject;
  if (v.privateKey !== undefined) readPrivateKey(v.privateKey, o, report);
  return report.results.length > before && alias === undefined ? undefined : o;
}

/** duration and renewBefore: Go durations, as cert-manager reads them, and positive. */
function readDurations(v: Obj, o: CertificateOverride, report: Reporter): void {
  for (const key of ['duration', 'renewBefore'] as const) {
    if (v[key] === undefined) continue;
    const at = `${o.path}.${key}`;
    const s = readString(v, key, at, report, 'any');
    if (s === undefined) continue;
    const d = parseGoDuration(s);
    if (!d.ok)
      report.error(
        at,
        `${JSON.stringify(s)} is not a Go duration as cert-manager requires (${d.error}); use ` +
          `hours, e.g. 2160h for 90 days`,
      );
    else if (d.nanos <= 0n) report.error(at, `${JSON.stringify(s)} must be positive`);
    else o[key] = s;
  }
}

function readSubject(v: unknown, entry: string, report: Reporter): Subject | undefined {
  const path = `${entry}.subject`;
  if (!isObj(v)) {
    report.notMapping(path, v);
    return undefined;
  }
  const subject: Subject = {};
  for (const key of Object.keys(v)) {
    if ((SUBJECT_LISTS as readonly string[]).includes(key))
      subject[key as (typeof SUBJECT_LISTS)[number]] = readStringList(
        v[key],
        `${path}.${key}`,
        report,
      );
    else if (key === 'serialNumber')
      subject.serialNumber = readString(v, key, `${path}.serialNumber`, report, 'any');
    else report.unknownField(path, key, [...SUBJECT_LISTS, 'serialNumber'], 'subject');
  }
  return subject;
}

/** privateKey in spec.tls.certificates: only the encoding, PKCS1 or PKCS8. */
function readPrivateKey(v: unknown, o: CertificateOverride, report: Reporter): void {
  const path = `${o.path}.privateKey`;
  if (!isObj(v)) {
    report.notMapping(path, v);
    return;
  }
  for (const key of Object.keys(v)) {
    if (key !== 'encoding')
      report.error(
        `${path}.${key}`,
        `unknown field "${key}"; privateKey in spec.tls.certificates has only encoding (the key ` +
          `algorithm and size are cert-manager's defaults, or those of the policy's privateKey ` +
          `rule)`,
      );
  }
  const enc = v.encoding;
  if (enc !== undefined && enc !== 'PKCS1' && enc !== 'PKCS8')
    report.error(`${path}.encoding`, `must be PKCS1 or PKCS8, got ${describeType(enc)}`);
  else o.privateKey = enc === undefined ? {} : { encoding: enc };
}

function readStringList(v: unknown, path: string, report: Reporter): string[] | undefined {
  if (!Array.isArray(v)) {
    report.error(path, `must be a list of strings, got ${describeType(v)}`);
    return undefined;
  }
  const out: string[] = [];
  v.forEach((s, i) => {
    if (typeof s === 'string') out.push(s);
    else report.error(`${path}[${i}]`, `must be a string, got ${describeType(s)}`);
  });
  return out;
}
