/**
 * Ensembles against numpy (tools/squad/make_decode_fixtures.py): three models' windows on real dev contexts, each
 * combination rule, its decoding by both decoders, and the answerability gate.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyAnswerabilityGate, noAnswerProbabilityPerExample } from '../../src/ensemble/answerability-gate.js';
import { combineWindows, type CombineMethod } from '../../src/ensemble/combine.js';
import { InvalidArgumentError, MismatchError } from '../../src/errors.js';
import type { QaFeature } from '../../src/squad/decode/input.js';
import { decodeLegacyArgmax } from '../../src/squad/decode/legacy.js';
import { postprocessQaPredictions } from '../../src/squad/decode/hf.js';
import { fixtureFeatures, golden } from '../squad/decode-fixture.js';

const base = fixtureFeatures();
const models: QaFeature[][] = [
  base,
  ...golden.models.map((model) =>
    model.map(([start, end], w) => ({
      ...(base[w] as QaFeature),
      startLogits: Float32Array.from(start),
      endLogits: Float32Array.from(end),
    })),
  ),
];
const optionsFor = (method: CombineMethod) =>
  method === 'weighted-mean-probability' ? { method, weights: golden.ensemble.weights } : { method };

describe('combineWindows', () => {
  it.each(Object.entries(golden.ensemble.combined))(
    '%s: combined scores, transformers and legacy decodings',
    (name, expected) => {
      const method = name as CombineMethod;
      const isProbability = method !== 'logit-sum';
      const linear = combineWindows(models, {
        ...optionsFor(method),
        ...(isProbability ? { probabilityScale: 'linear' as const } : {}),
      });
      expected.start.forEach((row, w) => {
        const actual = linear[w]?.startLogits as Float32Array;
        row.forEach((v, i) =>
          expect(Math.abs((actual[i] as number) - v)).toBeLessThanOrEqual(Math.abs(v) * 6e-8 + 1e-45),
        );
        (expected.end[w] as number[]).forEach((v, i) =>
          expect(Math.abs((linear[w]?.endLogits[i] as number) - v)).toBeLessThanOrEqual(Math.abs(v) * 6e-8 + 1e-45),
        );
      });
      const decoded = postprocessQaPredictions(golden.examples, combineWindows(models, optionsFor(method)));
      expect(Object.fromEntries(decoded.predictions)).toEqual(expected.predictions);
      for (const [qid, odds] of Object.entries(expected.null_odds))
        expect(decoded.nullOdds.get(qid)).toBeCloseTo(odds, 4);
      if (expected.legacy) {
        const legacy = decodeLegacyArgmax(golden.examples, linear, { alreadyProbabilities: true });
        for (const [qid, e] of Object.entries(expected.legacy)) {
          expect([legacy.get(qid)?.text, legacy.get(qid)?.featureIndex]).toEqual([e.text, e.feature_index]);
          expect(legacy.get(qid)?.confidence).toBeCloseTo(e.confidence, 6);
        }
      }
    },
  );

  it('is the identity (in probability) for one model, and mean = weighted mean with equal weights (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: -20, max: 20, noNaN: true }), { minLength: 2, maxLength: 30 }), (logits) => {
        const f: QaFeature = {
          exampleIndex: 0,
          startLogits: logits,
          endLogits: logits,
          offsets: logits.flatMap(() => [-1, -1]),
        };
        const [single] = combineWindows([[f]], { method: 'max-probability', probabilityScale: 'linear' });
        const sum = Array.from(single?.startLogits ?? []).reduce((a, b) => a + b, 0);
        const mean = combineWindows([[f], [f]], { method: 'mean-probability' })[0]?.startLogits;
        const weighted = combineWindows([[f], [f]], { method: 'weighted-mean-probability', weights: [2, 2] })[0]
          ?.startLogits;
        return (
          Math.abs(sum - 1) < 1e-5 &&
          JSON.stringify(Array.from(mean ?? [])) === JSON.stringify(Array.from(weighted ?? []))
        );
      }),
    );
  });

  it('rejects models whose windows differ, and bad weights', () => {
    const shifted = models[1]?.map((f) => ({
      ...f,
      offsets: Int32Array.from(f.offsets as Int32Array, (o) => (o >= 0 ? o + 1 : o)),
    })) as QaFeature[];
    expect(() => combineWindows([base, shifted], { method: 'mean-probability' })).toThrow(/other offsets than model 0/);
    expect(() => combineWindows([base, base.slice(1)], { method: 'mean-probability' })).toThrow(MismatchError);
    expect(() => combineWindows([base, base], { method: 'weighted-mean-probability' })).toThrow(
      /needs one weight per model/,
    );
    expect(() => combineWindows([base, base], { method: 'weighted-mean-probability', weights: [1, -1] })).toThrow(
      InvalidArgumentError,
    );
    expect(() => combineWindows([base, base], { method: 'max-probability', weights: [1, 1] })).toThrow(
      /takes no weights/,
    );
    expect(() => combineWindows([], { method: 'logit-sum' })).toThrow(/at least one model/);
  });
});

describe('applyAnswerabilityGate', () => {
  const decoded = postprocessQaPredictions(golden.examples, base);
  const pNa = new Map(Object.entries(golden.gate.no_answer_probability));
  it('binary mode matches numpy', () => {
    expect(Object.fromEntries(applyAnswerabilityGate(decoded, pNa, { mode: 'binary' }).predictions)).toEqual(
      golden.gate.binary,
    );
  });
  it('sum mode matches numpy', () => {
    const gated = applyAnswerabilityGate(decoded, pNa, { mode: 'sum' });
    for (const [qid, e] of Object.entries(golden.gate.sum)) {
      expect(gated.predictions.get(qid)).toBe(e.prediction);
      expect(gated.naScores.get(qid)).toBeCloseTo(e.score, 5);
    }
  });
  it('rejects missing or invalid probabilities', () => {
    expect(() => applyAnswerabilityGate(decoded, new Map(), { mode: 'binary' })).toThrow(MismatchError);
    expect(() => applyAnswerabilityGate(decoded, new Map([...pNa].map(([k]) => [k, 1.5])), { mode: 'binary' })).toThrow(
      /must be in \[0, 1\]/,
    );
  });
  it('aggregates window probabilities per question (max, as the seed; or mean)', () => {
    const p = noAnswerProbabilityPerExample([0.1, 0.7, 0.4, 0.2], [0, 0, 1, 1], ['a', 'b']);
    expect(Object.fromEntries(p)).toEqual({ a: 0.7, b: 0.4 });
    expect(noAnswerProbabilityPerExample([0.1, 0.7], [0, 0], ['a'], 'mean').get('a')).toBeCloseTo(0.4, 12);
    expect(() => noAnswerProbabilityPerExample([0.1], [0], ['a', 'b'])).toThrow(/example b has no windows/);
  });
});
