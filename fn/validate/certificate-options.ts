// The Certificate's optional sections as the webhook checks them: revision history, the secret's
// template, name constraints, additional output formats and keystores.
import { isObj, type Obj } from '../io/objects.js';
import { type Add, asList, asString, goQuoted, SPEC } from './webhook-error.js';

export function validateRevisionHistoryLimit(spec: Obj, add: Add): void {
  const limit = spec.revisionHistoryLimit;
  if (typeof limit === 'number' && limit < 1)
    add(
      SPEC.child('revisionHistoryLimit'),
      'Invalid value',
      'must not be less than 1',
      String(limit),
    );
}

export function validateSecretTemplate(spec: Obj, add: Add): void {
  if (!isObj(spec.secretTemplate)) return;
  const path = SPEC.child('secretTemplate');
  const annotations = isObj(spec.secretTemplate.annotations) ? spec.secretTemplate.annotations : {};
  for (const key of Object.keys(annotations)) {
    if (key.startsWith('cert-manager.io/') && key !== 'cert-manager.io/allow-direct-injection') {
      const detail = 'cert-manager.io/* annotations are not allowed';
      add(path.child('annotations'), 'Invalid value', detail, goQuoted(key));
    }
  }
  const labels = isObj(spec.secretTemplate.labels) ? spec.secretTemplate.labels : {};
  for (const value of Object.values(labels)) {
    if (asString(value).length > 63)
      add(
        path.child('labels'),
        'Invalid value',
        'must be no more than 63 characters',
        goQuoted(asString(value)),
      );
  }
}

export function validateNameConstraints(spec: Obj, add: Add): void {
  const constraints = spec.nameConstraints;
  if (!isObj(constraints)) return;
  const path = SPEC.child('nameConstraints');
  const value = JSON.stringify(constraints);
  if (spec.isCA !== true)
    add(path, 'Invalid value', 'isCa should be true when nameConstraints is set', value);
  if (constraints.permitted === undefined && constraints.excluded === undefined)
    add(path, 'Invalid value', 'either permitted or excluded must be set', value);
}

export function validateAdditionalOutputFormats(spec: Obj, add: Add): void {
  const formats = new Set<string>();
  for (const f of asList(spec.additionalOutputFormats)) {
    const type = isObj(f) ? asString(f.type) : '';
    if (formats.has(type))
      add(SPEC.child('additionalOutputFormats').key('type'), 'Duplicate value', '', goQuoted(type));
    formats.add(type);
  }
}

export function validateKeystores(spec: Obj, add: Add): void {
  const keystores = isObj(spec.keystores) ? spec.keystores : {};
  for (const [key, label] of [
    ['jks', 'JKS'],
    ['pkcs12', 'PKCS#12'],
  ] as const) {
    const ks = keystores[key];
    if (!isObj(ks)) continue;
    const ref = isObj(ks.passwordSecretRef) ? asString(ks.passwordSecretRef.name) : '';
    const path = SPEC.child('keystores').child(key);
    if (ks.password !== undefined && ref !== '')
      add(
        path,
        'Forbidden',
        `exactly one of passwordSecretRef and password must be provided for ${label} keystores; ` +
          `cannot set both`,
      );
    else if (ks.password === undefined && ref === '')
      add(
        path,
        'Forbidden',
        `must set exactly one of passwordSecretRef and password must for ${label} keystores`,
      );
    else if (ks.password !== undefined && asString(ks.password) === '')
      add(
        path.child('password'),
        'Forbidden',
        `literal password cannot be empty if set on ${label} keystores`,
      );
  }
}
