/**
 * Runs a script that calls the native addon in fresh Node processes with different `BERTVISION_THREADS` (the pool
 * size is fixed when the addon loads, so each thread count needs its own process), for tests that the native sums
 * are cut by shape and not by thread count.
 */
import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';

/**
 * What `script` (CommonJS, run with `node -e`) writes to stdout under `threads` pool threads; expects exit status 0
 * (stderr as the message otherwise).
 */
export function outputOnThreads(script: string, threads: number): string {
  const child = spawnSync(process.execPath, ['-e', script], {
    env: { ...process.env, BERTVISION_THREADS: String(threads) },
    encoding: 'utf8',
  });
  expect(child.status, child.stderr).toBe(0);
  return child.stdout;
}

/**
 * Expects `script`, which prints a sha256 hex digest of its results, to print the same digest on one pool thread as
 * on three.
 */
export function expectSameDigestOnOneAndThreeThreads(script: string): void {
  const one = outputOnThreads(script, 1);
  expect(one).toMatch(/^[0-9a-f]{64}$/);
  expect(outputOnThreads(script, 3)).toBe(one);
}
