/**
 * The jobs `ensembleHeads` and `evaluatePredictionsFile` called as library functions (no CLI). Expected values from
 * outside the code under test: tools/eval/make_ensemble_fixture.py (Python's decoder and metric on the stored BERT
 * logits) and the official evaluate-v2.0.py outputs (tools/squad/make_metric_fixtures.py).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  MissingPredictionsError,
  ensembleHeads,
  evaluatePredictionsFile,
  pythonJsonDumps,
} from '../../src/index.node.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const spanStore = join(root, 'data/minilm/span-eval-6q-finetuned.safetensors');
const squad = join(root, 'data/squad/dev-v2.0.json');
type Expected = {
  predictions: Record<string, string>;
  null_odds: Record<string, number>;
  metrics: Record<string, number>;
};
const expected = JSON.parse(readFileSync(join(root, 'test/fixtures/eval/ensemble-expected.json'), 'utf8')) as Record<
  string,
  Expected
>;
const golden = JSON.parse(readFileSync(join(root, 'test/fixtures/squad/metric-golden.json'), 'utf8')) as {
  dumps: Record<string, { indent2: string; plain: string }>;
};
const work = mkdtempSync(join(tmpdir(), 'bv-jobs-ens-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function expectMetricsClose(actual: Record<string, number> | undefined, want: Record<string, number>): void {
  expect(Object.keys(actual ?? {})).toEqual(Object.keys(want));
  for (const [k, v] of Object.entries(want)) expect(actual![k], k).toBeCloseTo(v, 9);
}

describe('ensembleHeads', () => {
  it("decodes and scores the stored BERT logits as Python's decoder and metric do", async () => {
    for (const [decode, key] of [
      [{}, 'bert'],
      [{ nullScoreDiffThreshold: 1e9 }, 'bert_forced'],
    ] as const) {
      const outDir = join(work, key);
      const { metrics, files } = await ensembleHeads({ spanStore, squadFile: squad, outDir, bert: true, decode });
      expectMetricsClose(metrics.bert, expected[key]!.metrics);
      expectMetricsClose(metrics.ensemble, expected[key]!.metrics);
      expect(JSON.parse(readFileSync(files.predictions, 'utf8'))).toEqual(expected[key]!.predictions);
      const nullOdds = JSON.parse(readFileSync(files.nullOdds!, 'utf8')) as Record<string, number>;
      for (const [qid, value] of Object.entries(expected[key]!.null_odds))
        expect(nullOdds[qid], qid).toBeCloseTo(value, 4);
    }
  });

  it('refuses an ensemble without members', async () => {
    await expect(ensembleHeads({ spanStore, squadFile: squad, outDir: join(work, 'none') })).rejects.toThrow(
      InvalidArgumentError,
    );
  });
});

describe('evaluatePredictionsFile', () => {
  const predictionsFile = join(root, 'data/squad/preds/leaderboard_bert-single_google.dev-v2.0.predictions.json');

  it('gives the official script’s metrics, and writes them as json.dump does', async () => {
    const outFile = join(work, 'metrics.json');
    const evaluation = await evaluatePredictionsFile({ dataFile: squad, predictionsFile, outFile });
    const want = golden.dumps['leaderboard_bert-single_google']!;
    expect(`${pythonJsonDumps(evaluation.entries, 2)}`).toBe(want.indent2);
    expect(readFileSync(outFile, 'utf8')).toBe(want.plain);
  });

  it('refuses a predictions file that misses questions, unless they count as abstentions', async () => {
    const partial = join(work, 'partial.json');
    const all = JSON.parse(readFileSync(predictionsFile, 'utf8')) as Record<string, string>;
    const [first] = Object.keys(all);
    delete all[first!];
    const { writeFileSync } = await import('node:fs');
    writeFileSync(partial, JSON.stringify(all));
    await expect(evaluatePredictionsFile({ dataFile: squad, predictionsFile: partial })).rejects.toThrow(
      MissingPredictionsError,
    );
    const evaluation = await evaluatePredictionsFile({ dataFile: squad, predictionsFile: partial, missing: 'abstain' });
    expect(evaluation.abstained).toEqual([first]);
  });
});
