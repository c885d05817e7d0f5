import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

// Real stores: the QA-fine-tuned MiniLM span store (6 windows, with the model's own QA logits) and the MiniLM CLS
// stores. Expected values: tools/eval/make_ensemble_fixture.py (Python references of the decoder and the metric).
const root = fileURLToPath(new URL('../..', import.meta.url));
const spanStore = join(root, 'data/minilm/span-eval-6q-finetuned.safetensors');
const clsTrain = join(root, 'data/minilm/cls-train-300q.h5');
const clsEval = join(root, 'data/minilm/cls-eval-200q.h5');
const squad = join(root, 'data/squad/dev-v2.0.json');
type Expected = {
  predictions: Record<string, string>;
  null_odds: Record<string, number>;
  metrics: Record<string, number>;
};
const expected = JSON.parse(readFileSync(join(root, 'test/fixtures/eval/ensemble-expected.json'), 'utf8')) as Record<
  string,
  Expected
> & { question_ids: string[] };
const work = mkdtempSync(join(tmpdir(), 'bv-predict-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function expectMetricsClose(actual: Record<string, number>, want: Record<string, number>): void {
  expect(Object.keys(actual)).toEqual(Object.keys(want));
  for (const [k, v] of Object.entries(want)) expect(actual[k], k).toBeCloseTo(v, 9);
}

const spanHead = join(work, 'span-head');
const binaryHead = join(work, 'binary-head');
beforeAll(async () => {
  const common = ['--epochs', '1'];
  expect(
    (await cli(['train', spanStore, '--arch', 'learned-pooling', '--out', spanHead, '--batch-size', '2', ...common]))
      .code,
  ).toBe(0);
  expect(
    (await cli(['train', clsTrain, '--arch', 'tenney-small', '--out', binaryHead, '--batch-size', '64', ...common]))
      .code,
  ).toBe(0);
});

describe('bertvision predict', () => {
  it('writes run_qa.py-style files for a span head and scores them', async () => {
    const out = join(work, 'pred-span');
    const r = await cli([
      'predict',
      spanStore,
      '--model',
      join(spanHead, 'model'),
      '--squad',
      squad,
      '--out',
      out,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out);
    const predictions = JSON.parse(readFileSync(join(out, 'predictions.json'), 'utf8'));
    expect(Object.keys(predictions)).toEqual(expected.question_ids);
    expect(Object.keys(JSON.parse(readFileSync(join(out, 'null_odds.json'), 'utf8')))).toEqual(expected.question_ids);
    expect(existsSync(join(out, 'nbest_predictions.json'))).toBe(true);
    expect(result.metrics.total).toBe(6);
    expect(result.metrics.HasAns_total).toBe(5);
  });

  it('writes per-question no-answer probabilities for a binary head', async () => {
    const out = join(work, 'pred-binary');
    const r = await cli(['predict', clsEval, '--model', join(binaryHead, 'model'), '--out', out, '--json']);
    expect(r.code).toBe(0);
    const p = JSON.parse(readFileSync(join(out, 'no_answer_probability.json'), 'utf8')) as Record<string, number>;
    expect(Object.keys(p)).toHaveLength(200);
    expect(Object.values(p).every((x) => x >= 0 && x <= 1)).toBe(true);
    expect(JSON.parse(r.out).metrics.questions).toBe(200);
  });

  it('refuses a head trained on another backbone and a span head without --squad', async () => {
    const wrong = await cli(['predict', clsEval, '--model', join(spanHead, 'model'), '--out', join(work, 'x')]);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/takes examples of shape \[128, 384, 7\], the store holds \[1, 384, 8\]/);
    const noSquad = await cli(['predict', spanStore, '--model', join(spanHead, 'model'), '--out', join(work, 'y')]);
    expect(noSquad.code).toBe(2);
  });
});

describe('bertvision ensemble', () => {
  it("scores the stored BERT logits exactly as Python's decoder and metric do", async () => {
    for (const [flags, key] of [
      [[], 'bert'],
      [['--null-score-diff-threshold', '1e9'], 'bert_forced'],
    ] as const) {
      const r = await cli([
        'ensemble',
        spanStore,
        '--squad',
        squad,
        '--out',
        join(work, `ens-${key}`),
        '--bert',
        '--model',
        join(spanHead, 'model'),
        ...flags,
        '--json',
      ]);
      expect(r.code).toBe(0);
      expectMetricsClose(JSON.parse(r.out).metrics.bert, expected[key]!.metrics);
    }
  });

  it('a weighted probability mean that selects BERT alone decodes its log-probabilities', async () => {
    const out = join(work, 'ens-weighted');
    const r = await cli([
      'ensemble',
      spanStore,
      '--squad',
      squad,
      '--out',
      out,
      '--bert',
      '--model',
      join(spanHead, 'model'),
      '--method',
      'weighted-mean-probability',
      '--weights',
      '1,0',
      '--null-score-diff-threshold',
      '1e9',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'predictions.json'), 'utf8'))).toEqual(
      expected.bert_log_softmax_forced!.predictions,
    );
  });

  it("gates the seed's max-probability ensemble with a binary head", async () => {
    const out = join(work, 'ens-gated');
    const r = await cli([
      'ensemble',
      spanStore,
      '--squad',
      squad,
      '--out',
      out,
      '--bert',
      '--model',
      join(spanHead, 'model'),
      '--gate',
      join(binaryHead, 'model'),
      '--gate-store',
      clsEval,
      '--gate-threshold',
      '2',
      '--json',
    ]);
    expect(r.code).toBe(0);
    // p(no answer) never exceeds 2: the gate answers every question with the ensemble's span.
    const predictions = JSON.parse(readFileSync(join(out, 'predictions.json'), 'utf8')) as Record<string, string>;
    expect(Object.values(predictions).every((t) => t.length > 0)).toBe(true);
    expect(Object.keys(JSON.parse(r.out).metrics)).toEqual(['bert', join(spanHead, 'model'), 'ensemble']);
  });

  it('with --bert alone writes the stored BERT logits decoded: predictions and null odds of the Python reference', async () => {
    const out = join(work, 'bert-alone');
    const r = await cli(['ensemble', spanStore, '--squad', squad, '--out', out, '--bert', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'predictions.json'), 'utf8'))).toEqual(expected.bert!.predictions);
    const nullOdds = JSON.parse(readFileSync(join(out, 'null_odds.json'), 'utf8')) as Record<string, number>;
    for (const [qid, v] of Object.entries(expected.bert!.null_odds)) expect(nullOdds[qid], qid).toBeCloseTo(v, 5);
    expectMetricsClose(JSON.parse(r.out).metrics.bert, expected.bert!.metrics);
  });

  it('rejects a lone head, a binary head as a member and bad weights', async () => {
    expect(
      (
        await cli([
          'ensemble',
          spanStore,
          '--squad',
          squad,
          '--out',
          join(work, 'e1'),
          '--model',
          join(spanHead, 'model'),
        ])
      ).err,
    ).toMatch(/needs two members/);
    const binary = await cli([
      'ensemble',
      spanStore,
      '--squad',
      squad,
      '--out',
      join(work, 'e2'),
      '--bert',
      '--model',
      join(binaryHead, 'model'),
    ]);
    expect(binary.code).toBe(1);
    expect(
      (
        await cli([
          'ensemble',
          spanStore,
          '--squad',
          squad,
          '--out',
          join(work, 'e3'),
          '--bert',
          '--model',
          join(spanHead, 'model'),
          '--method',
          'max-probability',
          '--weights',
          '1,2',
        ])
      ).code,
    ).toBe(2);
  });
});
