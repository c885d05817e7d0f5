/**
 * The ReLU gradient on the wasm backend (one native pass where built: src/backend/kernels/native-relu-grad.ts) gives
 * bit for bit what tfjs' own gradient gives on the cpu backend, for positive, negative, ±0, NaN and infinite inputs and
 * upstream gradients, over sizes that take the threaded path, and leaves nothing behind.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { RELU_GRAD_KERNEL } from '../../src/backend/kernels/native-relu-grad.js';
import { useBackend } from '../helpers/backends.js';

const SPECIAL = [0, -0, 1, -1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-40, -1e-40];

/** ∂ sum(relu(x) · r) / ∂x for x and r holding every pair of special values, then random values of `size`. */
function gradient(size: number): Float32Array {
  return tf.tidy(() => {
    const xs = SPECIAL.flatMap((a) => SPECIAL.map(() => a));
    const rs = SPECIAL.flatMap(() => SPECIAL);
    const x = tf.concat([tf.tensor1d(xs), tf.randomNormal([size], 0, 1, 'float32', 1)]);
    const r = tf.concat([tf.tensor1d(rs), tf.randomNormal([size], 0, 1, 'float32', 2)]);
    return tf
      .grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.relu(xx), r)))(x)
      .dataSync() as Float32Array;
  });
}

describe('the ReLU gradient on wasm against the cpu backend', () => {
  [10, 300_000].forEach((size) => {
    it(`${SPECIAL.length ** 2} special pairs and ${size} random values: the same bits`, async () => {
      await useBackend('cpu');
      const want = gradient(size);
      await useBackend('wasm');
      const before = tf.memory().numTensors;
      const profile = await tf.profile(() => {
        const got = gradient(size);
        expect(new Uint32Array(got.buffer)).toEqual(new Uint32Array(want.buffer));
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(profile.kernelNames.includes(RELU_GRAD_KERNEL)).toBe(tf.getKernel(RELU_GRAD_KERNEL, 'wasm') !== undefined);
    });
  });
});
