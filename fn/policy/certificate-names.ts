// The names in a database's Certificates, after the user's overrides are merged: what the database
// does not own is refused (fn/validate/certificate-names.ts), and what lies outside the cluster is
// the policy's rule certificateNames to allow: DNS names under its allowedDNSSuffixes, IP addresses
// in its allowedIPRanges. Without the rule, a plain external DNS name or IP address is allowed; a
// wildcard outside the cluster, and a service template's externalIPs (which take that address's
// traffic from every pod of the cluster, CVE-2020-8554), need the rule.
import type { KindContext } from '../contract/kind.js';
import type { PolicyRules } from '../contract/settings.js';
import type { CertificateOverride } from '../contract/tls.js';
import { isObj, type KubeObject, type Obj } from '../io/objects.js';
import { clusterNamespaceOf, foreignNames, normalDNSName } from '../validate/certificate-names.js';
import type { DeclaredNames } from '../validate/service-templates.js';
import { at, type FieldPath } from '../util/field-path.js';
import { inRanges, isLoopback, singleRange } from '../util/ip.js';
import { matches, NO_RULES } from './matching.js';

type NamesRule = NonNullable<PolicyRules['certificateNames']>;
const RULE = 'certificateNames';

function ruleFor(ctx: KindContext): NamesRule | undefined {
  const rule = (ctx.settings.rules ?? NO_RULES).certificateNames;
  return rule && matches(rule.match, ctx.db) ? rule : undefined;
}

/** Why an external DNS name is not allowed, if it is not. */
function externalNameProblem(name: string, rule: NamesRule | undefined): string | undefined {
  const n = normalDNSName(name);
  const base = n.startsWith('*.') ? n.slice(2) : n;
  const suffixes = rule?.allowedDNSSuffixes;
  if (suffixes?.some((s) => base === s || base.endsWith(`.${s}`))) return undefined;
  if (!suffixes && !n.startsWith('*.')) return undefined;
  const add = `add "${base}" to the policy rule ${RULE}.allowedDNSSuffixes to allow it`;
  if (!suffixes)
    return `is a wildcard outside the cluster: it names every service under "${base}"; ${add}`;
  return `is outside the cluster and under none of the policy rule ${RULE}.allowedDNSSuffixes (${suffixes.join(', ')}); ${add}`;
}

/** Why an IP address is not allowed, if it is not; loopback addresses name the pod itself. */
function ipProblem(ip: string, rule: NamesRule | undefined): string | undefined {
  const ranges = rule?.allowedIPRanges;
  if (!ranges || isLoopback(ip) || inRanges(ip, ranges)) return undefined;
  const single = singleRange(ip);
  return `is outside the policy rule ${RULE}.allowedIPRanges (${ranges.join(', ')}); add "${single}" to allow it`;
}

/**
 * Reports every name of `certificate` the database may not hold: at the override's field where
 * the user wrote it, at spec.serviceTemplates where a template declared it, else at the name.
 * `own` are the kind's default DNS names: the policy's external-name rule does not apply to them.
 */
export function checkCertificateNames(
  certificate: KubeObject,
  ctx: KindContext,
  override: CertificateOverride | undefined,
  declared: DeclaredNames | undefined,
  own: readonly string[],
): void {
  const spec = isObj(certificate.spec) ? certificate.spec : {};
  const { namespace, settings } = ctx;
  const rule = ruleFor(ctx);
  const problems = foreignNames(spec, namespace, settings.clusterDomain);
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((s) => typeof s === 'string') : []);
  for (const d of list(spec.dnsNames)) {
    // The kind's own names (`<db>`, `<db>.<namespace>`, …) are what the database is.
    if (own.includes(d) || clusterNamespaceOf(d, settings.clusterDomain) !== undefined) continue;
    if (!d.includes('.')) continue;
    const why = externalNameProblem(d, rule);
    if (why) problems.push({ field: 'dnsNames', value: d, why });
  }
  // A template's externalIPs have their own check, at the template (checkExternalIPs).
  const external = new Set((declared?.externalIPs ?? []).map((e) => e.ip));
  for (const ip of list(spec.ipAddresses)) {
    if (external.has(ip)) continue;
    const why = ipProblem(ip, rule);
    if (why) problems.push({ field: 'ipAddresses', value: ip, why });
  }
  const name = certificate.metadata.name;
  for (const p of problems) {
    const path = pathOf(p.field, p.value, override, declared);
    const what = LABELS[p.field] ?? p.field;
    ctx.report.error(path, `Certificate "${name}" names ${what} "${p.value}", which ${p.why}`);
  }
}

const LABELS: Record<string, string> = {
  commonName: 'the common name',
  dnsNames: 'DNS name',
  ipAddresses: 'IP address',
  uris: 'URI',
  'subject.organizations': 'the organization',
  'subject.organizationalUnits': 'the organizational unit',
};

function pathOf(
  field: string,
  value: string,
  override: CertificateOverride | undefined,
  declared: DeclaredNames | undefined,
): FieldPath {
  const [top, sub] = field.split('.');
  const o = override as Record<string, unknown> | undefined;
  const written = sub === undefined ? o?.[top] : isObj(o?.[top]) ? (o[top] as Obj)[sub] : undefined;
  const i = Array.isArray(written) ? written.indexOf(value) : -1;
  if (override && i >= 0) return override.path.child(...field.split('.')).index(i);
  const fromTemplate =
    declared && (declared.dnsNames.includes(value) || declared.ipAddresses.includes(value));
  if (fromTemplate) return at('spec', 'serviceTemplates');
  return at('metadata', 'name');
}

/** A service template's externalIPs: refused unless the policy's allowedIPRanges hold them. */
export function checkExternalIPs(ctx: KindContext, declared: DeclaredNames | undefined): void {
  const rule = ruleFor(ctx);
  for (const { ip, path } of declared?.externalIPs ?? []) {
    const ranges = rule?.allowedIPRanges;
    if (ranges && inRanges(ip, ranges)) continue;
    const single = singleRange(ip);
    ctx.report.error(
      path,
      `externalIP "${ip}" makes the Service take the traffic every pod of the cluster sends to ` +
        `${ip} (CVE-2020-8554), and names it in the server certificate; allow it with the ` +
        `policy rule ${RULE}: {allowedIPRanges: ["${single}"]}`,
    );
  }
}
