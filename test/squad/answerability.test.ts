/** The seed's binary answerability metric against plain-Python values (tools/squad/make_answerability_fixture.py). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/errors.js';
import { answerabilityMetrics } from '../../src/squad/metric/answerability.js';

const golden = JSON.parse(
  readFileSync(new URL('../fixtures/squad/answerability-golden.json', import.meta.url), 'utf8'),
) as {
  window_qids: string[];
  logits: [number, number][];
  gold_impossible: Record<string, boolean>;
  expected: Record<string, number>;
};

describe('answerabilityMetrics', () => {
  it('matches Python on real dev qids (per-question max, inner join, F1 of class 1)', () => {
    const metrics = answerabilityMetrics(
      golden.logits.flat(),
      golden.window_qids,
      new Map(Object.entries(golden.gold_impossible)),
    );
    expect(metrics).toEqual(golden.expected);
  });
  it('counts an undefined F1 as 0 and rejects mismatched lengths', () => {
    const metrics = answerabilityMetrics(
      [1, 0, 2, 0],
      ['a', 'b'],
      new Map([
        ['a', false],
        ['b', false],
      ]),
    );
    expect([metrics.accuracy, metrics.f1, metrics.precision, metrics.recall]).toEqual([1, 0, 0, 0]);
    expect(() => answerabilityMetrics([1, 0, 2], ['a', 'b'], new Map())).toThrow(ShapeError);
    expect(() => answerabilityMetrics([1, 0], ['x'], new Map([['a', true]]))).toThrow(
      /no window question id is in the gold map/,
    );
  });
});
