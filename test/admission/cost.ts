// An upper bound of what the API server charges for evaluating one CEL expression of a
// ValidatingAdmissionPolicy, whatever object is admitted.
//
// How the API server counts (kubernetes/kubernetes, staging/src/k8s.io/apiserver):
// - `object` is declared dyn (admission/plugin/cel/compile.go), so nothing is estimated when
//   the policy is created (the policy's validation only compiles it): cost is measured while
//   evaluating, by cel-go's runtime cost tracker (cel-go interpreter/runtimecost.go), with the
//   Kubernetes library's estimator in front of it (cel/library/cost.go), which prices none of
//   the standard functions used here, so cel-go's own prices apply.
// - Each expression (and each variable) is stopped past PerCallLimit = 1,000,000
//   (apis/cel/config.go, cel/environment/base.go CostLimit); stopped, it is an error, and
//   failurePolicy Fail denies.
// - One evaluation of a policy for one binding: the validations share RuntimeCELCostBudget =
//   10,000,000 with the variables they read (charged when first read, admission/plugin/cel
//   composition.go); the messageExpressions, all of them, every time, get what is left, and read
//   the variables afresh (a new composition context per pass), so variables are charged twice
//   (policy/validating/validator.go). Running out denies the request whatever the validations said.
//
// cel-go's prices, bounded here from above: 0 for a constant; 1 for an identifier; a field
// selection or an index 1 on a variable's path, 2 on a computed value (relative attribute and
// qualifier), counted 2 everywhere here; has() 1 (the API server makes it free); list literal 10,
// map literal 30; a function 1, except: ==, !=, <, <=, >, >= ceil(0.1 × the smaller operand);
// + on strings ceil(0.1 × both); matches ceil(0.1 × (1 + string)) × ceil(0.25 × regex);
// contains ceil(0.1 × string) × ceil(0.1 × substring); startsWith/endsWith ceil(0.1 × string);
// `in` a list its size. &&, || and ?: cost nothing of their own. A comprehension (all, exists,
// filter, map) costs its range and accumulator, its condition and step once per element, then
// its result.
//
// The bound adds both sides of && and || and takes the dearer branch of ?:, the longest a value
// can be, and every string or list read from the admitted object at MAX_INPUT (the whole
// request), so it holds for any object the API server can be sent — but for what a guard proves:
// where `size(x) <= n` must have held for a part to be evaluated (the left of &&, the condition
// of ?:, the negated left of ||; cel-go evaluates them in that order and stops), x is at most n
// long in that part.
import { parse } from '@bufbuild/cel';
import type { Expr } from '@bufbuild/cel-spec/cel/expr/syntax_pb.js';

/** k8s.io/apiserver/pkg/apis/cel: the per-expression limit and a policy evaluation's budget. */
export const PER_CALL_LIMIT = 1_000_000;
export const RUNTIME_COST_BUDGET = 10_000_000;
/** The largest request the API server reads (MaxRequestSizeBytes): no input string is longer. */
export const MAX_INPUT = 3 * 1024 * 1024;
/** MaxEvaluatedMessageExpressionSizeBytes: a longer message is dropped for the static one. */
export const MAX_MESSAGE_BYTES = 5 * 1024;

const STRING_TRAVERSAL = 0.1;
const REGEX_LENGTH = 0.25;
const LIST_CREATE = 10;
const MAP_CREATE = 30;
const SELECT = 2;

/**
 * The most a value can hold: a string's characters, a list's elements (and the bound of each);
 * n = 1 for ints, bools, durations, whose operations are O(1).
 */
export interface Size {
  n: number;
  elem?: Size;
  /** Fields and elements of a value read from the admitted object: as large as the request. */
  input?: boolean;
  /** Named fields of known size (the `variables` of a policy). */
  fields?: ReadonlyMap<string, Size>;
}
const SCALAR: Size = { n: 1 };
const INPUT: Size = { n: MAX_INPUT, input: true };
const inputElem = (s: Size): Size => (s.input ? INPUT : (s.elem ?? SCALAR));
/** The larger of two sizes, element by element. */
function larger(a: Size, b: Size): Size {
  const elem = a.elem && b.elem ? larger(a.elem, b.elem) : (a.elem ?? b.elem);
  return { n: Math.max(a.n, b.n), input: a.input || b.input, ...(elem ? { elem } : {}) };
}
/** A value a guard proved at most `n` long; its elements stay what they were. */
const atMost = (s: Size, n: number): Size => ({
  ...s,
  n: Math.min(s.n, n),
  input: false,
  elem: inputElem(s),
});

export interface Bound {
  cost: number;
  size: Size;
}

/** Names in scope, and the longest a path (`c.duration`) can be where a guard proved it. */
interface Scope {
  names: ReadonlyMap<string, Size>;
  proved: ReadonlyMap<string, number>;
}

type Call = Expr & { exprKind: { case: 'callExpr' } };
const ceil = Math.ceil;
const ORDER = new Set(['_==_', '_!=_', '_<_', '_<=_', '_>_', '_>=_']);
const O1 = new Set(['size', 'getSeconds', 'duration', 'int', '!_', '-_', '@not_strictly_false']);
const ARITHMETIC = new Set(['_*_', '_/_', '_%_', '_-_']);

/** A path of the admitted object or a variable (`variables.certificates[i].duration`), as text. */
function pathOf(e: Expr): string | undefined {
  const k = e.exprKind;
  if (k.case === 'identExpr') return k.value.name;
  if (k.case === 'selectExpr' && !k.value.testOnly) {
    const operand = pathOf(k.value.operand as Expr);
    return operand && `${operand}.${k.value.field}`;
  }
  if (k.case === 'callExpr' && k.value.function === '_[_]') {
    const [list, index] = k.value.args.map(pathOf);
    const constant = k.value.args[1].exprKind;
    const i = constant.case === 'constExpr' ? String(constant.value.constantKind.value) : index;
    return list && i && `${list}[${i}]`;
  }
  return undefined;
}

function intConstant(e: Expr): number | undefined {
  const k = e.exprKind;
  if (k.case !== 'constExpr' || k.value.constantKind.case !== 'int64Value') return undefined;
  return Number(k.value.constantKind.value);
}

/** `size(x) <= n` and its mirror forms: which path, and the bound that holds when it is `truth`. */
function sizeGuard(c: Call['exprKind']['value'], truth: boolean): [string, number] | undefined {
  const flip: Record<string, string> = {
    '_<_': '_>_',
    '_<=_': '_>=_',
    '_>_': '_<_',
    '_>=_': '_<=_',
  };
  const negate: Record<string, string> = {
    '_<_': '_>=_',
    '_<=_': '_>_',
    '_>_': '_<=_',
    '_>=_': '_<_',
  };
  let [lhs, rhs] = c.args;
  let op = c.function;
  if (!(op in flip)) return undefined;
  if (intConstant(lhs) !== undefined) [lhs, rhs, op] = [rhs, lhs, flip[op]];
  if (!truth) op = negate[op];
  const n = intConstant(rhs);
  const k = lhs.exprKind;
  if (n === undefined || k.case !== 'callExpr' || k.value.function !== 'size') return undefined;
  const path = pathOf(k.value.args[0] ?? (k.value.target as Expr));
  if (!path) return undefined;
  if (op === '_<=_') return [path, n];
  return op === '_<_' ? [path, n - 1] : undefined;
}

/** What `e` evaluating to `truth` proves about the length of paths. */
function proves(e: Expr, truth: boolean, into: Map<string, number>): Map<string, number> {
  const k = e.exprKind;
  if (k.case !== 'callExpr') return into;
  const f = k.value.function;
  if (f === '!_') return proves(k.value.args[0], !truth, into);
  if ((f === '_&&_' && truth) || (f === '_||_' && !truth)) {
    for (const a of k.value.args) proves(a, truth, into);
    return into;
  }
  const guard = sizeGuard(k.value, truth);
  if (guard) into.set(guard[0], Math.min(guard[1], into.get(guard[0]) ?? Infinity));
  return into;
}

function within(scope: Scope, e: Expr, truth: boolean): Scope {
  return { ...scope, proved: proves(e, truth, new Map(scope.proved)) };
}

function call(e: Call, scope: Scope): Bound {
  const c = e.exprKind.value;
  const f = c.function;
  if (f === '_&&_' || f === '_||_') {
    const [lhs, rhs] = c.args;
    const cost = bound(lhs, scope).cost + bound(rhs, within(scope, lhs, f === '_&&_')).cost;
    return { cost, size: SCALAR };
  }
  if (f === '_?_:_') {
    const [cond, yes, no] = c.args;
    const y = bound(yes, within(scope, cond, true));
    const n = bound(no, within(scope, cond, false));
    return {
      cost: bound(cond, scope).cost + Math.max(y.cost, n.cost),
      size: larger(y.size, n.size),
    };
  }
  const parts = [...(c.target ? [c.target] : []), ...c.args].map((a) => bound(a, scope));
  const cost = parts.reduce((s, p) => s + p.cost, 0);
  const [a, b] = parts.map((p) => p.size);
  const own = (charge: number, size: Size = SCALAR): Bound => ({ cost: cost + charge, size });
  const traverse = (n: number) => ceil(STRING_TRAVERSAL * n);
  if (f === '_[_]') return own(SELECT, inputElem(a));
  // + on lists is O(1) in cel-go; on anything else the bound cannot tell from a list, a string.
  if (f === '_+_' && (a.elem || b.elem))
    return own(1, { n: a.n + b.n, elem: larger(inputElem(a), inputElem(b)) });
  if (f === '_+_') return own(traverse(a.n + b.n), { n: a.n + b.n });
  if (f === 'matches') return own(traverse(1 + a.n) * ceil(REGEX_LENGTH * b.n));
  if (f === 'contains') return own(traverse(a.n) * traverse(b.n));
  if (f === 'startsWith' || f === 'endsWith') return own(traverse(a.n));
  if (f === '@in') return own(Math.max(b.n, 1));
  if (ORDER.has(f)) return own(Math.max(1, traverse(Math.min(a.n, b.n))));
  if (O1.has(f) || ARITHMETIC.has(f)) return own(1);
  // string() of an int, bool or duration has at most 20 characters; of a string, the string.
  if (f === 'string') return own(1, a.n > 20 || a.input ? a : { n: 20 });
  throw new Error(`no cost known for ${f}`);
}

function comprehension(e: Expr & { exprKind: { case: 'comprehensionExpr' } }, scope: Scope): Bound {
  const c = e.exprKind.value;
  const range = bound(c.iterRange as Expr, scope);
  const init = bound(c.accuInit as Expr, scope);
  const names = new Map(scope.names);
  const shadowed = new RegExp(`(^|[^\\w])(${c.iterVar}|${c.accuVar})([^\\w]|$)`);
  const proved = new Map([...scope.proved].filter(([path]) => !shadowed.test(path)));
  const inner: Scope = { names, proved };
  names.set(c.iterVar, inputElem(range.size));
  // The accumulator of map() and filter() gains at most one element per iteration, and the
  // macros' steps never read its elements: the step's own result says what they can be. (Once:
  // bounding the step again would double the work at every nested comprehension.)
  names.set(c.accuVar, { n: range.size.n, elem: { n: 0 } });
  const step = bound(c.loopStep as Expr, inner);
  names.set(c.accuVar, { n: range.size.n, elem: step.size.elem ?? SCALAR });
  const cond = bound(c.loopCondition as Expr, inner);
  const result = bound(c.result as Expr, inner);
  const cost = range.cost + init.cost + range.size.n * (cond.cost + step.cost) + result.cost;
  return { cost, size: result.size };
}

function bound(e: Expr, scope: Scope): Bound {
  const k = e.exprKind;
  const path = pathOf(e);
  const proved = path === undefined ? undefined : scope.proved.get(path);
  const narrowed = (b: Bound): Bound =>
    proved === undefined ? b : { ...b, size: atMost(b.size, proved) };
  switch (k.case) {
    case 'constExpr': {
      const v = k.value.constantKind;
      return { cost: 0, size: v.case === 'stringValue' ? { n: [...v.value].length } : SCALAR };
    }
    case 'identExpr':
      return narrowed({ cost: 1, size: scope.names.get(k.value.name) ?? INPUT });
    case 'selectExpr': {
      const operand = bound(k.value.operand as Expr, scope);
      if (k.value.testOnly) return { cost: operand.cost + 1, size: SCALAR };
      const field = operand.size.fields?.get(k.value.field) ?? INPUT;
      return narrowed({ cost: operand.cost + SELECT, size: field });
    }
    case 'callExpr':
      return narrowed(call(e as Call, scope));
    case 'listExpr': {
      const elements = k.value.elements.map((x) => bound(x, scope));
      const elem = elements.reduce<Size>((m, x) => larger(m, x.size), { n: 0 });
      const cost = elements.reduce((s, x) => s + x.cost, LIST_CREATE);
      return { cost, size: { n: elements.length, elem } };
    }
    case 'structExpr': {
      const parts = k.value.entries.flatMap((x) => [
        x.value as Expr,
        ...(x.keyKind.case === 'mapKey' ? [x.keyKind.value] : []),
      ]);
      return { cost: parts.reduce((s, x) => s + bound(x, scope).cost, MAP_CREATE), size: INPUT };
    }
    case 'comprehensionExpr':
      return comprehension(e as never, scope);
    default:
      throw new Error(`no cost known for ${k.case}`);
  }
}

/**
 * The bound of one expression's cost and result, with `variables` holding what the policy's
 * variables can be (each variable's own evaluation is charged where the API server charges it).
 */
export function costBound(
  expression: string,
  variables: ReadonlyMap<string, Size> = new Map(),
): Bound {
  const names = new Map([['variables', { n: variables.size, fields: variables }]]);
  return bound(parse(expression).expr as Expr, { names, proved: new Map() });
}
