// cert-manager's admission webhook checks of a Certificate spec (ValidateCertificateSpec in
// internal/apis/certmanager/validation/certificate.go, release v1.21.1), ported rule by rule so
// that every Certificate dbtls emits is one the cluster accepts. Each error carries the webhook's
// field path, error type, bad value and detail text; formatWebhookError prints it as the API
// server would (`spec.duration: Invalid value: 30m0s: certificate duration must be ...`).
// Where Go and JavaScript differ (net.ParseIP, mail.ParseAddress) the Go behaviour is reproduced.
// The sections live beside this file: certificate-identity.ts (secret, issuer, subject, SANs),
// certificate-key.ts, certificate-lifetime.ts and certificate-options.ts; go-formats.ts reads names
// and addresses as Go does. Here: the webhook's order of sections, and where each error is reported.
import { isObj, type KubeObject, namespaceOf, type Obj } from '../io/objects.js';
import type { Reporter } from '../io/results.js';
import { at, type FieldPath } from '../util/field-path.js';
import {
  validateIdentity,
  validateIssuerRef,
  validateLiteralSubject,
  validateSecretName,
  validateSubjectAltNames,
} from './certificate-identity.js';
import { validateKeyAlgorithms, validateUsages } from './certificate-key.js';
import { validateDurations, validateRenewal } from './certificate-lifetime.js';
import {
  validateAdditionalOutputFormats,
  validateKeystores,
  validateNameConstraints,
  validateRevisionHistoryLimit,
  validateSecretTemplate,
} from './certificate-options.js';
import { dnsNameProblem } from './go-formats.js';
import type { CertificateOverride } from './tls-config.js';
import {
  type Add,
  asList,
  asString,
  formatWebhookError,
  SPEC,
  type WebhookError,
} from './webhook-error.js';

export { formatWebhookError, type WebhookError, type WebhookErrorType } from './webhook-error.js';

const TLS_ISSUER_REF = at('spec', 'tls', 'issuerRef');

/**
 * Every error the webhook returns for this Certificate `spec`, in its order: the sections (imported
 * above) follow ValidateCertificateSpec's, one helper each.
 */
export function validateCertificateSpec(spec: Obj): WebhookError[] {
  const el: WebhookError[] = [];
  const add: Add = (path, type, detail, value) =>
    el.push({
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
        at('metadata', 'name'),
        `cert-manager's webhook would reject the generated Certificate "${name}": ${text}; ` +
          `${hintFor(e.path, spec, alias, report.object.metadata.name, namespaceOf(report.object))}`,
      );
    }
  }
  (override?.dnsNames ?? []).forEach((dns, i) => {
    const problem = dnsNameProblem(dns);
    if (problem)
      report.warn(
        override!.path.child('dnsNames').index(i),
        `${JSON.stringify(dns)} is not a valid DNS name: it ${problem}; cert-manager accepts it, ` +
          `but no client will match it and ACME issuers refuse it`,
      );
  });
}

/** The field of spec.tls that produced a Certificate field, or undefined for dbtls's own defaults. */
function userField(
  path: FieldPath,
  spec: Obj,
  o: CertificateOverride | undefined,
): FieldPath | undefined {
  // The Certificate's field directly under spec, and the list index after it if there is one.
  const [, top, index] = path.segments;
  if (top === 'issuerRef') return o?.issuerRef ? o.path.child('issuerRef') : TLS_ISSUER_REF;
  if (!o) return undefined;
  switch (top) {
    case 'secretName':
      return o.secretName !== undefined ? o.path.child('secretName') : undefined;
    case 'duration':
      return o.duration !== undefined ? o.path.child('duration') : undefined;
    case 'renewBefore':
      if (o.renewBefore !== undefined) return o.path.child('renewBefore');
      return o.duration !== undefined ? o.path.child('duration') : undefined;
    case 'subject':
      return o.subject !== undefined ? o.path.child('subject') : undefined;
    case 'privateKey':
      return o.privateKey?.encoding !== undefined && path.last === 'encoding'
        ? o.path.child('privateKey', 'encoding')
        : undefined;
    case 'dnsNames':
    case 'ipAddresses':
    case 'uris':
    case 'emailAddresses': {
      if (typeof index !== 'number') return undefined;
      const value = asList(spec[top])[index];
      const j = (o[top] ?? []).indexOf(value as string);
      return j >= 0 ? o.path.child(top).index(j) : undefined;
    }
    default:
      return undefined;
  }
}

function hintFor(
  path: FieldPath,
  spec: Obj,
  alias: string,
  dbName: string,
  namespace: string,
): string {
  if (path.equals(SPEC.child('commonName'))) {
    const cn = asString(spec.commonName);
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
  if (path.equals(SPEC.child('secretName'))) {
    return (
      `the secret name is derived from the database's name: choose a shorter lowercase ` +
      `metadata.name, or set secretName for alias ${alias} in spec.tls.certificates`
    );
  }
  return (
    'the value comes from dbtls itself, not from your input: please report this as a dbtls ' + 'bug'
  );
}
