// Tightening of the rules that grant rather than require (./tighten.ts holds the others): a
// repository's allowClients can only name clients the platform's grants already cover, and its
// certificateNames only DNS suffixes under the platform's and IP ranges inside them. What the
// repository lists beyond that is an error; what is left is the narrower list.
import type { DatabaseKind } from '../contract/kind.js';
import type { ClientGrant, PolicyRules, Rule } from '../contract/settings.js';
import { isAdministrative } from '../connect/grants.js';
import type { Segment } from '../util/field-path.js';
import { rangeInside } from '../util/ip.js';

/** Where a loosening is reported (a path under spec.rules), and what names the platform. */
export interface Narrowing {
  platform: string;
  bad: (path: Segment[], message: string) => void;
  kinds: readonly DatabaseKind[];
}

type Clients = NonNullable<PolicyRules['allowClients']>;
type Names = NonNullable<PolicyRules['certificateNames']>;

function text(g: ClientGrant): string {
  return `${g.namespace}${g.workload ? `/${g.workload}` : ''}${g.user ? ` as ${g.user}` : ''}`;
}

/** Whether the platform's grant `p` allows every connection the repository's `r` does. */
function grantCovers(p: ClientGrant, r: ClientGrant, kinds: readonly DatabaseKind[]): boolean {
  if (p.namespace !== r.namespace) return false;
  if (p.workload !== undefined && p.workload !== r.workload) return false;
  if (p.user !== undefined) return p.user === r.user;
  // `ns` grants every user but the administrative ones: `ns as app` is narrower unless app is one.
  return r.user === undefined || !kinds.some((k) => isAdministrative(r.user as string, k.users));
}

export function tightenClients(rule: Rule, p: Clients, r: Clients, m: Narrowing): Clients {
  const kept = r.grants.filter((g) => {
    if (p.grants.some((pg) => grantCovers(pg, g, m.kinds))) return true;
    m.bad(
      ['allowClients', 'clients'],
      `policy rule allowClients: "${text(g)}" is not granted by the platform policy's clients ` +
        `(${p.clients.join(', ')}; ${m.platform}); a DatabaseTLSPolicy in the repository can ` +
        "only narrow the platform's grants",
    );
    return false;
  });
  return { ...rule, clients: kept.map(text), grants: kept };
}

const underSuffix = (p: string, r: string) => r === p || r.endsWith(`.${p}`);

/** The repository's list where each entry is within the platform's; the platform's if unset. */
function narrow(
  field: 'allowedDNSSuffixes' | 'allowedIPRanges',
  p: string[] | undefined,
  r: string[] | undefined,
  within: (p: string, r: string) => boolean,
  m: Narrowing,
): string[] | undefined {
  if (r === undefined || p === undefined) return p ?? r;
  const kept = r.filter((entry, i) => {
    if (p.some((allowed) => within(allowed, entry))) return true;
    m.bad(
      ['certificateNames', field, i],
      `policy rule certificateNames: "${entry}" is not within the platform policy's ` +
        `${field} (${p.join(', ')}; ${m.platform}); a DatabaseTLSPolicy in the repository can ` +
        "only narrow the platform's list",
    );
    return false;
  });
  return kept;
}

export function tightenNames(rule: Rule, p: Names, r: Names, m: Narrowing): Names {
  // Without allowedIPRanges no externalIP is allowed: the repository cannot open them.
  if (r.allowedIPRanges !== undefined && p.allowedIPRanges === undefined)
    m.bad(
      ['certificateNames', 'allowedIPRanges'],
      `policy rule certificateNames: allowedIPRanges ${r.allowedIPRanges.join(', ')} would ` +
        "allow service templates' externalIPs the platform policy refuses " +
        `(${m.platform}); a DatabaseTLSPolicy in the repository can only tighten the platform's`,
    );
  const suffixes = narrow(
    'allowedDNSSuffixes',
    p.allowedDNSSuffixes,
    r.allowedDNSSuffixes,
    underSuffix,
    m,
  );
  const ranges =
    p.allowedIPRanges === undefined
      ? undefined
      : narrow('allowedIPRanges', p.allowedIPRanges, r.allowedIPRanges, rangeInside, m);
  return {
    ...rule,
    ...(suffixes !== undefined && { allowedDNSSuffixes: suffixes }),
    ...(ranges !== undefined && { allowedIPRanges: ranges }),
  };
}
