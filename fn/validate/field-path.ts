// A field path as a value, as apimachinery's field.Path (`fldPath.Child("spec").Index(i)`): built
// step by step where a rule looks at a field, printed once, and read back by its parts instead of
// by parsing the printed text.

type Step = { name: string } | { index: number } | { key: string };

export class FieldPath {
  private constructor(private readonly steps: readonly Step[]) {}

  static root(name: string): FieldPath {
    return new FieldPath([{ name }]);
  }

  child(name: string): FieldPath {
    return new FieldPath([...this.steps, { name }]);
  }

  index(index: number): FieldPath {
    return new FieldPath([...this.steps, { index }]);
  }

  /** A map key, printed as `[key]` (Go's field.Path.Key). */
  key(key: string): FieldPath {
    return new FieldPath([...this.steps, { key }]);
  }

  /** The field name at step `i` (0 is the root), or undefined where there is none. */
  nameAt(i: number): string | undefined {
    const step = this.steps[i];
    return step && 'name' in step ? step.name : undefined;
  }

  /** The list index at step `i`, or undefined where there is none. */
  indexAt(i: number): number | undefined {
    const step = this.steps[i];
    return step && 'index' in step ? step.index : undefined;
  }

  /** The last field name, e.g. `encoding` of `spec.privateKey.encoding`. */
  get last(): string | undefined {
    return this.nameAt(this.steps.length - 1);
  }

  toString(): string {
    let out = '';
    for (const step of this.steps) {
      if ('name' in step) out += out === '' ? step.name : `.${step.name}`;
      else out += `[${'index' in step ? step.index : step.key}]`;
    }
    return out;
  }
}
