/**
 * The official scorer reproduced on the real dev set: every argument set of reference_eval_outputs.json (produced
 * by the official evaluate-v2.0.py) with the same keys in the same order, and every per-question raw score of
 * reference_raw_scores.dev-v2.0.json.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readSquadQuestions } from '../../src/squad/dataset.js';
import { parseNaProbs } from '../../src/squad/metric/na-probs.js';
import { evaluateSquadV2Hf } from '../../src/squad/metric/hf-evaluate.js';
import {
  evaluateSquadV2,
  MissingPredictionsError,
  type SquadV2EvalOptions,
} from '../../src/squad/metric/official-eval.js';
import { readSquadJson, squadPath } from './shared-data.js';

type Output = Record<string, number>;
const reference = readSquadJson('reference_eval_outputs.json') as Record<
  string,
  { args?: string; output?: Output } & Output
>;
const questions = readSquadQuestions(readSquadJson('dev-v2.0.json'));
const NA_FILE = 'preds/anuragsatish_bert-base-uncased.dev-v2.0.na_prob.json';
const naProbs = parseNaProbs(readFileSync(squadPath(NA_FILE), 'utf8'));

function optionsFromArgs(args: string): { predFile: string; options: SquadV2EvalOptions } {
  const words = args.split(' ').slice(3);
  const options: SquadV2EvalOptions = {};
  for (let i = 1; i < words.length; i += 2) {
    if (words[i] === '-n') options.naProbs = parseNaProbs(readFileSync(squadPath(words[i + 1] as string), 'utf8'));
    else if (words[i] === '-t') options.naProbThresh = Number(words[i + 1]);
    else throw new Error(`unexpected argument ${words[i]}`);
  }
  return { predFile: words[0] as string, options };
}

function expectSameOutput(actual: [string, { value: number }][], expected: Output): void {
  expect(actual.map(([k]) => k)).toEqual(Object.keys(expected));
  for (const [key, { value }] of actual) expect(value, key).toBe(expected[key]);
}

describe('evaluateSquadV2 against the official script on dev-v2.0', () => {
  const cases = Object.entries(reference).filter(([, v]) => typeof v.args === 'string');
  it('covers every official argument set', () => expect(cases.length).toBe(8));
  it.each(cases)('%s', (_name, { args, output }) => {
    const { predFile, options } = optionsFromArgs(args as string);
    const result = evaluateSquadV2(questions, readSquadJson(predFile) as Record<string, string>, options);
    expectSameOutput(result.entries, output as Output);
  });

  it('reproduces the official PR-curve APs', () => {
    const predictions = readSquadJson('preds/anuragsatish_bert-base-uncased.dev-v2.0.predictions.json') as Record<
      string,
      string
    >;
    const result = evaluateSquadV2(questions, predictions, { naProbs, precisionRecall: true });
    const expected = reference[
      'anuragsatish_pr_curve_ap (official make_precision_recall_eval, out_image=None)'
    ] as Output;
    const pr = result.entries.slice(-3);
    expectSameOutput(pr, expected);
  });

  it('breaks na_prob ties by file key order (reversed order gives the official reversed-order numbers)', () => {
    const predictions = readSquadJson('preds/anuragsatish_bert-base-uncased.dev-v2.0.predictions.json') as Record<
      string,
      string
    >;
    const analysis = reference[
      'TIE_ORDER_ANALYSIS anuragsatish (na_prob has 5842 values ==0.0 and 2026 ==0.5)'
    ] as unknown as Record<string, Record<string, [number, number]>>;
    const reversed = evaluateSquadV2(questions, predictions, { naProbs: [...naProbs].reverse() }).metrics;
    expect(reversed.best_exact).toBeCloseTo(analysis.exact?.official_with_na_keys_reversed?.[0] as number, 9);
    expect(reversed.best_exact_thresh).toBe(analysis.exact?.official_with_na_keys_reversed?.[1]);
    expect(reversed.best_f1).toBeCloseTo(analysis.f1?.official_with_na_keys_reversed?.[0] as number, 9);
    expect(reversed.best_f1_thresh).toBe(analysis.f1?.official_with_na_keys_reversed?.[1]);
  });

  it('offers thresholds that can really be realised (the groupwise analysis), whatever the key order', () => {
    const predictions = readSquadJson('preds/anuragsatish_bert-base-uncased.dev-v2.0.predictions.json') as Record<
      string,
      string
    >;
    const analysis = reference[
      'TIE_ORDER_ANALYSIS anuragsatish (na_prob has 5842 values ==0.0 and 2026 ==0.5)'
    ] as unknown as Record<string, Record<string, [number, number]>>;
    for (const order of [naProbs, [...naProbs].reverse()]) {
      const m = evaluateSquadV2(questions, predictions, { naProbs: order, bestThreshold: 'realizable' }).metrics;
      expect([m.best_exact, m.best_exact_thresh]).toEqual(analysis.exact?.groupwise_realizable_threshold);
      expect([m.best_f1, m.best_f1_thresh]).toEqual(analysis.f1?.groupwise_realizable_threshold);
      const applied = evaluateSquadV2(questions, predictions, {
        naProbs: order,
        naProbThresh: m.best_f1_thresh as number,
      }).metrics;
      expect(applied.f1).toBeCloseTo(m.best_f1 as number, 9);
    }
  });

  it('matches every per-question raw score of the official get_raw_scores', () => {
    const raw = readSquadJson('reference_raw_scores.dev-v2.0.json') as Record<string, Record<string, [number, number]>>;
    const files = Object.keys(raw).filter((k) => k !== '_meta');
    expect(files.length).toBe(3);
    for (const name of files) {
      const expected = raw[name] as Record<string, [number, number]>;
      const predFile = `preds/${name}.dev-v2.0.predictions.json`;
      const result = evaluateSquadV2(questions, readSquadJson(predFile) as Record<string, string>);
      expect(result.rawScores.size).toBe(Object.keys(expected).length);
      const mismatches = [...result.rawScores].filter(([qid, s]) => {
        const e = expected[qid];
        return !e || e[0] !== s.exact || e[1] !== s.f1;
      });
      expect(mismatches.slice(0, 5), name).toEqual([]);
    }
  });

  it('reports missing predictions clearly, or scores them as abstentions on request', () => {
    const predictions = {
      ...(readSquadJson('preds/leaderboard_bert-single_google.dev-v2.0.predictions.json') as Record<string, string>),
    };
    const dropped = questions.slice(0, 7).map((q) => q.id);
    for (const qid of dropped) delete predictions[qid];
    let error: unknown;
    try {
      evaluateSquadV2(questions, predictions);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MissingPredictionsError);
    expect((error as MissingPredictionsError).missing).toEqual(dropped);
    expect((error as Error).message).toMatch(/^7 of 11873 dataset questions have no prediction \(first: /);
    const withEmpty = evaluateSquadV2(questions, {
      ...predictions,
      ...Object.fromEntries(dropped.map((q) => [q, ''])),
    });
    const abstaining = evaluateSquadV2(questions, predictions, { missing: 'abstain' });
    expect(abstaining.entries).toEqual(withEmpty.entries);
    expect(abstaining.abstained).toEqual(dropped);
  });
});

describe('evaluateSquadV2Hf (HF evaluate squad_v2 emulation in reference_eval_outputs.json)', () => {
  const references = questions.map((q) => ({ id: q.id, answers: { text: q.goldTexts } }));
  it.each([
    [
      'HF_evaluate_squad_v2_EMULATION leaderboard_bert-single_google (no_answer_probability=0.0 for all)',
      'leaderboard_bert-single_google',
      false,
    ],
    ['HF_evaluate_squad_v2_EMULATION anuragsatish (na_prob as float32)', 'anuragsatish_bert-base-uncased', true],
  ] as const)('%s', (key, file, withNaProbs) => {
    const texts = readSquadJson(`preds/${file}.dev-v2.0.predictions.json`) as Record<string, string>;
    const na = new Map(naProbs.map((e) => [e.qid, e.value.value]));
    const predictions = questions.map((q) => ({
      id: q.id,
      prediction_text: texts[q.id] as string,
      no_answer_probability: withNaProbs ? (na.get(q.id) as number) : 0,
    }));
    expectSameOutput(evaluateSquadV2Hf(predictions, references).entries, reference[key]?.output as Output);
  });
});
