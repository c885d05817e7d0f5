/**
 * Binary (answerable vs not) heads of spec §3.1, on CLS-only activations. Output: logits `[B, 2]`, class 1 = "no
 * answer in this window". Flattening after the adapter keeps `(A, L)` with L innermost, as the seed.
 */
import type * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../errors.js';
import { adapterFlat, asOneLayer, concatSkip, flatten, head, lastLayer, poolLayers } from './blocks.js';
import { activationInput, finishModel, metadataFor, resolveAdapterDim, resolveInputShape } from './common.js';
import type { ActivationShape, BinaryArchitecture, BuildOptions } from './types.js';
import { xceptionAbbreviatedFeatures, xceptionFeatures } from './xception.js';

/** The seed's binary input: CLS position only, E = 1024 (BERT-large), 26 channels (pooled CLS + 25 hidden states). */
export const BINARY_DEFAULT_INPUT_SHAPE: ActivationShape = [1, 1024, 26];

/** Every binary architecture, in the order of spec §3.1. */
export const BINARY_ARCHITECTURES: readonly BinaryArchitecture[] = [
  'tenney-small',
  'adapter-pooler-tenney',
  'adapter-pooler-mean',
  'xception-abbreviated',
  'xception-abbreviated-cls',
  'xception',
];

/** Default adapter width per binary architecture (null: no adapter). */
export const BINARY_ADAPTER_DIMS: Readonly<Record<BinaryArchitecture, number | null>> = {
  'tenney-small': null,
  'adapter-pooler-tenney': 386,
  'adapter-pooler-mean': 386,
  'xception-abbreviated': null,
  'xception-abbreviated-cls': null,
  xception: null,
};

function features(architecture: BinaryArchitecture, input: tf.SymbolicTensor, adapterDim: number | null, options: BuildOptions): tf.SymbolicTensor {
  switch (architecture) {
    case 'tenney-small':
      return flatten(poolLayers(input, 'learned'));
    case 'adapter-pooler-tenney':
    case 'adapter-pooler-mean': {
      const skip = lastLayer(input);
      const pooled = poolLayers(input, architecture === 'adapter-pooler-tenney' ? 'learned' : 'mean');
      return flatten(concatSkip(adapterFlat(asOneLayer(pooled), adapterDim ?? 386, true, options.adapterActivation), skip));
    }
    case 'xception-abbreviated':
      return xceptionAbbreviatedFeatures(input);
    case 'xception-abbreviated-cls':
      return concatSkip(xceptionAbbreviatedFeatures(input), flatten(lastLayer(input), 'flatten_skip'));
    case 'xception':
      return xceptionFeatures(input);
  }
}

/** True when `name` is a binary architecture. */
export function isBinaryArchitecture(name: string): name is BinaryArchitecture {
  return (BINARY_ARCHITECTURES as readonly string[]).includes(name);
}

/**
 * Build a binary head: activations `[B, S, E, L]` (default `[B, 1, 1024, 26]`) → logits `[B, 2]`.
 * With S > 1 the features of all positions are flattened (S-major) before the head.
 * @param architecture one of {@link BINARY_ARCHITECTURES}.
 * @param options input shape, adapter width (default 386 for the adapters), name, compile (default true).
 * @throws InvalidArgumentError for an unknown architecture or bad options; ShapeError for an unusable input shape.
 */
export function buildBinaryAdapter(architecture: BinaryArchitecture, options: BuildOptions = {}): tf.LayersModel {
  if (!isBinaryArchitecture(architecture)) {
    throw new InvalidArgumentError(
      `unknown binary architecture '${String(architecture)}'; expected one of ${BINARY_ARCHITECTURES.join(', ')}`,
    );
  }
  const shape = resolveInputShape(options, BINARY_DEFAULT_INPUT_SHAPE);
  const adapterDim = resolveAdapterDim(options, architecture, BINARY_ADAPTER_DIMS[architecture]);
  const input = activationInput(shape);
  const logits = head(features(architecture, input, adapterDim, options));
  return finishModel(input, logits, metadataFor(architecture, 'binary', shape, adapterDim), options);
}
