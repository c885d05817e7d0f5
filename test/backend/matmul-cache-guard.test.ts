/**
 * tfjs-backend-wasm caches the packed right operand of its XNNPACK product by data id, not shape
 * (src/backend/kernels/matmul-cache-guard.ts): the same data used as `[6, 4]` and then, reshaped or cloned, as
 * `[4, 6]` or `[3, 8]` must still give the cpu backend's products, with and without a fused bias, and leave no
 * tensor behind.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../helpers/backends.js';

/** Products of one right operand's data under three shapes (the second and third through a reshape and a clone). */
function products(fusedBias: boolean): number[][] {
  return tf.tidy(() => {
    const b = tf.randomNormal([6, 4], 0, 1, 'float32', 3);
    const uses: Array<[tf.Tensor2D, tf.Tensor2D]> = [
      [tf.randomNormal([2, 6], 0, 1, 'float32', 4) as tf.Tensor2D, b as tf.Tensor2D],
      [tf.randomNormal([5, 4], 0, 1, 'float32', 5) as tf.Tensor2D, tf.reshape(b, [4, 6])],
      [tf.randomNormal([1, 3], 0, 1, 'float32', 6) as tf.Tensor2D, tf.reshape(tf.clone(b), [3, 8])],
      [tf.randomNormal([2, 6], 0, 1, 'float32', 7) as tf.Tensor2D, b as tf.Tensor2D], // the first shape again
    ];
    return uses.map(([a, w]) => {
      const y = fusedBias ? tf.fused.matMul({ a, b: w, bias: tf.onesLike(w).sum(0) }) : tf.matMul(a, w);
      return Array.from(y.dataSync());
    });
  });
}

describe('the wasm product with one operand under several shapes', () => {
  [false, true].forEach((fusedBias) => {
    it(`gives the cpu backend's products${fusedBias ? ' (fused bias)' : ''}`, async () => {
      await useBackend('cpu');
      const want = products(fusedBias);
      await useBackend('wasm');
      const before = tf.memory().numTensors;
      const got = products(fusedBias);
      expect(tf.memory().numTensors).toBe(before);
      got.forEach((values, i) => {
        expect(values.length).toBe(want[i]!.length);
        values.forEach((v, j) => expect(Math.abs(v - want[i]![j]!)).toBeLessThanOrEqual(1e-5));
      });
    });
  });
});
