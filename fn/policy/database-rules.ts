// The rules about a database as a whole: TLS present (and added, with requireTLS's
// defaultIssuerRef), the kinds' connection settings at the policy's minimum, issuers allowed and
// not self-signed, and the TLS versions a server accepts (for the kinds that write them).
import type { ConnectionSetting, DatabaseKind, KindContext } from '../contract/kind.js';
import type { AllowedIssuer, PolicyRules, Rule } from '../contract/settings.js';
import type { IssuerRef } from '../contract/tls.js';
import { isObj, type KubeObject } from '../io/objects.js';
import { fieldPathOf, type Reporter } from '../io/results.js';
import type { IssuerIndex } from '../validate/issuers.js';
import { at, type FieldPath } from '../util/field-path.js';
import { matches, NO_RULES, ruleName, violation } from './matching.js';

/** The TLS versions the tlsProtocols rule chooses for this database, or undefined without one. */
export function tlsProtocolsFor(ctx: KindContext): readonly string[] | undefined {
  const rule = (ctx.settings.rules ?? NO_RULES).tlsProtocols;
  return rule && matches(rule.match, ctx.db) ? rule.versions : undefined;
}

/**
 * Where the operator writes a server's TLS versions itself (`written`), the tlsProtocols rule can
 * only check them: a version the rule leaves out is a violation at `path`, where the user can
 * override what the operator writes.
 */
export function checkTLSProtocols(
  ctx: KindContext,
  written: readonly string[],
  what: string,
  path: FieldPath,
): void {
  const rule = (ctx.settings.rules ?? NO_RULES).tlsProtocols;
  if (!rule || !matches(rule.match, ctx.db)) return;
  const extra = written.filter((v) => !rule.versions.includes(v));
  if (extra.length === 0) return;
  const allowed = rule.versions.join(', ');
  const message = `${what} allows TLS ${extra.join(', ')}; the policy allows only ${allowed}`;
  violation(ctx.report, rule, 'tlsProtocols', path, message);
}

/**
 * requireTLS with a defaultIssuerRef: a matched database without spec.tls gets one (the one
 * documented mutation besides local-config), reported as an info result. Returns the database to
 * use from here on.
 */
export function applyPolicyDefaults(
  db: KubeObject,
  rules: PolicyRules,
  report: Reporter,
): KubeObject {
  const rule = rules.requireTLS;
  if (!rule?.defaultIssuerRef || !matches(rule.match, db) || !isObj(db.spec)) return db;
  if (db.spec.tls !== undefined && db.spec.tls !== null) return db;
  const ref = rule.defaultIssuerRef;
  report.info(
    at('spec', 'tls'),
    `${ruleName(rule, 'requireTLS')}: TLS is required and spec.tls was not set; added ` +
      `spec.tls.issuerRef ` +
      `${ref.kind} "${ref.name}" (the rule's defaultIssuerRef)`,
  );
  return {
    ...db,
    spec: {
      ...db.spec,
      tls: { issuerRef: { apiGroup: ref.apiGroup, kind: ref.kind, name: ref.name } },
    },
  };
}

/** The rules about the database as a whole: TLS present, connection settings, issuers. */
export function checkDatabasePolicy(
  ctx: KindContext,
  kind: DatabaseKind,
  plan: unknown,
  issuers: IssuerIndex,
): void {
  const rules = ctx.settings.rules ?? NO_RULES;
  const { db, tls } = ctx;
  if (rules.requireTLS && matches(rules.requireTLS.match, db))
    checkRequireTLS(ctx, rules.requireTLS);
  const cs = rules.connectionSecurity;
  if (cs && matches(cs.match, db))
    checkConnectionSecurity(ctx, kind.connectionSettings ?? [], plan, cs);
  const refs: { ref: IssuerRef; path: FieldPath }[] = [];
  if (tls?.issuerRef) refs.push({ ref: tls.issuerRef, path: at('spec', 'tls', 'issuerRef') });
  for (const o of tls?.overrides.values() ?? [])
    if (o.issuerRef) refs.push({ ref: o.issuerRef, path: o.path.child('issuerRef') });
  const ai = rules.allowedIssuers;
  if (ai && matches(ai.match, db)) {
    for (const { ref, path } of refs) checkAllowedIssuer(ctx, ai, ref, path);
  }
  const ss = rules.forbidSelfSignedIssuers;
  if (ss && matches(ss.match, db)) {
    for (const { ref, path } of refs) checkNotSelfSigned(ctx, ss, issuers, ref, path);
  }
}

function checkRequireTLS(ctx: KindContext, rt: NonNullable<PolicyRules['requireTLS']>): void {
  const { db, tls } = ctx;
  if (tls !== undefined || !isObj(db.spec)) return;
  if (db.spec.tls !== undefined && db.spec.tls !== null) return;
  // Validate mode changes nothing, so a defaultIssuerRef is not added: the database must say it.
  const d = rt.defaultIssuerRef;
  const unapplied =
    d && ctx.settings.mode === 'validate'
      ? ` (validate mode changes nothing, so the rule's defaultIssuerRef ${d.kind} "${d.name}" ` +
        'is not added)'
      : '';
  violation(
    ctx.report,
    rt,
    'requireTLS',
    at('spec', 'tls'),
    'TLS is required for this database; set ' +
      `spec.tls.issuerRef to a cert-manager Issuer or ClusterIssuer${unapplied}`,
  );
}

/** Each setting the kind declares is at least the policy's minimum. */
function checkConnectionSecurity<Plan>(
  ctx: KindContext,
  settings: readonly ConnectionSetting<Plan>[],
  plan: Plan,
  cs: NonNullable<PolicyRules['connectionSecurity']>,
): void {
  for (const setting of settings) {
    if (!Object.hasOwn(cs.minimum, setting.key)) continue;
    const required = cs.minimum[setting.key];
    const actual = setting.value(ctx, plan);
    if (actual === undefined) continue;
    const rank = (v: string | boolean) => setting.levels.indexOf(v);
    if (rank(actual) < rank(required)) {
      violation(
        ctx.report,
        cs,
        'connectionSecurity',
        setting.path,
        `${setting.key} is ${JSON.stringify(actual)}; the policy requires at least ` +
          `${JSON.stringify(required)}`,
      );
    }
  }
}

function checkAllowedIssuer(
  ctx: KindContext,
  ai: NonNullable<PolicyRules['allowedIssuers']>,
  ref: IssuerRef,
  path: FieldPath,
): void {
  const ok = ai.issuers.some(
    (a: AllowedIssuer) =>
      a.name === ref.name &&
      (a.kind === undefined || a.kind === ref.kind) &&
      (a.namespace === undefined || (ref.kind === 'Issuer' && a.namespace === ctx.namespace)),
  );
  if (!ok)
    violation(
      ctx.report,
      ai,
      'allowedIssuers',
      path,
      `${ref.kind} "${ref.name}" is not an allowed issuer; use one of ${ai.text.join(', ')}`,
    );
}

function checkNotSelfSigned(
  ctx: KindContext,
  ss: Rule,
  issuers: IssuerIndex,
  ref: IssuerRef,
  path: FieldPath,
): void {
  const { report } = ctx;
  const found = issuers.find(ref, ctx.namespace);
  if (!found) {
    // An issuer named nothing already has its error; an external one is unknown to us.
    if (!report.results.some((r) => r.severity === 'error' && fieldPathOf(r)?.equals(path))) {
      report.warn(
        path,
        `${ruleName(ss, 'forbidSelfSignedIssuers')}: ${ref.kind} "${ref.name}" is not in the ` +
          `input, so ` +
          `whether it is self-signed cannot be checked`,
      );
    }
  } else if (
    isObj(found.spec) &&
    found.spec.selfSigned !== undefined &&
    found.spec.selfSigned !== null
  ) {
    violation(
      report,
      ss,
      'forbidSelfSignedIssuers',
      path,
      `${ref.kind} "${ref.name}" is self-signed (spec.selfSigned); use an issuer backed by a CA ` +
        `(ca, vault, acme or an external issuer)`,
    );
  }
}
