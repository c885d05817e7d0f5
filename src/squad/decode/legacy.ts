/**
 * The seed authors' legacy span decoder (seed §5.1), kept to compare with their published numbers: per
 * window, independent argmax of start and end (no end ≥ start constraint, no length limit, no context restriction);
 * window confidence `max(softmax(start)) · max(softmax(end))`; per question the most confident window wins.
 *
 * Difference from the seed: the seed returned WordPiece tokens `input_ids[s..e]` and scored them token-level. Here
 * the answer is text: the context characters covered by the context tokens inside `[s, e]` (question, special and
 * padding tokens inside the span are dropped). `e < s`, `s = e = 0` (the CLS token alone) or a span without any
 * context token give `""`.
 */
import { ContextSlicer, checkOffsetsInContext, groupFeatures, type QaExample, type QaFeature } from './input.js';

/** Options of {@link decodeLegacyArgmax}. */
export interface LegacyDecodeOptions {
  /**
   * The inputs are already probabilities (an ensemble's output, the seed's `already_prob=True`): confidence is
   * `max(start) · max(end)` without a softmax. Default false.
   */
  alreadyProbabilities?: boolean;
}

/** The legacy decision for one example. */
export interface LegacyPrediction {
  /** Answer text (`""` = no answer). */
  text: string;
  /** Index (into the features array) of the window that won. */
  featureIndex: number;
  /** Argmax start token in that window. */
  startToken: number;
  /** Argmax end token in that window. */
  endToken: number;
  /** `max(P_start) · max(P_end)` of that window. */
  confidence: number;
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] as number) > (values[best] as number)) best = i;
  return best;
}

/** max(softmax(x)) = 1 / Σ exp(x − max x). */
function maxSoftmax(values: ArrayLike<number>, peak: number): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += Math.exp((values[i] as number) - peak);
  return 1 / sum;
}

/**
 * Decode with the seed's independent-argmax rule. Ties: the first maximal token, and the first window among equally
 * confident ones.
 * @throws InvalidArgumentError / ShapeError / MismatchError for malformed input, like the transformers decoder.
 */
export function decodeLegacyArgmax(
  examples: readonly QaExample[],
  features: readonly QaFeature[],
  options: LegacyDecodeOptions = {},
): Map<string, LegacyPrediction> {
  const groups = groupFeatures(examples, features);
  const result = new Map<string, LegacyPrediction>();
  examples.forEach((example, e) => {
    const slicer = new ContextSlicer(example.context);
    let best: LegacyPrediction | undefined;
    let bestOffsets: Int32Array | undefined;
    for (const feature of groups[e] ?? []) {
      checkOffsetsInContext(feature, slicer, example.id);
      const s = argmax(feature.start);
      const t = argmax(feature.end);
      const ps = feature.start[s] as number;
      const pe = feature.end[t] as number;
      const confidence = options.alreadyProbabilities
        ? ps * pe
        : maxSoftmax(feature.start, ps) * maxSoftmax(feature.end, pe);
      if (best === undefined || confidence > best.confidence) {
        best = { text: '', featureIndex: feature.index, startToken: s, endToken: t, confidence };
        bestOffsets = feature.offsets;
      }
    }
    if (best && bestOffsets) best.text = spanText(bestOffsets, best.startToken, best.endToken, slicer);
    if (best) result.set(example.id, best);
  });
  return result;
}

/** Text of the context tokens within tokens [s, e]; "" for e < s, the CLS token alone, or no context token. */
function spanText(offsets: Int32Array, s: number, e: number, slicer: ContextSlicer): string {
  if (e < s || (s === 0 && e === 0)) return '';
  const tokens = offsets.length / 2;
  let first = s;
  while (first <= e && first < tokens && (offsets[2 * first] as number) < 0) first++;
  let last = Math.min(e, tokens - 1);
  while (last >= first && (offsets[2 * last] as number) < 0) last--;
  if (first > last || first >= tokens) return '';
  return slicer.slice(offsets[2 * first] as number, offsets[2 * last + 1] as number);
}
