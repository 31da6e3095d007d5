// Names and addresses as Go and apimachinery read them, where JavaScript would read them otherwise:
// DNS-1123 subdomains (IsDNS1123Subdomain), net.ParseIP, mail.ParseAddress as cert-manager uses
// it, and an RFC 4514 distinguished name; and a DNS-name check stricter than the webhook's.

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
export const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_LABEL}(\\.${DNS1123_LABEL})*$`);
const DNS1123_SUBDOMAIN_DETAIL =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/** apimachinery's IsDNS1123Subdomain: the detail strings for a name that fails. */
export function dns1123SubdomainErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN.test(value)) errs.push(DNS1123_SUBDOMAIN_DETAIL);
  return errs;
}

/**
 * Go's net.ParseIP: dotted-decimal IPv4 (no leading zeros since Go 1.17), or IPv6 (optionally
 * ending in an embedded IPv4), never a zone (`%eth0`) or a prefix length.
 */
export function isGoIP(s: string): boolean {
  return isGoIPv4(s) || isGoIPv6(s);
}

function isGoIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

function isGoIPv6(s: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(':')) return false;
  let body = s;
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    // an embedded IPv4 address stands for the last two 16-bit groups
    if (!isGoIPv4(tail)) return false;
    body = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return false;
  const words = halves.flatMap((h) => (h === '' ? [] : h.split(':')));
  if (!words.every((w) => /^[0-9a-fA-F]{1,4}$/.test(w))) return false;
  return halves.length === 2 ? words.length < 8 : words.length === 8;
}

/**
 * Go's mail.ParseAddress as cert-manager uses it: the problem with an email SAN, or undefined.
 * Go first reads an addr-spec (`local@domain`); failing that, a display name and an angle
 * address (`Name <a@b>`). A value that parses but is not the bare address itself is rejected by
 * cert-manager with its own message.
 */
export function goMailProblem(s: string): string | undefined {
  const invalid = (e: string) => `invalid email address: ${e}`;
  const itself =
    'invalid email address: make sure the supplied value only contains the email address itself';
  const input = s.replace(/^[ \t]+/, '');
  if (input === '') return invalid('mail: no address');
  const spec = addrSpec(input);
  if ('address' in spec) {
    const rest = spec.rest.replace(/^[ \t]+/, '');
    if (rest !== '') return invalid(`mail: expected single address, got ${JSON.stringify(rest)}`);
    return spec.address === s ? undefined : itself;
  }
  // display-name, then angle-addr
  let rest = input;
  let phrase = '';
  if (!rest.startsWith('<')) {
    const words: string[] = [];
    for (;;) {
      const m = /^(?:"(?:[^"\\]|\\.)*"|[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.\u0080-\uffff]+)/.exec(rest);
      if (!m) break;
      words.push(m[0]);
      rest = rest.slice(m[0].length).replace(/^[ \t]+/, '');
    }
    if (words.length === 0) return invalid('mail: missing word in phrase: mail: invalid string');
    phrase = words.join(' ');
  }
  if (!rest.startsWith('<')) {
    return invalid(
      /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.\u0080-\uffff]+$/.test(phrase)
        ? "mail: missing '@' or angle-addr"
        : 'mail: no angle-addr',
    );
  }
  const inner = addrSpec(rest.slice(1));
  if ('error' in inner) return invalid(inner.error);
  if (!inner.rest.startsWith('>')) return invalid('mail: unclosed angle-addr');
  return itself;
}

const ATOM = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.\u0080-\uffff]+/;

/** consumeAddrSpec: the address as Go would return it and what follows, or Go's error. */
function addrSpec(s: string): { address: string; rest: string } | { error: string } {
  let local: string;
  let rest: string;
  if (s.startsWith('"')) {
    const m = /^"((?:[^"\\]|\\.)*)"/.exec(s);
    if (!m) return { error: 'mail: unclosed quoted-string' };
    local = m[1].replace(/\\(.)/g, '$1');
    rest = s.slice(m[0].length);
  } else {
    const atom = dotAtom(s);
    if ('error' in atom) return atom;
    [local, rest] = [atom.atom, atom.rest];
  }
  if (!rest.startsWith('@')) return { error: 'mail: missing @ in addr-spec' };
  rest = rest.slice(1);
  if (rest === '') return { error: 'mail: no domain in addr-spec' };
  let domain: string;
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']');
    if (end < 0) return { error: 'mail: unclosed domain-literal' };
    [domain, rest] = [rest.slice(0, end + 1), rest.slice(end + 1)];
  } else {
    const atom = dotAtom(rest);
    if ('error' in atom) return atom;
    [domain, rest] = [atom.atom, atom.rest];
  }
  return { address: `${local}@${domain}`, rest };
}

function dotAtom(s: string): { atom: string; rest: string } | { error: string } {
  const m = ATOM.exec(s);
  if (!m) return { error: 'mail: invalid string' };
  const atom = m[0];
  if (atom.startsWith('.')) return { error: 'mail: leading dot in atom' };
  if (atom.includes('..')) return { error: 'mail: double dot in atom' };
  if (atom.endsWith('.')) return { error: 'mail: trailing dot in atom' };
  return { atom, rest: s.slice(atom.length) };
}

/** A small RFC 4514 reader: attribute type/value pairs, enough to find the CN and unknown keys. */
export function parseLiteralSubject(
  s: string,
): { attributes: [string, string][] } | { error: string } {
  const attributes: [string, string][] = [];
  let i = 0;
  while (i < s.length) {
    const eq = s.indexOf('=', i);
    if (eq < 0) return { error: 'DN ended with incomplete type, value pair' };
    const type = s.slice(i, eq).trim();
    let value = '';
    let j = eq + 1;
    for (; j < s.length && s[j] !== ',' && s[j] !== '+'; j++) {
      if (s[j] === '\\' && j + 1 < s.length) {
        j++;
      }
      value += s[j];
    }
    if (type === '') return { error: 'DN ended with incomplete type, value pair' };
    attributes.push([type, value.trim()]);
    i = j + 1;
  }
  return { attributes };
}

/**
 * Stricter than the webhook, which does not look at dnsNames: a SAN that is not a DNS name
 * (RFC 1123 labels, a wildcard only as the whole leftmost label) is issued by a CA issuer but
 * matches no client's host name, and ACME servers refuse it.
 */
export function dnsNameProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (name.length > 253) return `is ${name.length} characters; a DNS name has at most 253`;
  const labels = name.split('.');
  for (const [i, label] of labels.entries()) {
    if (label === '*' && i === 0 && labels.length > 1) continue;
    if (label.includes('*')) return 'has a wildcard that is not the whole leftmost label';
    if (label === '') return 'has an empty label';
    if (label.length > 63)
      return `has a label of ${label.length} characters; a label has at most 63`;
    if (!/^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?$/.test(label))
      return (
        `has the label "${label}": letters, digits and '-' only, not starting or ending ` +
        `with '-'`
      );
  }
  return undefined;
}
