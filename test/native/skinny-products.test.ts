/**
 * The skinny product kernels (native/src/skinny_products.h) at sizes that cut them into many pool tasks: a span head's
 * Dense(2) over wide features, its kernel gradient and its input gradient, through tf.matMul / tf.fused.matMul and
 * autodiff on the wasm backend, against float64 sums; and the same bits whatever the number of threads. The small
 * layouts, transposes and tails are checked against NumPy in native-matmul.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/index.node.js';
import { installNativeMatMul } from '../../src/backend/kernels/native-matmul.js';
import { skinnyProductCounts } from '../../src/backend/kernels/native-skinny-matmul.js';
import { nativeKernelStatus } from '../../src/platform/native.js';
import { expectSameDigestOnOneAndThreeThreads } from '../helpers/thread-counts.js';

const status = nativeKernelStatus();
const ROWS = 1500; // batch · sequence positions
const FEATURES = 1400; // A · L: 1 MiB tasks of 187 rows, 9 of them

/** |got − exact| ≤ 1e-6 · Σ|terms| for every entry: float32 partial sums per task stay far inside it. */
function expectFloat64Sums(got: Float32Array, entries: number, terms: (entry: number) => Float64Array): void {
  for (let e = 0; e < entries; e++) {
    const t = terms(e);
    let exact = 0;
    let scale = 0;
    for (const v of t) {
      exact += v;
      scale += Math.abs(v);
    }
    expect(Math.abs(got[e]! - exact), `entry ${e}`).toBeLessThanOrEqual(1e-6 * scale + 1e-30);
  }
}

describe.skipIf(!status.capabilities?.avx2Fma)('skinny products across the thread pool', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    expect(installNativeMatMul({ minMultiplyAdds: 2 ** 20, minColumns: 16, minRows: 6 })).toBe(true);
  });

  it("a Dense(2)'s forward product, kernel gradient and input gradient agree with float64 sums", () => {
    const before = tf.memory().numTensors;
    const x = tf.randomNormal([ROWS, FEATURES], 0, 1, 'float32', 11);
    const w = tf.randomNormal([FEATURES, 2], 0, 1, 'float32', 12);
    const bias = tf.tensor([0.25, -0.5]);
    const dy = tf.randomNormal([ROWS, 2], 0, 1, 'float32', 13);
    const [xs, ws, dys] = [x, w, dy].map((t) => t.dataSync() as Float32Array) as [
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    const start = skinnyProductCounts();
    // the forward product with its bias, and the two gradients autodiff takes of it
    const loss = (xv: tf.Tensor, wv: tf.Tensor): tf.Scalar =>
      tf.sum(tf.mul(tf.fused.matMul({ a: xv as tf.Tensor2D, b: wv as tf.Tensor2D, bias }), dy));
    const forward = tf.fused.matMul({ a: x, b: w, bias });
    const [dx, dw] = tf.grads(loss)([x, w]) as [tf.Tensor2D, tf.Tensor2D];
    const counts = skinnyProductCounts();
    // forward twice (once inside grads), dx = dy·wᵀ, dw = xᵀ·dy
    expect(counts.products - start.products).toBe(4);
    expect(counts.withBias - start.withBias).toBe(2);
    expect(dx.shape).toEqual([ROWS, FEATURES]);
    expect(dw.shape).toEqual([FEATURES, 2]);

    const biasValues = [0.25, -0.5];
    expectFloat64Sums(forward.dataSync() as Float32Array, ROWS * 2, (e) => {
      const [r, j] = [Math.floor(e / 2), e % 2];
      const terms = new Float64Array(FEATURES + 1);
      for (let f = 0; f < FEATURES; f++) terms[f] = xs[r * FEATURES + f]! * ws[f * 2 + j]!;
      terms[FEATURES] = biasValues[j]!;
      return terms;
    });
    const dxs = dx.dataSync() as Float32Array;
    const sample = new Float32Array(ROWS); // every 7th entry of dx (all rows, spread over the features)
    for (let r = 0; r < ROWS; r++) sample[r] = dxs[r * FEATURES + ((r * 7) % FEATURES)]!;
    expectFloat64Sums(sample, ROWS, (r) => {
      const f = (r * 7) % FEATURES;
      return Float64Array.of(dys[r * 2]! * ws[f * 2]!, dys[r * 2 + 1]! * ws[f * 2 + 1]!);
    });
    expectFloat64Sums(dw.dataSync() as Float32Array, FEATURES * 2, (e) => {
      const [f, j] = [Math.floor(e / 2), e % 2];
      const terms = new Float64Array(ROWS);
      for (let r = 0; r < ROWS; r++) terms[r] = xs[r * FEATURES + f]! * dys[r * 2 + j]!;
      return terms;
    });
    tf.dispose([x, w, bias, dy, forward, dx, dw]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives the same bits on one thread as on three', () => {
    // each child runs the three forms on the addon itself, with operands from a fixed integer sequence, and prints
    // a hash of the results
    const script = `
      const { createHash } = require('node:crypto');
      const addon = require(${JSON.stringify(status.path)});
      const [M, K] = [${ROWS}, ${FEATURES}];
      const floats = M * K * 2 + K * 2 + M * 2 + 2 + M * 2 + K * 2;
      const memory = new Float32Array(floats);
      let seed = 12345;
      for (let i = 0; i < floats; i++) { seed = (seed * 1103515245 + 12345) % 2147483648; memory[i] = seed / 2147483648 - 0.5; }
      const [x, xOut, w, dy, bias, y, dw] = [0, M * K, 2 * M * K, 2 * M * K + 2 * K, 2 * M * K + 2 * K + 2 * M,
        2 * M * K + 2 * K + 2 * M + 2, 2 * M * K + 2 * K + 4 * M + 2].map((at) => 4 * at);
      addon.skinnyMatmul(memory.buffer, x, w, y, 1, M, 2, K, 0, 0, 0, false, false, bias);
      addon.skinnyMatmul(memory.buffer, x, dy, dw, 1, K, 2, M, 0, 0, 0, true, false, -1);
      addon.skinnyMatmul(memory.buffer, dy, w, xOut, 1, M, K, 2, 0, 0, 0, false, true, -1);
      process.stdout.write(createHash('sha256').update(new Uint8Array(memory.buffer)).digest('hex'));
    `;
    expectSameDigestOnOneAndThreeThreads(script);
  });
});
