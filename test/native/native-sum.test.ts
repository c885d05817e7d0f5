/**
 * The wasm backend's Sum and Mean with bertvision's native column sums against NumPy (tools/fixtures/make_sum_cases.py): inputs
 * whose every partial sum is exact in float32, so any summation order must match NumPy exactly.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/index.node.js';
import { columnReduction, nativeSumCalls } from '../../src/backend/kernels/native-sum.js';
import { nativeKernelStatus } from '../../src/platform/native.js';

interface Case {
  op: 'sum' | 'mean';
  shape: number[];
  axis: number | number[];
  keepDims: boolean;
  native: boolean;
  outShape: number[];
  values: number[];
}
const { cases } = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', 'fixtures', 'kernels', 'sum-cases.json'), 'utf8'),
) as { cases: Case[] };

/** The generator's inputs: ((i · 7919) mod 1001 − 500) / 8. */
function inputs(count: number): Float32Array {
  return Float32Array.from({ length: count }, (_v, i) => (((i * 7919) % 1001) - 500) / 8);
}

describe('Sum and Mean on the wasm backend (native column sums where built)', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  for (const c of cases) {
    it(`${c.op} of [${c.shape.join(',')}] over ${JSON.stringify(c.axis)}${c.keepDims ? ' (keepDims)' : ''} equals NumPy`, () => {
      const before = tf.memory().numTensors;
      const calls = nativeSumCalls();
      const x = tf.tensor(inputs(c.shape.reduce((a, b) => a * b, 1)), c.shape);
      const y = c.op === 'sum' ? tf.sum(x, c.axis, c.keepDims) : tf.mean(x, c.axis, c.keepDims);
      expect(y.shape).toEqual(c.outShape);
      const got = Array.from(y.dataSync());
      if (c.op === 'sum' || c.native) {
        expect(got).toEqual(c.values); // exact sums; a native mean divides the exact sum once, as NumPy does
      } else {
        got.forEach((v, i) => expect(Math.abs(v - c.values[i]!)).toBeLessThanOrEqual(1e-6 * Math.abs(c.values[i]!)));
      }
      tf.dispose([x, y]);
      expect(nativeSumCalls() - calls).toBe(nativeKernelStatus().loaded && c.native ? 1 : 0);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('gradients through the kernel are unchanged (a bias gradient is a sum over the rows)', () => {
    const dy = tf.tensor(inputs(2048 * 32), [2048, 32]);
    const b = tf.zeros([32]);
    const [db] = tf.grads((bias: tf.Tensor) => tf.sum(tf.mul(tf.add(tf.zeros([2048, 32]), bias), dy)))([b]);
    const want = tf.sum(dy, 0);
    expect(Array.from(db!.dataSync())).toEqual(Array.from(want.dataSync()));
    tf.dispose([dy, b, db!, want]);
  });
});

describe('columnReduction', () => {
  it('finds the row-sum matrix when the reduced axes lead (axes of size 1 aside)', () => {
    expect(columnReduction([4, 5, 6], [1, 0])).toMatchObject({ rows: 20, columns: 6 });
    expect(columnReduction([4, 5], -2)).toMatchObject({ rows: 4, columns: 5 });
    expect(columnReduction([64, 1, 16, 728], [0, 2])).toMatchObject({ rows: 1024, columns: 728 });
    expect(columnReduction([1, 16, 40, 64], [0, 2])).toMatchObject({ batches: 16, rows: 40, columns: 64 });
    expect(columnReduction([7, 3072, 386], 1)).toMatchObject({ batches: 7, rows: 3072, columns: 386 });
    expect(columnReduction([4, 5, 6], [1, 0])).toMatchObject({ batches: 1 });
    expect(columnReduction([300, 200], -1)).toBeUndefined(); // trailing axes after kept ones: tfjs' kernel
    expect(columnReduction([8, 1, 5], 1)).toMatchObject({ batches: 1, rows: 1, columns: 40 });
    expect(columnReduction([4, 5, 6], [0, 2])).toBeUndefined();
    expect(columnReduction([4, 5], [0, 1])).toBeUndefined();
    expect(columnReduction([4, 5], [])).toBeUndefined();
    expect(columnReduction([4, 5], null)).toBeUndefined();
  });
});
