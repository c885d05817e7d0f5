/**
 * The built `bertvision` bin as a user runs it: no --backend flag, no environment. It must compute on what the
 * library picks in Node (tfjs-node when installed, else wasm with the native kernels, never silently the pure-JS cpu
 * backend), say which on stderr, honour --backend and $BERTVISION_BACKEND, and print no tfjs banner.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeKernelStatus } from '../../src/platform/native.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'dist', 'cli', 'main.js');
const store = join(root, 'data/minilm/cls-train-300q.h5');
const work = mkdtempSync(join(tmpdir(), 'bv-cli-backend-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Run the bin from a directory outside the repository, with BERTVISION_BACKEND (and _MATMUL) removed unless given. */
function runBin(args: string[], env: Record<string, string> = {}) {
  const { BERTVISION_BACKEND: _, BERTVISION_MATMUL: __, ...rest } = process.env;
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: work, env: { ...rest, ...env }, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const BANNER = /Hi, looks like you are running TensorFlow\.js in Node\.js/;
const train = (name: string, extra: string[] = []) =>
  ['train', store, '--arch', 'tenney-small', '--out', join(work, name), '--epochs', '1', '--json', ...extra] as const;

describe('bertvision bin: backend', () => {
  it('picks the wasm backend with no flag (tfjs-node is not installed here) and prints no banner', () => {
    const r = runBin([...train('auto')]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/^bertvision: using backend 'wasm' \(@tensorflow\/tfjs-backend-wasm\)$/m);
    expect(`${r.out}${r.err}`).not.toMatch(BANNER);
    expect(JSON.parse(r.out).backend).toBe('wasm');
    expect(JSON.parse(r.out).matmul).toBe('fp32'); // bf16 is opt-in, never the default
  });

  it('honours $BERTVISION_BACKEND, and --backend over it; the cpu backend prints no banner either', () => {
    const env = runBin([...train('env')], { BERTVISION_BACKEND: 'cpu' });
    expect(env.code, env.err).toBe(0);
    expect(JSON.parse(env.out).backend).toBe('cpu');
    expect(`${env.out}${env.err}`).not.toMatch(BANNER);
    const flag = runBin([...train('flag', ['--backend', 'wasm'])], { BERTVISION_BACKEND: 'cpu' });
    expect(flag.code, flag.err).toBe(0);
    expect(JSON.parse(flag.out).backend).toBe('wasm');
  });

  it('refuses an unknown backend, from the flag or the environment, as a usage error naming where it came from', () => {
    const flag = runBin([...train('bad', ['--backend', 'tpu'])]);
    expect(flag.code).toBe(2);
    expect(flag.err).toMatch(/--backend: unknown backend 'tpu'/);
    expect(flag.err).not.toMatch(/using backend/);
    const env = runBin([...train('bad-env')], { BERTVISION_BACKEND: 'gpu' });
    expect(env.code).toBe(2);
    expect(env.err).toMatch(/\$BERTVISION_BACKEND: unknown backend 'gpu'/);
  });

  it('inspect and convert, which only load and save weights, print no banner either', () => {
    const model = join(work, 'auto', 'model');
    const inspect = runBin(['inspect', model]);
    expect(inspect.code, inspect.err).toBe(0);
    expect(`${inspect.out}${inspect.err}`).not.toMatch(BANNER);
    const convert = runBin(['convert', model, join(work, 'auto.weights.h5')]);
    expect(convert.code, convert.err).toBe(0);
    expect(`${convert.out}${convert.err}`).not.toMatch(BANNER);
  });
});

describe('bertvision bin: --matmul', () => {
  it('refuses bf16 where it cannot run (here: the cpu backend), from the flag or $BERTVISION_MATMUL, never running fp32', () => {
    const flag = runBin([...train('bf16-cpu', ['--backend', 'cpu', '--matmul', 'bf16'])]);
    expect(flag.code).toBe(2);
    // the first missing requirement is named: the CPU's AVX-512 BF16 where it lacks them, else the backend
    expect(flag.err).toMatch(
      /--matmul bf16: bf16 matrix products are not available: (this CPU lacks AVX-512 BF16|the 'cpu' backend)/,
    );
    expect(flag.out).toBe('');
    const env = runBin([...train('bf16-cpu-env', ['--backend', 'cpu'])], { BERTVISION_MATMUL: 'bf16' });
    expect(env.code).toBe(2);
    expect(env.err).toMatch(/\$BERTVISION_MATMUL bf16: bf16 matrix products are not available/);
    const off = runBin([...train('bf16-off', ['--backend', 'wasm', '--matmul', 'bf16'])], { BERTVISION_NATIVE: '0' });
    expect(off.code).toBe(2);
    expect(off.err).toMatch(/the native kernels are not in use \(BERTVISION_NATIVE=0\)/);
    const bad = runBin([...train('bf16-bad', ['--matmul', 'fp16'])]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--matmul: 'fp16' is not one of fp32, bf16/);
    expect(bad.err).not.toMatch(/using backend/); // checked before the backend starts
  });

  it.skipIf(nativeKernelStatus().capabilities?.avx512Bf16 !== true)(
    'records bf16 in --json and in the run: a resume with another precision is refused',
    () => {
      const first = runBin([...train('bf16-run', ['--matmul', 'bf16'])]);
      expect(first.code, first.err).toBe(0);
      expect(JSON.parse(first.out).matmul).toBe('bf16');
      expect(first.err).toMatch(/large matrix products in bf16 \(--matmul\)/);
      const resumed = runBin([...train('bf16-run', ['--resume', '--epochs', '2'])]);
      expect(resumed.code).not.toBe(0);
      expect(resumed.err).toMatch(/matmul: "bf16" in the checkpoint, \(absent\) now/);
      const same = runBin([...train('bf16-run', ['--resume', '--epochs', '2'])], { BERTVISION_MATMUL: 'bf16' });
      expect(same.code, same.err).toBe(0);
      expect(JSON.parse(same.out).matmul).toBe('bf16');
    },
  );
});
