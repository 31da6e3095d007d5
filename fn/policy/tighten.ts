// A platform's policy tightened by one from the repository. The platform's rules hold whatever the
// repository says: a rule only the repository sets is added (but for the rules that grant, GRANTS),
// a rule both set takes the stricter value of each field, and a field the repository sets looser
// than the platform is an error naming the rule, the field and the platform's policy. Nothing here
// names a kind: connection settings are compared by the levels the kinds declare.
import { isDeepStrictEqual } from 'node:util';
import type { DatabaseKind } from '../contract/kind.js';
import type { AllowedIssuer, Match, PolicyRules, Rule } from '../contract/settings.js';
import { formatGoDuration } from '../util/duration.js';
import { DEFAULT_DURATION } from '../validate/certificate-lifetime.js';
import type { Segment } from '../util/field-path.js';
import { tightenClients, tightenNames } from './tighten-names.js';

/** Reports a field of the repository's spec.rules (a path under it) that would loosen a rule. */
export type Loosening = (path: Segment[], message: string) => void;

/** What the merge of one rule needs: the platform policy's name, where to report, the kinds. */
interface Merge {
  platform: string;
  bad: Loosening;
  kinds: readonly DatabaseKind[];
}

type RuleName = keyof PolicyRules;

/**
 * The platform's rules tightened by the repository's. `platform` names the platform's policy in
 * messages (its file); `bad` receives each loosening, at its path under spec.rules. Without a
 * platform policy (`pinned` false: flags or a ConfigMap alone), the rules that grant are added too.
 */
export function tightenRules(
  platform: PolicyRules,
  repository: PolicyRules,
  platformName: string,
  kinds: readonly DatabaseKind[],
  bad: Loosening,
  pinned = true,
): PolicyRules {
  const m: Merge = { platform: platformName, bad, kinds };
  const out: PolicyRules = { ...platform };
  for (const name of Object.keys(repository) as RuleName[]) {
    const p = platform[name];
    const r = repository[name];
    if (r === undefined) continue;
    if (p === undefined) {
      if (pinned && name in GRANTS) m.bad([name], grantedByRepository(name, m));
      else (out as Record<string, Rule>)[name] = r;
      continue;
    }
    const rule = tightenCommon(name, p, r, m);
    (out as Record<string, Rule>)[name] = MERGERS[name](rule, p as never, r as never, m);
  }
  return out;
}

/**
 * Rules that grant as well as restrict: without them the platform refuses what they allow. A
 * repository may narrow them where the platform sets them, never add them where it does not.
 */
const GRANTS: Partial<Record<RuleName, string>> = {
  allowClients: 'it grants workloads access to the external databases it lists',
  certificateNames: 'it allows wildcard names outside the cluster and externalIPs in certificates',
};

function grantedByRepository(name: RuleName, m: Merge): string {
  return (
    `policy rule ${name} is not set by the platform policy (${m.platform}), and ${GRANTS[name]}, ` +
    'which the platform policy refuses; a DatabaseTLSPolicy in the repository can only tighten ' +
    "the platform's: ask the platform to add the rule"
  );
}

/** The message for a field the repository sets looser than the platform. */
function looser(rule: string, what: string, platformValue: string, m: Merge): string {
  return (
    `policy rule ${rule}: ${what} is looser than the platform policy's ${platformValue} ` +
    `(${m.platform}); a DatabaseTLSPolicy in the repository can only tighten the platform's`
  );
}

/** Enforcement (enforce wins) and match (the platform's, or every database). */
function tightenCommon(name: RuleName, p: Rule, r: Rule, m: Merge): Rule {
  if (p.enforcement === 'enforce' && r.enforcement === 'audit')
    m.bad([name, 'enforcement'], looser(name, 'enforcement "audit"', '"enforce"', m));
  const enforcement =
    p.enforcement === 'enforce' || r.enforcement === 'enforce' ? 'enforce' : 'audit';
  return { enforcement, match: tightenMatch(name, p.match, r.match, m) };
}

function isEmptyMatch(match: Match): boolean {
  return !match.selector && (match.namespaces ?? []).length === 0;
}

/** The repository may widen a rule to every database, or repeat the platform's match. */
function tightenMatch(name: RuleName, p: Match, r: Match, m: Merge): Match {
  if (isEmptyMatch(r)) return {};
  if (isDeepStrictEqual(p, r)) return p;
  m.bad(
    [name, 'match'],
    `policy rule ${name}: match differs from the platform policy's (${m.platform}), which sets ` +
      'this rule; a rule the platform sets applies where it says: leave match out (every ' +
      "database) or repeat the platform's",
  );
  return p;
}

type Merger<R extends Rule> = (rule: Rule, p: R, r: R, m: Merge) => R;
type RuleOf<K extends RuleName> = NonNullable<PolicyRules[K]>;

const MERGERS: { [K in RuleName]: Merger<RuleOf<K>> } = {
  requireTLS: (rule, p, r, m) => {
    const pd = p.defaultIssuerRef;
    const rd = r.defaultIssuerRef;
    if (pd && rd && (pd.kind !== rd.kind || pd.name !== rd.name))
      m.bad(
        ['requireTLS', 'defaultIssuerRef'],
        `policy rule requireTLS: defaultIssuerRef ${rd.kind} "${rd.name}" differs from the ` +
          `platform policy's ${pd.kind} "${pd.name}" (${m.platform}); leave it out`,
      );
    return { ...rule, ...((pd ?? rd) ? { defaultIssuerRef: pd ?? rd } : {}) };
  },
  connectionSecurity: (rule, p, r, m) => ({
    ...rule,
    minimum: tightenMinimum(p.minimum, r.minimum, m),
  }),
  allowedIssuers: (rule, p, r, m) => {
    r.issuers.forEach((entry, i) => {
      if (!p.issuers.some((allowed) => covers(allowed, entry)))
        m.bad(
          ['allowedIssuers', 'issuers', i],
          `policy rule allowedIssuers: "${r.text[i]}" is not among the platform policy's ` +
            `allowed issuers (${p.text.join(', ')}; ${m.platform}); a DatabaseTLSPolicy in the ` +
            "repository can only narrow the platform's list",
        );
    });
    return { ...rule, issuers: r.issuers, text: r.text };
  },
  forbidSelfSignedIssuers: (rule) => rule,
  privateKey: (rule, p, r, m) => tightenPrivateKey(rule, p, r, m),
  certificateLifetime: (rule, p, r, m) => tightenLifetime(rule, p, r, m),
  tlsProtocols: (rule, p, r, m) => {
    const extra = r.versions.filter((v) => !p.versions.includes(v));
    if (extra.length > 0)
      m.bad(
        ['tlsProtocols', 'versions'],
        looser('tlsProtocols', `versions ${r.versions.join(', ')}`, p.versions.join(', '), m),
      );
    return { ...rule, versions: r.versions };
  },
  allowClients: (rule, p, r, m) => tightenClients(rule, p, r, m),
  certificateNames: (rule, p, r, m) => tightenNames(rule, p, r, m),
  forbidCrossNamespaceClients: (rule) => rule,
};

/** Whether an allowed-issuer entry of the platform allows every issuer the repository's does. */
function covers(p: AllowedIssuer, r: AllowedIssuer): boolean {
  return (
    p.name === r.name &&
    (p.kind === undefined || p.kind === r.kind) &&
    (p.namespace === undefined || p.namespace === r.namespace)
  );
}

/** Each setting at the higher of both minimums, by the levels the kinds declare. */
function tightenMinimum(
  p: Record<string, string | boolean>,
  r: Record<string, string | boolean>,
  m: Merge,
): Record<string, string | boolean> {
  const out = { ...p };
  for (const [key, value] of Object.entries(r)) {
    if (!Object.hasOwn(p, key)) {
      out[key] = value;
      continue;
    }
    const levels = m.kinds
      .flatMap((k) => k.connectionSettings ?? [])
      .find((s) => s.key === key)?.levels;
    const rank = (v: string | boolean) => levels?.indexOf(v) ?? -1;
    if (rank(value) < rank(p[key]))
      m.bad(
        ['connectionSecurity', 'minimum', key],
        looser(
          'connectionSecurity',
          `minimum.${key} ${JSON.stringify(value)}`,
          JSON.stringify(p[key]),
          m,
        ),
      );
    else out[key] = value;
  }
  return out;
}

/** One value both set: equal, or the repository's is an error; otherwise whichever is set. */
function same<T>(field: string, p: T | undefined, r: T | undefined, m: Merge): T | undefined {
  if (p !== undefined && r !== undefined && p !== r)
    m.bad(
      ['privateKey', field],
      `policy rule privateKey: ${field} ${String(r)} differs from the platform policy's ` +
        `${String(p)} (${m.platform}); leave it out or repeat the platform's`,
    );
  return p ?? r;
}

function tightenPrivateKey(
  rule: Rule,
  p: RuleOf<'privateKey'>,
  r: RuleOf<'privateKey'>,
  m: Merge,
): RuleOf<'privateKey'> {
  const algorithm = same('algorithm', p.algorithm, r.algorithm, m);
  const encoding = same('encoding', p.encoding, r.encoding, m);
  let minimumSize = p.minimumSize ?? r.minimumSize;
  if (p.minimumSize !== undefined && r.minimumSize !== undefined) {
    if (r.minimumSize < p.minimumSize)
      m.bad(
        ['privateKey', 'minimumSize'],
        looser('privateKey', `minimumSize ${r.minimumSize}`, String(p.minimumSize), m),
      );
    minimumSize = Math.max(p.minimumSize, r.minimumSize);
  }
  // Always rotating the key is the stricter: a key that never changes outlives a leak.
  if (p.rotationPolicy === 'Always' && r.rotationPolicy === 'Never')
    m.bad(
      ['privateKey', 'rotationPolicy'],
      looser('privateKey', 'rotationPolicy Never', 'Always', m),
    );
  const rotationPolicy =
    p.rotationPolicy === 'Always' || r.rotationPolicy === 'Always'
      ? 'Always'
      : (p.rotationPolicy ?? r.rotationPolicy);
  const fields = { algorithm, minimumSize, encoding, rotationPolicy };
  const set = Object.entries(fields).filter(([, v]) => v !== undefined);
  return { ...rule, ...Object.fromEntries(set) };
}

function tightenLifetime(
  rule: Rule,
  p: RuleOf<'certificateLifetime'>,
  r: RuleOf<'certificateLifetime'>,
  m: Merge,
): RuleOf<'certificateLifetime'> {
  const out: RuleOf<'certificateLifetime'> = { ...rule };
  const pMax = p.maximumDuration;
  const rMax = r.maximumDuration;
  if (pMax !== undefined && rMax !== undefined && rMax > pMax)
    m.bad(
      ['certificateLifetime', 'maximumDuration'],
      looser(
        'certificateLifetime',
        `maximumDuration ${formatGoDuration(rMax)}`,
        formatGoDuration(pMax),
        m,
      ),
    );
  const max = [pMax, rMax].filter((d) => d !== undefined).sort((a, b) => (a < b ? -1 : 1))[0];
  if (max !== undefined) out.maximumDuration = max;
  const pMin = p.minimumRenewBefore;
  const rMin = r.minimumRenewBefore;
  if (pMin !== undefined && rMin !== undefined && rMin < pMin)
    m.bad(
      ['certificateLifetime', 'minimumRenewBefore'],
      looser(
        'certificateLifetime',
        `minimumRenewBefore ${formatGoDuration(rMin)}`,
        formatGoDuration(pMin),
        m,
      ),
    );
  const min = [pMin, rMin].filter((d) => d !== undefined).sort((a, b) => (a < b ? 1 : -1))[0];
  if (min !== undefined) out.minimumRenewBefore = min;
  if (min !== undefined && min >= (max ?? DEFAULT_DURATION))
    m.bad(
      ['certificateLifetime'],
      `policy rule certificateLifetime: with the platform policy's (${m.platform}), ` +
        `minimumRenewBefore ${formatGoDuration(min)} is not shorter than maximumDuration ` +
        `${formatGoDuration(max ?? DEFAULT_DURATION)}; no certificate could satisfy both`,
    );
  return out;
}
