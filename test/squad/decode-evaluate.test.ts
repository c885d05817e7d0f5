/**
 * Decoder and scorer together (an invariant, not a golden): thresholding null odds in the scorer (`-t T`) equals
 * decoding with `nullScoreDiffThreshold: T`, so the scorer's best_f1_thresh is a decoder threshold.
 */
import { describe, expect, it } from 'vitest';
import { qaExamplesFor, readSquadQuestions } from '../../src/squad/dataset.js';
import { postprocessQaPredictions } from '../../src/squad/decode/hf.js';
import { evaluateSquadV2 } from '../../src/squad/metric/official-eval.js';
import { fixtureFeatures, golden } from './decode-fixture.js';
import { readSquadJson } from './shared-data.js';

describe('null-odds threshold: decoder and scorer agree', () => {
  const ids = new Set(golden.examples.map((e) => e.id));
  const questions = readSquadQuestions(readSquadJson('dev-v2.0.json')).filter((q) => ids.has(q.id));
  const decode = (threshold: number) =>
    postprocessQaPredictions(golden.examples, fixtureFeatures(), { nullScoreDiffThreshold: threshold });

  it('scores -t T on always-answer predictions exactly as decoding with threshold T', () => {
    expect(questions).toHaveLength(golden.examples.length - 1); // all but the synthetic context are dev questions
    const always = decode(Infinity);
    const naProbs = [...always.nullOdds].map(([qid, value]) => ({ qid, value: { kind: 'float' as const, value } }));
    const tuned = evaluateSquadV2(questions, always.predictions, { naProbs });
    for (const t of [tuned.metrics.best_f1_thresh as number, 0, -5, 3]) {
      const viaScorer = evaluateSquadV2(questions, always.predictions, { naProbs, naProbThresh: t }).metrics;
      const viaDecoder = evaluateSquadV2(questions, decode(t).predictions).metrics;
      expect([viaScorer.exact, viaScorer.f1]).toEqual([viaDecoder.exact, viaDecoder.f1]);
    }
    expect(tuned.metrics.best_f1).toBeGreaterThanOrEqual(
      evaluateSquadV2(questions, decode(0).predictions).metrics.f1 as number,
    );
  });
});

describe('qaExamplesFor', () => {
  const questions = readSquadQuestions(readSquadJson('dev-v2.0.json'));
  it('gives the fixture contexts for store example ids, in id order', () => {
    const ids = golden.examples
      .filter((e) => e.id !== 'synthetic-astral')
      .map((e) => e.id)
      .reverse();
    expect(qaExamplesFor(questions, ids)).toEqual(golden.examples.filter((e) => ids.includes(e.id)).reverse());
  });
  it('names ids that are not in the dataset', () => {
    expect(() => qaExamplesFor(questions, ['56ddde6b9a695914005b9628', 'nope'])).toThrow(
      /1 example ids are not questions of the dataset \(first: nope\)/,
    );
  });
});
