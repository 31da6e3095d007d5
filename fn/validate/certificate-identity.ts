// The Certificate's identity as the webhook checks it: its secret and issuer, its subject (or
// literal subject) and common name, and its subject alternative names.
import { isObj, type Obj } from '../io/objects.js';
import {
  dns1123SubdomainErrors,
  goMailProblem,
  isGoIP,
  parseLiteralSubject,
} from './go-formats.js';
import { type Add, asList, asString, goQuoted, SPEC } from './webhook-error.js';

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
export function validateSecretName(spec: Obj, add: Add): void {
  const path = SPEC.child('secretName');
  const secretName = asString(spec.secretName);
  if (secretName === '') add(path, 'Required value', 'must be specified');
  else
    for (const d of dns1123SubdomainErrors(secretName))
      add(path, 'Invalid value', d, goQuoted(secretName));
}

export function validateIssuerRef(spec: Obj, add: Add): void {
  const path = SPEC.child('issuerRef');
  const ref = isObj(spec.issuerRef) ? spec.issuerRef : {};
  if (asString(ref.name) === '') add(path.child('name'), 'Required value', 'must be specified');
  const group = asString(ref.group);
  const kind = asString(ref.kind);
  if (
    (group === '' || group === 'cert-manager.io') &&
    !['', 'Issuer', 'ClusterIssuer'].includes(kind)
  ) {
    const hint = group === '' ? ' (did you forget to set spec.issuerRef.kind.group?)' : '';
    add(
      path.child('kind'),
      'Invalid value',
      `must be one of Issuer or ClusterIssuer${hint}`,
      goQuoted(kind),
    );
  }
}

/** The literalSubject checks; returns the common name, the literal subject's CN if it has one. */
export function validateLiteralSubject(spec: Obj, add: Add): string {
  let commonName = asString(spec.commonName);
  const literalSubject = asString(spec.literalSubject);
  if (literalSubject === '') return commonName;
  if (commonName !== '')
    add(
      SPEC.child('commonName'),
      'Invalid value',
      'When providing a `LiteralSubject` no `commonName` may be provided.',
      goQuoted(commonName),
    );
  const subject = isObj(spec.subject) ? spec.subject : {};
  const hasSubject = SUBJECT_KEYS.some((k) =>
    k === 'serialNumber' ? asString(subject[k]) !== '' : asList(subject[k]).length > 0,
  );
  if (hasSubject)
    add(
      SPEC.child('subject'),
      'Invalid value',
      'When providing a `LiteralSubject` no `Subject` properties may be provided.',
      JSON.stringify(subject),
    );
  const path = SPEC.child('literalSubject');
  const dn = parseLiteralSubject(literalSubject);
  if ('error' in dn) {
    add(path, 'Invalid value', dn.error, goQuoted(literalSubject));
    return commonName;
  }
  for (const [type, value] of dn.attributes) {
    if (type === 'CN') commonName = value;
    else if (!LITERAL_SUBJECT_KEYS.includes(type) && !/^\d+(\.\d+)+$/.test(type)) {
      const detail = `Literal subject contains unrecognized key with value [${value}]`;
      add(path, 'Invalid value', detail, goQuoted(literalSubject));
    }
  }
  return commonName;
}

/** At least one identity, and a common name that fits in 64 bytes. */
export function validateIdentity(spec: Obj, commonName: string, add: Add): void {
  const sans = ['dnsNames', 'uris', 'emailAddresses', 'ipAddresses', 'otherNames'];
  if (commonName === '' && sans.every((key) => asList(spec[key]).length === 0)) {
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
export function validateSubjectAltNames(spec: Obj, add: Add): void {
  asList(spec.ipAddresses).forEach((ip, i) => {
    const path = SPEC.child('ipAddresses').index(i);
    if (!isGoIP(asString(ip)))
      add(path, 'Invalid value', 'invalid IP address', goQuoted(asString(ip)));
  });
  asList(spec.emailAddresses).forEach((email, i) => {
    const problem = goMailProblem(asString(email));
    if (problem)
      add(
        SPEC.child('emailAddresses').index(i),
        'Invalid value',
        problem,
        goQuoted(asString(email)),
      );
  });
  asList(spec.otherNames).forEach((on, i) => {
    const path = SPEC.child('otherNames').index(i);
    const o = isObj(on) ? on : {};
    const oid = asString(o.oid);
    if (oid === '') add(path.child('oid'), 'Required value', 'must be specified');
    else if (!/^[0-2](\.(0|[1-9]\d*))+$/.test(oid))
      add(path.child('oid'), 'Invalid value', 'invalid oid syntax', goQuoted(oid));
    if (asString(o.utf8Value) === '')
      add(
        path.child('utf8Value'),
        'Required value',
        'must be set to a valid non-empty UTF8 string',
      );
  });
}
