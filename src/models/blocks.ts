/**
 * Graph pieces shared by the binary and span builders, on activations `[B, S, E, L]` (layers on the last axis).
 * Layer names are fixed (`bert_concat`, `mean_concat`, `adapter_pooler`, `skip`, `head`, ...) so a model's weights
 * map one to one onto the seed's Keras models (tools/golden/models.py uses the same names).
 */
import * as tf from '@tensorflow/tfjs';
import { AdapterPooler, BertConcat, MeanConcat, SelectChannel } from '../layers/index.js';

type Tensor = tf.SymbolicTensor;

/** How the L layers are reduced before an adapter or head. */
export type LayerPooling = 'learned' | 'mean';

function apply(layer: tf.layers.Layer, x: Tensor | Tensor[]): Tensor {
  return layer.apply(x) as Tensor;
}

/** `[B, S, E, L] → [B, S, E]`: BertConcat (learned softmax mix × γ, L + 1 params) or MeanConcat (0 params). */
export function poolLayers(x: Tensor, pooling: LayerPooling): Tensor {
  return pooling === 'learned'
    ? apply(new BertConcat({ name: 'bert_concat' }), x)
    : apply(new MeanConcat({ name: 'mean_concat' }), x);
}

/** The seed's skip: `x[..., -1]`, the last stacked layer (BERT's final encoder layer), `[B, S, E]`. */
export function lastLayer(x: Tensor): Tensor {
  return apply(new SelectChannel({ index: -1, axis: -1, name: 'skip' }), x);
}

/**
 * AdapterPooler (Dense E→A per layer + GELU, tanh form by default) and flatten of `(A, L)` with L innermost:
 * `[B, S, E, L] → [B, S, A·L]`.
 */
export function adapterFlat(
  x: Tensor,
  adapterDim: number,
  sharedWeights: boolean,
  activation: 'gelu_tanh' | 'gelu' = 'gelu_tanh',
): Tensor {
  const [, s, , l] = x.shape as [null, number, number, number];
  const pooled = apply(new AdapterPooler({ adapterDim, sharedWeights, activation, name: 'adapter_pooler' }), x);
  return apply(tf.layers.reshape({ targetShape: [s, adapterDim * l], name: 'flatten_adapter' }), pooled);
}

/** `[B, S, E] → [B, S, E, 1]`: a pooled sequence as a one-layer stack, so an adapter can run on it. */
export function asOneLayer(x: Tensor): Tensor {
  const [, s, e] = x.shape as [null, number, number];
  return apply(tf.layers.reshape({ targetShape: [s, e, 1], name: 'expand_layers' }), x);
}

/** Concatenate features with the skip on the last axis. */
export function concatSkip(features: Tensor, skip: Tensor): Tensor {
  return apply(tf.layers.concatenate({ axis: -1, name: 'concat_skip' }), [features, skip]);
}

/** Flatten everything after the batch axis (named `name`). */
export function flatten(x: Tensor, name = 'flatten'): Tensor {
  return apply(tf.layers.flatten({ name }), x);
}

/** The logits layer: `Dense(2)` (glorot-uniform kernel, zero bias), position-wise on the last axis. */
export function head(x: Tensor): Tensor {
  return apply(tf.layers.dense({ units: 2, name: 'head' }), x);
}

/** `[B, S, 2] → start_logits [B, S], end_logits [B, S]` (outputs named `start_logits`, `end_logits`). */
export function splitStartEnd(logits: Tensor): [Tensor, Tensor] {
  return [
    apply(new SelectChannel({ index: 0, axis: -1, name: 'start_logits' }), logits),
    apply(new SelectChannel({ index: 1, axis: -1, name: 'end_logits' }), logits),
  ];
}
