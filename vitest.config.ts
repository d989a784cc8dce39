import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'tests/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['tests/helpers/fuzz-seed.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Integration suites share one Docker daemon and two cores; running files one at a time keeps
    // them from starving each other (unit files are fast either way).
    fileParallelism: false,
  },
});
