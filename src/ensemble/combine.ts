/**
 * Ensembles of span models, window by window: several models' start/end logits for the same windows are combined
 * into one start/end score vector per window, which feeds the span decoders unchanged (same windows, offsets and
 * example indices).
 */
import { InvalidArgumentError, MismatchError, ShapeError } from '../errors.js';
import type { OffsetMapping, QaFeature } from '../squad/decode/input.js';

/**
 * How to combine models, per token position, separately for start and end:
 * - `'max-probability'`: element-wise max of the models' softmax probabilities, not renormalised (the seed's best,
 *   seed §6);
 * - `'mean-probability'`: mean of the softmax probabilities;
 * - `'weighted-mean-probability'`: Σ wₘ·softmax(zₘ) / Σ wₘ;
 * - `'logit-sum'`: Σ wₘ·zₘ (weights default to 1), a product of experts in probability space.
 */
export type CombineMethod = 'max-probability' | 'mean-probability' | 'weighted-mean-probability' | 'logit-sum';

/** Options of {@link combineWindows}. */
export interface CombineOptions {
  /** The combination rule. */
  method: CombineMethod;
  /** One non-negative weight per model: required by `'weighted-mean-probability'`, optional for `'logit-sum'`. */
  weights?: readonly number[];
  /**
   * Output of the probability methods: `'log'` (default) gives log-probabilities, the right scores for
   * `postprocessQaPredictions` (start + end = joint log-probability); `'linear'` gives the probabilities, for
   * `decodeLegacyArgmax` with `alreadyProbabilities` (the seed's ensemble). Not allowed with `'logit-sum'`.
   */
  probabilityScale?: 'log' | 'linear';
}

/** Softmax of `x` into `out` (float64, max-subtracted). */
export function softmaxInto(x: ArrayLike<number>, out: Float64Array): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) max = Math.max(max, x[i] as number);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += out[i] = Math.exp((x[i] as number) - max);
  for (let i = 0; i < x.length; i++) (out[i] as number) /= sum;
  return out;
}

/**
 * The per-model weights of a combination: the given weights validated, or 1 per model when none are given.
 * @throws InvalidArgumentError for weights a method does not take, a wrong count, or invalid values.
 */
export function combineWeights(options: CombineOptions, models: number): number[] {
  const { method, weights } = options;
  if (weights === undefined) {
    if (method === 'weighted-mean-probability')
      throw new InvalidArgumentError("'weighted-mean-probability' needs one weight per model");
    return new Array<number>(models).fill(1);
  }
  if (method === 'max-probability' || method === 'mean-probability') {
    throw new InvalidArgumentError(`'${method}' takes no weights (use 'weighted-mean-probability')`);
  }
  if (weights.length !== models) throw new InvalidArgumentError(`${weights.length} weights for ${models} models`);
  if (weights.some((w) => !Number.isFinite(w) || w < 0) || weights.every((w) => w === 0)) {
    throw new InvalidArgumentError(
      `weights must be finite, non-negative and not all zero; got [${weights.join(', ')}]`,
    );
  }
  return [...weights];
}

function sameOffsets(a: OffsetMapping, b: OffsetMapping): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x == null || y == null || typeof x === 'number' || typeof y === 'number' || x[0] !== y[0] || x[1] !== y[1])
      return false;
  }
  return true;
}

function checkSameWindows(models: readonly (readonly QaFeature[])[]): void {
  const first = models[0] as readonly QaFeature[];
  models.forEach((features, m) => {
    if (features.length !== first.length)
      throw new MismatchError(`model ${m} has ${features.length} windows, model 0 has ${first.length}`);
    features.forEach((f, w) => {
      const ref = first[w] as QaFeature;
      if (f.exampleIndex !== ref.exampleIndex)
        throw new MismatchError(
          `window ${w}: model ${m} is for example ${f.exampleIndex}, model 0 for ${ref.exampleIndex}`,
        );
      if (f.startLogits.length !== ref.startLogits.length || f.endLogits.length !== ref.startLogits.length) {
        throw new ShapeError(
          `window ${w}: model ${m} has ${f.startLogits.length}/${f.endLogits.length} start/end logits, ` +
            `model 0 has ${ref.startLogits.length}`,
        );
      }
      if (f.offsets !== ref.offsets && !sameOffsets(f.offsets, ref.offsets)) {
        throw new MismatchError(`window ${w}: model ${m} has other offsets than model 0 (different tokenisation?)`);
      }
    });
  });
}

/**
 * Combine several models' windows (`models[m][w]`: model m's logits for window w) into one set of windows.
 * Offsets and example indices come from model 0; scores are computed in float64 and returned as Float32Array.
 * @throws MismatchError / ShapeError when the models' windows differ; InvalidArgumentError for bad weights/options.
 */
export function combineWindows(models: readonly (readonly QaFeature[])[], options: CombineOptions): QaFeature[] {
  if (models.length === 0) throw new InvalidArgumentError('combineWindows needs at least one model');
  const { method } = options;
  const isProbability = method !== 'logit-sum';
  if (!isProbability && options.probabilityScale !== undefined)
    throw new InvalidArgumentError("probabilityScale does not apply to 'logit-sum'");
  const weights = combineWeights(options, models.length);
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const log = (options.probabilityScale ?? 'log') === 'log';
  checkSameWindows(models);

  const combineSide = (w: number, side: 'startLogits' | 'endLogits'): Float32Array => {
    const length = (models[0]?.[w] as QaFeature)[side].length;
    const acc = new Float64Array(length).fill(method === 'max-probability' ? -Infinity : 0);
    const probs = new Float64Array(length);
    models.forEach((features, m) => {
      const z = (features[w] as QaFeature)[side];
      const weight = weights[m] as number;
      if (!isProbability) {
        for (let i = 0; i < length; i++) (acc[i] as number) += weight * (z[i] as number);
        return;
      }
      softmaxInto(z, probs);
      if (method === 'max-probability')
        for (let i = 0; i < length; i++) acc[i] = Math.max(acc[i] as number, probs[i] as number);
      else for (let i = 0; i < length; i++) (acc[i] as number) += weight * (probs[i] as number);
    });
    const out = new Float32Array(length);
    for (let i = 0; i < length; i++) {
      const v =
        method === 'mean-probability' || method === 'weighted-mean-probability'
          ? (acc[i] as number) / weightSum
          : (acc[i] as number);
      out[i] = isProbability && log ? Math.log(Math.max(v, Number.MIN_VALUE)) : v;
    }
    return out;
  };

  return (models[0] as readonly QaFeature[]).map((f, w) => ({
    exampleIndex: f.exampleIndex,
    offsets: f.offsets,
    startLogits: combineSide(w, 'startLogits'),
    endLogits: combineSide(w, 'endLogits'),
  }));
}
