/**
 * Per-question scores of the official SQuAD 2.0 scorer: exact match and token F1 of one prediction against the
 * gold answers of one question, with the official handling of answers that normalise to nothing.
 */
import { answerTokens } from './normalize.js';

/** Exact match (0 or 1) of normalised tokens. */
export function exactFromTokens(gold: readonly string[], pred: readonly string[]): number {
  if (gold.length !== pred.length) return 0;
  for (let i = 0; i < gold.length; i++) if (gold[i] !== pred[i]) return 0;
  return 1;
}

/**
 * Token F1 as the official `compute_f1`: 1 if both token lists are empty, 0 if only one is; otherwise the harmonic
 * mean of precision and recall of the multiset intersection, computed in the official order of operations so the
 * floating-point result is identical.
 */
export function f1FromTokens(gold: readonly string[], pred: readonly string[]): number {
  if (gold.length === 0 || pred.length === 0) return gold.length === pred.length ? 1 : 0;
  const goldCounts = new Map<string, number>();
  for (const t of gold) goldCounts.set(t, (goldCounts.get(t) ?? 0) + 1);
  let numSame = 0;
  for (const t of pred) {
    const left = goldCounts.get(t);
    if (left) {
      numSame++;
      goldCounts.set(t, left - 1);
    }
  }
  if (numSame === 0) return 0;
  const precision = numSame / pred.length;
  const recall = numSame / gold.length;
  return (2 * precision * recall) / (precision + recall);
}

/** Exact match of two raw strings after official normalisation. */
export function computeExact(gold: string, pred: string): number {
  return exactFromTokens(answerTokens(gold), answerTokens(pred));
}

/** Token F1 of two raw strings after official normalisation. */
export function computeF1(gold: string, pred: string): number {
  return f1FromTokens(answerTokens(gold), answerTokens(pred));
}

/**
 * Token lists of the gold answers that count: those that normalise to something non-empty, or `[[]]` (the empty
 * answer) when none does. Every unanswerable question gets `[[]]`.
 */
export function goldTokenLists(goldTexts: readonly string[]): string[][] {
  const lists = goldTexts.map(answerTokens).filter((tokens) => tokens.length > 0);
  return lists.length > 0 ? lists : [[]];
}

/** Raw exact and F1 of one question: each the max over gold answers (so they may come from different golds). */
export interface RawScore {
  /** 0 or 1. */
  exact: number;
  /** In [0, 1]. */
  f1: number;
}

/** Score one prediction against the gold token lists from {@link goldTokenLists}. */
export function scoreQuestion(golds: readonly (readonly string[])[], prediction: string): RawScore {
  const pred = answerTokens(prediction);
  let exact = 0;
  let f1 = 0;
  for (const gold of golds) {
    exact = Math.max(exact, exactFromTokens(gold, pred));
    f1 = Math.max(f1, f1FromTokens(gold, pred));
  }
  return { exact, f1 };
}
