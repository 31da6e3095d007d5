import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-teardown.ts'],
    testTimeout: 60_000,
    hookTimeout: 300_000,
    // Tests that start servers or real tools run in their own files; keep files parallel but bounded.
    maxWorkers: 2,
  },
});
