// Version numbers compared component by component, as KubeDB's webhooks compare them.

/**
 * Whether `version` comes before `since`, both as numeric components (`[10, 5, 2]`). A component
 * `version` lacks counts as 0: MariaDB's "10.5" is 10.5.0, before 10.5.2. (MySQL versions always
 * have three, so for them the rule never applies.)
 */
export function olderThan(version: readonly number[], since: readonly number[]): boolean {
  for (let i = 0; i < since.length; i++) {
    const part = version[i] ?? 0;
    if (part !== since[i]) return part < since[i];
  }
  return false;
}
