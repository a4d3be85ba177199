// Vitest: every test/**/*.test.ts in forked workers. The tsx loader is needed because the MikroORM
// Migrator import()s .ts migrations natively (DEPENDENCIES.md §8). Integration tests start servers and
// a browser, hence the long timeouts and only two workers (CI machines have 2 cores).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The console tests serve the built console: build it first when its sources changed.
    globalSetup: ['test/support/build-console.ts'],
    environment: 'node',
    pool: 'forks',
    execArgv: ['--import', 'tsx'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: true,
    maxWorkers: 2,
  },
});
