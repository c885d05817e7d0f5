/** The learned layer mixes of a model: every BertConcat layer's normalised weights, γ and center of gravity. */
import type * as tf from '@tensorflow/tfjs';
import { BertConcat } from '../layers/index.js';
import { centerOfGravity } from './layer-stats.js';

/** One BertConcat layer's learned mix. */
export interface LayerMixReport {
  /** Layer name, e.g. `bert_concat`. */
  layer: string;
  /** Softmax weights, one per mixed layer. */
  weights: number[];
  /** The learned scale γ. */
  gamma: number;
  /** Weighted mean layer index (Tenney et al.). */
  centerOfGravity: number;
}

/** The learned mixes of every BertConcat layer in `model` (empty when it has none). */
export function layerMixes(model: tf.LayersModel): LayerMixReport[] {
  return model.layers
    .filter((l): l is BertConcat => l instanceof BertConcat)
    .map((l) => {
      const weights = Array.from(l.getMixWeights());
      return { layer: l.name, weights, gamma: l.getGamma(), centerOfGravity: centerOfGravity(weights) };
    });
}
