/**
 * HuggingFace `evaluate`'s `squad_v2` metric (`SquadV2._compute`), emulated on top of the official scorer it wraps:
 * one fake article whose questions are the references in order, na_probs taken from the predictions in order and
 * rounded to float32 (the metric declares `no_answer_probability` as `Value("float32")`), and the best-threshold
 * keys always present.
 */
import type { SquadQuestion } from '../dataset.js';
import { evaluateSquadV2, type SquadV2Evaluation } from './official-eval.js';

/** One prediction in HF's format. */
export interface HfSquadV2Prediction {
  /** Question id. */
  id: string;
  /** Answer text ("" = no answer). */
  prediction_text: string;
  /** Probability of no answer; `run_qa.py` passes 0.0. */
  no_answer_probability: number;
}

/** One reference in HF's column format. */
export interface HfSquadV2Reference {
  /** Question id. */
  id: string;
  /** Gold answers; `text` empty for unanswerable questions. */
  answers: { text: readonly string[]; answer_start?: readonly number[] };
}

/**
 * `evaluate.load("squad_v2").compute(predictions, references, no_answer_threshold)`, same keys and values.
 * @param noAnswerThreshold The official `-t`. Default 1.0.
 */
export function evaluateSquadV2Hf(
  predictions: readonly HfSquadV2Prediction[],
  references: readonly HfSquadV2Reference[],
  noAnswerThreshold = 1.0,
): SquadV2Evaluation {
  const questions: SquadQuestion[] = references.map((r) => ({
    id: r.id,
    goldTexts: [...r.answers.text],
    hasAnswer: r.answers.text.length > 0,
    question: '',
    context: '',
  }));
  const texts = new Map(predictions.map((p) => [p.id, p.prediction_text]));
  const naProbs = predictions.map((p) => ({
    qid: p.id,
    value: { kind: 'float' as const, value: Math.fround(p.no_answer_probability) },
  }));
  return evaluateSquadV2(questions, texts, { naProbs, naProbThresh: noAnswerThreshold });
}
