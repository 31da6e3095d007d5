// A kustomize `namespace:` overlay over dbtls's rendered output, through the real `kubectl
// kustomize`: kustomize rewrites metadata.namespace but not the text of a ConfigMap, so the
// scripts hold no namespace and read it from the downward API (POD_NAMESPACE), which then names
// the overlay's namespace. docs/security-text.md says so.
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { missing, parseDocs, ROOT, run, tempDir } from './tools.js';

const skip = missing('kubectl');

describe.skipIf(skip)('a kustomize namespace: overlay over the rendered Redis Cluster', () => {
  it('leaves no old namespace in the scripts, and the pods read the new one', () => {
    const dir = tempDir();
    copyFileSync(
      join(ROOT, 'examples/redis-cluster/.expected/manifests.yaml'),
      join(dir, 'rendered.yaml'),
    );
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      'namespace: other\nresources:\n  - rendered.yaml\n',
    );
    const out = run('kubectl', ['kustomize', dir]);
    expect(out.status, out.stderr).toBe(0);
    const docs = parseDocs(out.stdout);
    const config = docs.find((d) => d.kind === 'ConfigMap');
    expect(config.metadata.namespace).toBe('other');
    for (const script of ['start.sh', 'cluster-create.sh']) {
      expect(config.data[script]).toContain('$POD_NAMESPACE');
      expect(config.data[script]).not.toContain('demo');
    }
    const sets = docs.filter((d) => d.kind === 'StatefulSet');
    expect(sets.length).toBeGreaterThan(0);
    for (const sts of sets) {
      expect(sts.metadata.namespace).toBe('other');
      for (const c of sts.spec.template.spec.containers.filter(
        (c: any) => c.name !== 'tls-reloader',
      ))
        expect(c.env).toContainEqual({
          name: 'POD_NAMESPACE',
          valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } },
        });
    }
  });
});
