/**
 * The fused tanh-GELU kernels on the wasm backend against the formula in float64, within the float32 error bound that
 * TensorFlow's `gelu(approximate=True)` and its gradient also meet (tools/fixtures/make_gelu_cases.py checks that):
 * tails, the curved middle, tiny and huge values, a length not a multiple of 8.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/index.node.js';
import { GELU_TANH_KERNEL, geluTanh } from '../../src/layers/activations.js';
import { nativeKernelStatus } from '../../src/platform/native.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'kernels');
const { count } = JSON.parse(readFileSync(join(DIR, 'gelu-cases.json'), 'utf8')) as { count: number };
const blob = new Float32Array(new Uint8Array(readFileSync(join(DIR, 'gelu-cases.bin'))).buffer);
const part = (i: number): Float32Array => blob.subarray(i * count, (i + 1) * count);
const [x, dy, y, dx, yBound, dxBound] = [0, 1, 2, 3, 4, 5].map(part) as Float32Array[] as [
  Float32Array,
  Float32Array,
  Float32Array,
  Float32Array,
  Float32Array,
  Float32Array,
];

/** Largest error in units of the bound: ≤ 1 passes. */
function worst(got: ArrayLike<number>, want: Float32Array, bound: Float32Array): number {
  let w = 0;
  for (let i = 0; i < want.length; i++) w = Math.max(w, Math.abs(got[i]! - want[i]!) / bound[i]!);
  return w;
}

describe('geluTanh on the wasm backend (fused where the native kernels are built, composed otherwise)', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('gives the formula values and gradients within float32 error, with no tensor left behind', () => {
    const before = tf.memory().numTensors;
    const input = tf.tensor1d(x);
    const upstream = tf.tensor1d(dy);
    const value = geluTanh(input);
    const grad = tf.grad((t: tf.Tensor) => geluTanh(t))(input, upstream);
    expect(worst(value.dataSync(), y, yBound)).toBeLessThanOrEqual(1);
    expect(worst(grad.dataSync(), dx, dxBound)).toBeLessThanOrEqual(1);
    tf.dispose([input, upstream, value, grad]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe.skipIf(!nativeKernelStatus().capabilities?.avx2Fma)('fused GELU kernels on the wasm backend', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('are registered and used by geluTanh', () => {
    expect(tf.getKernel(GELU_TANH_KERNEL, 'wasm')).toBeDefined();
  });

  it('spreads large inputs over the thread pool with the same results', () => {
    const repeats = 40; // 440k values: above the single-thread threshold
    const big = new Float32Array(count * repeats);
    for (let r = 0; r < repeats; r++) big.set(x, r * count);
    const got = tf.tidy(() => geluTanh(tf.tensor1d(big)).dataSync());
    for (let r = 0; r < repeats; r += 13)
      expect(worst(got.subarray(r * count, (r + 1) * count), y, yBound)).toBeLessThanOrEqual(1);
  });

  it('propagates NaN', () => {
    expect(tf.tidy(() => Array.from(geluTanh(tf.tensor1d([NaN, 1, 2, 3, 4, 5, 6, 7, NaN])).dataSync()))).toEqual([
      NaN,
      expect.any(Number),
      expect.any(Number),
      expect.any(Number),
      expect.any(Number),
      expect.any(Number),
      expect.any(Number),
      expect.any(Number),
      NaN,
    ]);
  });
});
