import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  MIN_OUTPUT_DIM,
  TRANSPOSE_LIMIT,
  installTransposedMatMul,
} from '../../src/backend/kernels/transposed-matmul.js';
import { useBackend } from '../helpers/backends.js';

type Case = { a: number[]; b: number[]; tA: boolean; tB: boolean };
// Output sides of 64 and more take the explicit transpose; smaller ones the original path: both are covered.
const CASES: Case[] = [
  { a: [37, 70], b: [37, 5], tA: true, tB: false },
  { a: [37, 19], b: [37, 5], tA: true, tB: false },
  { a: [7, 19], b: [80, 19], tA: false, tB: true },
  { a: [7, 19], b: [23, 19], tA: false, tB: true },
  { a: [19, 66], b: [65, 19], tA: true, tB: true },
  { a: [3, 11, 6], b: [3, 11, 4], tA: true, tB: false },
  { a: [1, 6, 11], b: [4, 9, 11], tA: false, tB: true }, // broadcast batch
  { a: [2, 3, 8, 5], b: [2, 3, 8, 4], tA: true, tB: false },
  { a: [12, 9], b: [9, 4], tA: false, tB: false },
];

function seeded(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}

async function products(): Promise<number[][]> {
  return Promise.all(
    CASES.map(async (c, i) => {
      const [a, b] = [seeded(c.a, 2 * i + 1), seeded(c.b, 2 * i + 2)];
      const y = tf.matMul(a, b, c.tA, c.tB);
      const values = Array.from(await y.data());
      tf.dispose([a, b, y]);
      return values;
    }),
  );
}

describe('transposed BatchMatMul fast path (wasm)', () => {
  it('is installed with the wasm backend and gives what the cpu backend gives, without leaks', async () => {
    await useBackend('cpu');
    const reference = await products();
    await useBackend('wasm');
    expect(installTransposedMatMul('wasm')).toBe(true); // idempotent: already installed by the Node entry
    const before = tf.memory().numTensors;
    const got = await products();
    expect(tf.memory().numTensors).toBe(before);
    got.forEach((values, i) => {
      expect(values.length).toBe(reference[i]!.length);
      values.forEach((v, j) => expect(v).toBeCloseTo(reference[i]![j]!, 5));
    });
  });

  it('gradients through transposed products match the cpu backend', async () => {
    const grads = async (): Promise<number[][]> => {
      const x = seeded([30, 96], 11);
      const w = tf.variable(seeded([96, 3], 12), true);
      // d/dw of sum((x·w)²) = 2·xᵀ·(x·w): the backward product is a transposeA matMul.
      const { grads: g } = tf.variableGrads(() => tf.sum(tf.square(tf.matMul(x, w))), [w]);
      const out = await Promise.all(Object.values(g).map(async (t) => Array.from(await t.data())));
      tf.dispose([x, w, ...Object.values(g)]);
      return out;
    };
    await useBackend('cpu');
    const reference = await grads();
    await useBackend('wasm');
    const got = await grads();
    got[0]!.forEach((v, j) => expect(v).toBeCloseTo(reference[0]![j]!, 4));
  });

  it('keeps large operands and narrow outputs on the original path', () => {
    expect(TRANSPOSE_LIMIT).toBe(8 * 2 ** 20);
    expect(MIN_OUTPUT_DIM).toBe(64);
    expect(installTransposedMatMul('no-such-backend')).toBe(false);
  });
});
