/**
 * The seed's binary answerability metric (seed §5.2): per-window class = argmax of the logits
 * (class 1 = no answer), per question the max over its windows (one "no answer" window decides), inner-joined with
 * the gold `is_impossible`; accuracy (which the seed reports as "EM") and F1 of class 1, as sklearn computes them
 * (an undefined precision, recall or F1 counts as 0).
 */
import { InvalidArgumentError, ShapeError } from '../../errors.js';

/** Result of {@link answerabilityMetrics}; fractions in [0, 1]. */
export interface AnswerabilityMetrics {
  /** Fraction of joined questions whose class is right (the seed's "EM"). */
  accuracy: number;
  /** F1 of class 1 (no answer): 2·TP / (2·TP + FP + FN), 0 when undefined. */
  f1: number;
  /** TP / (TP + FP), 0 when undefined. */
  precision: number;
  /** TP / (TP + FN), 0 when undefined. */
  recall: number;
  /** Confusion counts over joined questions, positive = no answer. */
  truePositives: number;
  /** See `truePositives`. */
  falsePositives: number;
  /** See `truePositives`. */
  falseNegatives: number;
  /** See `truePositives`. */
  trueNegatives: number;
  /** Questions present both in the windows and in the gold map. */
  questions: number;
}

/**
 * Score a binary head's window logits.
 * @param windowLogits Flat `[N × classes]` logits, row-major; class 1 = no answer (argmax ties pick the lower class).
 * @param windowQids The question id of each of the N windows.
 * @param goldImpossible Gold `is_impossible` per question id.
 * @param classes Logits per window. Default 2.
 * @throws ShapeError when the lengths disagree; InvalidArgumentError for NaN logits or no joined question.
 */
export function answerabilityMetrics(
  windowLogits: ArrayLike<number>,
  windowQids: readonly string[],
  goldImpossible: ReadonlyMap<string, boolean>,
  classes = 2,
): AnswerabilityMetrics {
  if (windowLogits.length !== windowQids.length * classes) {
    throw new ShapeError(`${windowLogits.length} logits for ${windowQids.length} windows × ${classes} classes`);
  }
  const predicted = new Map<string, number>();
  windowQids.forEach((qid, w) => {
    let best = 0;
    for (let c = 0; c < classes; c++) {
      const v = windowLogits[w * classes + c] as number;
      if (Number.isNaN(v)) throw new InvalidArgumentError(`window ${w} (${qid}): logit ${c} is NaN`);
      if (v > (windowLogits[w * classes + best] as number)) best = c;
    }
    predicted.set(qid, Math.max(predicted.get(qid) ?? 0, best === 1 ? 1 : 0));
  });
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (const [qid, p] of predicted) {
    const gold = goldImpossible.get(qid);
    if (gold === undefined) continue;
    if (p === 1) gold ? tp++ : fp++;
    else gold ? fn++ : tn++;
  }
  const questions = tp + fp + fn + tn;
  if (questions === 0) throw new InvalidArgumentError('no window question id is in the gold map');
  const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);
  return {
    accuracy: (tp + tn) / questions,
    f1: ratio(2 * tp, 2 * tp + fp + fn),
    precision: ratio(tp, tp + fp),
    recall: ratio(tp, tp + fn),
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
    trueNegatives: tn,
    questions,
  };
}
