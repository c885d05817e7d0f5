/**
 * {@link combineWindows} on batched tf.js tensors (`[N, S]` start and end logits per model), for ensembles computed
 * on the backend (GPU/wasm) before decoding: same rules, same options, intermediate tensors freed by `tf.tidy`.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError, ShapeError } from '../errors.js';
import { combineWeights, type CombineOptions } from './combine.js';

/** One model's logits for a batch of windows. */
export interface WindowLogitTensors {
  /** `[N, S]` start logits. */
  startLogits: tf.Tensor2D;
  /** `[N, S]` end logits. */
  endLogits: tf.Tensor2D;
}

function combineSide(logits: tf.Tensor2D[], options: CombineOptions, weights: number[]): tf.Tensor2D {
  const { method } = options;
  if (method === 'logit-sum') return tf.addN(logits.map((z, m) => tf.mul(z, weights[m] as number))) as tf.Tensor2D;
  const probabilities = logits.map((z) => tf.softmax(z));
  let combined: tf.Tensor2D;
  if (method === 'max-probability') combined = probabilities.reduce((a, b) => tf.maximum(a, b));
  else {
    const total = weights.reduce((a, b) => a + b, 0);
    combined = tf.div(tf.addN(probabilities.map((p, m) => tf.mul(p, weights[m] as number))), total);
  }
  return (options.probabilityScale ?? 'log') === 'log'
    ? (tf.log(tf.maximum(combined, 1e-38)) as tf.Tensor2D)
    : combined;
}

/**
 * Combine several models' window logits (see {@link CombineOptions} for the rules). Returns two new tensors the
 * caller disposes; the inputs are left untouched. Float32 throughout, so log-probabilities are floored at 1e-38.
 * @throws ShapeError when the models' shapes differ; InvalidArgumentError for bad weights/options.
 */
export function combineWindowTensors(
  models: readonly WindowLogitTensors[],
  options: CombineOptions,
): WindowLogitTensors {
  if (models.length === 0) throw new InvalidArgumentError('combineWindowTensors needs at least one model');
  if (options.method === 'logit-sum' && options.probabilityScale !== undefined)
    throw new InvalidArgumentError("probabilityScale does not apply to 'logit-sum'");
  const weights = combineWeights(options, models.length);
  const shape = models[0]?.startLogits.shape as number[];
  models.forEach((m, i) => {
    if (
      m.startLogits.rank !== 2 ||
      !tf.util.arraysEqual(m.startLogits.shape, shape) ||
      !tf.util.arraysEqual(m.endLogits.shape, shape)
    ) {
      throw new ShapeError(
        `model ${i}: start/end logits must both be [${shape}], got [${m.startLogits.shape}] and [${m.endLogits.shape}]`,
      );
    }
  });
  return tf.tidy(() => ({
    startLogits: combineSide(
      models.map((m) => m.startLogits),
      options,
      weights,
    ),
    endLogits: combineSide(
      models.map((m) => m.endLogits),
      options,
      weights,
    ),
  }));
}
