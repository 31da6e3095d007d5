// The objects `dbtls admission` writes, as the API server would take them: against the Kubernetes
// API schema of admissionregistration.k8s.io/v1 (test/data/kubernetes, the API server's own
// OpenAPI, through test/admission/openapi.ts) and the defaulting and validation the API server
// adds to it (test/admission/api-validation.ts); broken objects are shown refused by both. Then
// the CEL text they are made of: quoting, Go's duration format and syntax, each checked against
// the evaluator and dbtls's own Go-duration code; and the command.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isCelError } from '@bufbuild/cel';
import { load, loadAll } from 'js-yaml';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildAdmission, type AdmissionMode } from '../fn/admission/index.js';
import { policyNameProblem } from '../fn/admission/objects.js';
import {
  celDurationMessage,
  celGoDurationText,
  celString,
  GO_DURATION_PATTERN,
} from '../fn/admission/cel.js';
import { KINDS, REGISTRY } from '../fn/kinds/index.js';
import { readSettings } from '../fn/policy/settings.js';
import { formatGoDuration, parseGoDuration } from '../fn/util/duration.js';
import { TEST_POLICIES } from './admission/policies.js';
import { hostilePolicyArb, policyArb } from './admission/policy-arbitrary.js';
import { evaluate } from './admission/apiserver.js';
import { validationRuleProblems } from './admission/api-validation.js';
import { schemaProblems } from './admission/openapi.js';
import { ROOT, runDist } from './helpers.js';

type Schema = Record<string, any>;

/** Everything the API server refuses in `o`: the schema's problems, then its validation's. */
function apiProblems(o: Schema): string[] {
  return [...schemaProblems(o), ...validationRuleProblems(o)];
}

const MODES: AdmissionMode[] = ['standalone', 'operator', 'validate'];
const EXAMPLE_POLICIES = [
  'examples/policy/policy.yaml',
  'examples/policy-violations/policy.yaml',
  'examples/admission/policy.yaml',
];

const objectsOf = (policy: Schema, mode: AdmissionMode) =>
  buildAdmission(readSettings(policy, REGISTRY).settings.rules, policy.metadata.name, mode, KINDS)
    .objects as Schema[];

describe('the admission objects are valid admissionregistration.k8s.io/v1 objects', () => {
  it('for every test policy in every mode', () => {
    let checked = 0;
    for (const policy of TEST_POLICIES)
      for (const mode of MODES)
        for (const o of objectsOf(policy, mode)) {
          expect(apiProblems(o), `${mode} ${o.metadata.name}`).toEqual([]);
          checked++;
        }
    expect(checked).toBeGreaterThan(20);
  });
  it('the golden example, as written in examples/admission/.expected', () => {
    const text = readFileSync(join(ROOT, 'examples/admission/.expected/admission.yaml'), 'utf8');
    const objects = loadAll(text) as Schema[];
    expect(objects.map((o) => o.kind)).toContain('ValidatingAdmissionPolicyBinding');
    for (const o of objects) expect(apiProblems(o), o.metadata.name).toEqual([]);
  });
  it('for the examples, through the command', () => {
    for (const file of EXAMPLE_POLICIES) {
      const run = runDist('', ['admission', '--policy', file]);
      expect(run.status, run.stderr).toBe(0);
      const docs = run.stdout.split(/^---$/m).slice(1);
      expect(docs.length).toBeGreaterThan(0);
      for (const text of docs) {
        const o = load(text) as Schema;
        expect(apiProblems(o), `${file} ${o.metadata?.name}`).toEqual([]);
      }
    }
  });
  it('for generated policies, in every mode', () => {
    fc.assert(
      fc.property(policyArb, fc.constantFrom(...MODES), (policy, mode) => {
        for (const o of objectsOf(policy, mode))
          expect(apiProblems(o), `${mode} ${o.metadata.name}`).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });
  it('for hostile policies: valid objects, or the policy refused with its name', () => {
    let written = 0;
    fc.assert(
      fc.property(hostilePolicyArb, fc.constantFrom(...MODES), (policy, mode) => {
        const name = (policy.metadata as Schema).name as string;
        if (name === '' || policyNameProblem(name)) return;
        for (const o of objectsOf(policy, mode)) {
          expect(apiProblems(o), `${mode} ${o.metadata.name}`).toEqual([]);
          written++;
        }
      }),
      { numRuns: 300 },
    );
    expect(written).toBeGreaterThan(100);
  });
});

/** A valid policy and binding from the golden example, to break one field at a time. */
function golden(kind: string): Schema {
  const text = readFileSync(join(ROOT, 'examples/admission/.expected/admission.yaml'), 'utf8');
  const o = (loadAll(text) as Schema[]).find((x) => x.kind === kind) as Schema;
  expect(apiProblems(o)).toEqual([]);
  return structuredClone(o);
}

describe('a broken object is refused', () => {
  it('a field of the wrong type, by the schema', () => {
    const b = golden('ValidatingAdmissionPolicyBinding');
    b.spec.validationActions = 'Deny';
    expect(schemaProblems(b)).toEqual(['/spec/validationActions must be array']);
    const p = golden('ValidatingAdmissionPolicy');
    p.spec.validations[0].expression = true;
    p.metadata.labels.count = 3;
    expect(schemaProblems(p)).toEqual([
      '/metadata/labels/count must be string',
      '/spec/validations/0/expression must be string',
    ]);
  });
  it('an unknown field, by the schema (strict field validation)', () => {
    const p = golden('ValidatingAdmissionPolicy');
    p.spec.validations[0].messageExpresion = "'typo'";
    expect(schemaProblems(p)).toEqual([
      '/spec/validations/0 must NOT have additional properties (messageExpresion)',
    ]);
  });
  it('a missing required field, by the schema', () => {
    const p = golden('ValidatingAdmissionPolicy');
    delete p.spec.variables[0].expression;
    expect(schemaProblems(p)).toEqual([
      "/spec/variables/0 must have required property 'expression'",
    ]);
  });
  it('two variables or match conditions of one name, by the list-map keys', () => {
    const p = golden('ValidatingAdmissionPolicy');
    p.spec.variables.push({ ...p.spec.variables[0] });
    p.spec.matchConditions = [
      { name: 'a', expression: 'true' },
      { name: 'a', expression: 'false' },
    ];
    expect(schemaProblems(p)).toEqual([
      '/spec/matchConditions has two items with the same name',
      '/spec/variables has two items with the same name',
    ]);
  });
  it('a repeated validation action, by the schema (a set) and the API server', () => {
    const b = golden('ValidatingAdmissionPolicyBinding');
    b.spec.validationActions = ['Deny', 'Deny'];
    expect(apiProblems(b)).toEqual([
      '/spec/validationActions must NOT have duplicate items (items ## 1 and 0 are identical)',
      'spec.validationActions[1]: Duplicate value: "Deny"',
    ]);
  });
  it('a wrong apiVersion or kind, by the schema', () => {
    const b = golden('ValidatingAdmissionPolicyBinding');
    b.apiVersion = 'admissionregistration.k8s.io/v1beta2';
    expect(schemaProblems(b)).toEqual(['/ apiVersion and kind are not those of this schema']);
  });
  it("an unknown validationActions value, by the API server's validation", () => {
    const b = golden('ValidatingAdmissionPolicyBinding');
    b.spec.validationActions = ['Block'];
    // The schema has no enum: the values are checked in Go.
    expect(schemaProblems(b)).toEqual([]);
    expect(validationRuleProblems(b)).toEqual([
      'spec.validationActions[0]: Unsupported value: "Block": supported values: "Audit", "Deny", "Warn"',
    ]);
    b.spec.validationActions = ['Deny', 'Warn'];
    expect(validationRuleProblems(b)).toEqual([
      'spec.validationActions: Invalid value: ["Deny","Warn"]: must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)',
    ]);
  });
  it("a missing policyName, by the API server's validation", () => {
    const b = golden('ValidatingAdmissionPolicyBinding');
    delete b.spec.policyName;
    // The schema does not list it under required: the API server's Go code does.
    expect(schemaProblems(b)).toEqual([]);
    expect(validationRuleProblems(b)).toEqual(['spec.policyName: Required value']);
    b.spec.policyName = 'Not_A_Name';
    expect(validationRuleProblems(b)[0]).toMatch(
      /^spec\.policyName: Invalid value: "Not_A_Name": a lowercase RFC 1123 subdomain/,
    );
  });
  it("bad operations, failurePolicy, names and expressions, by the API server's validation", () => {
    const p = golden('ValidatingAdmissionPolicy');
    p.metadata.name = 'dbtls-TLS';
    p.spec.failurePolicy = 'Crash';
    p.spec.matchConstraints.resourceRules[0].operations = ['CREATE', 'PATCH'];
    p.spec.matchConstraints.namespaceSelector = {
      matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [] }],
    };
    p.spec.variables[0].name = 'in';
    p.spec.validations[0].expression = 'object.spec.(';
    p.spec.validations[0].message = 'two\nlines';
    expect(apiProblems(p).map((e) => e.replace(/: .*/s, ''))).toEqual([
      'metadata.name',
      'spec.failurePolicy',
      'spec.matchConstraints.namespaceSelector.matchExpressions[0].values',
      'spec.matchConstraints.resourceRules[0].operations[1]',
      'spec.variables[0].name',
      'spec.validations[0].expression',
      'spec.validations[0].message',
    ]);
  });
});

describe('a policy whose name cannot name the objects', () => {
  it('is refused by the command and by the function, naming metadata.name', () => {
    const policy = readFileSync(join(ROOT, 'examples/admission/policy.yaml'), 'utf8').replace(
      'name: tls-policy',
      'name: TLS_Policy',
    );
    const run = runDist(policy, ['admission']);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /^standard input: metadata\.name: "TLS_Policy" names the generated objects \("dbtls-TLS_Policy-certificate-lifetime" and others\), which must be Kubernetes object names: a lowercase RFC 1123 subdomain .*; rename the policy with lowercase letters, digits and '-', at most 226 characters\n$/,
    );
    expect(policyNameProblem('a'.repeat(226))).toBeUndefined();
    expect(policyNameProblem('a'.repeat(227))).toMatch(/must be no more than 253 characters/);
  });
});

describe('CEL text', () => {
  it('a string literal evaluates to the string, whatever it holds', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const expected = s.replace(/[\uD800-\uDFFF]/g, (c, i) =>
          /[\uD800-\uDBFF][\uDC00-\uDFFF]/.test(s.slice(i - 1, i + 1)) ||
          /[\uD800-\uDBFF][\uDC00-\uDFFF]/.test(s.slice(i, i + 2))
            ? c
            : '\uFFFD',
        );
        const v = evaluate(celString(s), {});
        expect(isCelError(v) ? (v as Error).message : v).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
  it("formats nanoseconds as Go's Duration.String()", () => {
    const nanos = fc.oneof(
      fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
      fc.bigInt({ min: 0n, max: 10n ** 13n }),
      fc.constantFrom(
        0n,
        1n,
        999n,
        1000n,
        1500n,
        999_999n,
        1_000_000n,
        10n ** 9n,
        3_600_000_000_000n,
        7_776_000_000_000_000n,
      ),
    );
    const text = celGoDurationText('n');
    fc.assert(
      fc.property(nanos, (n) => {
        expect(evaluate(`[${n}].map(n, ${text})[0]`, {})).toBe(formatGoDuration(n));
      }),
      { numRuns: 500 },
    );
  });
  it("reads Go's duration syntax as Go does (dbtls's parseGoDuration)", () => {
    const unit = fc.constantFrom('ns', 'us', 'µs', 'μs', 'ms', 's', 'm', 'h');
    const part = fc
      .tuple(
        fc.oneof(fc.nat(99999).map(String), fc.constantFrom('.5', '1.', '0.25', '1.000000001')),
        unit,
      )
      .map(([n, u]) => `${n}${u}`);
    const durationText = fc
      .tuple(fc.constantFrom('', '+'), fc.array(part, { minLength: 1, maxLength: 4 }))
      .map(([s, p]) => s + p.join(''));
    fc.assert(
      fc.property(durationText, (text) => {
        expect(new RegExp(GO_DURATION_PATTERN, 'u').test(text)).toBe(true);
        const go = parseGoDuration(text);
        const seconds = evaluate(`duration(${celString(text)}).getSeconds()`, {});
        // Go (and so cel-go in the API server) reads U+03BC as micro like U+00B5; @bufbuild/cel
        // 0.6.1 does not. Pinned, so that a fix there shows here.
        if (text.includes('μs') || !go.ok) {
          expect(isCelError(seconds)).toBe(true);
          return;
        }
        expect(seconds).toBe(go.nanos / 1_000_000_000n);
        // Exact to the nanosecond: the two agree on which side of every whole second it lies.
        const whole = evaluate(`duration(${celString(text)}) == duration('${seconds}s')`, {});
        expect(whole).toBe(go.nanos % 1_000_000_000n === 0n);
        // And a message shows it as render time does, to the nanosecond, a third of it too.
        const shown = (third: boolean) => evaluate(celDurationMessage('t', third), { t: text });
        expect(shown(false)).toBe(formatGoDuration(go.nanos));
        expect(shown(true)).toBe(formatGoDuration(go.nanos / 3n));
      }),
      { numRuns: 500 },
    );
    for (const bad of ['', '1', '1d', '-1h', '0', '.h', 'h1'])
      expect(new RegExp(GO_DURATION_PATTERN, 'u').test(bad), bad).toBe(false);
  });
});

describe('dbtls admission, the command', () => {
  it('names what it leaves to render time, in the output and on stderr', () => {
    const run = runDist('', ['admission', '--policy', 'examples/admission/policy.yaml']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('# - forbidSelfSignedIssuers: whether an issuer is self-signed');
    expect(run.stderr).toContain(
      'dbtls admission: not enforced at admission (render time only): forbidSelfSignedIssuers:',
    );
  });
  it('reads the policy from standard input without --policy, and takes --mode over spec.mode', () => {
    const input = readFileSync(join(ROOT, 'examples/admission/policy.yaml'), 'utf8');
    const run = runDist(input, ['admission', '--mode', 'operator']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('(mode operator)');
    expect(run.stdout).not.toContain('of the server Certificate is PKCS1');
  });
  it('refuses bad usage (exit 2) and a bad policy (exit 1) with a message, never a stack trace', () => {
    expect(runDist('', ['admission', '--mode', 'fast']).stderr).toBe(
      'dbtls admission: --mode must be one of standalone, operator, validate; got "fast"\nRun \'dbtls admission --help\' for usage.\n',
    );
    expect(runDist('', ['admission', '--policy', 'examples/postgres/postgres.yaml']).status).toBe(
      2,
    );
    const bad = runDist(
      'apiVersion: dbtls.dev/v1alpha1\nkind: DatabaseTLSPolicy\nmetadata: {name: p}\nspec: {rules: {privateKey: {algorithm: Ed25519, minimumSize: 256}}}\n',
      ['admission'],
    );
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe(
      'standard input: spec.rules.privateKey.minimumSize: Ed25519 keys have one size; remove minimumSize\n',
    );
  });
});

describe('the function with a DatabaseTLSAdmission function config', () => {
  const list = (items: string) =>
    `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig:\n  apiVersion: dbtls.dev/v1alpha1\n  kind: DatabaseTLSAdmission\n  metadata: {name: admission}\nitems:\n${items}`;
  it('adds the admission objects of the policy among the items, keeping every item', () => {
    const run = runDist(
      list(
        '- {apiVersion: dbtls.dev/v1alpha1, kind: DatabaseTLSPolicy, metadata: {name: p}, spec: {rules: {requireTLS: {}, forbidSelfSignedIssuers: {}}}}\n',
      ),
    );
    expect(run.status).toBe(0);
    expect(run.output.items.map((i: Schema) => `${i.kind}/${i.metadata.name}`)).toEqual([
      'DatabaseTLSPolicy/p',
      'ValidatingAdmissionPolicy/dbtls-p-require-tls',
      'ValidatingAdmissionPolicyBinding/dbtls-p-require-tls',
    ]);
    expect(run.output.results.map((r: Schema) => r.message)).toEqual([
      'not enforced at admission (render time only): whether an issuer is self-signed is in the Issuer or ClusterIssuer, not in the database; a ValidatingAdmissionPolicy sees only the object admitted (and one parameter object)',
    ]);
  });
  it('says where the policy is missing, and changes nothing', () => {
    const run = runDist(list('- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n'));
    expect(run.status).toBe(1);
    expect(run.output.items).toHaveLength(1);
    expect(run.output.results.map((r: Schema) => `${r.field?.path}: ${r.message}`)).toEqual([
      "spec: a DatabaseTLSPolicy is not among the input's items: list the policy's file in the package (kpt) or the kustomization's resources, and run dbtls as a transformer",
    ]);
  });
});

describe("a kind's conditional aliases, as admission reads them", () => {
  const withField = (path: readonly string[], value: unknown): Record<string, unknown> => {
    const root: Record<string, unknown> = {};
    let at = root;
    for (const [i, key] of path.entries()) {
      if (i === path.length - 1) at[key] = value;
      else at = (at[key] = {}) as Record<string, unknown>;
    }
    return root;
  };
  const probe = (kind: (typeof KINDS)[number], extra: Record<string, unknown>) => {
    const o = {
      apiVersion: `${kind.group}/${kind.versions[0]}`,
      kind: kind.kind,
      metadata: { name: 'db', namespace: 'default' },
      ...extra,
    } as any;
    o.spec = { ...(o.spec ?? {}), tls: { issuerRef: { kind: 'Issuer', name: 'ca' } } };
    return o;
  };

  it('are issued exactly where the declared field holds the declared value', () => {
    const declared = KINDS.filter((k) => k.conditionalAliases?.length);
    expect(declared.map((k) => k.kind)).toContain('MSSQLServer');
    for (const kind of declared)
      for (const c of kind.conditionalAliases!) {
        expect(kind.aliases(probe(kind, withField(c.path, c.equals)))).toContain(c.alias);
        expect(kind.aliases(probe(kind, withField(c.path, `not-${c.equals}`)))).not.toContain(
          c.alias,
        );
        expect(kind.aliases(probe(kind, {}))).not.toContain(c.alias);
      }
  });
});
