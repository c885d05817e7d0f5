/**
 * The wasm backend's Transpose with bertvision's native block transposes against NumPy's `np.transpose`
 * (tools/fixtures/make_transpose_cases.py: a position-weighted checksum and sampled values per case), plus which
 * permutations take the native path.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/index.node.js';
import { blockForm, nativeTransposeCalls, twoStepForm } from '../../src/backend/kernels/native-transpose.js';
import { nativeKernelStatus } from '../../src/platform/native.js';

interface Case {
  shape: number[];
  perm: number[];
  native: boolean;
  outShape: number[];
  checksum: number;
  samples: [number, number][];
}
const fixture = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', 'fixtures', 'kernels', 'transpose-cases.json'), 'utf8'),
) as { modulus: number; cases: Case[] };

/** The fixture's checksum: Σ (i + 1) · out[i] mod M, exactly (BigInt). */
function checksum(values: ArrayLike<number>): number {
  const m = BigInt(fixture.modulus);
  let sum = 0n;
  for (let i = 0; i < values.length; i++) sum = (sum + BigInt(i + 1) * BigInt(values[i]!)) % m;
  return Number(sum);
}

describe('Transpose on the wasm backend (native block transposes where built)', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  for (const c of fixture.cases) {
    it(`[${c.shape.join(',')}] by [${c.perm.join(',')}] equals np.transpose`, () => {
      const count = c.shape.reduce((a, b) => a * b, 1);
      const before = tf.memory().numTensors;
      const calls = nativeTransposeCalls();
      for (const dtype of ['float32', 'int32'] as const) {
        const x = tf.tensor(
          Float32Array.from({ length: count }, (_v, i) => i),
          c.shape,
          dtype,
        );
        const y = tf.transpose(x, c.perm);
        expect(y.shape).toEqual(c.outShape);
        const values = y.dataSync();
        for (const [i, v] of c.samples) expect(values[i]).toBe(v);
        expect(checksum(values)).toBe(c.checksum);
        tf.dispose([x, y]);
      }
      const native = nativeKernelStatus().loaded && c.native;
      expect(nativeTransposeCalls() - calls).toBe(native ? 2 : 0);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

describe('blockForm', () => {
  it('reduces permutations to a swap of two neighbouring groups, or refuses', () => {
    expect(blockForm([8, 384, 384, 7], [0, 1, 3, 2])).toEqual([3072, 384, 7, 1]);
    expect(blockForm([8, 384, 384, 7], [2, 0, 1, 3])).toEqual([1, 3072, 384, 7]);
    expect(blockForm([1, 5, 6], [0, 2, 1])).toEqual([1, 5, 6, 1]);
    expect(blockForm([4, 5, 6], [0, 1, 2])).toBeUndefined(); // identity
    expect(blockForm([4, 5, 6, 7], [3, 1, 0, 2])).toBeUndefined();
  });
});

describe('twoStepForm', () => {
  it('finds two block swaps through an intermediate order, only where one swap does not do', () => {
    expect(twoStepForm([8, 384, 384, 7], [3, 2, 0, 1])).toEqual({ first: [2, 3, 0, 1], second: [1, 0, 2, 3] });
    expect(twoStepForm([6, 40, 7], [2, 1, 0])).toEqual({ first: [1, 2, 0], second: [1, 0, 2] });
    expect(twoStepForm([8, 384, 384, 7], [0, 1, 3, 2])).toBeUndefined(); // one swap
    expect(twoStepForm([5, 6, 70, 8], [3, 2, 1, 0])).toBeUndefined(); // needs three
    expect(twoStepForm([2, 3, 4, 5, 6, 7], [5, 4, 3, 2, 0, 1])).toBeUndefined(); // rank 6: not searched
  });
});
