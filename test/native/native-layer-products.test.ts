/**
 * The shared AdapterPooler projection with the layer-axis transpose folded into the native GEMM's packing (wasm)
 * against tfjs' cpu backend computing the same products with explicit transposes (an independent implementation):
 * the forward rows `rows(x)·W` (with and without the bias the GEMM adds as it writes) and the kernel gradient
 * `rows(x)ᵀ·dy`, at shapes that cross the GEMM's blocks (a depth
 * over 512, rows not a multiple of 6, groups that straddle panels).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src/index.node.js';
import { bf16Unavailable, setMatMulPrecision } from '../../src/backend/kernels/native-matmul.js';
import { LAYER_COLUMNS_MATMUL_KERNEL, LAYER_ROWS_MATMUL_KERNEL } from '../../src/layers/projection.js';
import { nativeKernelStatus } from '../../src/platform/native.js';

/** Deterministic values in [-1, 1) from a linear congruential sequence. */
function values(count: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2147483648 - 1;
  });
}

/** rows(x)·W, rows(x)·W + b and rows(x)ᵀ·dy with explicit transposes, on the active backend's plain kernels. */
function composed(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, dy: tf.Tensor): Float32Array[] {
  const r = x.rank;
  const [E, L] = x.shape.slice(-2) as [number, number];
  const lead = x.shape.slice(0, -2);
  const n = lead.reduce((a, b) => a * b, 1);
  const axes = lead.map((_v, i) => i);
  return tf.tidy(() => {
    const rows = tf.reshape(tf.transpose(x, [...axes, r - 1, r - 2]), [n * L, E]);
    const product = tf.matMul(rows, w);
    return [product, tf.add(product, b), tf.matMul(rows, dy, true)].map((t) => t.dataSync() as Float32Array);
  });
}

const SHAPES: Array<{ x: number[]; A: number }> = [
  { x: [3, 37, 130, 7], A: 20 },
  { x: [2, 5, 600, 25], A: 33 },
  { x: [700, 9, 3], A: 17 },
  { x: [4, 64, 5], A: 386 },
];

describe.skipIf(!nativeKernelStatus().capabilities?.avx2Fma)('folded layer products on the wasm backend', () => {
  it.each(
    SHAPES.flatMap((c) => [
      { ...c, bf16: false },
      { ...c, bf16: true },
    ]),
  )('x $x, A = $A, bf16 $bf16: rows(x)·W and rows(x)ᵀ·dy equal the cpu backend', async ({ x: shape, A, bf16 }) => {
    const E = shape.at(-2)!;
    const rowsCount = shape.reduce((a, b) => a * b, 1) / E;
    const xv = values(rowsCount * E, 1);
    const wv = values(E * A, 2);
    const dyv = values(rowsCount * A, 3);
    const bv = values(A, 4);
    await initBackend({ backend: 'cpu' });
    const [wantRows, wantBiased, wantColumns] = composed(
      tf.tensor(xv, shape),
      tf.tensor(wv, [E, A]),
      tf.tensor(bv),
      tf.tensor(dyv, [rowsCount, A]),
    ) as [Float32Array, Float32Array, Float32Array];
    tf.disposeVariables();
    await initBackend({ backend: 'wasm' });
    expect(tf.getKernel(LAYER_ROWS_MATMUL_KERNEL, 'wasm')).toBeDefined();
    if (bf16 && bf16Unavailable() !== undefined) return; // no AVX-512 BF16 here (test/native/bf16-matmul.test.ts says so)
    setMatMulPrecision(bf16 ? 'bf16' : 'fp32');
    const before = tf.memory().numTensors;
    const [x, w, b, dy] = [tf.tensor(xv, shape), tf.tensor(wv, [E, A]), tf.tensor(bv), tf.tensor(dyv, [rowsCount, A])];
    const rows = tf.engine().runKernel(LAYER_ROWS_MATMUL_KERNEL, { x, kernel: w }) as tf.Tensor;
    const biased = tf.engine().runKernel(LAYER_ROWS_MATMUL_KERNEL, { x, kernel: w, bias: b }) as tf.Tensor;
    const columns = tf.engine().runKernel(LAYER_COLUMNS_MATMUL_KERNEL, { x, dy }) as tf.Tensor;
    expect(rows.shape).toEqual([rowsCount, A]);
    expect(columns.shape).toEqual([E, A]);
    const close = (got: Float32Array, want: Float32Array, depth: number): void => {
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
      // |terms| < 1: float32 accumulation error grows with the depth; bf16 operands add 2^-8 relative per product
      expect(worst).toBeLessThan((bf16 ? 2 ** -8 : 4e-7) * depth);
    };
    close(rows.dataSync() as Float32Array, wantRows, E);
    close(biased.dataSync() as Float32Array, wantBiased, E + 1);
    close(columns.dataSync() as Float32Array, wantColumns, rowsCount);
    setMatMulPrecision('fp32');
    tf.dispose([x, w, b, dy, rows, biased, columns]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
