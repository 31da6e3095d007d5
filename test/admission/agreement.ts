// One comparison: a database under a policy and mode, render time against admission, rule by rule.
import { isObj, type Obj } from '../../fn/io/objects.js';
import type { AdmissionMode } from '../../fn/admission/index.js';
import {
  admitAll,
  asAdmissionMessage,
  asAdmitted,
  type Case,
  generate,
  type Generated,
  render,
  rulesEvaluated,
  sameCertificate,
  violations,
} from './differential.js';

export interface Tally {
  /** Per rule: refused by both, accepted by both, not reached at render time. */
  refused: Map<string, number>;
  accepted: Map<string, number>;
  unreached: Map<string, number>;
  /** Databases the API server's schema refuses before admission. */
  beforeAdmission: number;
  disagreements: string[];
}

export function newTally(): Tally {
  return {
    refused: new Map(),
    accepted: new Map(),
    unreached: new Map(),
    beforeAdmission: 0,
    disagreements: [],
  };
}

const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
const generatedCache = new Map<string, Generated>();

function generatedFor(policy: Obj, mode: AdmissionMode): Generated {
  const key = `${mode} ${JSON.stringify(policy)}`;
  let g = generatedCache.get(key);
  if (!g) {
    g = generate(policy, mode);
    generatedCache.set(key, g);
  }
  return g;
}

/** Compares the two sides for one case; disagreements are added to the tally. */
export function compare(c: Case, policy: Obj, mode: AdmissionMode, tally: Tally): void {
  const admitted = asAdmitted(c.db);
  if ('refused' in admitted) {
    tally.beforeAdmission++;
    return;
  }
  const g = generatedFor(policy, mode);
  const { results, output } = render(c, policy, mode);
  const where = `${c.name} [${mode}, policy ${String((policy.metadata as Obj).name)}]`;
  // requireTLS's defaultIssuerRef: dbtls passes the database on with spec.tls added, and every
  // rule was checked on that; the database as written, by another road, is refused at admission.
  const added = results.some((r) =>
    /^policy rule requireTLS: .*added spec\.tls\.issuerRef/.test(r.message),
  );
  let object = admitted.object;
  if (added) {
    const road = admitAll(g, object).get('requireTLS');
    if (!road?.messages.some((m) => m.includes('did not come through dbtls')))
      tally.disagreements.push(
        `${where}: requireTLS: the database without spec.tls is not refused at admission`,
      );
    // As dbtls passes it on: its output where it rendered the database, else as it added it.
    const d = (policy.spec as any).rules.requireTLS.defaultIssuerRef;
    const tls =
      isObj(output) && isObj(output.spec) && output.spec.tls
        ? output.spec.tls
        : { issuerRef: { apiGroup: 'cert-manager.io', kind: d.kind, name: d.name } };
    object = { ...object, spec: { ...(object.spec as Obj), tls } };
  }
  const renderFailed = results.some((r) => r.severity === 'error');
  for (const [rule, d] of admitAll(g, object)) {
    if (d.errors.length > 0 && !renderFailed)
      tally.disagreements.push(
        `${where}: ${rule}: CEL failed on a database dbtls accepts: ${d.errors[0]}`,
      );
    if (!rulesEvaluated(results, rule)) {
      bump(tally.unreached, rule);
      continue;
    }
    const v = violations(results, rule);
    const expected =
      v.length === 0 ? 'accept' : v.some((r) => r.severity === 'error') ? 'Deny' : 'Warn';
    const actual = d.messages.length === 0 && d.errors.length === 0 ? 'accept' : d.action;
    if (expected !== actual) {
      tally.disagreements.push(
        `${where}: ${rule}: render time ${expected}${v.length ? ` (${v.map((r) => r.message).join(' | ')})` : ''}, admission ${actual}${d.messages.length ? ` (${d.messages.join(' | ')})` : ''}${d.errors.length ? ` errors: ${d.errors.join(' | ')}` : ''}`,
      );
      continue;
    }
    const said = new Set(v.map(asAdmissionMessage));
    for (const m of d.messages)
      if (!said.has(sameCertificate(m)))
        tally.disagreements.push(
          `${where}: ${rule}: admission says "${m}"; render time says ${[...said].map((s) => `"${s}"`).join(', ')}`,
        );
    bump(expected === 'accept' ? tally.accepted : tally.refused, rule);
  }
}
