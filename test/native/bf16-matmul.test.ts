/**
 * The opt-in bf16 matrix product (native/src/gemm_bf16_avx512.cc) against NumPy (tools/fixtures/make_bf16_matmul_cases.py:
 * operands rounded to bfloat16 with NumPy bit operations, products in float64): the addon's `matmulBf16` directly, and
 * tf.matMul on the wasm backend once `setMatMulPrecision('bf16')` routes the large products to it. Skipped, saying
 * why, on a CPU without AVX-512 BF16. Everywhere: bf16 is refused with a typed error where it cannot run (simulated
 * through the capability check), and the default stays float32.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/index.node.js';
import {
  bf16Unavailable,
  installNativeMatMul,
  matMulPrecision,
  nativeMatMulBf16Calls,
  nativeMatMulCalls,
  parseMatMulPrecision,
  setMatMulPrecision,
} from '../../src/backend/kernels/native-matmul.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { nativeAddon, nativeKernelStatus, type NativeStatus } from '../../src/platform/native.js';

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
  cFp32At: number;
  boundAt: number;
}
const { cases } = JSON.parse(readFileSync(join(DIR, 'bf16-matmul-cases.json'), 'utf8')) as { cases: Case[] };
const blob = new Float32Array(new Uint8Array(readFileSync(join(DIR, 'bf16-matmul-cases.bin'))).buffer);
const size = (shape: number[]): number => shape.reduce((x, y) => x * y, 1);
const slice = (at: number, shape: number[]): Float32Array => blob.subarray(at, at + size(shape));
const label = (c: Case): string =>
  `${JSON.stringify(c.a)}${c.transposeA ? 'ᵀ' : ''} × ${JSON.stringify(c.b)}${c.transposeB ? 'ᵀ' : ''}`;

/** Largest |got − want| / bound over the entries (≤ 1: within the float32 summation bound). */
function worstRatio(got: ArrayLike<number>, want: Float32Array, bound: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / (bound[i]! + 1e-30));
  return worst;
}

const status = nativeKernelStatus();
const hasBf16 = status.capabilities?.avx512Bf16 === true;
if (!hasBf16) {
  console.warn(
    `bf16-matmul.test.ts: bf16 kernel tests skipped: ${
      status.loaded
        ? 'this CPU lacks AVX-512 BF16 (avx512_bf16 in /proc/cpuinfo)'
        : `native kernels not loaded (${status.reason})`
    }`,
  );
}

describe.skipIf(!hasBf16)('native bf16 matmul (AVX-512 BF16) against NumPy on bf16-rounded operands', () => {
  it.each(cases.map((c) => [label(c), c] as const))(
    '%s: within float32 summation error of the rounded product, and visibly rounded',
    (_, c) => {
      const addon = nativeAddon()!;
      const [ra, rb] = [c.a.length, c.b.length];
      const m = c.transposeA ? c.a[ra - 1]! : c.a[ra - 2]!;
      const k = c.transposeA ? c.a[ra - 2]! : c.a[ra - 1]!;
      const n = c.transposeB ? c.b[rb - 2]! : c.b[rb - 1]!;
      const batchA = size(c.a.slice(0, -2));
      const batchB = size(c.b.slice(0, -2));
      const batch = Math.max(batchA, batchB);
      const [aCount, bCount, cCount] = [size(c.a), size(c.b), size(c.c)];
      // one buffer, operands at odd offsets (the kernel needs no alignment); C starts as NaN: it must be overwritten
      const memory = new Float32Array(1 + aCount + 3 + bCount + 5 + cCount);
      const [aAt, bAt, cAt] = [1, 1 + aCount + 3, 1 + aCount + 3 + bCount + 5];
      memory.set(slice(c.aAt, c.a), aAt);
      memory.set(slice(c.bAt, c.b), bAt);
      memory.fill(Number.NaN, cAt);
      addon.matmulBf16!(
        memory.buffer,
        4 * aAt,
        4 * bAt,
        4 * cAt,
        batch,
        m,
        n,
        k,
        batchA === 1 ? 0 : m * k,
        batchB === 1 ? 0 : k * n,
        m * n,
        c.transposeA,
        c.transposeB,
      );
      const got = memory.subarray(cAt, cAt + cCount);
      const bound = slice(c.boundAt, c.c);
      expect(worstRatio(got, slice(c.cAt, c.c), bound)).toBeLessThanOrEqual(1);
      // against the unrounded product the bf16 rounding shows (bar the 1 × 1 product of two values that round alike)
      if (k > 1) expect(worstRatio(got, slice(c.cFp32At, c.c), bound)).toBeGreaterThan(1);
    },
  );
});

describe.skipIf(!hasBf16)('tf.matMul on the wasm backend with setMatMulPrecision("bf16")', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    expect(installNativeMatMul({ minMultiplyAdds: 0, minColumns: 1, minRows: 1 })).toBe(true);
  });
  afterAll(() => {
    setMatMulPrecision('fp32');
    installNativeMatMul({ minMultiplyAdds: 2 ** 20, minColumns: 16, minRows: 6 });
  });

  it('routes products to the bf16 kernel, with the rounded result; fp32 again after switching back', () => {
    expect(bf16Unavailable()).toBeUndefined();
    const c = cases.find((x) => x.a.join() === '25,1031')!;
    const multiply = (): Float32Array =>
      tf
        .tidy(() => tf.matMul(tf.tensor(slice(c.aAt, c.a), c.a), tf.tensor(slice(c.bAt, c.b), c.b)))
        .dataSync() as Float32Array;
    const bound = slice(c.boundAt, c.c);
    setMatMulPrecision('bf16');
    expect(matMulPrecision()).toBe('bf16');
    const before = nativeMatMulBf16Calls();
    const bf16 = multiply();
    expect(nativeMatMulBf16Calls() - before).toBe(1);
    expect(worstRatio(bf16, slice(c.cAt, c.c), bound)).toBeLessThanOrEqual(1);
    setMatMulPrecision('fp32');
    const fp32 = multiply();
    expect(nativeMatMulBf16Calls() - before).toBe(1);
    expect(worstRatio(fp32, slice(c.cFp32At, c.c), bound)).toBeLessThanOrEqual(1);
  });

  it('keeps products below minMultiplyAdds on float32 even in bf16 mode', () => {
    installNativeMatMul({ minMultiplyAdds: 2 ** 20 });
    setMatMulPrecision('bf16');
    const c = cases.find((x) => x.a.join() === '25,1031')!; // 25·1031·47 ≈ 1.2M multiply-adds: above
    const small = cases.find((x) => x.a.join() === '150,17')!; // 150·17·101 ≈ 0.26M: below
    const [calls, bf16Calls] = [nativeMatMulCalls(), nativeMatMulBf16Calls()];
    tf.tidy(() => {
      tf.matMul(tf.tensor(slice(c.aAt, c.a), c.a), tf.tensor(slice(c.bAt, c.b), c.b)).dataSync();
      tf.matMul(
        tf.tensor(slice(small.aAt, small.a), small.a),
        tf.tensor(slice(small.bAt, small.b), small.b),
      ).dataSync();
    });
    expect(nativeMatMulCalls() - calls).toBe(1);
    expect(nativeMatMulBf16Calls() - bf16Calls).toBe(1);
    setMatMulPrecision('fp32');
  });
});

describe('bf16 is opt-in and refused where it cannot run', () => {
  const loaded = (avx512Bf16: boolean): NativeStatus => ({
    loaded: true,
    path: '/fake/bertvision_native.node',
    capabilities: { f16c: true, avx2Fma: true, avx512Bf16, mmap: true, threads: 2 },
  });

  it('defaults to fp32', () => {
    expect(matMulPrecision()).toBe('fp32');
    expect(parseMatMulPrecision(undefined)).toBeUndefined();
    expect(parseMatMulPrecision('')).toBeUndefined();
    expect(parseMatMulPrecision(' BF16 ')).toBe('bf16');
    expect(() => parseMatMulPrecision('fp16')).toThrow(InvalidArgumentError);
  });

  it('throws a typed error, and stays fp32, on a CPU without AVX-512 BF16 or without the native kernels', () => {
    const noCpu = (() => {
      try {
        setMatMulPrecision('bf16', { status: loaded(false), backend: 'wasm' });
      } catch (error) {
        return error;
      }
    })();
    expect(noCpu).toBeInstanceOf(InvalidArgumentError);
    expect(String(noCpu)).toMatch(/bf16 matrix products are not available: this CPU lacks AVX-512 BF16/);
    expect(() =>
      setMatMulPrecision('bf16', { status: { loaded: false, reason: 'BERTVISION_NATIVE=0' }, backend: 'wasm' }),
    ).toThrow(/the native kernels are not in use \(BERTVISION_NATIVE=0\)/);
    expect(() => setMatMulPrecision('bf16', { status: loaded(true), backend: 'cpu' })).toThrow(
      /'cpu' backend does not run its matrix products on the native kernels/,
    );
    expect(() => setMatMulPrecision('int8' as never)).toThrow(InvalidArgumentError);
    expect(matMulPrecision()).toBe('fp32');
  });

  it.skipIf(!status.capabilities?.avx2Fma)(
    'computes in float32 by default: the unrounded product within float32 error, never the bf16 kernel',
    async () => {
      await initBackend({ backend: 'wasm' });
      installNativeMatMul({ minMultiplyAdds: 0, minColumns: 1, minRows: 1 });
      try {
        const [calls, bf16Calls] = [nativeMatMulCalls(), nativeMatMulBf16Calls()];
        for (const c of cases.filter((x) => x.a.length === 2 && x.b.length === 2)) {
          const got = tf.tidy(() =>
            tf.matMul(tf.tensor(slice(c.aAt, c.a), c.a), tf.tensor(slice(c.bAt, c.b), c.b), c.transposeA, c.transposeB),
          );
          const values = got.dataSync();
          got.dispose();
          const bound = slice(c.boundAt, c.c);
          expect(worstRatio(values, slice(c.cFp32At, c.c), bound), label(c)).toBeLessThanOrEqual(1.01);
          // and the fixture tells the two apart: fp32 results are not within the bound of the rounded product
          if (c.a.join() !== '1,1') expect(worstRatio(values, slice(c.cAt, c.c), bound), label(c)).toBeGreaterThan(1);
        }
        expect(nativeMatMulCalls() - calls).toBeGreaterThan(0);
        expect(nativeMatMulBf16Calls() - bf16Calls).toBe(0);
      } finally {
        installNativeMatMul({ minMultiplyAdds: 2 ** 20, minColumns: 16, minRows: 6 });
      }
    },
  );
});
