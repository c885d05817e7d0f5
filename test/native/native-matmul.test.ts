/**
 * The native matMul kernel behind the wasm backend's BatchMatMul, against NumPy (tools/fixtures/make_matmul_cases.py):
 * every transpose combination, batches with shared operands, sizes around the kernel's blocks, the few-columns and
 * short-inner shapes of the skinny kernels (with a bias through tf.fused.matMul). All products are routed to the
 * native kernels (thresholds off), including batches that broadcast both ways (which tfjs-wasm's own kernel gets
 * wrong).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/index.node.js';
import { installNativeMatMul, nativeMatMulCalls } from '../../src/backend/kernels/native-matmul.js';
import { skinnyProductCounts } from '../../src/backend/kernels/native-skinny-matmul.js';
import { nativeKernelStatus } from '../../src/platform/native.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'kernels');
interface Case {
  a: number[];
  b: number[];
  c: number[];
  transposeA: boolean;
  transposeB: boolean;
  aAt: number;
  bAt: number;
  cAt: number;
  boundAt: number;
  /** Present for the cases with a bias added to every row (computed by tf.fused.matMul). */
  biasAt?: number;
}
const { cases } = JSON.parse(readFileSync(join(DIR, 'matmul-cases.json'), 'utf8')) as { cases: Case[] };
const blob = new Float32Array(new Uint8Array(readFileSync(join(DIR, 'matmul-cases.bin'))).buffer);
const slice = (at: number, shape: number[]): Float32Array => blob.subarray(at, at + shape.reduce((x, y) => x * y, 1));

/**
 * Case `c` computed by tf.matMul: one native product, NumPy's shape, every entry within the fixture's float32
 * accumulation bound, no tensor left behind.
 */
function expectNativeProduct(c: Case): void {
  const before = tf.memory().numTensors;
  const callsBefore = nativeMatMulCalls();
  const product = tf.tidy(() => {
    const [a, b] = [tf.tensor(slice(c.aAt, c.a), c.a), tf.tensor(slice(c.bAt, c.b), c.b)];
    if (c.biasAt === undefined) return tf.matMul(a, b, c.transposeA, c.transposeB);
    const bias = tf.tensor(slice(c.biasAt, [c.c.at(-1)!]));
    return tf.fused.matMul({ a, b, bias, transposeA: c.transposeA, transposeB: c.transposeB });
  });
  expect(nativeMatMulCalls() - callsBefore).toBe(1);
  expect(product.shape).toEqual(c.c);
  const got = product.dataSync();
  const want = slice(c.cAt, c.c);
  const bound = slice(c.boundAt, c.c);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / (bound[i]! + 1e-30));
  expect(worst).toBeLessThanOrEqual(1);
  product.dispose();
  expect(tf.memory().numTensors).toBe(before);
}

describe.skipIf(!nativeKernelStatus().capabilities?.avx2Fma)('native matMul on the wasm backend', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    expect(installNativeMatMul({ minMultiplyAdds: 0, minColumns: 1, minRows: 1 })).toBe(true);
  });
  afterAll(() => {
    installNativeMatMul({ minMultiplyAdds: 2 ** 20, minColumns: 16, minRows: 6 });
  });

  it.each(
    cases.map(
      (c) =>
        [
          `${JSON.stringify(c.a)}${c.transposeA ? 'ᵀ' : ''} × ${JSON.stringify(c.b)}${c.transposeB ? 'ᵀ' : ''}`,
          c,
        ] as const,
    ),
  )('%s equals NumPy within float32 accumulation error', (_, c) => expectNativeProduct(c));

  it('products with 9 to 15 output columns run transposed on the kernel and equal NumPy', () => {
    installNativeMatMul({ minMultiplyAdds: 0, minColumns: 16, minRows: 6 });
    const before = skinnyProductCounts().products;
    try {
      const narrow = cases.filter((c) => c.c.at(-1)! < 16 && c.c.at(-1)! > 8 && c.c.at(-2)! >= 16 && c.a.at(-1)! > 8);
      expect(narrow.length).toBeGreaterThanOrEqual(2);
      for (const c of narrow) expectNativeProduct(c);
      expect(skinnyProductCounts().products).toBe(before);
    } finally {
      installNativeMatMul({ minMultiplyAdds: 0, minColumns: 1, minRows: 1 });
    }
  });

  it('products with at most 8 columns or an inner size of at most 8 run on the skinny kernels and equal NumPy', () => {
    const start = skinnyProductCounts();
    const fits = cases.filter((c) => {
      const [m, k] = c.transposeA ? [c.a.at(-1)!, c.a.at(-2)!] : [c.a.at(-2)!, c.a.at(-1)!];
      const simple = c.a.length === 2 || c.b.length === 2 || c.a.join() === c.b.join();
      const matVec = c.c.at(-1) === 1 && c.c.length === 2 && (!c.transposeA || m <= 64);
      return simple && !matVec && (c.c.at(-1)! <= 8 || k <= 8);
    });
    expect(fits.length).toBeGreaterThanOrEqual(15);
    for (const c of fits) {
      const before = skinnyProductCounts().products;
      expectNativeProduct(c);
      expect(skinnyProductCounts().products - before, JSON.stringify(c.a)).toBe(1);
    }
    // the three bias cases handed their bias to the kernel
    expect(skinnyProductCounts().withBias - start.withBias).toBe(3);
  });

  it('leaves a fused product with an activation to tfjs (and it stays right)', () => {
    const before = skinnyProductCounts().products;
    const c = cases.find((x) => x.a.join() === '50,33' && x.biasAt !== undefined)!;
    const [a, b] = [tf.tensor(slice(c.aAt, c.a), c.a), tf.tensor(slice(c.bAt, c.b), c.b)];
    const bias = tf.tensor(slice(c.biasAt!, [2]));
    const relu = tf.fused.matMul({ a, b, bias, activation: 'relu' });
    expect(skinnyProductCounts().products).toBe(before);
    const want = slice(c.cAt, c.c); // a·b + bias
    const bound = slice(c.boundAt, c.c);
    const values = relu.dataSync();
    for (let i = 0; i < want.length; i++)
      expect(Math.abs(values[i]! - Math.max(0, want[i]!))).toBeLessThanOrEqual(bound[i]! + 1e-6);
    tf.dispose([a, b, bias, relu]);
  });

  it('gradients through the native kernel match NumPy products (dA = dC·Bᵀ, dB = Aᵀ·dC)', () => {
    const c = cases.find((x) => x.a.join() === '70,520' && !x.transposeA && !x.transposeB)!;
    const a = tf.tensor(slice(c.aAt, c.a), c.a);
    const b = tf.tensor(slice(c.bAt, c.b), c.b);
    // d/dA of sum(A·B) is 1·Bᵀ: every row equals the row sums of B
    const [da] = tf.grads((x: tf.Tensor) => tf.sum(tf.matMul(x, b)))([a]);
    const rowSums = Array.from({ length: c.b[0]! }, (_, k) =>
      slice(c.bAt, c.b)
        .subarray(k * c.b[1]!, (k + 1) * c.b[1]!)
        .reduce((s, v) => s + v, 0),
    );
    const got = da!.dataSync();
    for (let i = 0; i < c.a[0]!; i++)
      for (let k = 0; k < c.a[1]!; k++) expect(got[i * c.a[1]! + k]).toBeCloseTo(rowSums[k]!, 3);
    tf.dispose([a, b, da!]);
  });
});

describe.skipIf(!nativeKernelStatus().capabilities?.avx2Fma)('native matrix × vector across the thread pool', () => {
  it('agrees with float64 sums on a layer-mix-sized product and its gradient', async () => {
    await initBackend({ backend: 'wasm' });
    const rows = 300_000; // 30 MB: many pool tasks
    const x = tf.randomNormal([rows, 25], 0, 1, 'float32', 7);
    const w = tf.randomNormal([25, 1], 0, 1, 'float32', 8);
    const dy = tf.randomNormal([rows, 1], 0, 1, 'float32', 9);
    const [xs, ws, dys] = [x, w, dy].map((t) => t.dataSync() as Float32Array) as [
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    installNativeMatMul({ minMultiplyAdds: 2 ** 20 });
    const callsBefore = nativeMatMulCalls();
    const [y, g] = [tf.matMul(x, w), tf.matMul(x, dy, true, false)].map((t) => {
      const values = t.dataSync() as Float32Array;
      t.dispose();
      return values;
    }) as [Float32Array, Float32Array];
    expect(nativeMatMulCalls() - callsBefore).toBe(2);
    // float64 references, tolerance 1e-6 of Σ|a||b| (float32 partial sums per pool task stay far inside it)
    for (let i = 0; i < rows; i += 997) {
      let exact = 0;
      let scale = 0;
      for (let k = 0; k < 25; k++) {
        exact += xs[i * 25 + k]! * ws[k]!;
        scale += Math.abs(xs[i * 25 + k]! * ws[k]!);
      }
      expect(Math.abs(y[i]! - exact)).toBeLessThanOrEqual(1e-6 * scale + 1e-30);
    }
    for (let j = 0; j < 25; j++) {
      let exact = 0;
      let scale = 0;
      for (let i = 0; i < rows; i++) {
        exact += xs[i * 25 + j]! * dys[i]!;
        scale += Math.abs(xs[i * 25 + j]! * dys[i]!);
      }
      expect(Math.abs(g[j]! - exact)).toBeLessThanOrEqual(1e-6 * scale);
    }
    tf.dispose([x, w, dy]);
  });
});
