/**
 * The seed's Adam (`seedAdam`, a FusedAdamOptimizer) on the wasm backend, whose per-variable update is one native
 * kernel where built (src/backend/kernels/native-adam.ts), gives bit for bit what tfjs' own `tf.train.adam` gives on
 * the independent cpu backend: the variables, both moments, the running powers of β and the iteration count, over
 * several steps, for sizes that take the vector loop, its scalar remainder and the threaded path, with the gradients
 * as a map (as `trainOnBatch` passes them) or as a list, and a variable without a gradient left alone. Without the
 * native kernels (BERTVISION_NATIVE=0) the same comparisons check the fallback (tfjs' update on wasm).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ADAM_UPDATE_KERNEL } from '../../src/backend/kernels/adam-update.js';
import { seedAdam } from '../../src/models/compile.js';
import type { AdamOptions } from '../../src/models/types.js';
import { useBackend } from '../helpers/backends.js';

/** One value; the scalar remainder alone; vector loop + remainder; several axes; the threaded path (> 2^18 values). */
const SHAPES = [[1], [13], [4, 8], [3, 5, 7], [300, 1000]];
const STEPS = 3;

interface Trajectory {
  values: Float32Array[];
  weights: Array<{ name: string; values: Float32Array }>;
  accBeta: number[];
  kernels: string[];
}

/** What applyGradients takes (tfjs types the map as variables; trainOnBatch passes gradient tensors). */
type Gradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

let run = 0;

/** `STEPS` Adam steps from seeded starting values and gradients; the last variable never gets a gradient. */
async function train(optimizer: tf.AdamOptimizer, asList: boolean): Promise<Trajectory> {
  run += 1;
  const variables = [...SHAPES, [2, 3]].map((shape, i) =>
    tf.variable(tf.randomUniform(shape, -1, 1, 'float32', 100 + i), true, `adam_test_${run}_${i}`),
  );
  const kernels = new Set<string>();
  for (let step = 0; step < STEPS; step++) {
    // (seeds start at 1: tfjs treats seed 0 as no seed)
    const gradients = SHAPES.map((shape, i) => tf.randomNormal(shape, 0, 1 + step, 'float32', 1000 * step + i + 1));
    const named = gradients.map((tensor, i) => ({ name: variables[i]!.name, tensor }));
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() =>
      optimizer.applyGradients(
        asList ? named : (Object.fromEntries(named.map((n) => [n.name, n.tensor])) as unknown as Gradients),
      ),
    );
    profile.kernelNames.forEach((k) => kernels.add(k));
    // after the first step (which creates the moments) a step leaves no tensor behind
    if (step > 0) expect(tf.memory().numTensors).toBe(before);
    tf.dispose(gradients);
  }
  const state = optimizer as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
  const weights = await optimizer.getWeights();
  const trajectory: Trajectory = {
    values: variables.map((v) => v.dataSync() as Float32Array),
    weights: weights.map((w) => ({
      name: w.name.replace(/adam_test_\d+_/, ''),
      values: w.tensor.dataSync() as Float32Array,
    })),
    accBeta: [state.accBeta1.dataSync()[0]!, state.accBeta2.dataSync()[0]!],
    kernels: [...kernels],
  };
  weights.find((w) => w.name === 'iter')?.tensor.dispose();
  tf.dispose(variables);
  optimizer.dispose();
  return trajectory;
}

describe('seedAdam on the wasm backend against tf.train.adam on cpu', () => {
  const settings: AdamOptions[] = [{}, { learningRate: 0.05, beta1: 0.5, beta2: 0.9, epsilon: 1e-3 }];
  settings.forEach((options) => {
    [false, true].forEach((asList) => {
      it(`${JSON.stringify(options)}, gradients as a ${asList ? 'list' : 'map'}: the same bits`, async () => {
        const { learningRate = 1e-3, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 } = options;
        await useBackend('cpu');
        const want = await train(tf.train.adam(learningRate, beta1, beta2, epsilon), asList);
        await useBackend('wasm');
        const fused = tf.getKernel(ADAM_UPDATE_KERNEL, 'wasm') !== undefined;
        const got = await train(seedAdam(options), asList);
        expect(got.kernels.includes(ADAM_UPDATE_KERNEL)).toBe(fused);
        // the fused path runs no elementwise kernel over the variables (only the two scalar β-power updates)
        if (fused) expect(got.kernels.filter((k) => k === 'Sqrt' || k === 'RealDiv')).toEqual([]);
        expect(got.accBeta).toEqual(want.accBeta);
        expect(got.weights.map((w) => w.name)).toEqual(want.weights.map((w) => w.name));
        got.weights.forEach((w, i) => expect(w.values).toEqual(want.weights[i]!.values));
        got.values.forEach((values, i) => expect(values).toEqual(want.values[i]));
      });
    });
  });

  it('refuses a variable whose gradient has another shape, naming it', async () => {
    await useBackend('wasm');
    if (tf.getKernel(ADAM_UPDATE_KERNEL, 'wasm') === undefined) return;
    const optimizer = seedAdam();
    const v = tf.variable(tf.zeros([3]), true, 'adam_test_mismatch');
    const g = tf.zeros([4]);
    expect(() => optimizer.applyGradients({ [v.name]: g } as unknown as Gradients)).toThrow(
      /adam_test_mismatch.*float32 of one shape/,
    );
    tf.dispose([v, g]);
    optimizer.dispose();
  });
});
