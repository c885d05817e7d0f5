/**
 * `trainStepFor`: the fused span-head step (src/layers/adapter-span-head.ts) is taken exactly for the `adapter-<A>`
 * span heads, and a step with it moves the weights as `model.trainOnBatch` does (the layer-by-layer step, whose
 * layers are checked against Keras elsewhere) to float32 rounding, for several steps of Adam; everything else, and
 * any batch the fused step does not take, goes to `trainOnBatch`.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/index.node.js';
import { ADAPTER_HEAD_FUSION_FLAG, ADAPTER_HEAD_GRADIENTS_KERNEL } from '../../src/layers/adapter-span-head.js';
import { getArchitecture } from '../../src/models/registry.js';
import { nativeAddon } from '../../src/platform/native.js';
import { fusableSpanHead, trainStepFor } from '../../src/train/train-step.js';

const SHAPE: [number, number, number] = [37, 20, 7];
const fusedKernels = nativeAddon()?.adapterHeadGradients !== undefined && nativeAddon()!.capabilities().avx2Fma;

function build(arch: string): tf.LayersModel {
  return getArchitecture(arch).build({ inputShape: SHAPE });
}

function batch(size: number, seed: number): { xs: tf.Tensor; ys: tf.Tensor[] } {
  return tf.tidy(() => {
    const xs = tf.randomNormal([size, ...SHAPE], 0, 1, 'float32', seed);
    const start = tf.randomUniform([size], 0, SHAPE[0], 'int32', seed + 1);
    const end = tf.randomUniform([size], 0, SHAPE[0], 'int32', seed + 2);
    return { xs, ys: [tf.oneHot(start, SHAPE[0]).toFloat(), tf.oneHot(end, SHAPE[0]).toFloat()] };
  });
}

describe('trainStepFor', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });
  afterEach(() => {
    tf.env().set(ADAPTER_HEAD_FUSION_FLAG, true);
  });

  it('finds the fusable pattern in the shared adapter span heads only', () => {
    for (const arch of ['adapter-386', 'adapter-64']) {
      const model = build(arch);
      expect(fusableSpanHead(model), arch).not.toBeNull();
      model.getLayer('head').trainable = false; // a frozen layer: the fused step would train it
      expect(fusableSpanHead(model), `${arch} with a frozen head`).toBeNull();
      model.dispose();
    }
    for (const arch of ['adapter-386-skip', 'adapter-64-unshared', 'learned-pooling-adapter-386', 'learned-pooling']) {
      const model = build(arch);
      expect(fusableSpanHead(model), arch).toBeNull();
      model.dispose();
    }
  });

  it.skipIf(!fusedKernels)(
    'moves the weights as trainOnBatch does, step after step, on the fused kernels',
    async () => {
      const fusedModel = build('adapter-386');
      const layerwise = build('adapter-386');
      // pre-activations spread past GELU's linear part, so that its derivative matters
      const start = tf.tidy(() =>
        fusedModel.getWeights().map((w, i) => (i === 0 ? tf.randomNormal(w.shape, 0, 0.3, 'float32', 7) : w.clone())),
      );
      const headStart = start[2]!.dataSync().slice();
      fusedModel.setWeights(start);
      layerwise.setWeights(start);
      tf.dispose(start);
      const step = trainStepFor(fusedModel);
      let tensors = 0;
      for (let i = 0; i < 4; i++) {
        const { xs, ys } = batch(3, 100 + i);
        let fusedLoss = 0;
        const profile = await tf.profile(async () => {
          fusedLoss = await step(xs, ys);
        });
        expect(profile.kernelNames).toContain(ADAPTER_HEAD_GRADIENTS_KERNEL);
        const result = (await layerwise.trainOnBatch(xs, ys)) as number[];
        expect(Math.abs(fusedLoss - result[0]!)).toBeLessThan(1e-5 * Math.abs(result[0]!));
        tf.dispose([xs, ...ys]);
        if (i === 1) tensors = tf.memory().numTensors; // after the optimizer created its slots
        if (i > 1) expect(tf.memory().numTensors).toBe(tensors);
      }
      const got = fusedModel.getWeights();
      const want = layerwise.getWeights();
      const maxAbs = (t: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0]!);
      // the head bias's gradient is zero in exact arithmetic (each softmax over positions sums to one), so Adam turns
      // either path's rounding noise into steps of about the learning rate: only their size is comparable
      for (let i = 0; i < 3; i++) {
        const err = tf.tidy(() => maxAbs(tf.sub(got[i]!, want[i]!)));
        expect(err, fusedModel.trainableWeights[i]!.name).toBeLessThan(1e-5 * Math.max(maxAbs(want[i]!), 1e-3));
      }
      expect(maxAbs(got[3]!)).toBeLessThanOrEqual(4 * 1e-3 * 1.001);
      // Adam moved the head kernel away from its start: the comparison above is not between untouched copies
      const moved = tf.tidy(() => maxAbs(tf.sub(got[2]!, tf.tensor(headStart, got[2]!.shape))));
      expect(moved).toBeGreaterThan(1e-3);
      fusedModel.dispose();
      layerwise.dispose();
    },
  );

  it('leaves the step to trainOnBatch with the fusion off (bf16 products) and for batches it does not take', async () => {
    const model = build('adapter-64');
    const step = trainStepFor(model);
    tf.env().set(ADAPTER_HEAD_FUSION_FLAG, false);
    const { xs, ys } = batch(2, 5);
    const profile = await tf.profile(async () => {
      expect(Number.isFinite(await step(xs, ys))).toBe(true);
    });
    expect(profile.kernelNames).not.toContain(ADAPTER_HEAD_GRADIENTS_KERNEL);
    tf.env().set(ADAPTER_HEAD_FUSION_FLAG, true);
    const wrong = tf.zeros([2, 37, 20, 6]);
    await expect(step(wrong, ys)).rejects.toThrow(/each example has shape \[37,20,7\]/);
    tf.dispose([xs, ...ys, wrong]);
    model.dispose();
  });
});
