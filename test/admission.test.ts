// The differential test of `dbtls admission`: every database of the examples and of the
// bad-input corpus, and generated databases under generated policies, judged both ways — by
// dbtls at render time and by the generated ValidatingAdmissionPolicies run by a conformant CEL
// evaluator (@bufbuild/cel) in a model of the API server — must be refused by both or accepted
// by both, rule by rule, with the same words.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadAll } from 'js-yaml';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alwaysIssued } from '../fn/admission/certificate-rules.js';
import type { DatabaseKind } from '../fn/kinds/kind.js';
import { EXAMPLE_DATABASES } from './arbitraries.js';
import { isObj, type Obj } from '../fn/io/objects.js';
import { KUBERNETES_SCHEMA } from '../fn/io/yaml.js';
import { findKind } from '../fn/kinds/index.js';
import type { AdmissionMode } from '../fn/admission/index.js';
import { compare, newTally, type Tally } from './admission/agreement.js';
import { type Case, COVERED_RULES, UNCOVERED_RULES } from './admission/differential.js';
import { policyArb } from './admission/policy-arbitrary.js';
import { ROOT } from './helpers.js';
import { TEST_POLICIES } from './admission/policies.js';

const MODES: AdmissionMode[] = ['operator', 'validate'];

const loadDocs = (text: string): unknown[] => {
  try {
    return loadAll(text, null, { schema: KUBERNETES_SCHEMA });
  } catch {
    return [];
  }
};

const isPolicy = (o: unknown): o is Obj => isObj(o) && o.kind === 'DatabaseTLSPolicy';

/** Cases from a list of documents: each database, with the rest as its context. */
function casesOf(name: string, docs: unknown[]): Case[] {
  const objects = docs.filter(isObj);
  return objects
    .filter((o) => findKind(o) && isObj(o.metadata) && typeof o.metadata.name === 'string')
    .map((db) => ({
      name: `${name} ${String(db.kind)}/${String((db.metadata as Obj).name)}`,
      db,
      context: objects.filter((o) => o !== db && !findKind(o) && !isPolicy(o)),
    }));
}

function exampleSources(): { name: string; docs: unknown[] }[] {
  const out: { name: string; docs: unknown[] }[] = [];
  const walk = (dir: string) => {
    const docs: unknown[] = [];
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (e.startsWith('.')) continue;
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e)) docs.push(...loadDocs(readFileSync(p, 'utf8')));
    }
    if (docs.length) out.push({ name: relative(ROOT, dir), docs });
  };
  walk(join(ROOT, 'examples'));
  return out;
}

function corpusSources(): { name: string; docs: unknown[]; policy?: Obj }[] {
  const dir = join(ROOT, 'test/bad-inputs');
  return readdirSync(dir).flatMap((n) => {
    const [list] = loadDocs(readFileSync(join(dir, n, 'input.yaml'), 'utf8'));
    if (!isObj(list) || !Array.isArray(list.items)) return [];
    const policy = isPolicy(list.functionConfig) ? list.functionConfig : undefined;
    return [{ name: `test/bad-inputs/${n}`, docs: list.items, policy }];
  });
}

function report(t: Tally): string {
  const rows = COVERED_RULES.map(
    (r) =>
      `${r}: refused by both ${t.refused.get(r) ?? 0}, accepted by both ${t.accepted.get(r) ?? 0}, not reached at render time ${t.unreached.get(r) ?? 0}`,
  );
  return [
    ...rows,
    `refused by the API server's schema before admission: ${t.beforeAdmission}`,
  ].join('\n');
}

describe(`admission agrees with render time on ${COVERED_RULES.join(', ')}; not enforced at admission: ${UNCOVERED_RULES.join(', ')}`, () => {
  const sources = [...exampleSources(), ...corpusSources()];
  const policies = (s: { docs: unknown[]; policy?: Obj }) => [
    ...TEST_POLICIES,
    ...s.docs.filter(isPolicy).filter((p) => isObj(p.spec) && p.spec.rules),
    ...(s.policy && isObj(s.policy.spec) && s.policy.spec.rules ? [s.policy] : []),
  ];
  it('on every database of the examples and of the bad-input corpus', () => {
    const tally = newTally();
    let cases = 0;
    for (const s of sources)
      for (const c of casesOf(s.name, s.docs)) {
        cases++;
        for (const p of policies(s)) for (const mode of MODES) compare(c, p, mode, tally);
      }
    console.log(`${cases} databases\n${report(tally)}`);
    expect(tally.disagreements.slice(0, 20)).toEqual([]);
    expect(cases).toBeGreaterThan(100);
    // The test can fail only where both outcomes occur: every covered rule sees both.
    for (const rule of COVERED_RULES) {
      expect(tally.refused.get(rule) ?? 0, rule).toBeGreaterThan(0);
      expect(tally.accepted.get(rule) ?? 0, rule).toBeGreaterThan(0);
    }
  });
});

// ---- generated: policies × databases --------------------------------------------------------

const CONTEXT: Obj[] = [
  ...['demo', 'prod'].map((ns) => ({
    apiVersion: 'cert-manager.io/v1',
    kind: 'Issuer',
    metadata: { name: 'ca', namespace: ns },
    spec: { ca: { secretName: 'ca' } },
  })),
  {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Issuer',
    metadata: { name: 'vault', namespace: 'prod' },
    spec: { vault: { server: 'https://vault', path: 'pki/sign/db', auth: {} } },
  },
  ...['corp-ca', 'other-ca'].map((name) => ({
    apiVersion: 'cert-manager.io/v1',
    kind: 'ClusterIssuer',
    metadata: { name },
    spec: name === 'other-ca' ? { selfSigned: {} } : { ca: { secretName: name } },
  })),
];

const ref = (kind: string, name: string) => ({ apiGroup: 'cert-manager.io', kind, name });
const refArb = fc.constantFrom(
  ref('Issuer', 'ca'),
  ref('Issuer', 'vault'),
  ref('ClusterIssuer', 'corp-ca'),
  ref('ClusterIssuer', 'other-ca'),
);
const optional = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const durationArb = fc.constantFrom(
  '1h',
  '100h',
  '720h',
  '2160h',
  '4000h',
  '1h1s',
  '90m',
  '36h30m',
  '2h0.5s',
);
const renewArb = fc.constantFrom('5m', '20m', '300h', '360h', '1000h', '1h', '40h1s');

const entryArb = (alias: string) =>
  fc.record(
    {
      alias: fc.constant(alias),
      duration: optional(durationArb),
      renewBefore: optional(renewArb),
      privateKey: optional(fc.record({ encoding: fc.constantFrom('PKCS1', 'PKCS8') })),
      issuerRef: optional(refArb),
    },
    { requiredKeys: ['alias'] },
  );

/** An example database with its TLS settings, namespace and labels drawn afresh. */
const databaseArb = fc.constantFrom(...EXAMPLE_DATABASES).chain((base) => {
  const kind = findKind(base) as DatabaseKind<any>;
  const aliases = alwaysIssued(kind);
  return fc
    .record({
      namespace: fc.constantFrom('demo', 'prod'),
      labels: fc.constantFrom({}, { tier: 'critical' }, { tier: 'other' }),
      tls: fc.boolean(),
      issuerRef: refArb,
      entries: fc.tuple(...aliases.map((a) => optional(entryArb(a)))),
      level: optional(fc.constantFrom(...(kind.connectionSettings?.[0]?.levels ?? [false]))),
    })
    .map((g) => {
      const spec = structuredClone(base.spec) as Obj;
      const setting = kind.connectionSettings?.[0];
      delete spec.tls;
      if (g.tls) {
        const entries = g.entries.filter((e) => e !== undefined);
        spec.tls = { issuerRef: g.issuerRef, ...(entries.length ? { certificates: entries } : {}) };
      }
      if (setting && g.level !== undefined) {
        const [parent, field] =
          String(setting.path) === 'spec.tls.clientTLS'
            ? [spec.tls as Obj | undefined, 'clientTLS']
            : [spec, String(setting.path.last)];
        if (parent) parent[field] = g.level;
      }
      const metadata = { ...(base.metadata as Obj), namespace: g.namespace, labels: g.labels };
      return { ...base, metadata, spec } as Obj;
    });
});

describe('admission agrees with render time on generated policies and databases', () => {
  it('for every rule, refused by both or accepted by both, in the same words', () => {
    const tally = newTally();
    fc.assert(
      fc.property(databaseArb, policyArb, fc.constantFrom(...MODES), (db, p, mode) => {
        const before = tally.disagreements.length;
        compare({ name: 'generated', db, context: CONTEXT }, p, mode, tally);
        if (tally.disagreements.length > before)
          throw new Error(
            `${tally.disagreements[before]}\n${JSON.stringify(db)}\n${JSON.stringify(p)}`,
          );
      }),
      { numRuns: 600 },
    );
    console.log(report(tally));
    // Refusals of the rarer rules depend on the draw; the corpus test above sees every rule
    // both ways. Here, most draws must reach a verdict on both sides.
    const verdicts = [...tally.refused.values(), ...tally.accepted.values()].reduce(
      (a, b) => a + b,
      0,
    );
    expect(verdicts).toBeGreaterThan(600);
  });
});
