/**
 * The native kernels' environment: BERTVISION_NATIVE takes the usual spellings of on/off and warns once on anything
 * else; BERTVISION_THREADS is a positive decimal integer capped at 4 threads per core; and under `node -e` in another
 * directory the addon is still found next to the package (it is located from the module, not the cwd).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nativeAllowed, threadCount } from '../../src/platform/native-env.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('BERTVISION_NATIVE', () => {
  it.each(['0', 'false', 'OFF', ' no '])('%j turns the kernels off', (value) => {
    expect(nativeAllowed(value, () => expect.unreachable())).toBe(false);
  });
  it.each([undefined, '', '1', 'true', 'On', 'yes'])('%j leaves them on', (value) => {
    expect(nativeAllowed(value, () => expect.unreachable())).toBe(true);
  });
  it('warns about anything else and keeps them on', () => {
    const warnings: string[] = [];
    expect(nativeAllowed('maybe', (_, m) => warnings.push(m))).toBe(true);
    expect(warnings).toEqual([
      'bertvision: BERTVISION_NATIVE="maybe" is not one of 0/false/off/no or 1/true/on/yes; the native kernels stay on',
    ]);
  });
});

describe('BERTVISION_THREADS', () => {
  it('caps a huge count at 4 threads per core, with a warning', () => {
    const warnings: string[] = [];
    expect(threadCount('1000', 2, (_, m) => warnings.push(m))).toBe(8);
    expect(warnings[0]).toMatch(/BERTVISION_THREADS=1000 is more than 4 threads per core \(2 cores\); using 8/);
  });
  it.each(['0', '-3', 'many', '0x10', '2.5'])('refuses %j with a warning (all cores)', (value) => {
    const warnings: string[] = [];
    expect(threadCount(value, 2, (_, m) => warnings.push(m))).toBeUndefined();
    expect(warnings).toHaveLength(1);
  });
  it('takes a plain count', () => {
    expect(threadCount('3', 2, () => expect.unreachable())).toBe(3);
    expect(threadCount(undefined, 2, () => expect.unreachable())).toBeUndefined();
  });
});

describe('under node -e in another directory', () => {
  const dist = `${root}dist/index.node.js`;
  const status = (env: Record<string, string>) =>
    spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(dist)}); m.nativeKernelStatus(); console.log(JSON.stringify(m.nativeKernelStatus()))`,
      ],
      { cwd: tmpdir(), env: { ...process.env, ...env }, encoding: 'utf8' },
    );

  it.runIf(existsSync(`${root}native/build/bertvision_native.node`))('finds the addon from the module itself', () => {
    const run = status({ BERTVISION_NATIVE: 'yes' });
    expect(JSON.parse(run.stdout.trim().split('\n').at(-1)!).loaded).toBe(true);
  });

  it('turns it off with "off" and warns once on an unknown spelling', () => {
    expect(JSON.parse(status({ BERTVISION_NATIVE: 'off' }).stdout.trim().split('\n').at(-1)!).loaded).toBe(false);
    const unknown = status({ BERTVISION_NATIVE: 'perhaps' });
    expect(unknown.stderr.match(/BERTVISION_NATIVE="perhaps" is not one of/g)).toHaveLength(1);
  });
});
