// The names a user declares for a database's Services in spec.serviceTemplates, for the server
// certificate. KubeDB adds a LoadBalancer's address to the SANs at run time, once the cloud has
// assigned it (kubedb/apimachinery pkg/lib/lib.go ServiceHosts: status.loadBalancer.ingress);
// dbtls renders before that, so it takes what is declared: spec.loadBalancerIP, spec.externalIPs
// and external-dns's hostname annotation.
import { isObj, type Obj, unique } from '../io/objects.js';
import { describeType } from '../io/resource-list.js';
import type { KindContext } from '../contract/kind.js';
import { dnsNameProblem, isGoIP } from './go-formats.js';
import { at, type FieldPath } from '../util/field-path.js';

export const EXTERNAL_DNS_HOSTNAME = 'external-dns.alpha.kubernetes.io/hostname';
const PATH = at('spec', 'serviceTemplates');

export interface DeclaredNames {
  dnsNames: string[];
  ipAddresses: string[];
}

/**
 * The declared names of the Services clients reach the server by. `services` maps a template
 * alias (primary, standby, secondary, vault, …) to the Service it configures; templates of other
 * aliases (stats, a headless governing Service) do not serve clients and are not read. In
 * operator mode, where dbtls writes the certificate KubeDB would otherwise extend, a
 * LoadBalancer with no declared name gets a warning.
 */
export function declaredServiceNames(
  ctx: KindContext,
  services: Readonly<Record<string, string>>,
): DeclaredNames {
  const declared: DeclaredNames = { dnsNames: [], ipAddresses: [] };
  const spec = isObj(ctx.db.spec) ? ctx.db.spec : {};
  const templates = spec.serviceTemplates;
  if (templates === undefined || templates === null) return declared;
  if (!Array.isArray(templates)) {
    ctx.report.error(
      PATH,
      `${PATH} must be a list of service templates, got ${describeType(templates)}`,
    );
    return declared;
  }
  const bad = (path: FieldPath, what: string, v: unknown) => {
    ctx.report.error(path, `${path} must be ${what}, got ${describeType(v)}`);
  };
  templates.forEach((t, i) => {
    const path = PATH.index(i);
    if (!isObj(t)) {
      bad(path, 'a mapping with alias, metadata and spec', t);
      return;
    }
    const service = typeof t.alias === 'string' ? services[t.alias] : undefined;
    if (service === undefined) return;
    const names = templateNames(t, path, ctx);
    declared.dnsNames.push(...names.dnsNames);
    declared.ipAddresses.push(...names.ipAddresses);
    const type = isObj(t.spec) ? t.spec.type : undefined;
    const undeclared = names.dnsNames.length + names.ipAddresses.length === 0;
    if (type === 'LoadBalancer' && undeclared && ctx.settings.mode === 'operator') {
      ctx.report.warn(path.child('spec', 'type'), unnamedLoadBalancer(service));
    }
  });
  return { dnsNames: unique(declared.dnsNames), ipAddresses: unique(declared.ipAddresses) };
}

function unnamedLoadBalancer(service: string): string {
  return (
    `service "${service}" is a LoadBalancer with no declared address: KubeDB would add the ` +
    'address the cloud assigns to the server certificate at run time, but in operator mode dbtls ' +
    'writes that certificate before the address exists, so clients that connect by it fail ' +
    'verification; add the name (or address) clients use to spec.tls.certificates[].dnsNames ' +
    '(or ipAddresses) of alias server, or declare it here with spec.loadBalancerIP or the ' +
    `${EXTERNAL_DNS_HOSTNAME} annotation`
  );
}

/** One template's declared names, each field's type checked where it is read. */
function templateNames(t: Obj, template: FieldPath, ctx: KindContext): DeclaredNames {
  const names: DeclaredNames = { dnsNames: [], ipAddresses: [] };
  const bad = (path: FieldPath, what: string, v: unknown) => {
    ctx.report.error(path, `${path} must be ${what}, got ${describeType(v)}`);
  };
  const refused = (path: FieldPath, what: string, why: string) => {
    ctx.report.error(path, `${what} ${why}, so it cannot go into the server certificate`);
  };
  // What goes into the certificate must be what cert-manager accepts and clients can match.
  const ip = (v: unknown, path: FieldPath) => {
    if (typeof v !== 'string' || v === '') {
      bad(path, 'an IP address', v);
      return;
    }
    const why = 'is not an IP address (as Go and cert-manager read them)';
    if (isGoIP(v)) names.ipAddresses.push(v);
    else refused(path, JSON.stringify(v), why);
  };
  const spec = t.spec;
  if (spec !== undefined && spec !== null && !isObj(spec))
    bad(template.child('spec'), 'a mapping', spec);
  if (isObj(spec)) {
    const lb = spec.loadBalancerIP;
    if (lb !== undefined && lb !== null && lb !== '')
      ip(lb, template.child('spec', 'loadBalancerIP'));
    const external = spec.externalIPs;
    if (Array.isArray(external)) {
      external.forEach((e, j) => {
        ip(e, template.child('spec', 'externalIPs').index(j));
      });
    } else if (external !== undefined && external !== null) {
      bad(template.child('spec', 'externalIPs'), 'a list of IP addresses', external);
    }
  }
  const md = t.metadata;
  const annotations = isObj(md) && isObj(md.annotations) ? md.annotations : {};
  const hostnames = annotations[EXTERNAL_DNS_HOSTNAME];
  const annotationPath = template.child('metadata', 'annotations', EXTERNAL_DNS_HOSTNAME);
  if (typeof hostnames === 'string') {
    // external-dns: a comma-separated list; a trailing dot (fully qualified) is not part of a SAN.
    const listed = hostnames
      .split(',')
      .map((x) => x.trim().replace(/\.$/, ''))
      .filter((x) => x);
    for (const h of listed) {
      const problem = dnsNameProblem(h);
      if (problem) refused(annotationPath, `host name "${h}"`, problem);
      else names.dnsNames.push(h);
    }
  } else if (hostnames !== undefined && hostnames !== null) {
    bad(annotationPath, 'a comma-separated string of host names', hostnames);
  }
  return names;
}
