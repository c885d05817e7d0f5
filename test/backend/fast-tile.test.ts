import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { installFastTile } from '../../src/backend/kernels/fast-tile.js';
import { useBackend } from '../helpers/backends.js';

const CASES: Array<{ shape: number[]; reps: number[]; dtype: 'float32' | 'int32' }> = [
  { shape: [1, 1, 1, 5], reps: [3, 1, 7, 1], dtype: 'float32' }, // batch-norm statistics broadcast
  { shape: [2, 3], reps: [2, 3], dtype: 'float32' },
  { shape: [3, 1, 2], reps: [1, 4, 3], dtype: 'int32' },
  { shape: [4], reps: [5], dtype: 'int32' },
  { shape: [2, 3, 4], reps: [1, 1, 1], dtype: 'float32' },
  { shape: [2, 0, 3], reps: [2, 2, 2], dtype: 'float32' },
  { shape: [1, 2, 1, 3, 2], reps: [2, 1, 3, 1, 2], dtype: 'float32' },
];

async function tiles(): Promise<number[][]> {
  return Promise.all(
    CASES.map(async ({ shape, reps, dtype }) => {
      const size = shape.reduce((a, b) => a * b, 1);
      const x = tf.tensor(
        Array.from({ length: size }, (_, i) => (dtype === 'int32' ? i - 3 : i * 0.37 - 1)),
        shape,
        dtype,
      );
      const y = tf.tile(x, reps);
      expect(y.shape).toEqual(shape.map((d, i) => d * reps[i]!));
      const values = Array.from(await y.data());
      tf.dispose([x, y]);
      return values;
    }),
  );
}

describe('Tile by block copies (wasm)', () => {
  it('is installed and gives exactly what the cpu backend gives, without leaks', async () => {
    await useBackend('cpu');
    const reference = await tiles();
    await useBackend('wasm');
    expect(installFastTile('wasm')).toBe(true);
    const before = tf.memory().numTensors;
    expect(await tiles()).toEqual(reference);
    expect(tf.memory().numTensors).toBe(before);
  });
});
