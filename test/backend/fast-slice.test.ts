/**
 * The wasm backend's Slice by run copies (src/backend/kernels/fast-slice.ts) against the cpu backend's Slice (tfjs'
 * own implementation) on the same inputs, bit for bit: the "-skip" heads' last-layer slice, partial axes inside and
 * outside, size -1, empty and whole slices, both dtypes; and the gradient of a slice (its pad) unchanged. SplitV the
 * same way: pieces along every axis, empty pieces, a -1 size, and the gradient of a concatenation (a SplitV).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { installFastSlice } from '../../src/backend/kernels/fast-slice.js';
import { useBackend } from '../helpers/backends.js';

const CASES: Array<{ shape: number[]; begin: number[]; size: number[]; dtype: 'float32' | 'int32' }> = [
  { shape: [2, 5, 6, 7], begin: [0, 0, 0, 6], size: [-1, -1, -1, 1], dtype: 'float32' }, // x[..., -1:]
  { shape: [2, 5, 6, 7], begin: [1, 2, 0, 0], size: [1, 2, -1, -1], dtype: 'float32' },
  { shape: [3, 40, 70], begin: [0, 5, 3], size: [3, 30, 64], dtype: 'int32' },
  { shape: [4, 9], begin: [1, 0], size: [2, 9], dtype: 'float32' },
  { shape: [4, 9], begin: [0, 0], size: [4, 9], dtype: 'float32' },
  { shape: [6, 5, 4, 3, 2], begin: [1, 1, 1, 1, 1], size: [4, 3, 2, 1, 1], dtype: 'int32' },
  { shape: [5, 5], begin: [2, 2], size: [0, 3], dtype: 'float32' },
  { shape: [100], begin: [37], size: [-1], dtype: 'float32' },
];

async function slices(): Promise<number[][]> {
  return Promise.all(
    CASES.map(async ({ shape, begin, size, dtype }) => {
      const count = shape.reduce((a, b) => a * b, 1);
      const x = tf.tensor(
        Array.from({ length: count }, (_, i) => (dtype === 'int32' ? i - 7 : i * 0.37 - 1)),
        shape,
        dtype,
      );
      const y = tf.slice(x, begin, size);
      const values = [...y.shape, ...Array.from(await y.data())];
      tf.dispose([x, y]);
      return values;
    }),
  );
}

async function sliceGradient(): Promise<number[]> {
  const x = tf.tensor(
    Array.from({ length: 2 * 3 * 4 * 5 }, (_, i) => i * 0.1),
    [2, 3, 4, 5],
  );
  const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.slice(t, [0, 1, 0, 4], [-1, 2, -1, 1]), 3)))(x);
  const values = Array.from(await g.data());
  tf.dispose([x, g]);
  return values;
}

describe('Slice by run copies (wasm)', () => {
  it('is installed and gives exactly what the cpu backend gives, gradients included, without leaks', async () => {
    await useBackend('cpu');
    const reference = await slices();
    const referenceGradient = await sliceGradient();
    await useBackend('wasm');
    expect(installFastSlice('wasm')).toBe(true);
    const before = tf.memory().numTensors;
    expect(await slices()).toEqual(reference);
    expect(await sliceGradient()).toEqual(referenceGradient);
    expect(tf.memory().numTensors).toBe(before);
  });
});

const SPLITS: Array<{ shape: number[]; splits: number | number[]; axis: number; dtype: 'float32' | 'int32' }> = [
  { shape: [2, 3, 31], splits: [27, 4], axis: 2, dtype: 'float32' }, // the "-skip" heads' concat gradient, small
  { shape: [2, 3, 31], splits: [27, 4], axis: -1, dtype: 'int32' },
  { shape: [6, 4, 5], splits: 3, axis: 0, dtype: 'float32' },
  { shape: [6, 4, 5], splits: [1, -1, 2], axis: 1, dtype: 'float32' },
  { shape: [3, 40, 70], splits: [0, 64, 6], axis: 2, dtype: 'int32' },
];

async function splits(): Promise<number[][][]> {
  return Promise.all(
    SPLITS.map(async ({ shape, splits: pieces, axis, dtype }) => {
      const count = shape.reduce((a, b) => a * b, 1);
      const x = tf.tensor(
        Array.from({ length: count }, (_, i) => (dtype === 'int32' ? 3 - i : i * 0.29 + 2)),
        shape,
        dtype,
      );
      const ys = tf.split(x, pieces, axis);
      const values = await Promise.all(ys.map(async (y) => [...y.shape, ...Array.from(await y.data())]));
      tf.dispose([x, ...ys]);
      return values;
    }),
  );
}

async function concatGradient(): Promise<number[][]> {
  const a = tf.tensor(
    Array.from({ length: 2 * 3 * 27 }, (_, i) => i * 0.01),
    [2, 3, 27],
  );
  const b = tf.tensor(
    Array.from({ length: 2 * 3 * 4 }, (_, i) => 1 - i * 0.1),
    [2, 3, 4],
  );
  const weights = tf.tensor(
    Array.from({ length: 31 }, (_, i) => i - 15),
    [31],
  );
  const grads = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.concat([p, q], 2), weights)))([a, b]);
  const values = await Promise.all(grads.map(async (g) => Array.from(await g.data())));
  tf.dispose([a, b, weights, ...grads]);
  return values;
}

describe('SplitV by run copies (wasm)', () => {
  it("gives exactly the cpu backend's pieces and concat gradients, without leaks", async () => {
    await useBackend('cpu');
    const reference = await splits();
    const referenceGradient = await concatGradient();
    await useBackend('wasm');
    expect(installFastSlice('wasm')).toBe(true);
    expect(
      (tf.getKernel('SplitV', 'wasm') as unknown as Record<symbol, boolean>)[Symbol.for('bertvision.fastSlice')],
    ).toBe(true);
    const before = tf.memory().numTensors;
    expect(await splits()).toEqual(reference);
    expect(await concatGradient()).toEqual(referenceGradient);
    expect(tf.memory().numTensors).toBe(before);
  });
});
