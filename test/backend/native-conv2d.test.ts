/**
 * The wasm backend's Conv2D and FusedConv2D as im2col + the native GEMM (src/backend/kernels/native-conv2d.ts) give
 * what tfjs' independent cpu kernels give: 1 × 1 pointwise products read in place, strided and padded (1, 3) filters
 * through im2col, every padding, and the Xception heads' shapes. Where the native GEMM is not installed
 * (BERTVISION_NATIVE=0) the same comparisons check tfjs-wasm's own kernels and no call is routed.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { nativeConv2DCalls } from '../../src/backend/kernels/native-conv2d.js';
import { nativeMatMulInstalled } from '../../src/backend/kernels/native-matmul.js';
import { useBackend } from '../helpers/backends.js';

type Pad = 'valid' | 'same' | tf.backend_util.ExplicitPadding;
type Shape4 = [number, number, number, number];

interface Case {
  x: Shape4;
  w: Shape4;
  strides: [number, number];
  pad: Pad;
  fused?: boolean;
}

const CASES: Case[] = [
  { x: [8, 1, 16, 728], w: [1, 1, 728, 728], strides: [1, 1], pad: 'same' }, // middle-flow pointwise
  { x: [4, 1, 384, 7], w: [1, 3, 7, 32], strides: [1, 3], pad: 'valid' }, // block1_conv1
  { x: [4, 1, 126, 32], w: [1, 3, 32, 64], strides: [1, 1], pad: 'valid' }, // block1_conv2
  { x: [4, 1, 31, 64], w: [1, 1, 64, 128], strides: [1, 2], pad: 'same', fused: true }, // a residual projection
  { x: [2, 5, 7, 3], w: [3, 2, 3, 4], strides: [2, 1], pad: 'same' },
  {
    x: [2, 6, 6, 5],
    w: [2, 3, 5, 6],
    strides: [1, 2],
    pad: [
      [0, 0],
      [1, 2],
      [2, 0],
      [0, 0],
    ],
  },
];

function seeded(shape: Shape4, seed: number): tf.Tensor4D {
  return tf.randomUniform(shape, -1, 1, 'float32', seed) as tf.Tensor4D;
}

function convolve(c: Case, seed: number): Float32Array {
  return tf.tidy(() => {
    const x = seeded(c.x, seed);
    const w = seeded(c.w, seed + 1);
    const y = c.fused
      ? tf.fused.conv2d({ x, filter: w, strides: c.strides, pad: c.pad as 'same' })
      : tf.conv2d(x, w, c.strides, c.pad);
    return y.dataSync() as Float32Array;
  });
}

describe('Conv2D on the wasm backend (im2col + the native GEMM where built)', () => {
  CASES.forEach((c, i) => {
    it(`x [${c.x}] filter [${c.w}] strides [${c.strides}] pad ${JSON.stringify(c.pad)}${c.fused ? ' (fused)' : ''}`, async () => {
      await useBackend('cpu');
      const want = convolve(c, 10 * i);
      await useBackend('wasm');
      const before = tf.memory().numTensors;
      const calls = nativeConv2DCalls();
      const got = convolve(c, 10 * i);
      expect(tf.memory().numTensors).toBe(before);
      expect(nativeConv2DCalls() - calls).toBe(nativeMatMulInstalled() ? 1 : 0);
      expect(got.length).toBe(want.length);
      let worst = 0;
      got.forEach((v, j) => {
        worst = Math.max(worst, Math.abs(v - want[j]!));
      });
      expect(worst).toBeLessThanOrEqual(1e-4);
    });
  });

  it('leaves a bias or an activation fused in to the previous kernel', async () => {
    await useBackend('wasm');
    const calls = nativeConv2DCalls();
    const y = tf.tidy(() =>
      tf.fused.conv2d({
        x: seeded([2, 1, 8, 4], 1),
        filter: seeded([1, 1, 4, 3], 2),
        strides: 1,
        pad: 'same',
        bias: tf.ones([3]),
        activation: 'relu',
      }),
    );
    expect(Math.min(...y.dataSync())).toBeGreaterThanOrEqual(0);
    y.dispose();
    expect(nativeConv2DCalls() - calls).toBe(0);
  });

  it('gradients through the routed forward match the cpu backend', async () => {
    const run = (): number[][] =>
      tf.tidy(() => {
        const x = seeded([4, 1, 12, 8], 5);
        const w = seeded([1, 3, 8, 6], 6);
        const r = seeded([4, 1, 10, 6], 7);
        const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'valid'), r)),
        )([x, w]);
        return [Array.from(dx!.dataSync()), Array.from(dw!.dataSync())];
      });
    await useBackend('cpu');
    const want = run();
    await useBackend('wasm');
    const got = run();
    got.forEach((values, i) => values.forEach((v, j) => expect(Math.abs(v - want[i]![j]!)).toBeLessThanOrEqual(1e-4)));
  });
});
