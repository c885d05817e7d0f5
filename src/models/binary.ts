/**
 * Binary (answerable vs not) heads of seed §3.1, on CLS-only activations. Output: logits `[B, 2]`, class 1 = "no
 * answer in this window". Flattening after the adapter keeps `(A, L)` with L innermost, as the seed.
 */
import type * as tf from '@tensorflow/tfjs';
import { adapterFlat, asOneLayer, concatSkip, flatten, head, lastLayer, poolLayers } from './blocks.js';
import { activationInput, finishModel, metadataFor, resolveAdapterDim, resolveInputShape } from './common.js';
import type { ActivationShape, BinaryArchitecture, BuildOptions } from './types.js';
import { xceptionAbbreviatedFeatures } from './xception.js';

/** The seed's binary input: CLS position only, E = 1024 (BERT-large), 26 channels (pooled CLS + 25 hidden states). */
export const BINARY_DEFAULT_INPUT_SHAPE: ActivationShape = [1, 1024, 26];

/**
 * How one binary head is put together: its default adapter width and its graph from the activations to the
 * features the `Dense(2)` head reads. Each registry entry (src/models/registry.ts) carries its own.
 */
export interface BinaryGraph {
  /** Default adapter width A, or null: no adapter. */
  adapterDim: number | null;
  /** The graph from the activations `[B, S, E, L]` to flat features, with the resolved adapter width. */
  features: (input: tf.SymbolicTensor, adapterDim: number | null, options: BuildOptions) => tf.SymbolicTensor;
}

/** The adapter heads' graph: layer pooling, AdapterPooler, the CLS skip (`x[..., -1]`), flattened. */
export function adapterPoolerFeatures(pooling: 'learned' | 'mean'): BinaryGraph['features'] {
  return (input, adapterDim, options) => {
    const skip = lastLayer(input);
    const pooled = poolLayers(input, pooling);
    return flatten(
      concatSkip(adapterFlat(asOneLayer(pooled), adapterDim ?? 386, true, options.adapterActivation), skip),
    );
  };
}

/** The Tenney scalar mix head's graph: learned layer mix, flattened. */
export const tenneyFeatures: BinaryGraph['features'] = (input) => flatten(poolLayers(input, 'learned'));

/** Xception Abbreviated with the CLS vector `x[..., -1]` concatenated before the head. */
export const xceptionAbbreviatedClsFeatures: BinaryGraph['features'] = (input) =>
  concatSkip(xceptionAbbreviatedFeatures(input), flatten(lastLayer(input), 'flatten_skip'));

/**
 * The builder of the binary head `architecture` with `graph`: activations `[B, S, E, L]` (default
 * `[B, 1, 1024, 26]`) → logits `[B, 2]`. With S > 1 the features of all positions are flattened (S-major).
 */
export function binaryBuilder(
  architecture: BinaryArchitecture,
  graph: BinaryGraph,
): (options?: BuildOptions) => tf.LayersModel {
  return (options = {}) => {
    const shape = resolveInputShape(options, BINARY_DEFAULT_INPUT_SHAPE);
    const adapterDim = resolveAdapterDim(options, architecture, graph.adapterDim);
    const input = activationInput(shape);
    const logits = head(graph.features(input, adapterDim, options));
    return finishModel(input, logits, metadataFor(architecture, 'binary', shape, adapterDim), options);
  };
}
