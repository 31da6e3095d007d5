// A field of an object as a value, as apimachinery's field.Path (`fldPath.Child("spec").Index(i)`):
// built step by step where a rule looks at a field, printed once for a result, and walked segment
// by segment where a tool needs its parts (the line of a field: io/positions.ts). A segment is a
// mapping key or a list index. A key may hold dots itself (an annotation such as
// `config.kubernetes.io/local-config`, an inline file such as `user.conf`): it stays one segment,
// although the printed form `metadata.annotations.config.kubernetes.io/local-config` cannot set it
// apart — which is why nothing reads a printed path back.

/** A mapping key or a list index. */
export type Segment = string | number;

export class FieldPath {
  /** The path of the object itself: no field. Printed as the empty string. */
  static readonly root = new FieldPath(undefined, undefined, false);

  private printed: string | undefined;

  // A linked list from the last segment back to the root: child() is one allocation, and the
  // printed form and the segment list are only built when a result needs them.
  private constructor(
    private readonly parent: FieldPath | undefined,
    private readonly segment: Segment | undefined,
    private readonly subscript: boolean,
  ) {}

  /** The path one or more mapping keys further down: `base.child('privateKey', 'encoding')`. */
  child(...keys: string[]): FieldPath {
    let p: FieldPath = this;
    for (const key of keys) p = new FieldPath(p, key, false);
    return p;
  }

  /** The entry at `index` of the list at this path, printed `[index]`. */
  index(index: number): FieldPath {
    return new FieldPath(this, index, false);
  }

  /** The path further down by `segments`: keys for strings, list indexes for numbers. */
  extend(...segments: Segment[]): FieldPath {
    let p: FieldPath = this;
    for (const s of segments) p = new FieldPath(p, s, false);
    return p;
  }

  /**
   * A mapping key printed as `[key]`, as Go's field.Path.Key: only for paths that repeat another
   * program's printed form (cert-manager's webhook messages).
   */
  key(key: string): FieldPath {
    return new FieldPath(this, key, true);
  }

  /** The segments from the root: keys and indexes. */
  get segments(): Segment[] {
    const out: Segment[] = [];
    for (let p: FieldPath | undefined = this; p?.segment !== undefined; p = p.parent)
      out.push(p.segment);
    return out.reverse();
  }

  /** The last segment, e.g. `encoding` of `spec.privateKey.encoding`; undefined for the root. */
  get last(): Segment | undefined {
    return this.segment;
  }

  /** Whether this is the root: a result at the root names no field. */
  get isRoot(): boolean {
    return this.segment === undefined;
  }

  /** The same segments (a key `user.conf` is not the keys `user` and `conf`). */
  equals(other: FieldPath | undefined): boolean {
    let a: FieldPath | undefined = this;
    let b = other;
    for (; a && b; a = a.parent, b = b.parent) {
      if (a === b) return true;
      if (a.segment !== b.segment || a.subscript !== b.subscript) return false;
    }
    return a === b;
  }

  /** Keys joined by `.`, indexes as `[i]`: `spec.tls.certificates[0].subject`. */
  toString(): string {
    if (this.printed !== undefined) return this.printed;
    const head = this.parent ? this.parent.toString() : '';
    const s = this.segment;
    if (s === undefined) this.printed = '';
    else if (typeof s === 'number' || this.subscript) this.printed = `${head}[${s}]`;
    else this.printed = head === '' ? s : `${head}.${s}`;
    return this.printed;
  }
}

/** A path from its segments: `at('spec', 'tls', 'certificates', 0, 'alias')`. */
export function at(...segments: Segment[]): FieldPath {
  return FieldPath.root.extend(...segments);
}
