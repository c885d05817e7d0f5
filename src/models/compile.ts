/**
 * The seed's training setup for heads (seed §4.2): Adam(1e-3, 0.9, 0.999, 1e-8), softmax cross-entropy from logits,
 * metric accuracy. Binary heads take one-hot labels `[B, 2]`; span heads take one-hot labels `[B, S]` for the start
 * and for the end output, and the training loss is the sum of the two (as Keras sums per-output losses).
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../errors.js';
import { FusedAdamOptimizer } from './adam-optimizer.js';
import type { AdamOptions, Task } from './types.js';

/**
 * Per-example softmax cross-entropy of `logits` against one-hot (or soft) `labels` over the last axis; shape `[B]`.
 * This is Keras' `CategoricalCrossentropy(from_logits=True)` before the batch mean (tfjs takes the mean).
 */
export function softmaxCrossEntropyFromLogits(labels: tf.Tensor, logits: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.losses.softmaxCrossEntropy(labels, logits, undefined, undefined, tf.Reduction.NONE));
}

/**
 * The seed's Adam with `options` applied over the defaults of {@link AdamOptions}: tfjs' Adam, with each variable's
 * update fused into one pass on backends that have the kernel (Node's wasm backend with the native kernels); same bits.
 */
export function seedAdam(options: AdamOptions = {}): tf.AdamOptimizer {
  const { learningRate = 1e-3, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 } = options;
  for (const [key, value] of Object.entries({ learningRate, beta1, beta2, epsilon })) {
    if (!Number.isFinite(value) || value < 0) {
      throw new InvalidArgumentError(`optimizer ${key} must be a finite non-negative number, got ${value}`);
    }
  }
  return new FusedAdamOptimizer(learningRate, beta1, beta2, epsilon);
}

/** The task a head solves, read from its outputs: one output of width 2 is binary, two outputs are span. */
export function inferTask(model: tf.LayersModel): Task {
  const shapes = model.outputs.map((o) => o.shape);
  if (shapes.length === 2) return 'span';
  if (shapes.length === 1 && shapes[0]?.at(-1) === 2) return 'binary';
  throw new InvalidArgumentError(
    `model '${model.name}' is neither a binary head (one output [B, 2]) nor a span head (two outputs [B, S]); ` +
      `output shapes: ${JSON.stringify(shapes)}`,
  );
}

/**
 * Compile `model` with the seed's settings: Adam ({@link AdamOptions} defaults), softmax cross-entropy from logits on
 * every output (span: start + end, summed), metric `accuracy` (categorical accuracy on the logits).
 * A model reloaded with `loadModel` is uncompiled; call this to train it further.
 * @param options `task`: default inferred from the outputs ({@link inferTask}); `optimizer`: {@link AdamOptions} (seed defaults).
 * @returns the same model, compiled.
 */
export function compileAdapter(
  model: tf.LayersModel,
  options: { task?: Task; optimizer?: AdamOptions } = {},
): tf.LayersModel {
  const task = options.task ?? inferTask(model);
  const outputs = task === 'span' ? 2 : 1;
  if (model.outputs.length !== outputs) {
    throw new InvalidArgumentError(
      `a ${task} head has ${outputs} output(s); model '${model.name}' has ${model.outputs.length}`,
    );
  }
  model.compile({
    optimizer: seedAdam(options.optimizer),
    loss:
      task === 'span' ? [softmaxCrossEntropyFromLogits, softmaxCrossEntropyFromLogits] : softmaxCrossEntropyFromLogits,
    metrics: ['accuracy'],
  });
  return model;
}
