// docs/kubedb.md says what dbtls does: its tables are read and compared with the code, and each
// of its other claims is pinned by the test named beside it here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VersionCatalog } from '../fn/catalog/versions.js';
import { findKind, KINDS } from '../fn/kinds/index.js';
import { load } from 'js-yaml';
import { errorsOf, issuer, itemsOf, resourceList, ROOT, runFn } from './helpers.js';

const doc = readFileSync(join(ROOT, 'docs/kubedb.md'), 'utf8');
/** The rows of the table whose header starts with `header`, as cells without backquotes. */
function table(header: string): string[][] {
  const lines = doc.split('\n');
  const start = lines.findIndex((l) => l.startsWith(header));
  const rows: string[][] = [];
  for (const l of lines.slice(start + 2)) {
    if (!l.startsWith('|')) break;
    rows.push(
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim().replaceAll('`', '')),
    );
  }
  return rows;
}

describe('docs/kubedb.md says what dbtls does', () => {
  it('the naming schemes: each name read as the table says', () => {
    const rows = table('| name | as a |');
    expect(rows.length).toBeGreaterThan(10);
    const catalog = new VersionCatalog();
    for (const [name, kind, engine, distribution] of rows) {
      const naming = KINDS.find((k) => k.versionNaming?.catalogKind === kind)?.versionNaming;
      const v = catalog.resolve(naming ?? { catalogKind: kind }, name);
      expect(v.from ?? '', `${name} is read by a naming scheme, not a catalog`).not.toMatch(
        /catalog/,
      );
      expect(v.engine ?? 'unknown', name).toBe(engine);
      expect(v.distribution ?? 'unknown', name).toBe(distribution.replace(/ \(.*\)$/, ''));
    }
  });

  it('the GitOps kinds: each read as its kubedb.com counterpart', () => {
    const rows = table('| GitOps kind | read as |');
    const gitops = KINDS.map((k) =>
      findKind({ apiVersion: 'gitops.kubedb.com/v1alpha1', kind: k.kind }),
    ).filter((k) => k !== undefined);
    expect(rows).toEqual(gitops.map((k) => [k.kind, k.counterpart?.apiVersion]));
  });

  it("the policy's versions example: a Postgres of version corp-16 runs postgres:16.4", () => {
    const start = doc.indexOf('```yaml') + 7;
    const policy = load(doc.slice(start, doc.indexOf('```', start)));
    const pg = {
      apiVersion: 'kubedb.com/v1',
      kind: 'Postgres',
      metadata: { name: 'pg', namespace: 'demo' },
      spec: { version: 'corp-16', tls: { issuerRef: { kind: 'Issuer', name: 'ca' } } },
    };
    const r = runFn(resourceList([issuer(), pg], policy));
    expect(errorsOf(r)).toEqual([]);
    const [sts] = itemsOf(r, 'StatefulSet');
    expect(sts.spec.template.spec.containers[0].image).toBe('postgres:16.4');
  });

  // The other claims, and where they are pinned:
  //   the lookup order, the catalog object in the input, its local-config mark, the warning for
  //   an unknown engine version and for a deprecated one, standalone's distributions:
  //     test/kubedb-strictness.test.ts "spec.version names a catalog object", "a catalog object
  //     in the input"; test/bad-inputs 808, 860, 861;
  //   aliases and MongoDB's rule: test/kubedb-strictness.test.ts, test/bad-inputs 117, 403, 502,
  //     505, 800, 810, 827, 862;
  //   GitOps kinds in each mode: test/gitops.test.ts, examples/gitops-postgres;
  //   names: test/object-names.test.ts, test/bad-inputs 863, 864;
  //   the docs corpus: test/kubedb-docs.test.ts.
  it('README links to it', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toMatch(/\]\(docs\/kubedb\.md\)/);
  });
});
