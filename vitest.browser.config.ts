import { defineConfig } from 'vitest/config';

/**
 * The browser suite (`npm run test:browser`): needs the builds (`npm run build` for dist/, `npm run web:build` for
 * examples/web/dist) and Debian's chromium at /usr/bin/chromium.
 */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.browser-test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
