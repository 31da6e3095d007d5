// Types for bench/generate.mjs, which the tests import.
export function generateItems(n: number): Record<string, unknown>[];
export function generate(n: number): string;
