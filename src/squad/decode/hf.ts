/**
 * Span decoding exactly as transformers' `postprocess_qa_predictions` (examples/pytorch/question-answering/
 * utils_qa.py): per example, top-n start × end candidates over all its windows, restricted to context tokens,
 * end ≥ start and a maximum length; the null answer scored at CLS with the minimum over windows; n-best lists with
 * softmax probabilities; and the SQuAD 2.0 decision `null − best_non_null > null_score_diff_threshold`.
 */
import { InvalidArgumentError } from '../../errors.js';
import {
  ContextSlicer,
  checkOffsetsInContext,
  groupFeatures,
  topIndices,
  type QaExample,
  type QaFeature,
} from './input.js';

/** Options of {@link postprocessQaPredictions}; defaults are transformers' `run_qa.py` defaults. */
export interface PostprocessOptions {
  /** Candidates kept per window for start and for end, and n-best list length. Default 20. */
  nBestSize?: number;
  /** Longest answer in tokens, inclusive. Default 30. */
  maxAnswerLength?: number;
  /** SQuAD 2.0: consider the null answer and output null odds. Default true. */
  versionTwoWithNegative?: boolean;
  /** Predict "" when `null_score − best_non_null_score` is strictly above this. Default 0.0. */
  nullScoreDiffThreshold?: number;
  /**
   * Arithmetic of scores and null odds: `'float32'` (default) rounds logits and every sum to float32 as numpy
   * does on the float32 logits of a model; `'float64'` keeps JS doubles.
   */
  arithmetic?: 'float32' | 'float64';
}

/** One n-best candidate (transformers' nbest JSON entry). */
export interface NBestEntry {
  /** Answer text (`""` for the null answer; `"empty"` for the placeholder transformers inserts). */
  text: string;
  /** Softmax over the final list's scores. */
  probability: number;
  /** Start logit of the candidate (CLS logit for the null answer). */
  startLogit: number;
  /** End logit of the candidate. */
  endLogit: number;
  /** True only for the `"empty"` placeholder transformers inserts when no real candidate is left. */
  placeholder: boolean;
  /** Code-point offsets `[start, end)` of `text` in the context (`[0, 0]` for the null answer and the placeholder). */
  offsets: [number, number];
}

/** Decoder output, keyed by example id in example order. */
export interface QaDecodeResult {
  /** Final answer per example (`""` = no answer). */
  predictions: Map<string, string>;
  /** n-best candidates per example, best first. */
  nbest: Map<string, NBestEntry[]>;
  /** `null_score − best_non_null_score` per example (transformers' null_odds.json); empty without v2. */
  nullOdds: Map<string, number>;
}

interface Candidate {
  start: number;
  end: number;
  score: number;
  startLogit: number;
  endLogit: number;
  isNull: boolean;
}

/**
 * Decode per-window logits into answers, n-best lists and null odds (transformers' `postprocess_qa_predictions`).
 * Features are grouped by `exampleIndex` in feature order; examples are processed in order.
 * @throws InvalidArgumentError / ShapeError / MismatchError for malformed input (see `groupFeatures`), or when a
 *   window's offsets fall outside its context.
 */
export function postprocessQaPredictions(
  examples: readonly QaExample[],
  features: readonly QaFeature[],
  options: PostprocessOptions = {},
): QaDecodeResult {
  const {
    nBestSize = 20,
    maxAnswerLength = 30,
    versionTwoWithNegative = true,
    nullScoreDiffThreshold = 0.0,
    arithmetic = 'float32',
  } = options;
  const r = arithmetic === 'float32' ? Math.fround : (x: number) => x;
  const groups = groupFeatures(examples, features);
  const result: QaDecodeResult = { predictions: new Map(), nbest: new Map(), nullOdds: new Map() };

  examples.forEach((example, e) => {
    const slicer = new ContextSlicer(example.context);
    let nullCandidate: Candidate | undefined;
    const prelim: Candidate[] = [];
    for (const feature of groups[e] ?? []) {
      checkOffsetsInContext(feature, slicer, example.id);
      const { start, end, offsets } = feature;
      const cls = r(r(start[0] as number) + r(end[0] as number));
      if (nullCandidate === undefined || nullCandidate.score > cls) {
        nullCandidate = {
          start: 0,
          end: 0,
          score: cls,
          startLogit: r(start[0] as number),
          endLogit: r(end[0] as number),
          isNull: true,
        };
      }
      const tokens = offsets.length / 2;
      const ends = topIndices(end, nBestSize);
      for (const s of topIndices(start, nBestSize)) {
        if (s >= tokens || (offsets[2 * s] as number) < 0) continue;
        for (const t of ends) {
          if (t >= tokens || (offsets[2 * t] as number) < 0 || t < s || t - s + 1 > maxAnswerLength) continue;
          const startLogit = r(start[s] as number);
          const endLogit = r(end[t] as number);
          prelim.push({
            start: offsets[2 * s] as number,
            end: offsets[2 * t + 1] as number,
            score: r(startLogit + endLogit),
            startLogit,
            endLogit,
            isNull: false,
          });
        }
      }
    }
    if (versionTwoWithNegative && nullCandidate) prelim.push(nullCandidate);
    // Array.prototype.sort is stable: ties keep feature, start, end order, as Python's sorted(reverse=True).
    const kept = prelim.sort((a, b) => b.score - a.score).slice(0, nBestSize);
    if (versionTwoWithNegative && nullCandidate && !kept.some((c) => c.start === 0 && c.end === 0))
      kept.push(nullCandidate);

    const entries = kept.map((c) => ({
      text: slicer.slice(c.start, c.end),
      score: c.score,
      startLogit: c.startLogit,
      endLogit: c.endLogit,
      placeholder: false,
      offsets: [c.start, c.end] as [number, number],
    }));
    if (entries.length === 0 || (entries.length === 1 && entries[0]?.text === '')) {
      entries.unshift({ text: 'empty', score: 0, startLogit: 0, endLogit: 0, placeholder: true, offsets: [0, 0] });
    }
    const maxScore = Math.max(...entries.map((c) => c.score));
    const exps = entries.map((c) => Math.exp(c.score - maxScore));
    const total = exps.reduce((a, b) => a + b, 0);
    const nbest: NBestEntry[] = entries.map((c, i) => ({
      text: c.text,
      // With the placeholder's Python-float 0.0 among them, numpy's score array (and so the softmax) is float64.
      probability: entries[0]?.placeholder ? (exps[i] as number) / total : r((exps[i] as number) / total),
      startLogit: c.startLogit,
      endLogit: c.endLogit,
      placeholder: c.placeholder,
      offsets: c.offsets,
    }));
    result.nbest.set(example.id, nbest);

    if (!versionTwoWithNegative || !nullCandidate) {
      result.predictions.set(example.id, nbest[0]?.text ?? '');
      return;
    }
    const best = nbest.find((c) => c.text !== '');
    if (!best) {
      // transformers raises IndexError here: only zero-width spans and the null answer were kept.
      throw new InvalidArgumentError(
        `example ${example.id}: every n-best candidate has empty text (zero-width offsets?)`,
      );
    }
    const scoreDiff = r(r(nullCandidate.score - best.startLogit) - best.endLogit);
    result.nullOdds.set(example.id, scoreDiff);
    result.predictions.set(example.id, scoreDiff > nullScoreDiffThreshold ? '' : best.text);
  });
  return result;
}
