// The differential test of `dbtls admission`: every database of the examples and of the
// bad-input corpus, and generated databases under generated policies, judged both ways — by
// dbtls at render time and by the generated ValidatingAdmissionPolicies run by a conformant CEL
// evaluator (@bufbuild/cel) in a model of the API server — must be refused by both or accepted
// by both, rule by rule, with the same words.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { isObj, type Obj } from '../fn/io/objects.js';
import { KUBERNETES_SCHEMA } from '../fn/io/yaml.js';
import { findKind } from '../fn/kinds/index.js';
import type { AdmissionMode } from '../fn/admission/index.js';
import { compare, newTally, type Tally } from './admission/agreement.js';
import { type Case, COVERED_RULES, UNCOVERED_RULES } from './admission/differential.js';
import { ROOT } from './helpers.js';

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

const policy = (name: string, rules: Obj): Obj => ({
  apiVersion: 'dbtls.dev/v1alpha1',
  kind: 'DatabaseTLSPolicy',
  metadata: { name },
  spec: { rules },
});

/** Policies every case is judged under: the examples' own and strict ones touching every rule. */
export const TEST_POLICIES: Obj[] = [
  policy('strict', {
    requireTLS: {},
    connectionSecurity: {
      minimum: {
        sslMode: 'verify-ca',
        requireSSL: true,
        clientTLS: true,
        mongodbSSLMode: 'requireSSL',
      },
    },
    allowedIssuers: {
      issuers: ['Issuer/ca', 'ClusterIssuer/corp-ca', 'Issuer/prod/vault', 'demo-ca'],
    },
    privateKey: { encoding: 'PKCS1' },
    certificateLifetime: { maximumDuration: '720h', minimumRenewBefore: '300h' },
    tlsProtocols: { versions: ['1.2'] },
  }),
  policy('scoped', {
    requireTLS: {
      enforcement: 'audit',
      match: {
        selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['critical'] }] },
      },
    },
    connectionSecurity: {
      match: { namespaces: ['demo'] },
      minimum: { sslMode: 'require', requireSSL: true },
    },
    privateKey: {
      algorithm: 'ECDSA',
      minimumSize: 384,
      rotationPolicy: 'Never',
      encoding: 'PKCS8',
    },
    certificateLifetime: {
      enforcement: 'audit',
      maximumDuration: '10000h',
      minimumRenewBefore: '3000h',
    },
    tlsProtocols: {
      versions: ['1.2', '1.1'],
      match: { selector: { matchLabels: { tier: 'critical' } } },
    },
  }),
  policy('lenient', {
    privateKey: { minimumSize: 4096 },
    certificateLifetime: { minimumRenewBefore: '800h' },
    allowedIssuers: { enforcement: 'audit', issuers: ['ca', 'ClusterIssuer/letsencrypt'] },
  }),
];

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
  });
});
