// The processor: ResourceList in, ResourceList out. It validates every supported database, renders
// its Certificates (and, in standalone mode, its workload), connects the applications that ask
// for it, and leaves everything else alone. runFunction is the table of contents: each stage is a
// file of this folder (or the module named), read on its own; ARCHITECTURE.md lists them.
import type { KindRegistry } from '../contract/registry.js';
import { type KubeObject, namespaceOf, type Obj } from '../io/objects.js';
import type { ResourceList } from '../io/resource-list.js';
import type { Result } from '../io/results.js';
import { VersionCatalog } from '../catalog/versions.js';
import { REGISTRY } from '../kinds/index.js';
import { type PlatformSource, readPinnedSettings } from '../policy/pinning.js';
import { IssuerIndex } from '../validate/issuers.js';
import { checkCollisions } from './check-collisions.js';
import { classifyItems } from './classify.js';
import { connectWorkloads } from './connect-workloads.js';
import { InputIndex } from './input-index.js';
import { settleEarlierOutput } from './earlier-output.js';
import { keepIdentityOnly } from './keep-identity.js';
import { markCatalogObjects } from './mark-catalog-objects.js';
import { placeOutput } from './place-output.js';
import { renderDatabases } from './render-databases.js';
import { renderTrustBundles } from './render-trust-bundles.js';
import type { Run } from './run.js';

/**
 * The whole run; `kinds` are the supported kinds (the registry, fn/kinds/index.ts); `platform`
 * names the file of the platform's policy when the function config is one given by a file.
 */
export function runFunction(
  list: ResourceList,
  kinds: KindRegistry = REGISTRY,
  platform?: PlatformSource,
): ResourceList {
  const results: Result[] = [];
  const config = readPinnedSettings(list.functionConfig, list.items, kinds, platform);
  results.push(...config.results);
  if (config.results.some((r) => r.severity === 'error'))
    return withResults(list, list.items, results);

  list.items = keepIdentityOnly(list.items, kinds);
  const validate = config.settings.mode === 'validate';
  const { kept, objects, earlier } = classifyItems(list.items, validate, kinds, results);

  // As a kustomize generator, the functionConfig is the one database to render.
  const generator = config.generatorSource;
  const run: Run = {
    settings: config.settings,
    kinds,
    issuers: new IssuerIndex(objects, config.settings.externalIssuers, generator === undefined),
    asGenerator: generator !== undefined,
    versions: new VersionCatalog(objects, config.settings.versions),
    inputs: new InputIndex(objects),
  };
  const sources = generator
    ? [objects.find((o) => sameObject(o, generator)) ?? generator]
    : objects;
  const { rendered, replaced, targets, trusting } = renderDatabases(sources, run, results);
  if (config.settings.mode === 'standalone') markCatalogObjects(objects, replaced, results);

  results.push(...checkCollisions(objects, rendered, validate, kinds));
  // In validate mode every check of a connection runs, and no workload is changed.
  const changedWorkloads = validate ? new Map() : replaced;
  const connected = connectWorkloads(objects, targets, rendered, changedWorkloads, run);
  results.push(...connected.results);
  renderTrustBundles(trusting, connected.reached, rendered);
  const items = settleEarlierOutput(kept, earlier, rendered, results);
  return withResults(list, placeOutput(items, replaced, rendered, validate), results);
}

function sameObject(a: KubeObject, b: KubeObject): boolean {
  return (
    a.apiVersion === b.apiVersion &&
    a.kind === b.kind &&
    a.metadata.name === b.metadata.name &&
    namespaceOf(a) === namespaceOf(b)
  );
}

function withResults(list: ResourceList, items: Obj[], results: Result[]): ResourceList {
  return { ...list, items, results: [...(list.results ?? []), ...results] };
}
