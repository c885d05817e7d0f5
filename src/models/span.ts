/**
 * Span-annotation heads of spec §3.2: activations `[B, S, E, L]` → position-wise `Dense(2)` → `start_logits [B, S]`
 * and `end_logits [B, S]`. Adapter outputs are flattened `(A, L)` with L innermost, as the seed; "skip" concatenates
 * the last stacked layer `x[..., -1]` (spec §1.5: a concatenation, not an addition).
 */
import type * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../errors.js';
import { adapterFlat, asOneLayer, concatSkip, head, lastLayer, type LayerPooling, poolLayers, splitStartEnd } from './blocks.js';
import { activationInput, finishModel, metadataFor, resolveAdapterDim, resolveInputShape } from './common.js';
import type { ActivationShape, BuildOptions, SpanArchitecture } from './types.js';

/** The seed's span input: 386 tokens, E = 1024 (BERT-large), 25 hidden states (embeddings + 24 encoder layers). */
export const SPAN_DEFAULT_INPUT_SHAPE: ActivationShape = [386, 1024, 25];

/** How one span architecture is put together. */
export interface SpanRecipe {
  /** Layer pooling before the adapter/head; null = the adapter sees every layer. */
  pooling: LayerPooling | null;
  /** AdapterPooler width and weight sharing; null = no adapter. */
  adapter: { dim: number; shared: boolean } | null;
  /** Concatenate `x[..., -1]` before the head. */
  skip: boolean;
}

/** The recipe of every span architecture, in the order of spec §3.2 (b). */
export const SPAN_RECIPES: Readonly<Record<SpanArchitecture, SpanRecipe>> = {
  'learned-pooling': { pooling: 'learned', adapter: null, skip: false },
  'average-pooling': { pooling: 'mean', adapter: null, skip: false },
  'adapter-386': { pooling: null, adapter: { dim: 386, shared: true }, skip: false },
  'adapter-386-skip': { pooling: null, adapter: { dim: 386, shared: true }, skip: true },
  'adapter-386-unshared': { pooling: null, adapter: { dim: 386, shared: false }, skip: false },
  'adapter-386-unshared-skip': { pooling: null, adapter: { dim: 386, shared: false }, skip: true },
  'adapter-64': { pooling: null, adapter: { dim: 64, shared: true }, skip: false },
  'adapter-64-skip': { pooling: null, adapter: { dim: 64, shared: true }, skip: true },
  'adapter-64-unshared': { pooling: null, adapter: { dim: 64, shared: false }, skip: false },
  'adapter-64-unshared-skip': { pooling: null, adapter: { dim: 64, shared: false }, skip: true },
  'learned-pooling-adapter-386': { pooling: 'learned', adapter: { dim: 386, shared: true }, skip: false },
  'learned-pooling-adapter-386-skip': { pooling: 'learned', adapter: { dim: 386, shared: true }, skip: true },
};

/** Every span architecture. */
export const SPAN_ARCHITECTURES = Object.keys(SPAN_RECIPES) as readonly SpanArchitecture[];

/** True when `name` is a span architecture. */
export function isSpanArchitecture(name: string): name is SpanArchitecture {
  return Object.hasOwn(SPAN_RECIPES, name);
}

function features(recipe: SpanRecipe, input: tf.SymbolicTensor, adapterDim: number | null, options: BuildOptions): tf.SymbolicTensor {
  let x = recipe.pooling ? poolLayers(input, recipe.pooling) : input;
  if (recipe.adapter) {
    x = adapterFlat(recipe.pooling ? asOneLayer(x) : x, adapterDim ?? recipe.adapter.dim, recipe.adapter.shared, options.adapterActivation);
  }
  return recipe.skip ? concatSkip(x, lastLayer(input)) : x;
}

/**
 * Build a span head: activations `[B, S, E, L]` (default `[B, 386, 1024, 25]`) → `[start_logits, end_logits]`,
 * each `[B, S]`.
 * @param architecture one of {@link SPAN_ARCHITECTURES}.
 * @param options input shape, adapter width (default: the one in the name), name, compile (default true).
 * @throws InvalidArgumentError for an unknown architecture or bad options.
 */
export function buildSpanAdapter(architecture: SpanArchitecture, options: BuildOptions = {}): tf.LayersModel {
  if (!isSpanArchitecture(architecture)) {
    throw new InvalidArgumentError(
      `unknown span architecture '${String(architecture)}'; expected one of ${SPAN_ARCHITECTURES.join(', ')}`,
    );
  }
  const recipe = SPAN_RECIPES[architecture];
  const shape = resolveInputShape(options, SPAN_DEFAULT_INPUT_SHAPE);
  const adapterDim = resolveAdapterDim(options, architecture, recipe.adapter?.dim ?? null);
  const input = activationInput(shape);
  const outputs = splitStartEnd(head(features(recipe, input, adapterDim, options)));
  return finishModel(input, outputs, metadataFor(architecture, 'span', shape, adapterDim), options);
}
