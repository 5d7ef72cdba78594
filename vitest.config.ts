import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Execution tests start real process groups and time them; two workers on a 2-core box.
    maxWorkers: 2,
  },
});
