// The API server's rules for values a service template copies onto a Service (apimachinery
// pkg/util/validation: IsQualifiedName, IsValidLabelValue; a port; loadBalancerSourceRanges'
// CIDRs), apart from the templates because the stats Service's ServiceMonitor settings
// (monitor-spec.ts) are held to the same rules: each returns why a value fails, or whether it passes.
import { dns1123SubdomainErrors, isGoIP } from '../validate/go-formats.js';

const NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const NAME_RULE =
  "1-63 letters, digits, '-', '_' or '.', beginning and ending with a letter or digit";

/** apimachinery's IsQualifiedName, as for label and annotation keys: why it fails, if it does. */
export function keyProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2)
    return "is not a key: a key is a name with at most one prefix ('prefix/name')";
  const name = parts[parts.length - 1];
  if (parts.length === 2 && (parts[0] === '' || dns1123SubdomainErrors(parts[0]).length > 0))
    return (
      `has the prefix "${parts[0]}", which is no DNS subdomain ` +
      "(lowercase letters, digits, '-', '.')"
    );
  if (name.length > 63 || !NAME_PART.test(name)) return `has the name "${name}", not ${NAME_RULE}`;
  return undefined;
}

/** apimachinery's IsValidLabelValue: empty, or a name part. */
export function labelValueProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  if (value.length > 63 || !NAME_PART.test(value))
    return `has the value "${value}", not empty nor ${NAME_RULE}`;
  return undefined;
}

export function isPort(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;
}

/** An IP range as the API server reads loadBalancerSourceRanges: address/prefix length. */
export function isCIDR(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return false;
  const ip = s.slice(0, slash);
  const bits = s.slice(slash + 1);
  if (!isGoIP(ip) || !/^(0|[1-9][0-9]{0,2})$/.test(bits)) return false;
  return Number(bits) <= (ip.includes(':') ? 128 : 32);
}
