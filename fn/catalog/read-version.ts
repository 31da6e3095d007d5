// `spec.version` of a KubeDB kind, resolved through the run's catalog (versions.ts): what each
// kind's plan() calls once it has read the name. Never an error in operator or validate mode,
// where KubeDB looks the name up itself; a warning where the engine version cannot be known and a
// check of dbtls depends on it. In standalone mode dbtls runs the upstream image of the engine
// version, so the version must be known and of a distribution that image is.
import type { KindContext } from '../contract/kind.js';
import type { VersionNaming } from '../contract/versions.js';
import { publishedNameFor, type ResolvedVersion, VersionCatalog } from './versions.js';
import { at } from '../util/field-path.js';

/** The kind's versionNaming (the catalog kind, KubeDB's naming schemes), and how dbtls reads it. */
export interface VersionRules extends VersionNaming {
  /** The engine, in words: PostgreSQL. */
  product: string;
  /** What dbtls checks by the engine version, for the warning when it is unknown; none: no warning. */
  dependsOn?: string;
  /** KubeDB's webhook refuses a database whose version the catalog marks deprecated. */
  refusesDeprecated?: boolean;
  /** Standalone mode: the upstream image it runs, and the distributions that image is. */
  standalone?: { image: string; distributions: readonly string[] };
}

/** One catalog for the calls that have none in their context (a database read on its own). */
const PUBLISHED_ONLY = new VersionCatalog();

/** The version `name` (already read from spec.version) stands for, its problems reported. */
export function resolveVersion(
  ctx: KindContext,
  name: string,
  rules: VersionRules,
): ResolvedVersion {
  const resolved = (ctx.versions ?? PUBLISHED_ONLY).resolve(rules, name);
  const standalone = ctx.settings.mode === 'standalone';
  if (standalone && rules.standalone) checkStandalone(ctx, resolved, rules);
  else if (resolved.engine === undefined && rules.dependsOn)
    ctx.report.warn(at('spec', 'version'), `${unknown(resolved, rules)}, and ${rules.dependsOn}`);
  if (!standalone && resolved.deprecated && rules.refusesDeprecated) {
    ctx.report.warn(
      at('spec', 'version'),
      `${JSON.stringify(name)} is deprecated: ${resolved.from} marks it so, and KubeDB's webhook ` +
        `refuses a ${ctx.db.kind} of a deprecated ${rules.catalogKind}; choose a current one`,
    );
  }
  return resolved;
}

/** Standalone mode runs the upstream image of the engine version: say why it cannot. */
function checkStandalone(ctx: KindContext, v: ResolvedVersion, rules: VersionRules): void {
  const { image, distributions } = rules.standalone!;
  const runs = `standalone mode runs the upstream ${image} image of the ${rules.product} version`;
  if (v.engine === undefined) {
    ctx.report.error(
      at('spec', 'version'),
      `${unknown(v, rules)}; ${runs}, so it needs one it can know: declare the ${rules.catalogKind} ` +
        "in the policy's versions, or use mode: operator",
    );
  } else if (v.distribution === undefined) {
    ctx.report.error(
      at('spec', 'version'),
      `${JSON.stringify(v.name)} is ${rules.product} ${v.engine} of a distribution dbtls cannot ` +
        `tell from the name (no ${rules.catalogKind} of this name in the input, the policy's ` +
        `versions or the published catalog); ${runs}: declare it in the policy's versions, or ` +
        'use mode: operator',
    );
  } else if (!distributions.includes(v.distribution)) {
    const published = publishedNameFor(rules, v.engine, distributions);
    // Not the name itself: a catalog object of the input may give a published name its own facts.
    const instead = published === v.name ? undefined : published;
    ctx.report.error(
      at('spec', 'version'),
      `${JSON.stringify(v.name)} is ${rules.product} ${v.engine} of the ${v.distribution} ` +
        `distribution (${v.from}${v.image ? `, image ${v.image}` : ''}); ${runs} only: name ` +
        `an Official ${rules.catalogKind}${instead ? ` such as "${instead}"` : ''}, or use mode: ` +
        'operator',
    );
  }
}

function unknown(v: ResolvedVersion, rules: VersionRules): string {
  return (
    `${JSON.stringify(v.name)} names no ${rules.catalogKind} dbtls knows (none in the input, ` +
    `the policy's versions or the published catalog) and follows none of KubeDB's naming ` +
    `schemes, so the ${rules.product} version cannot be known`
  );
}
