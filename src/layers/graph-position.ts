/**
 * Where a layer sits in a tfjs-layers model graph, as far as its backward pass cares: whether it is fed by another
 * layer (whose output tfjs frees before the backward pass) and whether anything trainable lies upstream (so the
 * gradient must flow into its input).
 */
import type * as tf from '@tensorflow/tfjs';

/**
 * Whether a layer passes the gradient on to its input: always, never, or `'auto'` (resolved per call from the
 * layer's position in the model graph).
 */
export type InputGradientMode = boolean | 'auto';

function inboundLayers(layer: tf.layers.Layer): tf.layers.Layer[] {
  return layer.inboundNodes.flatMap((node) => node.inboundLayers);
}

/**
 * True when, in a model graph, the layer's input comes from another layer rather than a model input. tfjs-layers
 * runs a model inside `tidy`, so such an input is freed before the backward pass unless it is saved.
 */
export function isFedByAnotherLayer(layer: tf.layers.Layer): boolean {
  return inboundLayers(layer).some((l) => l.getClassName() !== 'InputLayer');
}

/** True when, in a model graph, any layer upstream of `layer` (transitively) has trainable weights. */
export function hasTrainableUpstream(layer: tf.layers.Layer): boolean {
  const seen = new Set<tf.layers.Layer>();
  const pending = inboundLayers(layer);
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    if (seen.has(current)) continue;
    seen.add(current);
    if (current.trainable && current.trainableWeights.length > 0) return true;
    pending.push(...inboundLayers(current));
  }
  return false;
}

/**
 * Resolve an {@link InputGradientMode}: `'auto'` means "yes exactly when the layer is in a model graph with trainable
 * layers upstream" — so a layer applied directly to a tensor (outside a model) passes no gradient to it.
 */
export function needsInputGradient(layer: tf.layers.Layer, mode: InputGradientMode): boolean {
  return mode === 'auto' ? hasTrainableUpstream(layer) : mode;
}
