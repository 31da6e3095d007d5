// Strings built for rendered objects.

/**
 * `parts` as one flat string. A template literal makes a rope (a node of 32 bytes per joint)
 * that lives as long as the object holding it and that the emitter flattens anyway; names and
 * DNS names built this way cost ~16 MiB of ropes at N=5,000 databases.
 */
export function flat(...parts: string[]): string {
  return parts.join('');
}
