/**
 * Span-annotation heads of seed §3.2: activations `[B, S, E, L]` → position-wise `Dense(2)` → `start_logits [B, S]`
 * and `end_logits [B, S]`. Adapter outputs are flattened `(A, L)` with L innermost, as the seed; "skip" concatenates
 * the last stacked layer `x[..., -1]` (seed §1.5: a concatenation, not an addition).
 */
import type * as tf from '@tensorflow/tfjs';
import {
  adapterFlat,
  asOneLayer,
  concatSkip,
  head,
  lastLayer,
  type LayerPooling,
  poolLayers,
  splitStartEnd,
} from './blocks.js';
import { activationInput, finishModel, metadataFor, resolveAdapterDim, resolveInputShape } from './common.js';
import type { ActivationShape, BuildOptions, SpanArchitecture } from './types.js';

/** The seed's span input: 386 tokens, E = 1024 (BERT-large), 25 hidden states (embeddings + 24 encoder layers). */
export const SPAN_DEFAULT_INPUT_SHAPE: ActivationShape = [386, 1024, 25];

/** How one span architecture is put together (each registry entry, src/models/registry.ts, carries its own). */
export interface SpanRecipe {
  /** Layer pooling before the adapter/head; null = the adapter sees every layer. */
  pooling: LayerPooling | null;
  /** AdapterPooler width and weight sharing; null = no adapter. */
  adapter: { dim: number; shared: boolean } | null;
  /** Concatenate `x[..., -1]` before the head. */
  skip: boolean;
}

function features(
  recipe: SpanRecipe,
  input: tf.SymbolicTensor,
  adapterDim: number | null,
  options: BuildOptions,
): tf.SymbolicTensor {
  let x = recipe.pooling ? poolLayers(input, recipe.pooling) : input;
  if (recipe.adapter) {
    x = adapterFlat(
      recipe.pooling ? asOneLayer(x) : x,
      adapterDim ?? recipe.adapter.dim,
      recipe.adapter.shared,
      options.adapterActivation,
    );
  }
  return recipe.skip ? concatSkip(x, lastLayer(input)) : x;
}

/**
 * The builder of the span head `architecture` with `recipe`: activations `[B, S, E, L]` (default
 * `[B, 386, 1024, 25]`) → `[start_logits, end_logits]`, each `[B, S]`.
 */
export function spanBuilder(
  architecture: SpanArchitecture,
  recipe: SpanRecipe,
): (options?: BuildOptions) => tf.LayersModel {
  return (options = {}) => {
    const shape = resolveInputShape(options, SPAN_DEFAULT_INPUT_SHAPE);
    const adapterDim = resolveAdapterDim(options, architecture, recipe.adapter?.dim ?? null);
    const input = activationInput(shape);
    const outputs = splitStartEnd(head(features(recipe, input, adapterDim, options)));
    return finishModel(input, outputs, metadataFor(architecture, 'span', shape, adapterDim), options);
  };
}
