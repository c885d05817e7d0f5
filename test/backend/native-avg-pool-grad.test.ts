/**
 * The average-pooling gradient on the native kernels (src/backend/kernels/native-avg-pool-grad.ts): the addon's pass
 * against a float64 reference written here from the definition (each output's gradient spread evenly over its window,
 * padding counted in the divisor, as tfjs defines AvgPoolGrad), its argument checks, and `tf.grad` of `tf.avgPool` on
 * the wasm backend against tfjs' independent cpu backend for the Xception heads' pooling and other geometries.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { nativeAddon } from '../../src/platform/native.js';
import { useBackend } from '../helpers/backends.js';

interface Pooling {
  shape: [number, number, number, number];
  filter: [number, number];
  strides: [number, number];
  pad: 'same' | 'valid';
}

const POOLINGS: Pooling[] = [
  { shape: [4, 1, 63, 24], filter: [1, 3], strides: [1, 2], pad: 'same' }, // the Xception heads'
  { shape: [64, 1, 32, 96], filter: [1, 3], strides: [1, 2], pad: 'same' }, // the threaded path
  { shape: [2, 7, 9, 5], filter: [3, 3], strides: [1, 1], pad: 'same' },
  { shape: [2, 8, 8, 3], filter: [2, 2], strides: [2, 2], pad: 'valid' },
  { shape: [1, 5, 11, 4], filter: [2, 3], strides: [3, 4], pad: 'same' }, // strides past the window
];

/** dx from the definition, in float64: every output's dy / (kh·kw) added to each input its window covers. */
function reference(p: Pooling, dy: Float32Array): Float64Array {
  const [b, h, w, c] = p.shape;
  const info = tf.backend_util.computePool2DInfo(p.shape, p.filter, p.strides, 1, p.pad);
  const dx = new Float64Array(b * h * w * c);
  const m = 1 / (p.filter[0] * p.filter[1]);
  for (let n = 0; n < b; n++)
    for (let i = 0; i < info.outHeight; i++)
      for (let j = 0; j < info.outWidth; j++)
        for (let ki = 0; ki < p.filter[0]; ki++)
          for (let kj = 0; kj < p.filter[1]; kj++) {
            const r = i * p.strides[0] - info.padInfo.top + ki;
            const col = j * p.strides[1] - info.padInfo.left + kj;
            if (r < 0 || r >= h || col < 0 || col >= w) continue;
            for (let ch = 0; ch < c; ch++) {
              dx[((n * h + r) * w + col) * c + ch]! += m * dy[((n * info.outHeight + i) * info.outWidth + j) * c + ch]!;
            }
          }
  return dx;
}

function worst(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let w = 0;
  for (let i = 0; i < actual.length; i++) w = Math.max(w, Math.abs(actual[i]! - expected[i]!));
  return w;
}

const addon = nativeAddon();
const native = addon?.avgPoolGrad ? addon : undefined;

describe.skipIf(!native)('native avgPoolGrad', () => {
  it.each(POOLINGS)('matches the definition for $shape, $filter / $strides $pad', (p) => {
    const info = tf.backend_util.computePool2DInfo(p.shape, p.filter, p.strides, 1, p.pad);
    const dyCount = info.outShape.reduce((a, d) => a * d, 1);
    const dxCount = p.shape.reduce((a, d) => a * d, 1);
    const memory = new ArrayBuffer(4 * (dyCount + dxCount) + 64);
    const dy = new Float32Array(memory, 0, dyCount);
    for (let i = 0; i < dyCount; i++) dy[i] = Math.sin(i * 0.37) * 3;
    const dxAt = 4 * dyCount + 32;
    new Float32Array(memory, dxAt, dxCount).fill(Number.NaN); // overwritten, not added to
    native!.avgPoolGrad!(
      memory,
      0,
      dxAt,
      ...p.shape,
      info.outHeight,
      info.outWidth,
      ...p.filter,
      ...p.strides,
      info.padInfo.top,
      info.padInfo.left,
    );
    expect(worst(new Float32Array(memory, dxAt, dxCount), reference(p, dy))).toBeLessThan(1e-5);
  });

  it('rejects bad geometry, misaligned offsets, out-of-bounds and overlapping ranges', () => {
    const memory = new ArrayBuffer(1 << 12);
    const f = native!.avgPoolGrad!;
    const ok = [1, 1, 8, 4, 1, 4, 1, 3, 1, 2, 0, 1] as const; // dy 64 B at 0, dx 128 B at 1024
    expect(() => f(memory, 0, 1024, ...ok)).not.toThrow();
    expect(() => f(memory, 0, 4032, ...ok)).toThrow(/^avgPoolGrad: out of bounds/);
    expect(() => f(memory, 2, 1024, ...ok)).toThrow(/multiples of 4/);
    expect(() => f(memory, 0, 32, ...ok)).toThrow(/overlaps/);
    const bad = (i: number, v: number): typeof ok => ok.map((x, j) => (j === i ? v : x)) as unknown as typeof ok;
    expect(() => f(memory, 0, 1024, ...bad(7, 0))).toThrow(/kw must be at least 1/);
    expect(() => f(memory, 0, 1024, ...bad(9, 0))).toThrow(/strideW must be at least 1/);
    expect(() => f(memory, 0, 1024, ...bad(11, 3))).toThrow(/padding must be below the window/);
    expect(() => f(memory, 0, 1024, ...bad(2, 1.5))).toThrow(/inW must be a non-negative integer/);
  });

  it.each(POOLINGS)('tf.grad of avgPool on wasm matches the cpu backend for $shape', async (p) => {
    const gradient = (): Float32Array =>
      tf.tidy(() => {
        const x = tf.randomNormal(p.shape, 0, 1, 'float32', 1);
        const info = tf.backend_util.computePool2DInfo(p.shape, p.filter, p.strides, 1, p.pad);
        const r = tf.randomNormal(info.outShape, 0, 1, 'float32', 2);
        const g = tf.grad((t: tf.Tensor) =>
          tf.sum(tf.mul(tf.avgPool(t as tf.Tensor4D, p.filter, p.strides, p.pad), r)),
        );
        return g(x).dataSync() as Float32Array;
      });
    await useBackend('cpu');
    const cpu = gradient();
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const wasm = gradient();
    expect(tf.memory().numTensors).toBe(before);
    expect(worst(wasm, cpu)).toBeLessThan(1e-5);
  });
});
