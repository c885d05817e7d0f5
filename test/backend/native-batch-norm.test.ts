/**
 * Batch normalisation on the wasm backend with the native kernels where built (src/backend/kernels/native-batch-norm.ts)
 * against tfjs' independent cpu backend: `tf.batchNorm` forward and its gradients to x, mean, variance, scale and
 * offset, and the training-mode normalisation tfjs-layers runs (moments of the batch, then the normalisation), for
 * channel counts that fill whole vectors or not, ranks 2 to 4, the threaded path, and without scale or offset. Per-
 * channel arrays of another shape (a broadcast `[1, 1, 1, C]` mean) keep tfjs' own kernel. Without the native kernels
 * (BERTVISION_NATIVE=0) the same comparisons check tfjs-wasm's.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { BATCH_NORM_GRAD_KERNEL } from '../../src/backend/kernels/native-batch-norm.js';
import { useBackend } from '../helpers/backends.js';

interface Case {
  shape: number[];
  scale?: boolean;
  offset?: boolean;
  /** The mean and variance as `[1, …, 1, C]` (not the native kernels' layout). */
  broadcast?: boolean;
}

const CASES: Case[] = [
  { shape: [8, 1, 5, 24], scale: true, offset: true },
  { shape: [3, 7], scale: true, offset: true },
  { shape: [2, 3, 4, 33], scale: true, offset: false },
  { shape: [4, 6, 5], scale: false, offset: true },
  { shape: [64, 1, 16, 96], scale: true, offset: true }, // 98 304 values: the threaded path
  { shape: [2, 1, 3, 8], scale: true, offset: true, broadcast: true },
];

const EPSILON = 1e-3;

/**
 * Forward values, then the gradients of sum(y · r) to x, mean, variance, scale and offset (to x alone for broadcast
 * statistics, where tfjs' own gradient to them fails; none without scale or offset).
 */
function normalise(c: Case): number[][] {
  return tf.tidy(() => {
    const channels = c.shape.at(-1)!;
    const perChannel = c.broadcast ? [...c.shape.slice(0, -1).map(() => 1), channels] : [channels];
    const x = tf.randomNormal(c.shape, 0.5, 2, 'float32', 1);
    const mean = tf.randomNormal(perChannel, 0.3, 1, 'float32', 2);
    const variance = tf.randomUniform(perChannel, 0.2, 3, 'float32', 3);
    const scale = c.scale ? tf.randomNormal(perChannel, 1, 0.5, 'float32', 4) : undefined;
    const offset = c.offset ? tf.randomNormal(perChannel, 0, 1, 'float32', 5) : undefined;
    const r = tf.randomNormal(c.shape, 0, 1, 'float32', 6);
    const inputs = c.broadcast ? [x] : [x, mean, variance, ...(scale ? [scale] : []), ...(offset ? [offset] : [])];
    const f = (...ts: tf.Tensor[]): tf.Tensor => {
      const [xx, m = mean, v = variance] = ts;
      const s = scale ? (ts[3] ?? scale) : undefined;
      const o = offset ? (ts[scale ? 4 : 3] ?? offset) : undefined;
      return tf.batchNorm(xx!, m, v, o, s, EPSILON);
    };
    const y = f(...inputs);
    // tfjs cannot differentiate a normalisation without scale or offset on any backend (it saves the absent input)
    if (!c.scale || !c.offset) return [Array.from(y.dataSync())];
    const grads = tf.grads((...ts: tf.Tensor[]) => tf.sum(tf.mul(f(...ts), r)))(inputs);
    return [y, ...grads].map((t) => Array.from(t.dataSync()));
  });
}

/** tfjs-layers' training-mode normalisation: moments over all but the last axis, then the normalisation. */
function trainingMode(shape: number[]): number[][] {
  return tf.tidy(() => {
    const x = tf.randomNormal(shape, 1, 3, 'float32', 7);
    const gamma = tf.randomNormal([shape.at(-1)!], 1, 0.3, 'float32', 8);
    const beta = tf.randomNormal([shape.at(-1)!], 0, 1, 'float32', 9);
    const r = tf.randomNormal(shape, 0, 1, 'float32', 10);
    const axes = shape.slice(0, -1).map((_, i) => i);
    const f = (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor => {
      const { mean, variance } = tf.moments(xx, axes);
      return tf.batchNorm(xx, mean, variance, b, g, EPSILON);
    };
    const y = f(x, gamma, beta);
    const grads = tf.grads((xx, g, b) => tf.sum(tf.mul(f(xx!, g!, b!), r)))([x, gamma, beta]);
    return [y, ...grads].map((t) => Array.from(t.dataSync()));
  });
}

function expectClose(got: number[][], want: number[][]): void {
  expect(got.length).toBe(want.length);
  got.forEach((values, i) => {
    expect(values.length).toBe(want[i]!.length);
    const scale = Math.max(1, ...want[i]!.map(Math.abs));
    values.forEach((v, j) => expect(Math.abs(v - want[i]![j]!) / scale).toBeLessThanOrEqual(2e-5));
  });
}

describe('batch normalisation on the wasm backend against the cpu backend', () => {
  CASES.forEach((c) => {
    const name = `x [${c.shape}]${c.scale ? '' : ' without scale'}${c.offset ? '' : ' without offset'}${c.broadcast ? ', broadcast statistics' : ''}`;
    it(`${name}: values${c.scale && c.offset ? ' and gradients' : ''}`, async () => {
      await useBackend('cpu');
      const want = normalise(c);
      await useBackend('wasm');
      const before = tf.memory().numTensors;
      const profile = await tf.profile(() => {
        expectClose(normalise(c), want);
      });
      expect(tf.memory().numTensors).toBe(before);
      const native = tf.getKernel(BATCH_NORM_GRAD_KERNEL, 'wasm') !== undefined && !c.broadcast && c.scale && c.offset;
      expect(profile.kernelNames.includes(BATCH_NORM_GRAD_KERNEL)).toBe(native);
    });
  });

  [
    [64, 1, 16, 40],
    [5, 9],
  ].forEach((shape) => {
    it(`training mode (moments, then the normalisation) on [${shape}]: values and gradients to x, γ and β`, async () => {
      await useBackend('cpu');
      const want = trainingMode(shape);
      await useBackend('wasm');
      expectClose(trainingMode(shape), want);
    });
  });
});
