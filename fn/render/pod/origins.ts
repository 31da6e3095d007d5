// Where each part of a rendered pod came from: the field of the database resource the user wrote
// it in. The pod is checked as it is rendered (fn/validate/pod-security/), and a refusal names the
// field the user can change, not the place in the StatefulSet where it landed.
import type { FieldPath } from '../../util/field-path.js';
import type { Step } from '../../validate/pod-security/index.js';

export class Origins {
  private readonly fields = new Map<string, FieldPath>();

  /** `at` in the pod template ({metadata, spec}) came from `field` of the database resource. */
  record(at: readonly Step[], field: FieldPath): void {
    this.fields.set(key(at), field);
  }

  /** As record, unless `at` already has a field: what was applied later keeps its own. */
  seed(at: readonly Step[], field: FieldPath): void {
    if (!this.fields.has(key(at))) this.record(at, field);
  }

  /**
   * The field that `at` came from: that of its longest recorded prefix, with the rest of `at`
   * appended (a refused `capabilities.add[0]` of a container the user added whole is that
   * container's field's `…capabilities.add[0]`); undefined for what dbtls rendered itself.
   */
  locate(at: readonly Step[]): FieldPath | undefined {
    for (let n = at.length; n > 0; n--) {
      const field = this.fields.get(key(at.slice(0, n)));
      if (field !== undefined) return field.extend(...at.slice(n));
    }
    return undefined;
  }
}

function key(at: readonly Step[]): string {
  return at.join('\0');
}
