import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // End-to-end builds start real interpreters and tools: give them room, and
    // keep the machine (2 cores) from being oversubscribed. The slowest test
    // takes about a minute on a quiet machine; 5 minutes lets a loaded one
    // finish, and a test that hangs is still ended (with everything it started).
    testTimeout: 300_000,
    hookTimeout: 600_000,
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
    // Every process a test starts is killed when its test ends (test/support/children.ts).
    setupFiles: ['test/support/children-setup.ts'],
  },
});
