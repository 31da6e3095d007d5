// One service template as it is applied: where it is, whom to tell, and the checks its parts
// (service-template-metadata.ts, -spec.ts, -ports.ts) share. A module of its own so that those
// parts, each a file a reader takes in alone, import it and not one another.
import { isObj, type Obj } from '../io/objects.js';
import type { KindContext } from '../contract/kind.js';
import type { FieldPath } from '../util/field-path.js';

/** The fields of kmodules offshoot-api ServiceSpec: what the CRD keeps of a template's spec. */
export const SPEC_FIELDS = new Set([
  'type',
  'clusterIP',
  'ports',
  'externalIPs',
  'loadBalancerIP',
  'loadBalancerSourceRanges',
  'externalTrafficPolicy',
  'healthCheckNodePort',
  'sessionAffinityConfig',
]);

/** One template, read field by field against the Service it applies to. */
export class TemplateContext {
  readonly spec: Obj;

  constructor(
    readonly ctx: KindContext,
    readonly path: FieldPath,
    readonly t: Obj,
    /** KubeDB or KubeVault, for messages. */
    readonly operator: string,
    /** What of a template the operator leaves out (DatabaseKind.serviceTemplateIgnores). */
    readonly ignores: readonly string[],
    /** Node ports given so far, with where: across the database's templates. */
    private readonly nodePorts: Map<number, FieldPath>,
  ) {
    this.spec = isObj(t.spec) ? t.spec : {};
  }

  /** Whether an error was reported after the first `before` results. */
  failedSince(before: number): boolean {
    return this.ctx.report.results.slice(before).some((r) => r.severity === 'error');
  }

  /** Whether node port `port` at `path` is the first of its number; an error if not. */
  nodePort(port: number, path: FieldPath): boolean {
    const other = this.nodePorts.get(port);
    if (other === undefined) {
      this.nodePorts.set(port, path);
      return true;
    }
    this.ctx.report.error(
      path,
      `node port ${port} is also given at ${other}: a node port serves one Service port of the ` +
        'whole cluster, and the API server would refuse it for the second Service',
    );
    return false;
  }

  /** A field the template's API does not have (`known`: what it has; the spec's fields if empty). */
  unknown(path: FieldPath, known: string): void {
    const fields = known || [...SPEC_FIELDS].join(', ');
    this.ctx.report.warn(
      path,
      `${path} is not a field of a ${this.operator} service template (only ${fields}): the API server ` +
        `drops it from the ${this.ctx.db.kind}, and dbtls does not apply it`,
    );
  }

  notApplied(path: FieldPath, what: string): void {
    this.ctx.report.warn(
      path,
      `the ${this.operator} operator does not apply a service template's ${what}, so neither ` +
        'does standalone mode',
    );
  }
}
