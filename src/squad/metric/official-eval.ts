/**
 * The official SQuAD 2.0 evaluation (`evaluate-v2.0.py`), re-implemented from its description: raw scores, the
 * no-answer threshold, HasAns/NoAns blocks, best thresholds and PR-curve APs, with the script's key order, number
 * types and floating-point summation order, so every printed digit matches.
 */
import { InvalidArgumentError, MismatchError } from '../../errors.js';
import type { SquadQuestion } from '../dataset.js';
import type { PyNumber } from '../pyjson/python-json.js';
import { goldTokenLists, scoreQuestion, type RawScore } from './scores.js';
import {
  findBestThreshold,
  precisionRecallCurve,
  sortByNaProb,
  type PrCurve,
  type ScoredQuestion,
} from './thresholds.js';

/** One entry of an na_prob file, in file order. */
export interface NaProbEntry {
  /** Question id. */
  qid: string;
  /** Probability (or null odds) that the question has no answer, with its Python type. */
  value: PyNumber;
}

/** Options of {@link evaluateSquadV2}. */
export interface SquadV2EvalOptions {
  /** na_prob entries in file order (`-n`). Omitted (default): every prediction gets 0.0 and no best_* keys. */
  naProbs?: readonly NaProbEntry[];
  /** `-t`: a question with na_prob strictly above this is scored as an abstention. Default 1.0. */
  naProbThresh?: number;
  /**
   * What to do with dataset questions that have no prediction. `'error'` (default) throws
   * {@link MissingPredictionsError} (the official script crashes); `'abstain'` scores them as the empty answer.
   */
  missing?: 'error' | 'abstain';
  /**
   * `'official'` (default): best_* as the official script computes them, possibly inside a group of tied na_probs
   * (depends on key order, not achievable by a real threshold). `'realizable'`: only thresholds between distinct
   * na_prob values count.
   */
  bestThreshold?: 'official' | 'realizable';
  /** Add `pr_exact_ap`, `pr_f1_ap`, `pr_oracle_ap` (the official `-p` analysis; needs `naProbs`). Default false. */
  precisionRecall?: boolean;
  /** File names used in error messages. */
  files?: { dataset?: string; predictions?: string; naProbs?: string };
}

/** The result of {@link evaluateSquadV2}. */
export interface SquadV2Evaluation {
  /** The official output dict: keys in the script's order, values with their Python types. */
  entries: [string, PyNumber][];
  /** The same as a plain object (`exact`, `f1`, `total`, `HasAns_exact`, …). */
  metrics: Record<string, number>;
  /** Raw (un-thresholded) per-question scores, in dataset order. */
  rawScores: Map<string, RawScore>;
  /** Dataset qids that had no prediction and were scored as abstentions (empty unless `missing: 'abstain'`). */
  abstained: string[];
  /** The PR curves behind `pr_*_ap` (only with `precisionRecall`). */
  precisionRecall: { exact: PrCurve; f1: PrCurve; oracle: PrCurve } | undefined;
}

/** Dataset questions lack predictions (the official script raises KeyError here). */
export class MissingPredictionsError extends MismatchError {
  /** Every missing qid, in dataset order. */
  readonly missing: string[];
  constructor(missing: string[], total: number, hint: string, file?: string) {
    const first = missing.slice(0, 5).join(', ');
    super(
      `${missing.length} of ${total} dataset questions have no prediction (first: ${first}${missing.length > 5 ? ', …' : ''}); ${hint}`,
      { file },
    );
    this.missing = missing;
  }
}

const float = (value: number): PyNumber => ({ kind: 'float', value });
const int = (value: number): PyNumber => ({ kind: 'int', value });

function sumOver(values: Float64Array, indices: Iterable<number>): number {
  let sum = 0;
  for (const i of indices) sum += values[i] as number;
  return sum;
}

/**
 * Score `predictions` (qid → answer text) against the dataset `questions` exactly as `evaluate-v2.0.py` does.
 * Duplicate qids follow Python dict semantics (first position, last value). Predictions for qids not in the dataset
 * are ignored.
 * @throws MissingPredictionsError, or MismatchError when na_probs lack scored qids, InvalidArgumentError for
 *   non-string predictions or non-numeric / NaN na_probs.
 */
export function evaluateSquadV2(
  questions: readonly SquadQuestion[],
  predictions: Readonly<Record<string, unknown>> | ReadonlyMap<string, unknown>,
  options: SquadV2EvalOptions = {},
): SquadV2Evaluation {
  const { naProbThresh = 1.0, missing = 'error', files = {} } = options;
  const lookup =
    predictions instanceof Map
      ? (qid: string) => predictions.get(qid)
      : (qid: string) => (Object.hasOwn(predictions, qid) ? (predictions as Record<string, unknown>)[qid] : undefined);
  const byQid = new Map<string, SquadQuestion>();
  for (const q of questions) byQid.set(q.id, q);
  if (byQid.size === 0)
    throw new InvalidArgumentError('the dataset has no questions to score', {
      ...(files.dataset ? { file: files.dataset } : {}),
    });

  const scored: ScoredQuestion[] = [];
  const abstained: string[] = [];
  for (const [qid, q] of byQid) {
    let prediction = lookup(qid);
    if (prediction === undefined) {
      abstained.push(qid);
      prediction = '';
    } else if (typeof prediction !== 'string') {
      throw new InvalidArgumentError(`prediction for ${qid} must be a string, got ${JSON.stringify(prediction)}`, {
        file: files.predictions,
      });
    }
    scored.push({
      qid,
      hasAnswer: q.hasAnswer,
      prediction,
      raw: scoreQuestion(goldTokenLists(q.goldTexts), prediction),
      naProb: 0,
    });
  }
  if (abstained.length > 0 && missing === 'error') {
    throw new MissingPredictionsError(
      abstained,
      byQid.size,
      "score them as abstentions with { missing: 'abstain' }",
      files.predictions,
    );
  }

  const naProbMap = options.naProbs ? naProbsByQid(options.naProbs, files.naProbs) : undefined;
  if (naProbMap) {
    const abstainedSet = new Set(abstained);
    const absent = scored.filter((s) => !naProbMap.has(s.qid) && !abstainedSet.has(s.qid)).map((s) => s.qid);
    if (absent.length > 0) {
      throw new MismatchError(
        `${absent.length} scored questions have no na_prob (first: ${absent.slice(0, 5).join(', ')})`,
        { file: files.naProbs },
      );
    }
    for (const s of scored) s.naProb = naProbMap.get(s.qid)?.value ?? Infinity;
  }

  const n = scored.length;
  const exact = new Float64Array(n);
  const f1 = new Float64Array(n);
  scored.forEach((s, i) => {
    const abstain = s.naProb > naProbThresh;
    exact[i] = abstain ? Number(!s.hasAnswer) : s.raw.exact;
    f1[i] = abstain ? Number(!s.hasAnswer) : s.raw.f1;
  });
  const all = scored.map((_, i) => i);
  const hasAns = all.filter((i) => scored[i]?.hasAnswer);
  const noAns = all.filter((i) => !scored[i]?.hasAnswer);
  const entries: [string, PyNumber][] = [
    ['exact', float((100 * sumOver(exact, all)) / n)],
    ['f1', float((100 * sumOver(f1, all)) / n)],
    ['total', int(n)],
  ];
  for (const [prefix, list] of [
    ['HasAns', hasAns],
    ['NoAns', noAns],
  ] as const) {
    if (list.length === 0) continue;
    entries.push(
      [`${prefix}_exact`, float((100 * sumOver(exact, list)) / list.length)],
      [`${prefix}_f1`, float((100 * sumOver(f1, list)) / list.length)],
      [`${prefix}_total`, int(list.length)],
    );
  }

  let curves: SquadV2Evaluation['precisionRecall'];
  if (options.naProbs && naProbMap) {
    const sorted = sortByNaProb(naProbMap);
    const scoredByQid = new Map(scored.map((s) => [s.qid, s]));
    const numNoAns = noAns.length;
    const realizable = options.bestThreshold === 'realizable';
    const bestExact = findBestThreshold(sorted, scoredByQid, numNoAns, (s) => s.raw.exact, realizable);
    const bestF1 = findBestThreshold(sorted, scoredByQid, numNoAns, (s) => s.raw.f1, realizable);
    entries.push(['best_exact', float(bestExact.best)], ['best_exact_thresh', bestExact.thresh]);
    entries.push(['best_f1', float(bestF1.best)], ['best_f1_thresh', bestF1.thresh]);
    if (options.precisionRecall && hasAns.length > 0) {
      const context = { sorted, scoredByQid, byQid, numTruePos: hasAns.length, file: files.naProbs };
      curves = {
        exact: precisionRecallCurve(context, (s) => s.raw.exact),
        f1: precisionRecallCurve(context, (s) => s.raw.f1),
        oracle: precisionRecallCurve(context, (s) => Number(s.hasAnswer), true),
      };
      entries.push(
        ['pr_exact_ap', float(curves.exact.ap)],
        ['pr_f1_ap', float(curves.f1.ap)],
        ['pr_oracle_ap', float(curves.oracle.ap)],
      );
    }
  } else if (options.precisionRecall) {
    throw new InvalidArgumentError('precision-recall analysis needs na_probs (-n)');
  }

  return {
    entries,
    metrics: Object.fromEntries(entries.map(([k, v]) => [k, v.value])),
    rawScores: new Map(scored.map((s) => [s.qid, s.raw])),
    abstained: missing === 'abstain' ? abstained : [],
    precisionRecall: curves,
  };
}

/** na_prob entries → Map with Python dict semantics (first position, last value), values validated. */
function naProbsByQid(entries: readonly NaProbEntry[], file: string | undefined): Map<string, PyNumber> {
  const map = new Map<string, PyNumber>();
  for (const { qid, value } of entries) {
    if (typeof value.value !== 'number') {
      throw new InvalidArgumentError(`na_prob for ${qid} must be a number, got ${String(value.value)}`, { file });
    }
    map.set(qid, value);
  }
  return map;
}
