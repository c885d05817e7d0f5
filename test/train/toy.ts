/** A small deterministic model and batch source for trainer tests (no randomness outside the given seed). */
import * as tf from '@tensorflow/tfjs';
import type { Batch, BatchSource } from '../../src/data/batch-source.js';

/** Deterministic pseudo-random floats in [-1, 1) from an integer seed (LCG). */
export function seededValues(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2147483648 - 1;
  }
  return out;
}

/** A compiled 2-layer classifier; weights come from `seed`, so two builds are identical. */
export function toyModel(seed = 1, features = 12): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [features],
        units: 8,
        activation: 'tanh',
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
      }),
      tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  return model;
}

/** A batch source of `examples` synthetic examples, reordered per epoch by a seeded rotation+stride permutation. */
export class ToyBatchSource implements BatchSource {
  private readonly x: Float32Array;
  private readonly labels: Int32Array;
  constructor(
    readonly examples = 40,
    readonly batchSize = 8,
    readonly features = 12,
    private readonly failAtStep: number | null = null,
    nanAtExample: number | null = null,
  ) {
    this.x = seededValues(examples * features, 7);
    if (nanAtExample !== null) this.x[nanAtExample * features] = Number.NaN;
    const raw = seededValues(examples, 11);
    this.labels = Int32Array.from(raw, (v) => Math.floor((v + 1) * 1.5) % 3);
  }
  private served = 0;
  batchesPerEpoch(): number {
    return Math.ceil(this.examples / this.batchSize);
  }
  private order(epoch: number): number[] {
    const stride = [7, 11, 13, 17][epoch % 4]!; // coprime with 40
    return Array.from({ length: this.examples }, (_, i) => (i * stride + epoch * 3) % this.examples);
  }
  async *batches(epoch: number, start = 0): AsyncIterable<Batch> {
    const order = this.order(epoch);
    for (let b = start; b < this.batchesPerEpoch(); b++) {
      if (this.failAtStep !== null && this.served === this.failAtStep) throw new Error('simulated crash');
      this.served += 1;
      const ids = order.slice(b * this.batchSize, (b + 1) * this.batchSize);
      const xs = new Float32Array(ids.length * this.features);
      ids.forEach((id, k) => xs.set(this.x.subarray(id * this.features, (id + 1) * this.features), k * this.features));
      const ys = new Float32Array(ids.length * 3);
      ids.forEach((id, k) => (ys[k * 3 + this.labels[id]!] = 1));
      yield {
        xs: tf.tensor2d(xs, [ids.length, this.features]),
        ys: tf.tensor2d(ys, [ids.length, 3]),
        size: ids.length,
      };
    }
  }
}

/** All weights of a model as plain arrays (for exact comparison). */
export function weightValues(model: tf.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}
