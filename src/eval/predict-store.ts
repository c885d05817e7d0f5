/**
 * Run a head over every window of a store, in batches, in bounded memory: activations are streamed batch by
 * batch (with read-ahead), outputs are collected into flat arrays. Uses `model.apply` in inference mode (faster than
 * `model.predict` on big inputs) and disposes every tensor it makes.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError, MismatchError } from '../errors.js';
import { uploadedBatches } from '../data/dataset-tf.js';
import type { ActivationStore } from '../store/store.js';

/** Per-window outputs of a head: binary logits `[N × 2]`, or span start/end logits `[N × S]` each. */
export type WindowOutputs =
  | { task: 'binary'; logits: Float32Array }
  | { task: 'span'; start: Float32Array; end: Float32Array; sequenceLength: number };

/** Options of {@link predictStore}. */
export interface PredictStoreOptions {
  /** Windows per forward pass. Default 32. */
  batchSize?: number;
  /** Predict only these windows, in this order (default: all). */
  indices?: readonly number[];
  /** Called after each batch with the number of windows done so far and the batch size. */
  onProgress?: (done: number, batch: number) => void;
}

/**
 * Check that `model` takes examples of the shape `store` holds.
 * @throws MismatchError naming the store and both shapes.
 */
export function checkModelFitsStore(model: tf.LayersModel, store: ActivationStore): void {
  const exampleShape = store.tensors[store.activations]!.shape.slice(1);
  const inputShape = model.inputs[0]!.shape.slice(1);
  if (inputShape.length !== exampleShape.length || inputShape.some((d, i) => d !== null && d !== exampleShape[i])) {
    throw new MismatchError(
      `the model '${model.name}' takes examples of shape [${inputShape.join(', ')}], the store holds [${exampleShape.join(', ')}]`,
      { file: store.path },
    );
  }
}

/**
 * The head's outputs for every window of `store` (or the `indices` asked for), in that order.
 * @throws MismatchError when the store's example shape differs from the model's input shape.
 */
export async function predictStore(
  model: tf.LayersModel,
  store: ActivationStore,
  options: PredictStoreOptions = {},
): Promise<WindowOutputs> {
  const batchSize = options.batchSize ?? 32;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1)
    throw new InvalidArgumentError(`batchSize must be a positive integer, got ${batchSize}`);
  checkModelFitsStore(model, store);
  const exampleShape = store.tensors[store.activations]!.shape.slice(1);
  const n = options.indices?.length ?? store.numExamples;
  const span = model.outputs.length === 2;
  const width = span ? (exampleShape[0] ?? 1) : 2;
  const first = new Float32Array(n * width);
  const second = span ? new Float32Array(n * width) : undefined;
  let done = 0;
  for await (const batch of uploadedBatches(store, {
    batchSize,
    labels: 'none',
    prefetch: 1,
    ...(options.indices ? { indices: options.indices } : {}),
  })) {
    const x = batch.xs;
    const outputs = tf.tidy(() => {
      const out = model.apply(x, { training: false });
      return (Array.isArray(out) ? out : [out]) as tf.Tensor[];
    });
    x.dispose();
    try {
      first.set((await outputs[0]!.data()) as Float32Array, done * width);
      if (second) second.set((await outputs[1]!.data()) as Float32Array, done * width);
    } finally {
      tf.dispose(outputs);
    }
    done += batch.indices.length;
    options.onProgress?.(done, batch.indices.length);
  }
  return second
    ? { task: 'span', start: first, end: second, sequenceLength: width }
    : { task: 'binary', logits: first };
}
