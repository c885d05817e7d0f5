/**
 * Training-mode BatchNormalization on the native kernels (src/backend/kernels/batch-norm-training.ts) against
 * tfjs-layers' own layer on tfjs' independent cpu backend (tf.moments, tf.batchNorm and their tfjs gradients): the
 * output, the moving mean and variance after the call, and the gradients to x, gamma and beta, for channel counts that
 * fill whole vectors or not, ranks 2 to 4 and the threaded path; then inference, which it leaves to tfjs-layers, and
 * a seed head's training steps. Skipped without the native kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BATCH_NORM_TRAINING_GRAD_KERNEL } from '../../src/backend/kernels/batch-norm-training.js';
import { getArchitecture } from '../../src/models/registry.js';
import { nativeAddon } from '../../src/platform/native.js';
import { useBackend } from '../helpers/backends.js';

interface Case {
  shape: number[];
  axis?: number;
  center?: boolean;
}

const CASES: Case[] = [
  { shape: [8, 1, 5, 24] },
  { shape: [3, 7] },
  { shape: [2, 3, 4, 33] },
  { shape: [4, 6, 5] },
  { shape: [64, 1, 16, 96] }, // 98 304 values: the threaded path
];

interface Outcome {
  y: number[];
  movingMean: number[];
  movingVariance: number[];
  grads: number[][];
  kernels: string[];
}

/** One training call of a BatchNormalization layer with fixed weights, and the gradients of sum(y · r). */
async function trainingCall(c: Case): Promise<Outcome> {
  const channels = c.shape.at(c.axis ?? -1)!;
  const layer = tf.layers.batchNormalization({ axis: c.axis ?? -1, center: c.center ?? true, momentum: 0.9 });
  layer.build(c.shape);
  const perChannel = (mean: number, std: number, seed: number): tf.Tensor =>
    tf.randomNormal([channels], mean, std, 'float32', seed);
  const weights = [
    perChannel(1, 0.3, 1),
    ...(c.center === false ? [] : [perChannel(0, 1, 2)]),
    perChannel(0.2, 0.5, 3),
    tf.abs(perChannel(1, 0.5, 4)),
  ];
  layer.setWeights(weights);
  const x = tf.variable(tf.randomNormal(c.shape, 0.5, 2, 'float32', 5));
  const r = tf.randomNormal(c.shape, 0, 1, 'float32', 6);
  let y: number[] = [];
  let gradients: number[][] = [];
  const profile = await tf.profile(() => {
    const variables = [x, ...layer.trainableWeights.map((w) => w.read() as tf.Variable)];
    const { value, grads } = tf.variableGrads(() => {
      const out = layer.apply(x, { training: true }) as tf.Tensor;
      y = Array.from(out.dataSync());
      return tf.sum(tf.mul(out, r));
    }, variables);
    gradients = variables.map((v) => Array.from(grads[v.name]?.dataSync() ?? []));
    tf.dispose([value, ...Object.values(grads)]);
  });
  const [movingMean, movingVariance] = layer
    .getWeights()
    .slice(-2)
    .map((w) => Array.from(w.dataSync()));
  const outcome = {
    y,
    movingMean: movingMean!,
    movingVariance: movingVariance!,
    grads: gradients,
    kernels: profile.kernelNames,
  };
  tf.dispose([x, r, ...weights]);
  return outcome;
}

function worst(actual: number[], expected: number[]): number {
  expect(actual.length).toBe(expected.length);
  let w = 0;
  for (let i = 0; i < actual.length; i++)
    w = Math.max(w, Math.abs(actual[i]! - expected[i]!) / (1 + Math.abs(expected[i]!)));
  return w;
}

async function onBoth(c: Case): Promise<{ cpu: Outcome; wasm: Outcome }> {
  await useBackend('cpu');
  const cpu = await trainingCall(c);
  await useBackend('wasm');
  const wasm = await trainingCall(c);
  return { cpu, wasm };
}

const native = nativeAddon()?.batchNormTrainingBackward !== undefined;

describe.skipIf(!native)('training-mode BatchNormalization on the native kernels', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    expect(tf.getKernel(BATCH_NORM_TRAINING_GRAD_KERNEL, 'wasm')).toBeDefined();
  });

  it.each(CASES)('matches tfjs-layers on the cpu backend for $shape', async (c) => {
    const { cpu, wasm } = await onBoth(c);
    expect(wasm.kernels).toContain('BertvisionBatchNormMoments');
    expect(wasm.kernels).toContain(BATCH_NORM_TRAINING_GRAD_KERNEL);
    expect(wasm.kernels).not.toContain('Square'); // no tf.moments
    expect(cpu.kernels).toContain('Square');
    expect(worst(wasm.y, cpu.y)).toBeLessThan(1e-5);
    expect(worst(wasm.movingMean, cpu.movingMean)).toBeLessThan(1e-6);
    expect(worst(wasm.movingVariance, cpu.movingVariance)).toBeLessThan(1e-5);
    expect(wasm.grads.length).toBe(3);
    for (let i = 0; i < 3; i++) {
      expect(wasm.grads[i]!.length).toBeGreaterThan(0);
      expect(worst(wasm.grads[i]!, cpu.grads[i]!)).toBeLessThan(2e-5);
    }
  });

  it('reads only live tensors in the backward pass (the moments outlive the layer call)', async () => {
    await useBackend('wasm');
    const layer = tf.layers.batchNormalization({});
    const x = tf.variable(tf.randomNormal([16, 8], 0, 1, 'float32', 1));
    const engine = tf.engine() as unknown as { runKernel: (...a: unknown[]) => unknown };
    const runKernel = engine.runKernel;
    const disposed: string[] = [];
    engine.runKernel = function (this: unknown, name: unknown, inputs: unknown, attrs: unknown) {
      if (name === BATCH_NORM_TRAINING_GRAD_KERNEL) {
        for (const [key, t] of Object.entries(inputs as Record<string, tf.Tensor>))
          if (t.isDisposed) disposed.push(key);
      }
      return runKernel.call(this, name, inputs, attrs);
    };
    try {
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.square(layer.apply(x, { training: true }) as tf.Tensor)),
        [x],
      );
      tf.dispose([value, ...Object.values(grads)]);
    } finally {
      engine.runKernel = runKernel;
    }
    expect(disposed).toEqual([]);
    x.dispose();
  });

  it('leaves inference to tfjs-layers and leaves no tensor behind', async () => {
    await useBackend('wasm');
    const layer = tf.layers.batchNormalization({});
    const x = tf.randomNormal([4, 8], 0, 1, 'float32', 1);
    layer.apply(x, { training: true }); // builds
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => {
      tf.dispose(layer.apply(x, { training: false }) as tf.Tensor);
      tf.dispose(layer.apply(x, { training: true }) as tf.Tensor);
    });
    expect(profile.kernelNames.filter((k) => k === BATCH_NORM_TRAINING_GRAD_KERNEL)).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('trains xception-abbreviated steps to the losses of tfjs-layers on the cpu backend', async () => {
    const shape: [number, number, number] = [1, 32, 3];
    const run = async (): Promise<number[]> => {
      const model = getArchitecture('xception-abbreviated').build({ inputShape: shape });
      model.setWeights(model.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.05, 'float32', 100 + i)));
      const xs = tf.randomNormal([6, ...shape], 0, 1, 'float32', 7);
      const ys = tf.oneHot(tf.tensor1d([0, 1, 1, 0, 1, 0], 'int32'), 2).toFloat();
      const losses: number[] = [];
      for (let step = 0; step < 2; step++) {
        const result = await model.trainOnBatch(xs, ys);
        losses.push(Array.isArray(result) ? result[0]! : result);
      }
      tf.dispose([xs, ys]);
      model.dispose();
      return losses;
    };
    await useBackend('cpu');
    const cpu = await run();
    await useBackend('wasm');
    const wasm = await run();
    expect(wasm.length).toBe(2);
    for (let i = 0; i < 2; i++) expect(Math.abs(wasm[i]! - cpu[i]!)).toBeLessThan(1e-3 * (1 + Math.abs(cpu[i]!)));
  });
});
