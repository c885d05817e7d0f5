/**
 * Span decoding against a Python reference of transformers' postprocess_qa_predictions and of the seed's legacy
 * decoder (tools/squad/reference_postprocess.py), on real dev contexts tokenised by HF tokenizers with real offsets.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, MismatchError, ShapeError } from '../../src/errors.js';
import { topIndices, type QaFeature } from '../../src/squad/decode/input.js';
import { decodeLegacyArgmax } from '../../src/squad/decode/legacy.js';
import { postprocessQaPredictions } from '../../src/squad/decode/hf.js';
import { transformersQaFiles } from '../../src/squad/decode/json.js';
import { fixtureFeatures, golden, type NBestJson } from './decode-fixture.js';

const features = fixtureFeatures();

describe('postprocessQaPredictions matches transformers (Python reference)', () => {
  it.each(Object.entries(golden.decoded))('options %s', (_name, expected) => {
    const o = expected.options;
    const result = postprocessQaPredictions(golden.examples, features, {
      ...(o.n_best_size !== undefined ? { nBestSize: o.n_best_size } : {}),
      ...(o.max_answer_length !== undefined ? { maxAnswerLength: o.max_answer_length } : {}),
      ...(o.null_score_diff_threshold !== undefined ? { nullScoreDiffThreshold: o.null_score_diff_threshold } : {}),
      ...(o.version_2_with_negative !== undefined ? { versionTwoWithNegative: o.version_2_with_negative } : {}),
    });
    expect(Object.fromEntries(result.predictions)).toEqual(expected.predictions);
    // Null odds are float32 sums of float32 logits: bit-identical to numpy.
    expect(Object.fromEntries(result.nullOdds)).toEqual(expected.null_odds);
    for (const [qid, list] of Object.entries(expected.nbest)) {
      const actual = result.nbest.get(qid) ?? [];
      expect(actual.map((c) => [c.text, c.startLogit, c.endLogit])).toEqual(
        list.map((c) => [c.text, c.start_logit, c.end_logit]),
      );
      // numpy's float32 SIMD exp may differ from exp-then-round by an ulp.
      actual.forEach((c, i) => expect(c.probability).toBeCloseTo(list[i]?.probability as number, 6));
    }
  });

  it('accepts HF-style offsets ([start, end] or null per token) and number[] logits with float64 arithmetic', () => {
    const hfStyle: QaFeature[] = golden.features.map((f) => ({
      exampleIndex: f.example_index,
      startLogits: f.start_logits,
      endLogits: f.end_logits,
      offsets: Array.from({ length: f.offsets.length / 2 }, (_, t) =>
        (f.offsets[2 * t] as number) < 0 ? null : ([f.offsets[2 * t], f.offsets[2 * t + 1]] as [number, number]),
      ),
    }));
    const result = postprocessQaPredictions(golden.examples, hfStyle, { arithmetic: 'float64' });
    expect(Object.fromEntries(result.predictions)).toEqual(golden.decoded.defaults?.predictions);
    for (const [qid, odds] of Object.entries(golden.decoded.defaults?.null_odds ?? {}))
      expect(result.nullOdds.get(qid)).toBeCloseTo(odds, 5);
  });

  it('slices contexts by code points (astral characters before the answer)', () => {
    const result = postprocessQaPredictions(golden.examples, features, { versionTwoWithNegative: false });
    expect(result.predictions.get('synthetic-astral')).toBe(golden.decoded.version_1?.predictions['synthetic-astral']);
    expect(golden.decoded.version_1?.predictions['synthetic-astral']).toBe('2010,');
  });

  it('never returns text outside the context, and only context-token spans (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 25 }),
        fc.integer({ min: 1, max: 40 }),
        (seed, nBestSize, maxAnswerLength) => {
          let state = seed;
          const rand = (): number => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32) * 10 - 5;
          const random = features.map((f) => ({
            ...f,
            startLogits: Float32Array.from(f.startLogits, rand),
            endLogits: Float32Array.from(f.endLogits, rand),
          }));
          const result = postprocessQaPredictions(golden.examples, random, { nBestSize, maxAnswerLength });
          return golden.examples.every((ex) => {
            const nbest = result.nbest.get(ex.id) ?? [];
            return (
              nbest.length <= nBestSize + 2 && nbest.every((c) => c.text === 'empty' || ex.context.includes(c.text))
            );
          });
        },
      ),
      { numRuns: 30 },
    );
  });

  it('inserts the "empty" placeholder when no span is valid, as transformers does', () => {
    const example = { id: 'q', context: 'abc' };
    const feature: QaFeature = { exampleIndex: 0, startLogits: [1, 2], endLogits: [1, 2], offsets: [-1, -1, -1, -1] };
    const result = postprocessQaPredictions([example], [feature]);
    expect(result.nbest.get('q')?.map((c) => c.text)).toEqual(['empty', '']);
    expect(result.nullOdds.get('q')).toBe(2); // null score 2 minus the placeholder's 0 + 0
    expect(result.predictions.get('q')).toBe('');
  });

  it('rejects malformed input with typed errors', () => {
    const ex = [{ id: 'q', context: 'abc' }];
    const ok = { exampleIndex: 0, startLogits: [0, 1], endLogits: [0, 1], offsets: [-1, -1, 0, 3] };
    expect(() => postprocessQaPredictions(ex, [{ ...ok, exampleIndex: 1 }])).toThrow(InvalidArgumentError);
    expect(() => postprocessQaPredictions(ex, [{ ...ok, endLogits: [0] }])).toThrow(ShapeError);
    expect(() => postprocessQaPredictions(ex, [{ ...ok, startLogits: [0, Number.NaN] }])).toThrow(
      /feature 0: logit 1 is NaN/,
    );
    expect(() => postprocessQaPredictions(ex, [{ ...ok, offsets: [-1, -1, 0, 9] }])).toThrow(MismatchError);
    expect(() => postprocessQaPredictions([...ex, { id: 'r', context: '' }], [ok])).toThrow(
      /example r has no features/,
    );
    expect(() => postprocessQaPredictions(ex, [{ ...ok, offsets: [0, 1, 2] }])).toThrow(/even length/);
  });
});

describe('transformersQaFiles', () => {
  it.each(['defaults', 'version_1'])('writes the files run_qa.py writes (%s)', (name) => {
    const expected = golden.decoded[name]!;
    const files = transformersQaFiles(
      postprocessQaPredictions(
        golden.examples,
        features,
        name === 'version_1' ? { versionTwoWithNegative: false } : {},
      ),
    );
    expect(files.predictions).toBe(expected.files.predictions);
    expect(files.nullOdds).toBe(expected.files.null_odds ?? undefined);
    const nbest = JSON.parse(files.nbest) as Record<string, NBestJson[]>;
    for (const [qid, list] of Object.entries(expected.nbest)) {
      const actual = nbest[qid] ?? [];
      expect(actual.map((c) => Object.keys(c))).toEqual(list.map((c) => Object.keys(c)));
      expect(actual.map((c) => [c.text, c.start_logit, c.end_logit])).toEqual(
        list.map((c) => [c.text, c.start_logit, c.end_logit]),
      );
      actual.forEach((c, i) => expect(c.probability).toBeCloseTo(list[i]?.probability as number, 6));
    }
  });
  it("puts the placeholder's text first, as transformers' dict order does", () => {
    const result = postprocessQaPredictions(
      [{ id: 'q', context: 'abc' }],
      [{ exampleIndex: 0, startLogits: [1, 2], endLogits: [1, 2], offsets: [-1, -1, -1, -1] }],
    );
    const nbest = JSON.parse(transformersQaFiles(result).nbest) as Record<string, object[]>;
    expect(nbest.q?.map((c) => Object.keys(c))).toEqual([
      ['text', 'start_logit', 'end_logit', 'probability'],
      ['start_logit', 'end_logit', 'text', 'probability'],
    ]);
  });
});

describe('decodeLegacyArgmax matches the seed rule (Python reference)', () => {
  it('on the fixture windows', () => {
    const result = decodeLegacyArgmax(golden.examples, features);
    for (const [qid, e] of Object.entries(golden.legacy)) {
      const a = result.get(qid);
      expect([a?.text, a?.featureIndex, a?.startToken, a?.endToken]).toEqual([
        e.text,
        e.feature_index,
        e.start_token,
        e.end_token,
      ]);
      expect(a?.confidence).toBeCloseTo(e.confidence, 12);
    }
  });
  it('ignores end >= start and length limits (unlike transformers), and drops non-context tokens from the text', () => {
    const ex = [{ id: 'q', context: 'one two three' }];
    const offsets = [-1, -1, -1, -1, 0, 3, 4, 7, 8, 13, -1, -1];
    const decode = (s: number, e: number): string => {
      const hot = (i: number): number[] => Array.from({ length: 6 }, (_, k) => (k === i ? 5 : 0));
      return decodeLegacyArgmax(ex, [{ exampleIndex: 0, startLogits: hot(s), endLogits: hot(e), offsets }]).get('q')
        ?.text as string;
    };
    expect(decode(2, 4)).toBe('one two three');
    expect(decode(1, 3)).toBe('one two'); // question token dropped
    expect(decode(4, 2)).toBe(''); // end before start
    expect(decode(0, 0)).toBe(''); // CLS alone
    expect(decode(0, 1)).toBe(''); // no context token inside
  });
});

describe('topIndices', () => {
  it('equals a full descending sort (higher index first among ties) (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 25 }),
        (values, n) => {
          const expected = values
            .map((v, i) => [v, i] as const)
            .sort((a, b) => b[0] - a[0] || b[1] - a[1])
            .slice(0, n)
            .map(([, i]) => i);
          expect(topIndices(values, n)).toEqual(expected);
        },
      ),
    );
  });
});
