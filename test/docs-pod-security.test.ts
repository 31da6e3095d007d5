// docs/pod-security.md, claim by claim: its table is the checks dbtls runs, its version is that
// of the test pods it is checked against, its example renders as it says, its list of refused
// variables is the code's, and what it says of modes and of dbtls's own rule holds.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { load } from 'js-yaml';
import { RUNTIME_VARIABLES } from '../fn/render/pod/server-files.js';
import { BASELINE_CHECKS, RESTRICTED_CHECKS } from '../fn/validate/pod-security/index.js';
import { errorsOf, issuer, postgres, resourceList, ROOT, runFn } from './helpers.js';

const doc = readFileSync(join(ROOT, 'docs/pod-security.md'), 'utf8');
const blocks = (lang: string) =>
  [...doc.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1]);
const run = (spec: Record<string, unknown>) => runFn(resourceList([issuer(), postgres(spec)]));

describe('docs/pod-security.md', () => {
  it("lists every check dbtls runs, in its order, with its level, and says which version's", () => {
    const rows = doc
      .split('\n')
      .filter((l) => /^\| `\w+` \| (baseline|restricted) \|/.test(l))
      .map((l) =>
        l
          .split('|')
          .slice(1, 3)
          .map((c) => c.trim().replace(/`/g, '')),
      );
    expect(rows).toEqual([...BASELINE_CHECKS, ...RESTRICTED_CHECKS].map((c) => [c.id, c.level]));
    const data = readFileSync(join(ROOT, 'test/data/pod-security/README.md'), 'utf8');
    const version = /Kubernetes (v1\.\d+)/.exec(doc)![1];
    expect(data).toContain(`Kubernetes ${version}`);
    expect(data).toContain(`/${version}/`);
  });

  it('its example pod template is refused at the field and with the message it shows', () => {
    const [template] = blocks('yaml');
    const [message] = blocks('text');
    const r = run(load(template) as Record<string, unknown>);
    expect(errorsOf(r)).toEqual([
      {
        severity: 'error',
        field: 'spec.podTemplate.spec.volumes[0].hostPath',
        message: message.trim(),
      },
    ]);
  });

  it('lists the variables refused in dbtls’s containers as the code has them', () => {
    const line = /No variables that change[\s\S]*?are\s+errors/.exec(doc)![0];
    const listed = [...line.matchAll(/`([A-Z_*]+)`/g)].map((m) => m[1]);
    expect(listed).toEqual(RUNTIME_VARIABLES);
    for (const name of ['LD_PRELOAD', 'PATH', 'OPENSSL_CONF', 'GODEBUG', 'PGSSLMODE']) {
      const r = run({
        podTemplate: { spec: { containers: [{ name: 'postgres', env: [{ name, value: 'x' }] }] } },
      });
      expect(errorsOf(r).map((e) => e.field)).toEqual([
        'spec.podTemplate.spec.containers[0].env[0].name',
      ]);
    }
    const tz = run({
      podTemplate: {
        spec: { containers: [{ name: 'postgres', env: [{ name: 'TZ', value: 'UTC' }] }] },
      },
    });
    expect(errorsOf(tz)).toEqual([]);
  });

  it("dbtls's rule rootGroup refuses group 0 as runAsGroup, fsGroup and a supplemental group", () => {
    const r = run({
      podTemplate: {
        spec: { securityContext: { runAsGroup: 0, fsGroup: 0, supplementalGroups: [1000, 0] } },
      },
    });
    expect(errorsOf(r).map((e) => [e.field, e.message.split(':')[1].trim()])).toEqual(
      ['runAsGroup', 'fsGroup', 'supplementalGroups[1]'].map((f) => [
        `spec.podTemplate.spec.securityContext.${f}`,
        "dbtls's rule for the pods it renders allows no group 0 (root) for the pod, its containers or its volumes; every pod dbtls renders passes Pod Security's baseline and restricted levels",
      ]),
    );
  });

  it('operator and validate modes render no pod, so a pod template is not checked there', () => {
    const template = {
      podTemplate: { spec: { volumes: [{ name: 'h', hostPath: { path: '/' } }] } },
    };
    for (const mode of ['operator', 'validate']) {
      const r = runFn(
        resourceList([issuer(), postgres(template)], {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'dbtls' },
          data: { mode },
        }),
      );
      expect(errorsOf(r), mode).toEqual([]);
    }
    expect(errorsOf(run(template)).length).toBe(1);
  });
});
