/**
 * The wasm backend's Slice by run copies (src/backend/kernels/fast-slice.ts) against the cpu backend's Slice (tfjs'
 * own implementation) on the same inputs, bit for bit: the "-skip" heads' last-layer slice, partial axes inside and
 * outside, size -1, empty and whole slices, both dtypes; and the gradient of a slice (its pad) unchanged.
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
