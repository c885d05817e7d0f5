/**
 * The decoder dispatch: one entry point over both span decoders (transformers' `postprocess_qa_predictions` in
 * `hf.ts`, the seed's independent argmax in `legacy.ts`), giving one result shape.
 */
import { postprocessQaPredictions, type PostprocessOptions, type QaDecodeResult } from './hf.js';
import type { QaExample, QaFeature } from './input.js';
import { decodeLegacyArgmax } from './legacy.js';

/** Which span decoder: transformers' `postprocess_qa_predictions` (`'hf'`) or the seed's independent argmax (`'legacy'`). */
export type SpanDecoder = 'hf' | 'legacy';

/**
 * Decode features with either decoder into one result shape. The legacy decoder yields no n-best lists and no null
 * odds (empty maps); with `alreadyProbabilities` it takes probability inputs (the seed's max-probability ensemble).
 */
export function decodeFeatures(
  decoder: SpanDecoder,
  examples: readonly QaExample[],
  features: readonly QaFeature[],
  options: PostprocessOptions & { alreadyProbabilities?: boolean } = {},
): QaDecodeResult {
  if (decoder === 'hf') {
    const { alreadyProbabilities: _ignored, ...postprocess } = options;
    return postprocessQaPredictions(examples, features, postprocess);
  }
  const legacy = decodeLegacyArgmax(examples, features, {
    alreadyProbabilities: options.alreadyProbabilities ?? false,
  });
  return { predictions: new Map([...legacy].map(([id, p]) => [id, p.text])), nbest: new Map(), nullOdds: new Map() };
}
