import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // End-to-end builds start real interpreters and tools: give them room, and
    // keep the machine (2 cores) from being oversubscribed.
    testTimeout: 120_000,
    hookTimeout: 600_000,
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
    // Every process a test starts is killed when its test ends (test/support/children.ts).
    setupFiles: ['test/support/children-setup.ts'],
  },
});
