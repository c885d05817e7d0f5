/**
 * Question-level evaluation of per-window outputs (all windows of a question combined):
 * binary heads with the seed's answerability metric (seed §5.2) plus window accuracy; span heads decoded as
 * transformers' `postprocess_qa_predictions` and scored with the official SQuAD 2.0 metric.
 */
import { ShapeError } from '../errors.js';
import { answerabilityMetrics } from '../squad/metric/answerability.js';
import { qaExamplesFor, type SquadQuestion } from '../squad/dataset.js';
import type { QaFeature } from '../squad/decode/input.js';
import { postprocessQaPredictions, type PostprocessOptions, type QaDecodeResult } from '../squad/decode/hf.js';
import { evaluateSquadV2 } from '../squad/metric/official-eval.js';
import type { StoreWindows } from './store-windows.js';

/**
 * Gold `is_impossible` per question: from the SQuAD questions when given (the official has-answer map), else from
 * the windows (a question is unanswerable when none of its windows holds an answer).
 */
export function goldImpossible(windows: StoreWindows, questions?: readonly SquadQuestion[]): Map<string, boolean> {
  if (questions) return new Map(questions.map((q) => [q.id, !q.hasAnswer]));
  if (!windows.isImpossible) throw new ShapeError('no SQuAD questions given and the store has no is_impossible labels');
  const gold = new Map<string, boolean>();
  windows.exampleIndex.forEach((e, w) => {
    const id = windows.exampleIds[e]!;
    gold.set(id, (gold.get(id) ?? true) && windows.isImpossible![w] === 1);
  });
  return gold;
}

/**
 * Metrics of a binary head: `accuracy` and `f1` are the seed's question-level answerability accuracy ("EM") and F1
 * of the no-answer class; `window_accuracy` compares each window's argmax with its own `is_impossible` label.
 */
export function binaryWindowMetrics(
  logits: Float32Array,
  windows: StoreWindows,
  questions?: readonly SquadQuestion[],
): Record<string, number> {
  if (logits.length !== windows.count * 2)
    throw new ShapeError(`${logits.length} logits for ${windows.count} windows × 2 classes`);
  const qids = Array.from(windows.exampleIndex, (e) => windows.exampleIds[e]!);
  const m = answerabilityMetrics(logits, qids, goldImpossible(windows, questions));
  const result: Record<string, number> = {
    accuracy: m.accuracy,
    f1: m.f1,
    precision: m.precision,
    recall: m.recall,
    questions: m.questions,
  };
  if (windows.isImpossible) {
    let right = 0;
    for (let w = 0; w < windows.count; w++)
      right += Number((logits[2 * w + 1]! > logits[2 * w]! ? 1 : 0) === windows.isImpossible[w]);
    result.window_accuracy = right / windows.count;
  }
  return result;
}

/** The decoder's view of per-window span logits: one feature per window, with its offsets and question index. */
export function spanFeatures(start: Float32Array, end: Float32Array, windows: StoreWindows): QaFeature[] {
  const s = windows.sequenceLength;
  if (!windows.offsets) throw new ShapeError('decoding spans needs the windows read with offsets');
  if (start.length !== windows.count * s || end.length !== windows.count * s) {
    throw new ShapeError(
      `span logits of length ${start.length}/${end.length} for ${windows.count} windows × ${s} tokens`,
    );
  }
  const offsets = windows.offsets;
  return Array.from({ length: windows.count }, (_, w) => ({
    exampleIndex: windows.exampleIndex[w]!,
    startLogits: start.subarray(w * s, (w + 1) * s),
    endLogits: end.subarray(w * s, (w + 1) * s),
    offsets: offsets.subarray(w * s * 2, (w + 1) * s * 2),
  }));
}

/**
 * Decode span logits of every window into answers per question (transformers' algorithm; `options` as
 * {@link PostprocessOptions}). `questions` supplies the contexts the offsets point into.
 */
export function decodeSpanWindows(
  start: Float32Array,
  end: Float32Array,
  windows: StoreWindows,
  questions: readonly SquadQuestion[],
  options: PostprocessOptions = {},
): QaDecodeResult {
  return postprocessQaPredictions(
    qaExamplesFor(questions, windows.exampleIds),
    spanFeatures(start, end, windows),
    options,
  );
}

/**
 * The official SQuAD 2.0 metrics (0–100) of decoded answers, over the questions the store covers, with the null
 * odds as na_probs so that `best_exact` / `best_f1` and their thresholds come out too. The decoder already made
 * the answer/no-answer decision, so na_probs never override it here (threshold +∞).
 */
export function squadMetrics(decoded: QaDecodeResult, questions: readonly SquadQuestion[]): Record<string, number> {
  const covered = questions.filter((q) => decoded.predictions.has(q.id));
  const naProbs = [...decoded.nullOdds].map(([qid, value]) => ({ qid, value: { kind: 'float' as const, value } }));
  return evaluateSquadV2(covered, decoded.predictions, {
    naProbs: naProbs.length ? naProbs : undefined,
    naProbThresh: Infinity,
  }).metrics;
}
