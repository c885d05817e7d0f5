/**
 * The na_prob-driven parts of the official scorer: the best-threshold search (`find_best_thresh`, which keeps the
 * na_prob file's key order among ties and may stop inside a tied group, as the official script does) and the
 * precision-recall average precision (`make_precision_recall_eval`, which steps only at the end of tied groups).
 */
import { MismatchError } from '../../errors.js';
import type { SquadQuestion } from '../dataset.js';
import type { PyNumber } from '../pyjson/python-json.js';
import type { RawScore } from './scores.js';

/** A dataset question that was scored. */
export interface ScoredQuestion {
  /** Question id. */
  qid: string;
  /** Whether the gold `answers` list is non-empty. */
  hasAnswer: boolean;
  /** The prediction text ("" for an abstention). */
  prediction: string;
  /** Raw exact / F1 before the no-answer threshold. */
  raw: RawScore;
  /** The na_prob used for thresholding (0 without an na_prob file). */
  naProb: number;
}

/** na_prob entries sorted ascending by value; ties keep the map's (file) order, like Python's stable `sorted`. */
export function sortByNaProb(naProbs: ReadonlyMap<string, PyNumber>): [string, PyNumber][] {
  return [...naProbs].sort(([, a], [, b]) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

/** Result of {@link findBestThreshold}. */
export interface BestThreshold {
  /** 100 × best achievable score / number of scored questions. */
  best: number;
  /** The na_prob at which the best was first reached (0.0 when abstaining on everything is best). */
  thresh: PyNumber;
}

/**
 * The official `find_best_thresh` on raw scores: start from "abstain on everything" (one point per unanswerable
 * question), then answer questions in na_prob order, keeping the first position that reaches the maximum.
 * @param realizable `false` (default, official): a best may be recorded inside a group of tied na_probs, which no
 *   real threshold achieves and which depends on file key order. `true`: record only at the end of a tied group,
 *   so the result is what thresholding at `thresh` really scores.
 */
export function findBestThreshold(
  sorted: readonly (readonly [string, PyNumber])[],
  scoredByQid: ReadonlyMap<string, ScoredQuestion>,
  numNoAns: number,
  score: (s: ScoredQuestion) => number,
  realizable = false,
): BestThreshold {
  let current = numNoAns;
  let best = current;
  let thresh: PyNumber = { kind: 'float', value: 0 };
  for (let i = 0; i < sorted.length; i++) {
    const [qid, naProb] = sorted[i] as readonly [string, PyNumber];
    const s = scoredByQid.get(qid);
    if (s) current += s.hasAnswer ? score(s) : s.prediction ? -1 : 0;
    if (!s && !realizable) continue;
    if (realizable && sorted[i + 1]?.[1].value === naProb.value) continue;
    if (current > best) {
      best = current;
      thresh = naProb;
    }
  }
  return { best: (100 * best) / scoredByQid.size, thresh };
}

/** What {@link precisionRecallCurve} needs besides the score function. */
export interface PrContext {
  /** na_prob entries sorted by na_prob (`sortByNaProb`). */
  sorted: readonly (readonly [string, PyNumber])[];
  /** Scored questions by qid. */
  scoredByQid: ReadonlyMap<string, ScoredQuestion>;
  /** Every dataset question by qid. */
  byQid: ReadonlyMap<string, SquadQuestion>;
  /** Number of answerable dataset questions (> 0). */
  numTruePos: number;
  /** na_prob file name for errors. */
  file?: string | undefined;
}

/** A precision-recall curve and its average precision. */
export interface PrCurve {
  /** Average precision × 100 (the official `ap`). */
  ap: number;
  /** Precision at each threshold step, starting with 1.0 at recall 0. */
  precisions: number[];
  /** Recall at each threshold step, starting with 0.0. */
  recalls: number[];
}

/**
 * The official PR analysis over every na_prob key: a point at the end of each group of tied na_probs, and the
 * average precision. With `oracle`, the score is the has-answer flag of every dataset question, scored or not.
 * @throws MismatchError when an na_prob key is not a dataset question (the official script's KeyError).
 */
export function precisionRecallCurve(
  context: PrContext,
  score: (s: ScoredQuestion) => number,
  oracle = false,
): PrCurve {
  const { sorted, scoredByQid, byQid, numTruePos, file } = context;
  let truePos = 0;
  let lastRecall = 0;
  let ap = 0;
  const precisions = [1];
  const recalls = [0];
  sorted.forEach(([qid, naProb], i) => {
    const question = byQid.get(qid);
    if (!question) throw new MismatchError(`na_prob key ${qid} is not a question of the dataset`, { file });
    if (question.hasAnswer) {
      if (oracle) {
        truePos += 1;
      } else {
        const s = scoredByQid.get(qid);
        if (!s) throw new MismatchError(`na_prob key ${qid} has no prediction`, { file });
        truePos += score(s);
      }
    }
    const next = sorted[i + 1];
    if (next === undefined || next[1].value !== naProb.value) {
      const precision = truePos / (i + 1);
      const recall = truePos / numTruePos;
      ap += precision * (recall - lastRecall);
      lastRecall = recall;
      precisions.push(precision);
      recalls.push(recall);
    }
  });
  return { ap: 100 * ap, precisions, recalls };
}
