/** Parameter counting, as Keras' `model.summary()` reports it. */
import type * as tf from '@tensorflow/tfjs';

/** Number of scalars in each group of a model's weights. */
export interface ParameterCount {
  /** All weights: trainable + non-trainable. */
  total: number;
  /** Weights the optimizer updates. */
  trainable: number;
  /** Weights it does not (BatchNormalization moving mean/variance, frozen layers). */
  nonTrainable: number;
}

function sizeOf(weights: readonly tf.LayerVariable[]): number {
  return weights.reduce((sum, w) => sum + w.shape.reduce<number>((p, d) => p * (d ?? 0), 1), 0);
}

/** Count the parameters of `model` (or of any layer): `{ total, trainable, nonTrainable }`. */
export function countParameters(model: tf.layers.Layer): ParameterCount {
  const trainable = sizeOf(model.trainableWeights);
  const nonTrainable = sizeOf(model.nonTrainableWeights);
  return { total: trainable + nonTrainable, trainable, nonTrainable };
}
