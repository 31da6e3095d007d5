// The rules about each certificate a database's KubeDB issues: privateKey and
// certificateLifetime, as CEL over spec.tls.certificates[]. As at render time (fn/policy/rules.ts
// applyCertificatePolicy): in standalone and operator mode dbtls issues the Certificates and
// supplies what the rule asks where the database leaves it unset, so only what the user wrote
// can break the rule; in validate mode KubeDB issues them with cert-manager's defaults for the
// rest, and those count too. A certificate is named by its alias ("the server Certificate").
import type { DatabaseKind } from '../kinds/kind.js';
import type { PolicyRules } from '../policy/rules.js';
import { celList, celShown, celString } from './cel.js';
import {
  type AdmissionMode,
  boundedEntries,
  ENTRY_INDICES,
  entryField,
  everyEntry,
  type RuleAdmission,
  type Validation,
} from './model.js';

type Rules = Required<PolicyRules>;

const KEY_DEFAULT_NOTE =
  " (cert-manager's default: validate mode supplies nothing, and KubeDB's spec.tls.certificates[] has no field for it)";
const ENCODING_DEFAULT_NOTE =
  " (cert-manager's default: validate mode supplies nothing; set privateKey.encoding in spec.tls.certificates)";

/**
 * The aliases every database of a kind issues (server, client, …): those of a database that asks
 * for nothing more than an issuer. The certificates of these that no entry mentions are issued
 * with cert-manager's defaults in validate mode.
 */
export function alwaysIssued(kind: DatabaseKind): readonly string[] {
  const probe = {
    apiVersion: `${kind.group}/${kind.versions[0]}`,
    kind: kind.kind,
    metadata: { name: 'db', namespace: 'default' },
    spec: { tls: { issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' } } },
  };
  return kind.aliases(probe);
}

type Conditional = NonNullable<DatabaseKind['conditionalAliases']>[number];

/** `object.<path> == <value>`, false where a field on the way is absent. */
function fieldEquals(c: Conditional): string {
  const steps = c.path.map((_, i) => `object.${c.path.slice(0, i + 1).join('.')}`);
  const present = steps.map((s) => `has(${s})`).join(' && ');
  return `(${present} && ${steps[steps.length - 1]} == ${celString(c.equals)})`;
}

/** A message that names a certificate by its alias: as plain text, or as CEL around an expression. */
export interface AliasMessage {
  text(alias: string): string;
  cel(aliasExpr: string): string;
}

export function aliasMessage(before: string, after: string): AliasMessage {
  return {
    text: (alias) => `${before}${alias}${after}`,
    cel: (aliasExpr) => `${celString(before)} + ${celShown(aliasExpr)} + ${celString(after)}`,
  };
}

/**
 * Valid while every always-issued alias has an entry for which `has` holds; the message names
 * the first that has none. One validation per list of aliases, for the kinds that issue it.
 */
export function everyAliasSets(
  kinds: readonly DatabaseKind[],
  has: (entry: string) => string,
  message: AliasMessage,
): Validation[] {
  const groups = new Map<string, DatabaseKind[]>();
  for (const kind of kinds) {
    const key = JSON.stringify([alwaysIssued(kind), kind.conditionalAliases ?? []]);
    groups.set(key, [...(groups.get(key) ?? []), kind]);
  }
  return [...groups].map(([key, group]) => {
    const [aliases, conditional] = JSON.parse(key) as [string[], Conditional[]];
    const sets = (a: string) =>
      `${ENTRY_INDICES}.exists(i, i < size(variables.certificates) && ` +
      `variables.certificates[i].alias == ${a} && ${has('variables.certificates[i]')})`;
    const forKinds = `!(object.kind in ${celList(group.map((k) => k.kind))})`;
    // The aliases this object issues: the kind's own, and each conditional one whose field holds
    // its value.
    const issued = [
      celList(aliases),
      ...conditional.map((c) => `(${fieldEquals(c)} ? ${celList([c.alias])} : [])`),
    ].join(' + ');
    const first = `(${issued}).filter(a, !(${sets('a')}))[0]`;
    return {
      expression: `!variables.issuing || ${forKinds} || (${issued}).all(a, ${sets('a')})`,
      message: message.text(aliases[0]),
      messageExpression: `[${first}].map(a, ${message.cel('a')})[0]`,
    };
  });
}

export function privateKey(
  rule: Rules['privateKey'],
  kinds: readonly DatabaseKind[],
  mode: AdmissionMode,
): RuleAdmission {
  const validations: Validation[] = [boundedEntries()];
  const policyText = 'policy rule privateKey: ';
  if (rule.encoding !== undefined) {
    const wanted = rule.encoding;
    validations.push(
      everyEntry(
        (c) =>
          `!variables.issuing || !(${encodingSet(c)}) || ${c}.privateKey.encoding == ${celString(wanted)}`,
        (c, i) =>
          `${entryField(i, 'privateKey.encoding')} + ${celString(`${policyText}privateKey.encoding is `)} + ` +
          `${celShown(`${c}.privateKey.encoding`)} + ${celString(`; the policy requires ${wanted}`)}`,
        `spec.tls.certificates: ${policyText}privateKey.encoding must be ${wanted}`,
      ),
    );
  }
  if (mode === 'validate') validations.push(...keyDefaults(rule, kinds));
  return {
    rule: 'privateKey',
    enforcement: rule.enforcement,
    match: rule.match,
    kinds,
    validations,
    notCovered: [],
  };
}

const encodingSet = (c: string) => `has(${c}.privateKey) && has(${c}.privateKey.encoding)`;

/** Validate mode: what cert-manager's defaults (RSA 2048, PKCS1, Always) break of the rule. */
function keyDefaults(rule: Rules['privateKey'], kinds: readonly DatabaseKind[]): Validation[] {
  const out: Validation[] = [];
  // Every certificate has the default: the first one issued (server) is named.
  const everyCertificate = (field: string, actual: string, wanted: string) => {
    const text = `policy rule privateKey: privateKey.${field} of the server Certificate is ${actual}${KEY_DEFAULT_NOTE}; the policy requires ${wanted}`;
    out.push({
      expression: '!variables.issuing',
      message: text,
      messageExpression: celString(text),
    });
  };
  if (rule.algorithm !== undefined && rule.algorithm !== 'RSA')
    everyCertificate('algorithm', 'RSA', rule.algorithm);
  else if (rule.minimumSize !== undefined && rule.minimumSize > 2048)
    everyCertificate('size', '2048', `at least ${rule.minimumSize}`);
  if (rule.rotationPolicy === 'Never') everyCertificate('rotationPolicy', 'Always', 'Never');
  if (rule.encoding === 'PKCS8') {
    const message = aliasMessage(
      'policy rule privateKey: privateKey.encoding of the ',
      ` Certificate is PKCS1${ENCODING_DEFAULT_NOTE}; the policy requires PKCS8`,
    );
    // Entries that leave the encoding unset, and aliases without an entry.
    out.push(
      everyEntry(
        (c) => `!variables.issuing || (${encodingSet(c)})`,
        (c) => message.cel(`${c}.alias`),
        message.text('server'),
      ),
      ...everyAliasSets(kinds, encodingSet, message),
    );
  }
  return out;
}
