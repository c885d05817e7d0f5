/**
 * The gradients of `tf.sum` and `tf.mean` (src/backend/kernels/reduction-gradients.ts: a broadcast of dy) on the cpu
 * and wasm backends equal their definition, computed here in plain JavaScript: ∂/∂x_i of Σ_j r_j · reduce(x)_j is
 * r_{j(i)} for a sum and r_{j(i)} / n for a mean over n values, for every axis set, negative axes, keepDims and a
 * full reduction; no `ones` array of x's shape is built and nothing leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { installReductionGradients } from '../../src/backend/kernels/reduction-gradients.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';

const SHAPE = [3, 4, 5];
const AXES: Array<number[] | null> = [[0], [1], [2], [0, 1], [0, 2], [-1], null];

/** The expected gradient from the definition: r at the reduced position of each x index, divided by n for a mean. */
function expected(axes: number[] | null, r: Float32Array, mean: boolean): number[] {
  const reduced = (axes ?? [0, 1, 2]).map((a) => (a < 0 ? a + SHAPE.length : a));
  const n = reduced.reduce((p, a) => p * SHAPE[a]!, 1);
  const outShape = SHAPE.map((d, i) => (reduced.includes(i) ? 1 : d));
  const out: number[] = [];
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 4; j++)
      for (let k = 0; k < 5; k++) {
        const at = [i, j, k].map((v, d) => (reduced.includes(d) ? 0 : v));
        const flat = (at[0]! * outShape[1]! + at[1]!) * outShape[2]! + at[2]!;
        out.push(mean ? Math.fround(r[flat]! / n) : r[flat]!);
      }
  return out;
}

describe('Sum and Mean gradients', () => {
  it('are installed', () => {
    expect(installReductionGradients()).toEqual(['Sum', 'Mean']);
  });

  TEST_BACKENDS.forEach((backend) => {
    [false, true].forEach((mean) => {
      it(`${mean ? 'mean' : 'sum'} on ${backend}: every axis set gives the definition's gradient`, async () => {
        await useBackend(backend);
        installReductionGradients();
        for (const axes of AXES) {
          for (const keepDims of [false, true]) {
            const before = tf.memory().numTensors;
            const x = tf.randomNormal(SHAPE, 0, 1, 'float32', 1);
            const reducedShape = tf.tidy(() => (mean ? tf.mean : tf.sum)(x, axes ?? undefined, keepDims).shape);
            const r = tf.randomNormal(reducedShape, 0, 1, 'float32', 2);
            const profile = await tf.profile(() => {
              const g = tf.grad((xx: tf.Tensor) =>
                tf.sum(tf.mul((mean ? tf.mean : tf.sum)(xx, axes ?? undefined, keepDims), r)),
              )(x);
              const got = Array.from(g.dataSync());
              const want = expected(axes, r.dataSync() as Float32Array, mean);
              got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
              g.dispose();
            });
            expect(
              profile.kernels.filter(
                (k) =>
                  k.name === 'Multiply' &&
                  k.outputShapes[0]?.length === 3 &&
                  k.outputShapes[0].every((d, i) => d === SHAPE[i]),
              ),
            ).toEqual([]);
            tf.dispose([x, r]);
            expect(tf.memory().numTensors).toBe(before);
          }
        }
      });
    });
  });
});
