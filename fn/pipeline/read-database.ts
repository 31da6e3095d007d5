// Stage (each database): its spec read. `spec.tls` in the shape every kind shares, the kind's own
// fields (its plan), the names declared for its Services, and every issuerRef checked against the
// issuers of the input. Undefined (reported) when spec is not a mapping.
import type { DatabaseKind, InputLookup, KindContext } from '../contract/kind.js';
import type { ClientGrant, Settings } from '../contract/settings.js';
import type { VersionLookup } from '../contract/versions.js';
import { readGrants } from '../connect/grants.js';
import { isObj, type KubeObject, namespaceOf } from '../io/objects.js';
import { describeType } from '../io/resource-list.js';
import type { Reporter } from '../io/results.js';
import type { IssuerIndex } from '../validate/issuers.js';
import { type DeclaredNames, declaredServiceNames } from '../validate/service-templates.js';
import { readTLSConfig } from '../validate/tls-config.js';
import { noteServerTrust, readTrustBundle } from '../validate/trust-bundle.js';
import { at } from '../util/field-path.js';

export interface DatabaseRead {
  ctx: KindContext;
  plan: unknown;
  /** The DNS names and IPs the database's service templates declare, for its server certificate. */
  declared: DeclaredNames | undefined;
  /** Who it grants a connection besides its own namespace (dbtls.dev/allow-clients). */
  grants: ClientGrant[];
}

/** What a database's spec is read with: the settings, and where its references are looked up. */
export interface DatabaseLookups {
  settings: Settings;
  issuers: IssuerIndex;
  versions: VersionLookup;
  inputs?: InputLookup;
}

export function readDatabase(
  db: KubeObject,
  kind: DatabaseKind,
  { settings, issuers, versions, inputs }: DatabaseLookups,
  report: Reporter,
): DatabaseRead | undefined {
  const spec = db.spec;
  if (!isObj(spec)) {
    report.error(
      at('spec'),
      spec === undefined ? 'spec is required' : `spec must be a mapping, got ${describeType(spec)}`,
    );
    return undefined;
  }
  const namespace = namespaceOf(db);
  const aliases = {
    issued: kind.aliases(db),
    unissued: kind.unissuedAliases?.(db),
    kind: kind.kind,
    operator: kind.operator,
  };
  const tls = readTLSConfig(spec, report, aliases, kind.extraTLSFields, kind.issuerRefOptional);
  const ctx: KindContext = { db, namespace, settings, report, tls, versions, inputs };
  const trust = readTrustBundle(db, tls, { settings, issuers, inputs }, report);
  if (trust) {
    ctx.trust = trust;
    noteServerTrust(kind, settings.mode, trust, report);
  }
  const plan = kind.plan(ctx);
  const declared = kind.clientServices
    ? declaredServiceNames(ctx, kind.clientServices(ctx, plan))
    : undefined;
  if (tls?.issuerRef)
    issuers.check(tls.issuerRef, namespace, at('spec', 'tls', 'issuerRef'), report);
  for (const o of tls?.overrides.values() ?? []) {
    if (o.issuerRef) issuers.check(o.issuerRef, namespace, o.path.child('issuerRef'), report);
  }
  const grants = readGrants(db, kind, report);
  return { ctx, plan, declared, grants };
}
