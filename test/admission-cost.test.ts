// The admission policies stay within the API server's CEL cost limits for any object it can be
// sent: each expression within PerCallLimit, each policy's evaluation (variables, validations,
// then every messageExpression, variables read again) within RuntimeCELCostBudget, each message
// within the 5 KiB the API server shows. Past a limit the API server denies the request with an
// error in place of the policy's verdict, so a database dbtls accepts would be refused.
// The bound is test/admission/cost.ts (cel-go's runtime prices, from above); its first tests pin
// those prices and show that it counts what a guard proves and nothing more.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AdmissionMode, buildAdmission } from '../fn/admission/index.js';
import {
  celString,
  DURATION_TEXT_LIMIT,
  GO_DURATION_PATTERN,
  SHOWN_LIMIT,
} from '../fn/admission/cel.js';
import { policyNameProblem } from '../fn/admission/objects.js';
import { KINDS, REGISTRY } from '../fn/kinds/index.js';
import { readSettings } from '../fn/policy/settings.js';
import {
  costBound,
  MAX_INPUT,
  MAX_MESSAGE_BYTES,
  PER_CALL_LIMIT,
  RUNTIME_COST_BUDGET,
  type Size,
} from './admission/cost.js';
import { TEST_POLICIES } from './admission/policies.js';
import { hostilePolicyArb } from './admission/policy-arbitrary.js';

type Schema = Record<string, any>;
const MODES: AdmissionMode[] = ['standalone', 'operator', 'validate'];
const PATTERN = celString(GO_DURATION_PATTERN);
const traverse = (n: number) => Math.ceil(0.1 * n);

describe('the cost bound', () => {
  it("prices as cel-go's runtime tracker does", () => {
    // object (1) + .a (2) + the concatenation: ceil(0.1 × both lengths).
    expect(costBound("object.a + 'xy'").cost).toBe(3 + traverse(MAX_INPUT + 2));
    // Equality reads the shorter side only.
    expect(costBound("object.a == 'verify-full'").cost).toBe(3 + traverse(11));
    // `in` a list: its size, on top of the literal's 10.
    expect(costBound("object.kind in ['a', 'b', 'c']").cost).toBe(3 + 10 + 3);
    // A comprehension pays its condition and step once per element: all() is
    // @not_strictly_false(r) (2) and r && i < 5 (3), then its result r (1).
    expect(costBound('[0, 1, 2].all(i, i < 5)').cost).toBe(10 + 3 * (2 + 3) + 1);
    const regex = Math.ceil(0.25 * [...GO_DURATION_PATTERN].length);
    expect(costBound(`object.d.matches(${PATTERN})`).cost).toBe(
      3 + traverse(1 + MAX_INPUT) * regex,
    );
  });

  it('reading a duration of any length is past the limit; a guarded one is not', () => {
    const guarded = `size(object.d) <= ${DURATION_TEXT_LIMIT} && object.d.matches(${PATTERN})`;
    expect(costBound(`object.d.matches(${PATTERN})`).cost).toBeGreaterThan(PER_CALL_LIMIT);
    expect(costBound(guarded).cost).toBeLessThan(300);
    expect(costBound(`size(object.d) > 128 || object.d.matches(${PATTERN})`).cost).toBeLessThan(
      300,
    );
    expect(costBound(`size(object.d) > 128 ? '' : object.d + 'x'`).cost).toBeLessThan(50);
  });

  it('counts only what a guard proves', () => {
    const unguarded = [
      `size(object.d) > 128 && object.d.matches(${PATTERN})`,
      `size(object.d) <= 128 || object.d.matches(${PATTERN})`,
      `size(object.e) <= 128 && object.d.matches(${PATTERN})`,
      `size(object.d) <= 128 ? '' : object.d + 'x'`,
      // The comprehension's d is another value than the one the guard read.
      `size(d) <= 128 && [object.d].all(d, d.matches(${PATTERN}))`,
    ];
    for (const e of unguarded) expect(costBound(e).cost, e).toBeGreaterThan(traverse(MAX_INPUT));
  });
});

interface PolicyCost {
  name: string;
  /** The dearest single expression (variable, validation or message). */
  dearest: number;
  /** One evaluation: variables twice (validations, then messages), every expression once. */
  total: number;
  /** The longest message, in UTF-8 bytes (4 a character where the bound knows no better). */
  messageBytes: number;
}

function policyCosts(policy: Schema, mode: AdmissionMode): PolicyCost[] {
  const { rules } = readSettings(policy, REGISTRY).settings;
  const objects = buildAdmission(rules, policy.metadata.name, mode, KINDS).objects as Schema[];
  return objects
    .filter((o) => o.kind === 'ValidatingAdmissionPolicy')
    .map((o) => {
      const variables = new Map<string, Size>();
      let variableCost = 0;
      let dearest = 0;
      for (const v of o.spec.variables ?? []) {
        const b = costBound(v.expression, variables);
        variables.set(v.name, b.size);
        variableCost += b.cost;
        dearest = Math.max(dearest, b.cost);
      }
      let total = 2 * variableCost;
      let messageBytes = 0;
      for (const v of o.spec.validations) {
        const check = costBound(v.expression, variables);
        const message = v.messageExpression ? costBound(v.messageExpression, variables) : undefined;
        total += check.cost + (message?.cost ?? 0);
        dearest = Math.max(dearest, check.cost, message?.cost ?? 0);
        messageBytes = Math.max(messageBytes, 4 * (message?.size.n ?? 0));
      }
      return { name: o.metadata.name, dearest, total, messageBytes };
    });
}

function expectWithinLimits(costs: PolicyCost[], at: string): void {
  for (const c of costs) {
    expect(c.dearest, `${at} ${c.name}: an expression's cost`).toBeLessThanOrEqual(PER_CALL_LIMIT);
    expect(c.total, `${at} ${c.name}: the policy's cost`).toBeLessThanOrEqual(RUNTIME_COST_BUDGET);
    expect(c.messageBytes, `${at} ${c.name}: a message's length`).toBeLessThanOrEqual(
      MAX_MESSAGE_BYTES,
    );
  }
}

describe('the generated policies stay within the API server limits for any object', () => {
  it('every rule, in every mode', () => {
    let policies = 0;
    let dearest = 0;
    for (const policy of TEST_POLICIES)
      for (const mode of MODES) {
        const costs = policyCosts(policy, mode);
        expectWithinLimits(costs, `${(policy.metadata as Schema).name} ${mode}`);
        policies += costs.length;
        dearest = Math.max(dearest, ...costs.map((c) => c.total));
      }
    expect(policies).toBeGreaterThan(20);
    // Not vacuous: the dearest policy reads strings of the object at their bounded lengths.
    expect(dearest).toBeGreaterThan(SHOWN_LIMIT);
  });

  it('for policies with hostile names, issuers and durations', () => {
    fc.assert(
      fc.property(hostilePolicyArb, fc.constantFrom(...MODES), (policy, mode) => {
        const name = (policy.metadata as Schema).name as string;
        if (name === '' || policyNameProblem(name)) return;
        expectWithinLimits(policyCosts(policy, mode), mode);
      }),
      { numRuns: 100 },
    );
  });
});
