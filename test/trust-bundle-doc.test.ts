// docs/trust-bundles.md held to what dbtls renders: the Bundle shown is examples/trust-bundle's,
// each step of the CA rollover renders the sources the doc shows, the mount paths it names are
// the ones rendered, and the kinds it lists as reading the bundle are the ones that do.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load, loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { KUBERNETES_SCHEMA } from '../fn/io/yaml.js';
import { KINDS } from '../fn/kinds/index.js';
import { itemsOf, resourceList, ROOT, runFn } from './helpers.js';

type Obj = Record<string, any>;
const DOC = readFileSync(join(ROOT, 'docs/trust-bundles.md'), 'utf8');
const yamlBlocks = [...DOC.matchAll(/^( *)```yaml\n([\s\S]*?)^\1```/gm)].map((m) =>
  m[2]
    .split('\n')
    .map((l) => l.slice(m[1].length))
    .join('\n'),
);
const example = (file: string) =>
  (
    loadAll(readFileSync(join(ROOT, 'examples/trust-bundle', file), 'utf8'), {
      schema: KUBERNETES_SCHEMA,
    }) as Obj[]
  ).filter(Boolean);

/** The example, with its Postgres's issuer and extra sources as a step of the rollover sets them. */
function step(issuer: string, add?: string): Obj[] {
  const [db] = example('postgres.yaml');
  db.spec.tls.issuerRef.name = issuer;
  if (add) db.metadata.annotations['dbtls.dev/trust-bundle-add'] = add;
  const ca = (name: string) => ({
    ...example('issuer.yaml')[0],
    metadata: { name },
    spec: { ca: { secretName: name } },
  });
  const out = runFn(resourceList([ca('db-ca'), ca('db-ca-2027'), db, ...example('app.yaml')]));
  expect(out.status).toBe(0);
  return itemsOf(out, 'Bundle')[0].spec.sources;
}

const shownStep = (n: number) => {
  const block = yamlBlocks.find((b) => b.startsWith(`# step ${n}:`));
  expect(block, `docs/trust-bundles.md shows step ${n}`).toBeDefined();
  return load(block!) as Obj[];
};

describe('docs/trust-bundles.md', () => {
  it("shows examples/trust-bundle's Bundle as it renders", () => {
    const golden = loadAll(
      readFileSync(join(ROOT, 'examples/trust-bundle/.expected/manifests.yaml'), 'utf8'),
    ) as Obj[];
    const shown = yamlBlocks.map((b) => load(b) as Obj).find((b) => b?.kind === 'Bundle');
    expect(shown).toEqual(golden.find((o) => o?.kind === 'Bundle'));
  });

  it('each step of the rollover renders the sources shown', () => {
    expect(step('db-ca', 'Secret/db-ca-2027')).toEqual(shownStep(1));
    expect(step('db-ca-2027', 'Secret/db-ca')).toEqual(shownStep(2));
    expect(step('db-ca-2027')).toEqual(shownStep(4));
    // Switching the Issuer with the old CA moved into the extra list leaves the Bundle unchanged.
    expect(shownStep(2)).toEqual(shownStep(1));
  });

  it('names the mount paths the output has', () => {
    const golden = readFileSync(
      join(ROOT, 'examples/trust-bundle/.expected/manifests.yaml'),
      'utf8',
    );
    expect(DOC).toContain('`/etc/dbtls/<connection>/trust/ca.crt`');
    expect(golden).toContain('value: /etc/dbtls/pg/trust/ca.crt');
    expect(golden).toContain('mountPath: /etc/dbtls/pg/trust');
    expect(DOC).toContain('`/tls/trust-bundle/ca.crt` for Postgres');
    expect(golden).toContain('mountPath: /tls/trust-bundle');
  });

  it('lists the kinds whose servers read the bundle, and those that do not', () => {
    const reading = KINDS.filter((k) => k.serverTrustBundle).map((k) => k.kind);
    const listed = /— \*\*([^*]+)\*\* —/.exec(DOC)![1].split(/, /);
    expect(listed.sort()).toEqual([...reading].sort());
    const others = KINDS.filter((k) => !k.serverTrustBundle).map((k) => k.kind);
    const named = /^(VaultServer, [\s\S]*?) servers keep/m.exec(DOC)![1].split(/, | and /);
    expect(named.sort()).toEqual(others.sort());
  });
});
