// The rules about a database as a whole, as CEL over the object as written: requireTLS,
// connectionSecurity, allowedIssuers, tlsProtocols. Each message is the render-time result's
// (fn/policy/rules.ts), preceded by its field. Kind facts come through the kind contract only:
// connection settings with their levels and unset values, the operator's TLS versions.
import type { ConnectionSetting, DatabaseKind } from '../kinds/kind.js';
import type { PolicyRules } from '../policy/rules.js';
import { parseExternalIssuer } from '../policy/settings.js';
import { celHasPath, celList, celShown, celString } from './cel.js';
import {
  type AdmissionMode,
  boundedEntries,
  entryField,
  everyEntry,
  fieldMessage,
  type RuleAdmission,
  type Validation,
} from './model.js';

type Rules = Required<PolicyRules>;

export function requireTLS(
  rule: Rules['requireTLS'],
  kinds: readonly DatabaseKind[],
  mode: AdmissionMode,
): RuleAdmission {
  const d = rule.defaultIssuerRef;
  // Validate mode's own words; elsewhere dbtls would have added the issuer to a database it
  // rendered, so one that arrives without spec.tls did not come through dbtls.
  const unapplied = !d
    ? ''
    : mode === 'validate'
      ? ` (validate mode changes nothing, so the rule's defaultIssuerRef ${d.kind} "${d.name}" is not added)`
      : ` (dbtls adds the rule's defaultIssuerRef ${d.kind} "${d.name}" to the databases it renders; this one did not come through dbtls)`;
  const message =
    'policy rule requireTLS: TLS is required for this database; set spec.tls.issuerRef to a ' +
    `cert-manager Issuer or ClusterIssuer${unapplied}`;
  return {
    rule: 'requireTLS',
    enforcement: rule.enforcement,
    match: rule.match,
    kinds,
    validations: [
      {
        expression: 'variables.tls',
        message: `spec.tls: ${message}`,
        messageExpression: celString(`spec.tls: ${message}`),
      },
    ],
    notCovered: d && mode !== 'validate' ? [`defaultIssuerRef: admission adds nothing`] : [],
  };
}

/** Each kind's setting, read as KubeDB defaults it, held to the minimum for its key. */
export function connectionSecurity(
  rule: Rules['connectionSecurity'],
  kinds: readonly DatabaseKind[],
): RuleAdmission {
  const validations: Validation[] = [];
  const matched: DatabaseKind[] = [];
  for (const kind of kinds) {
    for (const setting of kind.connectionSettings ?? []) {
      if (!Object.hasOwn(rule.minimum, setting.key)) continue;
      validations.push(settingValidation(kind, setting, rule.minimum[setting.key]));
      if (!matched.includes(kind)) matched.push(kind);
    }
  }
  return {
    rule: 'connectionSecurity',
    enforcement: rule.enforcement,
    match: rule.match,
    kinds: matched,
    validations,
    notCovered: [],
  };
}

function settingValidation(
  kind: DatabaseKind,
  setting: ConnectionSetting,
  required: string | boolean,
): Validation {
  const field = `object.${setting.path}`;
  const literal = (v: string | boolean) => (typeof v === 'boolean' ? String(v) : celString(v));
  const value =
    `(${celHasPath('object', setting.path)} ? ${field} : ` +
    `variables.tls ? ${literal(setting.unset.withTLS)} : ${literal(setting.unset.withoutTLS)})`;
  const enough = setting.levels.slice(setting.levels.indexOf(required));
  // What the field holds, as render time says it: a boolean as true/false, a string quoted.
  const shown =
    typeof required === 'boolean'
      ? `(${value} ? 'true' : 'false')`
      : `'"' + ${celShown(value)} + '"'`;
  const requiredText = JSON.stringify(required);
  const text = `policy rule connectionSecurity: ${setting.key} is `;
  return {
    expression: `object.kind != ${celString(kind.kind)} || ${value} in ${celList(enough)}`,
    message: `${setting.path}: ${text}below the policy's minimum ${requiredText}`,
    messageExpression: fieldMessage(
      String(setting.path),
      `${celString(text)} + ${shown} + ${celString(`; the policy requires at least ${requiredText}`)}`,
    ),
  };
}

/** spec.tls.issuerRef and every certificate's issuerRef name an allowed issuer. */
export function allowedIssuers(
  rule: Rules['allowedIssuers'],
  kinds: readonly DatabaseKind[],
): RuleAdmission {
  const allowed = (ref: string) => {
    const any = rule.text.map((entry) => {
      const a = parseExternalIssuer(entry);
      const parts = [`${ref}.name == ${celString(a.name)}`];
      if (a.kind) parts.push(`${ref}.kind == ${celString(a.kind)}`);
      // Issuer/NAMESPACE/NAME: an Issuer of that namespace, so only for databases there.
      if (a.namespace)
        parts.push(`${ref}.kind == 'Issuer'`, `request.namespace == ${celString(a.namespace)}`);
      return `(${parts.join(' && ')})`;
    });
    return `(${any.join(' || ')})`;
  };
  const text = (ref: string) =>
    `'policy rule allowedIssuers: ' + ${celShown(`${ref}.kind`)} + ' "' + ${celShown(`${ref}.name`)} + '" ' + ` +
    celString(`is not an allowed issuer; use one of ${rule.text.join(', ')}`);
  const top = 'object.spec.tls.issuerRef';
  return {
    rule: 'allowedIssuers',
    enforcement: rule.enforcement,
    match: rule.match,
    kinds,
    validations: [
      {
        expression: `!variables.issuing || ${allowed(top)}`,
        message: 'spec.tls.issuerRef: policy rule allowedIssuers: not an allowed issuer',
        messageExpression: fieldMessage('spec.tls.issuerRef', text(top)),
      },
      boundedEntries(),
      everyEntry(
        (c) => `!has(${c}.issuerRef) || ${allowed(`${c}.issuerRef`)}`,
        (c, i) => `${entryField(i, 'issuerRef')} + ${text(`${c}.issuerRef`)}`,
        'spec.tls.certificates: policy rule allowedIssuers: an issuerRef names an issuer not allowed',
      ),
    ],
    notCovered: [],
  };
}

/**
 * Where the operator writes the server's TLS versions (KubeDB's MSSQLServer), a version the rule
 * leaves out is a violation at the field where the user could bring their own configuration.
 * Standalone mode writes the rule's versions itself: nothing to refuse.
 */
export function tlsProtocols(
  rule: Rules['tlsProtocols'],
  kinds: readonly DatabaseKind[],
): RuleAdmission | undefined {
  const validations: Validation[] = [];
  const matched: DatabaseKind[] = [];
  for (const kind of kinds) {
    const written = kind.operatorTLSProtocols;
    if (!written) continue;
    const extra = written.versions.filter((v) => !rule.versions.includes(v));
    if (extra.length === 0) continue;
    matched.push(kind);
    const overridden = celHasPath('object', written.override);
    const message =
      `${written.override}: policy rule tlsProtocols: KubeDB's operator writes tlsprotocols = ` +
      `${written.versions.join(',')} into ${written.file}, which allows TLS ${extra.join(', ')}; the ` +
      `policy allows only ${rule.versions.join(', ')}`;
    validations.push({
      expression: `object.kind != ${celString(kind.kind)} || !variables.tls || (${overridden})`,
      message,
      messageExpression: celString(message),
    });
  }
  if (validations.length === 0) return undefined;
  return {
    rule: 'tlsProtocols',
    enforcement: rule.enforcement,
    match: rule.match,
    kinds: matched,
    validations,
    notCovered: [
      'a database that brings its own configuration (spec.configSecret): its TLS versions cannot be read, at render time (a warning) or at admission',
    ],
  };
}
