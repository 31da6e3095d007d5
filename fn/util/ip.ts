// IP addresses and CIDR ranges, by Node's own parser and matcher (node:net's isIP and BlockList).
// node:net is required on first use, not at start-up: loading it pulls in node:stream and costs
// ~11 ms of every run's ~70 ms (measured with --cpu-prof on an empty ResourceList), while only
// inputs with IP addresses or a policy with allowedIPRanges ever need it.
type Net = typeof import('node:net');
let net: Net | undefined;
const load = (): Net => (net ??= require('node:net') as Net);

/** 4 or 6 for an IP address, 0 for anything else (node:net's isIP). */
export const ipVersion = (ip: string): 0 | 4 | 6 => load().isIP(ip) as 0 | 4 | 6;

const family = (ip: string) => (ipVersion(ip) === 6 ? 'ipv6' : 'ipv4');

/** The single-address CIDR of `ip`: a.b.c.d/32 or x::y/128. */
export const singleRange = (ip: string): string => (ipVersion(ip) === 6 ? `${ip}/128` : `${ip}/32`);

/** Whether `ip` lies in any of the CIDRs `ranges`. */
export function inRanges(ip: string, ranges: readonly string[]): boolean {
  const list = new (load().BlockList)();
  for (const r of ranges) {
    const [network, bits] = r.split('/');
    list.addSubnet(network, Number(bits), family(network));
  }
  return list.check(ip, family(ip));
}

/** Whether `ip` is a loopback address (127.0.0.0/8, ::1). */
export const isLoopback = (ip: string): boolean => inRanges(ip, ['127.0.0.0/8', '::1/128']);

/** Whether the CIDR `inner` lies inside the CIDR `outer`. */
export function rangeInside(outer: string, inner: string): boolean {
  const [outerNet, outerBits] = outer.split('/');
  const [innerNet, innerBits] = inner.split('/');
  if (ipVersion(outerNet) !== ipVersion(innerNet) || Number(innerBits) < Number(outerBits))
    return false;
  return inRanges(innerNet, [outer]);
}
