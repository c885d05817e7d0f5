/**
 * Answerability gate: combine a binary head's no-answer probability with a span model's decoding (its n-best list
 * and null odds) into final predictions and a no-answer score per question, which `evaluateSquadV2` accepts as
 * na_probs (or `bertvision evaluate -n`).
 */
import { InvalidArgumentError, MismatchError, ShapeError } from '../errors.js';
import type { QaDecodeResult } from '../squad/decode/hf.js';

/** Options of {@link applyAnswerabilityGate}. */
export interface AnswerabilityGateOptions {
  /**
   * `'binary'`: answer "" iff the binary head's p(no answer) > threshold (default 0.5); the span model only
   * supplies the text. `'sum'`: score = weight · logit(p) + (1 − weight) · nullOdds; answer "" iff
   * score > threshold (default 0), so both models vote on the log-odds scale.
   */
  mode: 'binary' | 'sum';
  /** Decision threshold; default 0.5 for `'binary'`, 0 for `'sum'`. */
  threshold?: number;
  /** `'sum'` only: weight of the binary head's log-odds, in [0, 1]. Default 0.5. */
  weight?: number;
}

/** Output of {@link applyAnswerabilityGate}, keyed by example id in the decoder's order. */
export interface GatedPredictions {
  /** Final answers ("" = no answer). */
  predictions: Map<string, string>;
  /** The gate's no-answer score per question: p for `'binary'`, the summed log-odds for `'sum'`. */
  naScores: Map<string, number>;
}

/**
 * Per-question no-answer probability from per-window probabilities of a binary head.
 * @param reduce `'max'` (default; the seed: any window that says "no answer" decides) or `'mean'`.
 */
export function noAnswerProbabilityPerExample(
  windowProbabilities: ArrayLike<number>,
  exampleIndex: ArrayLike<number>,
  exampleIds: readonly string[],
  reduce: 'max' | 'mean' = 'max',
): Map<string, number> {
  if (windowProbabilities.length !== exampleIndex.length) {
    throw new MismatchError(
      `${windowProbabilities.length} window probabilities for ${exampleIndex.length} window example indices`,
    );
  }
  const sums = new Float64Array(exampleIds.length).fill(reduce === 'max' ? -Infinity : 0);
  const counts = new Int32Array(exampleIds.length);
  for (let w = 0; w < exampleIndex.length; w++) {
    const e = exampleIndex[w] as number;
    const p = windowProbabilities[w] as number;
    if (!(e >= 0 && e < exampleIds.length && Number.isInteger(e)))
      throw new InvalidArgumentError(`window ${w}: example index ${e} out of range`);
    sums[e] = reduce === 'max' ? Math.max(sums[e] as number, p) : (sums[e] as number) + p;
    (counts[e] as number)++;
  }
  const out = new Map<string, number>();
  exampleIds.forEach((id, e) => {
    if (counts[e] === 0) throw new MismatchError(`example ${id} has no windows`);
    out.set(id, reduce === 'max' ? (sums[e] as number) : (sums[e] as number) / (counts[e] as number));
  });
  return out;
}

/**
 * Per-window no-answer probability of a binary head: the softmax of its two logits `[B, 2]` (class 1 = no answer),
 * computed as the sigmoid `1 / (1 + exp(l0 − l1))`. The one place `predict` and the ensemble gate turn logits into
 * p(no answer).
 * @param logits flat `[l0, l1, l0, l1, …]`, two per window.
 * @throws ShapeError when `logits` has odd length.
 */
export function noAnswerProbabilities(logits: ArrayLike<number>): Float32Array {
  if (logits.length % 2 !== 0) throw new ShapeError(`${logits.length} binary logits: expected two per window`);
  return Float32Array.from(
    { length: logits.length / 2 },
    (_, w) => 1 / (1 + Math.exp(logits[2 * w]! - logits[2 * w + 1]!)),
  );
}

/**
 * Gate a span decoding with a binary head's no-answer probability per question.
 * @throws MismatchError when a decoded question has no probability (or no null odds for `'sum'`);
 *   InvalidArgumentError for probabilities outside [0, 1] or NaN, or a weight outside [0, 1].
 */
export function applyAnswerabilityGate(
  decoded: QaDecodeResult,
  noAnswerProbability: ReadonlyMap<string, number>,
  options: AnswerabilityGateOptions,
): GatedPredictions {
  const { mode, weight = 0.5 } = options;
  const threshold = options.threshold ?? (mode === 'binary' ? 0.5 : 0);
  if (!(weight >= 0 && weight <= 1)) throw new InvalidArgumentError(`weight must be in [0, 1], got ${weight}`);
  const result: GatedPredictions = { predictions: new Map(), naScores: new Map() };
  for (const [id, nbest] of decoded.nbest) {
    const p = noAnswerProbability.get(id);
    if (p === undefined) throw new MismatchError(`no no-answer probability for question ${id}`);
    if (!(p >= 0 && p <= 1))
      throw new InvalidArgumentError(`no-answer probability of ${id} must be in [0, 1], got ${p}`);
    const text = nbest.find((c) => c.text !== '')?.text ?? '';
    let score = p;
    if (mode === 'sum') {
      const odds = decoded.nullOdds.get(id);
      if (odds === undefined)
        throw new MismatchError(`no null odds for question ${id} (decode with versionTwoWithNegative)`);
      score = weight * Math.log(p / (1 - p)) + (1 - weight) * odds;
    }
    result.naScores.set(id, score);
    result.predictions.set(id, score > threshold ? '' : text);
  }
  return result;
}
