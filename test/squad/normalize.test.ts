/**
 * Normalisation, exact and F1 against Python (tools/squad/make_metric_fixtures.py): adversarial Unicode strings and
 * fuzzed ones where JS regex/whitespace semantics differ from Python's, plus whole-code-space classification.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  answerTokens,
  isPythonWhitespace,
  isPythonWordChar,
  normalizeAnswer,
} from '../../src/squad/metric/normalize.js';
import { computeExact, computeF1 } from '../../src/squad/metric/scores.js';

interface Golden {
  adversarial_count: number;
  normalize: [string, string, string[]][];
  pairs: [string, string, number, number][];
  codepoints: {
    unidata_version: string;
    whitespace: number[];
    word_ranges: [number, number][];
    assigned_ranges: [number, number][];
  };
}
const golden = JSON.parse(
  readFileSync(new URL('../fixtures/squad/metric-golden.json', import.meta.url), 'utf8'),
) as Golden;

function inRanges(ranges: readonly [number, number][]): (cp: number) => boolean {
  const set = new Uint8Array(0x110000);
  for (const [lo, hi] of ranges) set.fill(1, lo, hi + 1);
  return (cp) => set[cp] === 1;
}

describe('normalizeAnswer / answerTokens match Python', () => {
  it.each(golden.normalize.slice(0, golden.adversarial_count))('adversarial %j', (input, normalized, tokens) => {
    expect(normalizeAnswer(input)).toBe(normalized);
    expect(answerTokens(input)).toEqual(tokens);
  });
  it('on 600 fuzzed strings', () => {
    const fuzzed = golden.normalize.slice(golden.adversarial_count);
    const wrong = fuzzed.filter(
      ([input, normalized, tokens]) =>
        normalizeAnswer(input) !== normalized || JSON.stringify(answerTokens(input)) !== JSON.stringify(tokens),
    );
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(fuzzed.length).toBe(600);
  });
});

describe('computeExact / computeF1 match Python', () => {
  it('on 800 adversarial pairs, bit for bit', () => {
    const wrong = golden.pairs.filter(([g, p, em, f1]) => computeExact(g, p) !== em || computeF1(g, p) !== f1);
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(golden.pairs.some(([, , , f1]) => f1 > 0 && f1 < 1)).toBe(true);
  });
  it('scores worked examples', () => {
    expect(computeF1('the cat sat', 'cat sat down')).toBe(0.8); // P = 2/3, R = 1
    expect(computeExact('U.S.', 'us')).toBe(1);
    expect(computeF1('', 'the')).toBe(1); // both normalise to nothing
    expect(computeF1('Paris', '')).toBe(0);
  });
  it('EM <= F1 and both in [0, 1] (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (g, p) => {
        const em = computeExact(g, p);
        const f1 = computeF1(g, p);
        return em <= f1 && f1 >= 0 && f1 <= 1;
      }),
    );
  });
});

describe('character classes over the whole code space, as Python classifies them', () => {
  const { whitespace, word_ranges, assigned_ranges } = golden.codepoints;
  const isAssignedInPython = inRanges(assigned_ranges);
  it('whitespace: exactly Python str.isspace()', () => {
    const expected = new Set(whitespace);
    const wrong: number[] = [];
    for (let cp = 0; cp < 0x110000; cp++) if (isPythonWhitespace(cp) !== expected.has(cp)) wrong.push(cp);
    expect(wrong).toEqual([]);
  });
  it(`word characters: Python re \\w at every code point assigned in Unicode ${golden.codepoints.unidata_version}`, () => {
    const isWord = inRanges(word_ranges);
    const wrong: string[] = [];
    for (let cp = 0; cp < 0x110000; cp++) {
      if (isAssignedInPython(cp) && isPythonWordChar(cp) !== isWord(cp)) wrong.push(cp.toString(16));
    }
    expect(wrong.slice(0, 20)).toEqual([]);
  });
});
