/**
 * Worked examples of the official scorer's corner cases, each derived by hand from the algorithm's description
 * (shared/reference/squad-v2-scoring.md §2) on a three-question dataset.
 */
import { describe, expect, it } from 'vitest';
import type { SquadQuestion } from '../../src/squad/dataset.js';
import { parseNaProbs } from '../../src/squad/metric/na-probs.js';
import { evaluateSquadV2 } from '../../src/squad/metric/official-eval.js';
import { pythonJsonDumps } from '../../src/squad/pyjson/python-json.js';

const q = (id: string, goldTexts: string[]): SquadQuestion => ({
  id,
  goldTexts,
  hasAnswer: goldTexts.length > 0,
  question: '',
  context: '',
});
const questions = [q('q1', ['Paris', 'the city of Paris']), q('q2', []), q('q3', [])];

describe('official scorer corner cases', () => {
  it('"." scores 1 on an unanswerable question but counts as an answer in the best-threshold search', () => {
    // Raw exact: q1 1, q2 1 ("." normalises to ""), q3 0. Duplicate key q1: first position, last value (0.9),
    // so the visit order is q3 (0.5), q2 (0.5), q1 (0.9). Start at 2 (two NoAns); q3 "x" -> 1; q2 "." is truthy
    // -> 0; q1 +1 -> 1. Nothing beats 2: best_exact = 100 * 2 / 3 with thresh 0.0 (a float, never visited).
    const naProbs = parseNaProbs('{"q3": 0.5, "q1": 0.1, "q2": 0.5, "q1": 0.9}');
    const result = evaluateSquadV2(questions, { q1: 'paris', q2: '.', q3: 'x' }, { naProbs });
    expect(result.metrics).toMatchObject({ exact: (100 * 2) / 3, total: 3, HasAns_exact: 100, NoAns_exact: 50 });
    expect(result.metrics.best_exact).toBe((100 * 2) / 3);
    expect(pythonJsonDumps(result.entries.filter(([k]) => k === 'best_exact_thresh'))).toBe(
      '{"best_exact_thresh": 0.0}',
    );
  });

  it('records the first na_prob reaching the best, printed with its Python type (int 0 stays 0)', () => {
    // Predictions "" on q2 and q3 add 0. Order: q1 (0), q2 (1), q3 (1): q1 +1 -> 3 > 2 at na_prob 0 (an int).
    const naProbs = parseNaProbs('{"q2": 1, "q1": 0, "q3": 1}');
    const result = evaluateSquadV2(questions, { q1: 'Paris', q2: '', q3: '' }, { naProbs, naProbThresh: 0.5 });
    expect(pythonJsonDumps(result.entries.slice(-4))).toBe(
      '{"best_exact": 100.0, "best_exact_thresh": 0, "best_f1": 100.0, "best_f1_thresh": 0}',
    );
  });

  it('applies the threshold strictly, and null odds above 1.0 abstain even at the default threshold', () => {
    // q1 has na 1.5 > 1.0: scored as an abstention (0 on an answerable question) whatever its text.
    const naProbs = parseNaProbs('{"q1": 1.5, "q2": 1.0, "q3": 1.0}');
    const result = evaluateSquadV2(questions, { q1: 'Paris', q2: 'x', q3: '' }, { naProbs });
    expect(result.metrics).toMatchObject({ exact: 100 / 3, HasAns_exact: 0, NoAns_exact: 50 });
  });

  it('takes exact and F1 maxima over gold answers independently; golds normalising to "" are dropped', () => {
    // "city of paris" vs gold "the city of Paris": exact 1. F1 vs "Paris": P = 1/3, R = 1 -> 0.5; vs the other: 1.
    const result = evaluateSquadV2([q('a', ['Paris', 'the city of Paris']), q('b', ['.', 'Rome'])], {
      a: 'city of paris',
      b: 'rome.',
    });
    expect([...result.rawScores.values()]).toEqual([
      { exact: 1, f1: 1 },
      { exact: 1, f1: 1 },
    ]);
    const dotOnly = evaluateSquadV2([q('c', ['.'])], { c: '' });
    expect(dotOnly.rawScores.get('c')).toEqual({ exact: 1, f1: 1 }); // gold list becomes [""]
    expect(dotOnly.metrics).toMatchObject({ HasAns_total: 1 }); // still answerable: answers is non-empty
  });
});
