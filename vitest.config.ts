import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    // the bin tests run dist/cli/main.js: rebuilt first when src/ is newer
    globalSetup: ['test/helpers/global-build.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
