/**
 * The fused adapter span head (src/layers/adapter-span-head.ts, native/src/adapter_head.h) on the wasm backend against
 * float64 NumPy (tools/fixtures/make_adapter_head_cases.py: the logits of AdapterPooler → flatten (A, L) → Dense(2)
 * and the gradients of Σ logits·dOut to the four weights, with the float32 bound TensorFlow's GradientTape also
 * meets), at shapes that cut the gradient product into several depth blocks, into segments of the depth, into two
 * column ranges, and over 25 layers or one. The same bits on one thread as on three; bad operands refused.
 * Skipped, saying why, where the native kernels are not built (the fused op exists only on them).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/index.node.js';
import {
  ADAPTER_HEAD_GRADIENTS_KERNEL,
  ADAPTER_HEAD_KERNEL,
  adapterGeluTanhSpanLogits,
  fusedAdapterHeadAvailable,
} from '../../src/layers/adapter-span-head.js';
import { nativeAddon, nativeKernelStatus } from '../../src/platform/native.js';
import { expectSameDigestOnOneAndThreeThreads } from '../helpers/thread-counts.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'kernels');
interface Case {
  name: string;
  x: [number, number, number, number];
  adapterDim: number;
  offsets: number[];
}
const { order, cases } = JSON.parse(readFileSync(join(DIR, 'adapter-head-cases.json'), 'utf8')) as {
  order: string[];
  cases: Case[];
};
const blob = new Float32Array(new Uint8Array(readFileSync(join(DIR, 'adapter-head-cases.bin'))).buffer);
const status = nativeKernelStatus();
const fused = status.capabilities?.avx2Fma === true && nativeAddon()?.adapterHeadGradients !== undefined;

/** The fixture array `key` of case `c`. */
function part(c: Case, key: string): Float32Array {
  const i = order.indexOf(key);
  const end = i + 1 < c.offsets.length ? c.offsets[i + 1]! : (cases[cases.indexOf(c) + 1]?.offsets[0] ?? blob.length);
  return blob.subarray(c.offsets[i]!, end);
}

/** Largest error in units of the bound: ≤ 1 passes. */
function worst(got: ArrayLike<number>, want: Float32Array, bound: Float32Array): number {
  expect(got.length).toBe(want.length);
  let w = 0;
  for (let i = 0; i < want.length; i++) w = Math.max(w, Math.abs(got[i]! - want[i]!) / bound[i]!);
  return w;
}

describe.skipIf(!fused)('the fused adapter span head on wasm against float64 NumPy', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it.each(cases.map((c) => [c.name, c] as const))(
    '%s: logits and the four weight gradients within float32 error, on the fused kernels',
    async (_name, c) => {
      const before = tf.memory().numTensors;
      const [, , E, L] = c.x;
      const A = c.adapterDim;
      const x = tf.tensor(part(c, 'x'), c.x);
      const shapes: Array<[string, number[]]> = [
        ['adapter_kernel', [E, A]],
        ['adapter_bias', [A]],
        ['head_kernel', [A * L, 2]],
        ['head_bias', [2]],
      ];
      // variables are not tidied; their initial tensors are
      const weights = tf.tidy(() => shapes.map(([key, shape]) => tf.variable(tf.tensor(part(c, key), shape)))) as [
        tf.Variable,
        tf.Variable,
        tf.Variable,
        tf.Variable,
      ];
      const dOut = tf.tensor(part(c, 'd_logits'), [c.x[0], c.x[1], 2]);
      expect(fusedAdapterHeadAvailable(x)).toBe(true);
      const logits = tf.tidy(() => adapterGeluTanhSpanLogits(x, ...weights));
      let grads: tf.NamedTensorMap = {};
      const profile = await tf.profile(() => {
        const result = tf.variableGrads(
          () => tf.sum(tf.mul(adapterGeluTanhSpanLogits(x, ...weights), dOut)) as tf.Scalar,
          weights,
        );
        grads = result.grads;
        result.value.dispose();
      });
      expect(profile.kernelNames).toEqual(expect.arrayContaining([ADAPTER_HEAD_KERNEL, ADAPTER_HEAD_GRADIENTS_KERNEL]));
      expect(worst(logits.dataSync(), part(c, 'logits'), part(c, 'logits_bound'))).toBeLessThanOrEqual(1);
      const keys = ['d_adapter_kernel', 'd_adapter_bias', 'd_head_kernel', 'd_head_bias'];
      weights.forEach((w, i) => {
        const got = grads[w.name]!.dataSync();
        expect(worst(got, part(c, keys[i]!), part(c, `${keys[i]}_bound`)), keys[i]).toBeLessThanOrEqual(1);
      });
      tf.dispose([x, dOut, logits, ...weights, ...Object.values(grads)]);
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('gives the same bits on one thread as on three', () => {
    // n·L = 9800 rows of depth (twenty blocks, summed in segments) at A = 50, and n·L = 1400 (three blocks) at
    // A = 1030 (two column ranges per block, split over the threads)
    const script = (n: number, E: number, L: number, A: number) => `
      const { createHash } = require('node:crypto');
      const addon = require(${JSON.stringify(status.path)});
      const [n, E, L, A] = [${n}, ${E}, ${L}, ${A}];
      const sizes = [n * E * L, n * L * A, n * 2, A * L * 2, E * A, A, A * L * 2, 2];
      const memory = new Float32Array(sizes.reduce((a, b) => a + b, 0));
      let seed = 12345;
      for (let i = 0; i < sizes[0] + sizes[1] + sizes[2] + sizes[3]; i++) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        memory[i] = (seed / 2147483648 - 0.5) * 6;
      }
      const at = sizes.map((_, i) => 4 * sizes.slice(0, i).reduce((a, b) => a + b, 0));
      addon.adapterHeadGradients(memory.buffer, ...at, n, E, L, A);
      addon.adapterHeadForward(memory.buffer, at[1], at[3], at[7], at[2], n, L, A);
      process.stdout.write(createHash('sha256').update(new Uint8Array(memory.buffer)).digest('hex'));
    `;
    expectSameDigestOnOneAndThreeThreads(script(1400, 40, 7, 50));
    expectSameDigestOnOneAndThreeThreads(script(200, 12, 7, 1030));
  });

  it('refuses operands that reach past the heap or bad dimensions with a typed error, not a crash', () => {
    const memory = new ArrayBuffer(4096);
    const addon = nativeAddon()!;
    const offsets = [0, 0, 0, 0, 0, 0, 0, 0] as const;
    expect(() => addon.adapterHeadGradients!(memory, ...offsets, 2, 2, 2, 2)).not.toThrow();
    expect(() => addon.adapterHeadGradients!(memory, ...offsets, 32, 8, 8, 8)).toThrow(/out of bounds/);
    expect(() => addon.adapterHeadGradients!(memory, ...offsets, 0, 8, 8, 8)).toThrow(/bad dimensions/);
    expect(() => addon.adapterHeadForward!(memory, 0, 0, 0, 0, 64, 8, 8)).toThrow(/out of bounds/);
    expect(() => addon.adapterHeadForward!(memory, 0, 0, 0, 0, 1, 0, 8)).toThrow(/bad dimensions/);
    expect(() => addon.adapterHeadForward!(memory, 2, 0, 0, 0, 1, 1, 1)).toThrow(/multiples of 4/);
  });
});
if (!fused) {
  console.warn('native-adapter-head.test.ts: skipped: the native kernels are not built (or lack AVX2/FMA)');
}
