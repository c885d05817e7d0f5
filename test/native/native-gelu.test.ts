/**
 * The fused tanh-GELU kernels on the wasm backend against the formula in float64, within the float32 error bound that
 * TensorFlow's `gelu(approximate=True)` and its gradient also meet (tools/fixtures/make_gelu_cases.py checks that):
 * tails, the curved middle, tiny and huge values, a length not a multiple of 8. `geluTanhTransposed` (the activation
 * with the last two axes swapped) against the same values, moved as `tf.transpose` would move them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/index.node.js';
import {
  GELU_TANH_KERNEL,
  GELU_TANH_TRANSPOSED_KERNEL,
  geluTanh,
  geluTanhTransposed,
} from '../../src/layers/activations.js';
import { GELU_TANH_TRANSPOSED_WITH_DERIVATIVE_KERNEL } from '../../src/layers/projection-gelu.js';
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

/**
 * The fixture's first `blocks·rows·cols` cases as `x [blocks, rows, cols]`; the upstream gradient, the values and the
 * gradients placed where the swap of the last two axes puts them (`dy`, `y` as `[blocks, cols, rows]`).
 */
function transposedCases(blocks: number, rows: number, cols: number) {
  const n = blocks * rows * cols;
  const swapped = (values: Float32Array): Float32Array => {
    const out = new Float32Array(n);
    for (let b = 0; b < blocks; b++)
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) out[(b * cols + c) * rows + r] = values[(b * rows + r) * cols + c]!;
    return out;
  };
  return {
    x: x.subarray(0, n),
    dy: swapped(dy.subarray(0, n)),
    y: swapped(y.subarray(0, n)),
    yBound: swapped(yBound.subarray(0, n)),
    dx: dx.subarray(0, n),
    dxBound: dxBound.subarray(0, n),
  };
}

describe('geluTanhTransposed on the wasm backend (fused where the native kernels are built, composed otherwise)', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it.each([
    [50, 7, 20], // 7000 values; odd sizes: rows not a multiple of 8, a tail in every block
    [1, 25, 3],
    [3, 1, 9],
  ])(
    '%i blocks of [%i, %i]: formula values and gradients within float32 error, nothing left behind',
    (blocks, rows, cols) => {
      const c = transposedCases(blocks, rows, cols);
      const before = tf.memory().numTensors;
      const input = tf.tensor3d(c.x, [blocks, rows, cols]);
      const upstream = tf.tensor3d(c.dy, [blocks, cols, rows]);
      const value = geluTanhTransposed(input);
      const grad = tf.grad((t: tf.Tensor) => geluTanhTransposed(t))(input, upstream);
      expect(value.shape).toEqual([blocks, cols, rows]);
      expect(grad.shape).toEqual([blocks, rows, cols]);
      expect(worst(value.dataSync(), c.y, c.yBound)).toBeLessThanOrEqual(1);
      expect(worst(grad.dataSync(), c.dx, c.dxBound)).toBeLessThanOrEqual(1);
      tf.dispose([input, upstream, value, grad]);
      expect(tf.memory().numTensors).toBe(before);
    },
  );
});

describe.skipIf(!nativeKernelStatus().capabilities?.avx2Fma)('fused GELU kernels on the wasm backend', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('are registered and used by geluTanh', () => {
    expect(tf.getKernel(GELU_TANH_KERNEL, 'wasm')).toBeDefined();
    expect(tf.getKernel(GELU_TANH_TRANSPOSED_KERNEL, 'wasm')).toBeDefined();
  });

  it('moves the axes of large rank-4 inputs over the thread pool: the bits of geluTanh then tf.transpose', () => {
    // [2, 350, 25, 7]: 700 blocks of [25, 7] (the AdapterPooler's [n, L, A]), several pool tasks
    const repeats = 18;
    const big = new Float32Array(122_500);
    for (let r = 0; r < repeats; r++) big.set(x.subarray(0, Math.min(count, big.length - r * count)), r * count);
    const upstream = tf.randomNormal([2, 350, 7, 25], 0, 1, 'float32', 3);
    const input = tf.tensor4d(big, [2, 350, 25, 7]);
    const [fusedY, fusedDx] = tf.tidy(() => [
      geluTanhTransposed(input).dataSync(),
      tf
        .grad((t: tf.Tensor) => geluTanhTransposed(t))(input, upstream)
        .dataSync(),
    ]);
    const [plainY, plainDx] = tf.tidy(() => [
      tf.transpose(geluTanh(input), [0, 1, 3, 2]).dataSync(),
      tf
        .grad((t: tf.Tensor) => tf.transpose(geluTanh(t), [0, 1, 3, 2]))(input, upstream)
        .dataSync(),
    ]);
    // the same vector code computes every value, wherever it falls in a block or a pool task: the same bits
    expect(fusedY).toEqual(plainY);
    expect(fusedDx).toEqual(plainDx);
    tf.dispose([input, upstream]);
  });

  it.each([
    [50, 7, 20],
    [3, 1, 9],
  ])(
    "%i blocks of [%i, %i] with the derivative: GELU transposed, and GELU' whose product with dy is the gradient",
    (blocks, rows, cols) => {
      // the activation the fused adapter gradients use (src/layers/projection-gelu.ts)
      const c = transposedCases(blocks, rows, cols);
      const before = tf.memory().numTensors;
      const input = tf.tensor3d(c.x, [blocks, rows, cols]);
      const [value, derivative] = tf.engine().runKernel(GELU_TANH_TRANSPOSED_WITH_DERIVATIVE_KERNEL, {
        x: input,
      }) as tf.Tensor[] as [tf.Tensor, tf.Tensor];
      expect(value.shape).toEqual([blocks, cols, rows]);
      expect(derivative.shape).toEqual([blocks, rows, cols]);
      expect(worst(value.dataSync(), c.y, c.yBound)).toBeLessThanOrEqual(1);
      // dx = dy · g: the fixture's dy in x's layout (c.dy is swapped), one more float32 rounding of the product
      const g = derivative.dataSync();
      const upstream = dy.subarray(0, g.length);
      const product = Float32Array.from(g, (v, i) => v * upstream[i]!);
      const bound = Float32Array.from(c.dxBound, (b, i) => b + 2 ** -23 * Math.abs(c.dx[i]!));
      expect(worst(product, c.dx, bound)).toBeLessThanOrEqual(1);
      tf.dispose([input, value, derivative]);
      expect(tf.memory().numTensors).toBe(before);
    },
  );

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
