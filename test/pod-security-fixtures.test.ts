// Pod Security admission's own test pods (test/data/pod-security, Kubernetes v1.37) placed where a
// user of dbtls would write them: in the spec.podTemplate of a database (Postgres, MariaDB) that
// standalone mode renders, and as the pod of an application that connects to one. Every `fail`
// pod's settings are refused naming the check; every `pass` pod renders.
import { describe, expect, it } from 'vitest';
import {
  BOTH_LEVELS,
  checkById,
  podViolations,
  SERVER_CHECKS,
} from '../fn/validate/pod-security/index.js';
import { type Fixture, fixtures, refusingChecks } from './pod-security-fixtures.js';
import { issuer, itemsOf, postgres, resourceList, resultsOf, runFn } from './helpers.js';

const ALL = fixtures();
const FAIL = ALL.filter((f) => f.verdict === 'fail');
const PASS = ALL.filter((f) => f.level === 'restricted' && f.verdict === 'pass');

interface Kind {
  kind: string;
  container: string;
  make(name: string, podTemplate: unknown): unknown;
}

const KINDS: Kind[] = [
  {
    kind: 'Postgres',
    container: 'postgres',
    make: (name, podTemplate) => postgres({ podTemplate }, name),
  },
  {
    kind: 'MariaDB',
    container: 'mariadb',
    make: (name, podTemplate) => ({
      apiVersion: 'kubedb.com/v1',
      kind: 'MariaDB',
      metadata: { name, namespace: 'demo' },
      spec: {
        version: '11.4.4',
        tls: { issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' } },
        podTemplate,
      },
    }),
  },
];

/**
 * The fixture pod as a pod template. `merged`: its container1 is the database container (the
 * template's entry merges into dbtls's); otherwise both its containers are init containers the
 * template adds (every field of theirs reaches the pod).
 */
function placed(f: Fixture, container: string | undefined): unknown {
  const { containers = [], initContainers = [], ...pod } = f.pod.spec;
  const rename = (name: string) => (container && name === 'container1' ? container : name);
  const annotations = Object.fromEntries(
    Object.entries(f.pod.metadata?.annotations ?? {}).map(([k, v]) => [
      k.replace(/\/container1$/, `/${rename('container1')}`),
      v,
    ]),
  );
  const spec = container
    ? {
        ...pod,
        containers: containers.map((c: any) => ({ ...c, name: rename(c.name) })),
        initContainers,
      }
    : { ...pod, initContainers: [...containers, ...initContainers] };
  return { metadata: { annotations }, spec };
}

/** The fail pods that fail only by what they lack, each a setting dbtls's defaults have. */
const SUPPLIED_BY_DEFAULTS = [
  'restricted/allowprivilegeescalation2.yaml', // allowPrivilegeEscalation unset
  'restricted/allowprivilegeescalation3.yaml',
  'restricted/capabilities_restricted0.yaml', // capabilities.drop without ALL
  'restricted/capabilities_restricted1.yaml',
  'restricted/capabilities_restricted2.yaml',
  'restricted/runasnonroot0.yaml', // runAsNonRoot unset
  'restricted/seccompprofile_restricted0.yaml', // no seccomp profile
  'restricted/seccompprofile_restricted2.yaml',
  'restricted/seccompprofile_restricted3.yaml',
];

/** A short name per fixture (derived names must stay within Kubernetes' limits). */
const nameOf = (f: Fixture) => `f${ALL.indexOf(f)}`;

/** One run with a database per fixture: the results of each database, by fixture. */
function render(kind: Kind, list: Fixture[], container?: string) {
  const dbs = list.map((f) => kind.make(nameOf(f), placed(f, container)));
  const r = runFn(resourceList([issuer(), ...dbs]));
  const raw = r.output?.results ?? [];
  return list.map((f, i) => ({
    f,
    results: resultsOf(r).filter((_, j) => raw[j].resourceRef?.name === nameOf(f)),
    rendered: itemsOf(r, 'StatefulSet').find((s) => s.metadata.name === nameOf(f)),
    input: dbs[i],
  }));
}

/** The fixture's own violations of its named check are all of what it lacks (dbtls adds it). */
const onlyLacks = (f: Fixture) =>
  podViolations({ metadata: f.pod.metadata ?? {}, spec: f.pod.spec }, SERVER_CHECKS)
    .filter((v) => refusingChecks(f.check!, f.level).includes(v.check))
    .every((v) => /^(does not|sets no)/.test(v.found));

for (const kind of KINDS) {
  describe(`${kind.kind}: spec.podTemplate with Pod Security's test pods`, () => {
    it('every fail pod, its containers as init containers, is refused naming the check', () => {
      const supplied: string[] = [];
      for (const { f, results, rendered } of render(kind, FAIL)) {
        const errors = results.filter((x) => x.severity === 'error');
        const named = refusingChecks(f.check!, f.level).some((id) =>
          errors.some((e) => e.message.includes(` check ${id} allows `)),
        );
        if (named) {
          expect(rendered, f.file).toBeUndefined();
          for (const e of errors)
            expect(e.field, `${f.file}: ${e.message}`).toMatch(/^spec\.podTemplate\./);
          continue;
        }
        // Only a pod that fails by what it lacks renders: dbtls's secure defaults supply it.
        expect(onlyLacks(f), `${f.file} renders: ${JSON.stringify(results)}`).toBe(true);
        expect(errors, f.file).toEqual([]);
        const pod = rendered.spec.template;
        expect(podViolations(pod, SERVER_CHECKS), f.file).toEqual([]);
        supplied.push(`${f.level}/${f.file}`);
      }
      // What these pods lack is what dbtls's secure defaults set: the other 101 are refused.
      expect(supplied).toEqual(SUPPLIED_BY_DEFAULTS);
    });

    it('every fail pod whose container1 sets a refused securityContext field, merged into the database container, is refused at that field', () => {
      const merged = FAIL.filter((f) => {
        const sc = f.pod.spec.containers?.[0]?.securityContext;
        return podViolations({ metadata: {}, spec: f.pod.spec }, SERVER_CHECKS).some(
          (v) =>
            v.at[1] === 'containers' &&
            v.at[3] === 'securityContext' &&
            sc &&
            !/^(does not|sets no)/.test(v.found),
        );
      });
      expect(merged.length).toBeGreaterThan(15);
      for (const { f, results } of render(kind, merged, kind.container)) {
        const errors = results.filter((x) => x.severity === 'error');
        expect(
          errors.some(
            (e) =>
              e.field?.startsWith('spec.podTemplate.spec.containers[0].securityContext.') &&
              e.message.startsWith(`container "${kind.container}" `),
          ),
          `${f.file}: ${JSON.stringify(errors)}`,
        ).toBe(true);
      }
    });

    it('every restricted pass pod renders, as init containers and merged into the database container', () => {
      for (const container of [undefined, kind.container])
        for (const { f, results, rendered } of render(kind, PASS, container)) {
          expect(
            results.filter((x) => x.severity === 'error'),
            f.file,
          ).toEqual([]);
          expect(rendered, f.file).toBeDefined();
        }
    });
  });
}

describe("an application that connects, with Pod Security's test pods as its pod", () => {
  const apps = ALL.map((f) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: nameOf(f),
      namespace: 'demo',
      annotations: { 'dbtls.dev/connect-to': 'Postgres/pg', 'dbtls.dev/connect-as': 'app' },
    },
    spec: {
      selector: { matchLabels: { app: nameOf(f) } },
      template: {
        metadata: { ...(f.pod.metadata ?? {}), labels: { app: nameOf(f) } },
        spec: f.pod.spec,
      },
    },
  }));
  const r = runFn(resourceList([issuer(), postgres({ clientAuthMode: 'cert' }), ...apps]));
  const raw = r.output?.results ?? [];
  const podSecurity = (f: Fixture) =>
    resultsOf(r).filter(
      (x, j) => raw[j].resourceRef?.name === nameOf(f) && x.message.includes("Pod Security's"),
    );
  const out = (f: Fixture) =>
    itemsOf(r, 'Deployment').find((d) => d.metadata.name === nameOf(f)).spec.template;
  const keys = (pod: any) =>
    podViolations({ metadata: pod.metadata ?? {}, spec: pod.spec }, BOTH_LEVELS).map(
      (v) => `${v.check} ${v.at.join('.')}`,
    );

  it('renders every one, connected: the pod is the application owner’s to secure', () => {
    expect(r.status).toBe(0);
    for (const f of ALL) expect(out(f).spec.volumes?.length, f.file).toBeGreaterThan(0);
  });

  it('warns of each baseline violation, naming the check and the workload’s field', () => {
    for (const f of FAIL.filter((x) => checkById(x.check!)?.level === 'baseline')) {
      const found = podSecurity(f);
      expect(found.length, f.file).toBeGreaterThan(0);
      for (const w of found) {
        expect(w.severity).toBe('warning');
        expect(w.field).toMatch(/^spec\.template\.(spec|metadata)\./);
        expect(w.message).toMatch(
          /the client key dbtls mounts in this pod is as exposed as the pod/,
        );
      }
      const named = refusingChecks(f.check!, 'baseline');
      expect(
        found.some((w) => named.some((id) => w.message.includes(` check ${id} allows `))),
        f.file,
      ).toBe(true);
    }
  });

  it('says nothing of what only the restricted level refuses, nor of a pod that passes', () => {
    for (const f of ALL.filter((x) => x.verdict === 'pass' || x.level === 'restricted'))
      if (!keys(f.pod).some((k) => checkById(k.split(' ')[0])?.level === 'baseline'))
        expect(podSecurity(f), f.file).toEqual([]);
  });

  it('never makes a pod less secure: what it breaks after dbtls, at either level, it broke before', () => {
    for (const f of ALL) expect(keys(out(f)), f.file).toEqual(keys(f.pod));
  });
});
