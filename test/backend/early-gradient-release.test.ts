/**
 * Early release of the backward pass' tensors (src/backend/early-gradient-release.ts) against tfjs' own
 * `engine.gradients` (the function it wraps, restored for the reference run): the same gradients bit for bit, the same
 * trained weights after Adam steps of a seed head, no tensor left behind, a lower peak, and the cases it must leave
 * alone: a caller's dy, higher-order gradients, gradient functions that hand back their dy (once, or for two inputs).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installEarlyGradientRelease } from '../../src/backend/early-gradient-release.js';
import { getArchitecture } from '../../src/models/registry.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';

/** Runs `run` with tfjs' own gradients, then with early release, and returns both results. */
function both<T>(run: () => T): { reference: T; early: T } {
  const restore = installEarlyGradientRelease();
  restore();
  const reference = run();
  installEarlyGradientRelease();
  const early = run();
  return { reference, early };
}

/** A binary seed head with fixed weights, so that two builds start from the same point. */
function seededHead(arch: string, inputShape: [number, number, number]): tf.LayersModel {
  const model = getArchitecture(arch).build({ inputShape });
  model.setWeights(model.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.05, 'float32', 100 + i)));
  return model;
}

function batch(inputShape: number[], n: number): { xs: tf.Tensor; ys: tf.Tensor } {
  const xs = tf.randomNormal([n, ...inputShape], 0, 1, 'float32', 7);
  const ys = tf
    .oneHot(
      tf.tensor1d(
        Array.from({ length: n }, (_, i) => i % 2),
        'int32',
      ),
      2,
    )
    .toFloat();
  return { xs, ys };
}

describe.each(TEST_BACKENDS)('early gradient release on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });
  afterAll(() => {
    installEarlyGradientRelease(); // what initBackend leaves installed
  });

  it('gives the gradients of a seed head bit for bit, and leaves no tensor behind', () => {
    const shape: [number, number, number] = [1, 64, 5];
    const model = seededHead('xception-abbreviated', shape);
    const { xs, ys } = batch(shape, 4);
    const grads = (): { values: number[][]; leaked: number } => {
      const before = tf.memory().numTensors;
      const { value, grads: g } = tf.variableGrads(() =>
        tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor),
      );
      const names = Object.keys(g).sort();
      const values = names.map((n) => Array.from(g[n]!.dataSync()));
      tf.dispose([value, ...Object.values(g)]);
      return { values, leaked: tf.memory().numTensors - before };
    };
    const { reference, early } = both(grads);
    expect(reference.values.length).toBeGreaterThan(10);
    expect(early.values).toEqual(reference.values);
    expect(early.leaked).toBe(0);
    expect(reference.leaked).toBe(0);
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('trains a seed head to the same weights through trainOnBatch and Adam', async () => {
    const shape: [number, number, number] = [1, 64, 5];
    const { xs, ys } = batch(shape, 4);
    const train = async (): Promise<number[][]> => {
      const model = seededHead('xception-abbreviated', shape);
      for (let step = 0; step < 2; step++) await model.trainOnBatch(xs, ys);
      const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
      model.dispose();
      return weights;
    };
    const restore = installEarlyGradientRelease();
    restore();
    const reference = await train();
    installEarlyGradientRelease();
    const early = await train();
    expect(early).toEqual(reference);
    tf.dispose([xs, ys]);
  });

  it('lowers the peak of a backward pass through a chain of kernels', () => {
    // tf.memory().numDataBuffers counts distinct buffers (a saved clone shares its tensor's), sampled at each link
    let peak = 0;
    const sample = (): void => void (peak = Math.max(peak, tf.memory().numDataBuffers));
    const probe = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const t = args[0] as tf.Tensor;
      sample();
      return {
        value: tf.mul(t, 1),
        gradFunc: (dy: tf.Tensor) => {
          sample();
          return tf.mul(dy, 1);
        },
      };
    });
    const x = tf.variable(tf.randomNormal([64, 64], 0, 1, 'float32', 3));
    const { reference, early } = both(() => {
      const start = tf.memory().numDataBuffers;
      peak = start;
      const { value, grads } = tf.variableGrads(() => {
        let h: tf.Tensor = x;
        for (let i = 0; i < 16; i++) h = probe(tf.tanh(h)) as tf.Tensor;
        return tf.sum(h);
      });
      tf.dispose([value, ...Object.values(grads)]);
      return peak - start;
    });
    // tfjs keeps every dy to the end of the pass; early release keeps the forward's saved tensors and a few more
    expect(reference).toBeGreaterThan(48);
    expect(early).toBeLessThan(0.7 * reference);
    x.dispose();
  });

  it('leaves a caller-provided dy alone', () => {
    const x = tf.tensor1d([1, 2, 3]);
    const dy = tf.tensor1d([1, -1, 2]);
    const f = (t: tf.Tensor): tf.Tensor => tf.exp(tf.sin(t));
    const { reference, early } = both(() => {
      const g = tf.grad(f)(x, dy);
      const values = Array.from(g.dataSync());
      g.dispose();
      return values;
    });
    expect(early).toEqual(reference);
    expect(dy.isDisposed).toBe(false);
    expect(Array.from(dy.dataSync())).toEqual([1, -1, 2]);
    tf.dispose([x, dy]);
  });

  it('gives the same second derivatives (a gradient taped inside a gradient)', () => {
    const x = tf.tensor1d([0.5, -1, 2]);
    const f = (t: tf.Tensor): tf.Tensor => tf.sum(tf.mul(tf.sin(t), tf.square(t)));
    const { reference, early } = both(() => {
      const before = tf.memory().numTensors;
      const g2 = tf.grad((t: tf.Tensor) => tf.sum(tf.grad(f)(t)))(x);
      const values = Array.from(g2.dataSync());
      g2.dispose();
      return { values, leaked: tf.memory().numTensors - before };
    });
    expect(early.values).toEqual(reference.values);
    expect(early.leaked).toBe(reference.leaked);
    x.dispose();
  });

  it('keeps a dy that a gradient hands back, once or for two inputs', () => {
    // gradients that pass dy straight through (`dy => dy`) and hand one dy to both inputs (`dy => [dy, dy]`)
    type Args = Array<tf.Tensor | tf.GradSaveFunc>;
    const passThrough = tf.customGrad((...args: Args) => ({
      value: tf.mul(args[0] as tf.Tensor, 3),
      gradFunc: (dy: tf.Tensor) => dy,
    }));
    const fork = tf.customGrad((...args: Args) => ({
      value: tf.add(args[0] as tf.Tensor, args[1] as tf.Tensor),
      gradFunc: (dy: tf.Tensor) => [dy, dy],
    }));
    const x = tf.variable(tf.tensor1d([0.2, 0.4, -0.6]));
    const { reference, early } = both(() => {
      const before = tf.memory().numTensors;
      const { value, grads } = tf.variableGrads(() => {
        const a = tf.sin(passThrough(x) as tf.Tensor);
        const b = tf.cos(passThrough(tf.square(x)) as tf.Tensor);
        return tf.sum(tf.exp(passThrough(fork(a, b) as tf.Tensor) as tf.Tensor));
      });
      const values = Array.from(grads[x.name]!.dataSync());
      tf.dispose([value, ...Object.values(grads)]);
      return { values, leaked: tf.memory().numTensors - before };
    });
    expect(early.values).toEqual(reference.values);
    expect(early.values.every(Number.isFinite)).toBe(true);
    expect(early.leaked).toBe(0);
    x.dispose();
  });
});
