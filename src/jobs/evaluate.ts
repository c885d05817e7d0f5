/**
 * `evaluatePredictionsFile`: the official SQuAD 2.0 evaluation of a predictions file, as `bertvision evaluate`
 * (and `evaluate-v2.0.py`) runs it: read the dataset, the predictions and the optional na_prob file, score, and
 * write the optional metrics file and the `-p` plots (SVG). Node only.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { naProbHistogramSvg, precisionRecallSvg } from '../report/squad-plots.js';
import { readSquadQuestions } from '../squad/dataset.js';
import {
  MissingPredictionsError,
  evaluateSquadV2,
  type NaProbEntry,
  type SquadV2Evaluation,
} from '../squad/metric/official-eval.js';
import { pythonJsonDumps } from '../squad/pyjson/python-json.js';
import { readJsonFile, readNaProbFile, readStringMapFile, writeTextFileAtomic } from './json-files.js';

/** Options of {@link evaluatePredictionsFile}. */
export interface EvaluatePredictionsOptions {
  /** SQuAD 2.0 dataset file. */
  dataFile: string;
  /** Predictions: a JSON object qid → answer text ("" = no answer). */
  predictionsFile: string;
  /** JSON object qid → probability (or null odds) of no answer; adds the `best_*` thresholds. Default: none. */
  naProbFile?: string;
  /** Predict no answer when na_prob > this. Default 1.0 (the official script's). */
  naProbThresh?: number;
  /** Dataset questions without a prediction: an error (default, as the official script) or scored as abstentions. */
  missing?: 'error' | 'abstain';
  /** With `naProbFile`: add `pr_*_ap` and write the PR curves and na_prob histograms to this directory (SVG). */
  imageDir?: string;
  /** Write the metrics as single-line JSON (`json.dump`) to this file. Default: none. */
  outFile?: string;
  /** The end of the message of a MissingPredictionsError. Default: how to ask for abstentions in this API. */
  missingHint?: string;
}

async function writePlots(
  dir: string,
  evaluation: SquadV2Evaluation,
  naProbs: readonly NaProbEntry[],
  hasAnswer: Map<string, boolean>,
): Promise<void> {
  const curves = evaluation.precisionRecall;
  if (!curves) return;
  await mkdir(dir, { recursive: true });
  const naOf = (answerable: boolean): number[] =>
    naProbs.filter((e) => hasAnswer.get(e.qid) === answerable).map((e) => e.value.value);
  const files: [string, string][] = [
    ['pr_exact.svg', precisionRecallSvg(curves.exact, 'Precision-Recall curve for Exact Match score')],
    ['pr_f1.svg', precisionRecallSvg(curves.f1, 'Precision-Recall curve for F1 score')],
    [
      'pr_oracle.svg',
      precisionRecallSvg(curves.oracle, 'Oracle Precision-Recall curve (binary task of HasAns vs. NoAns)'),
    ],
    ['na_prob_hist_hasAns.svg', naProbHistogramSvg(naOf(true), 'Histogram of no-answer probability: hasAns')],
    ['na_prob_hist_noAns.svg', naProbHistogramSvg(naOf(false), 'Histogram of no-answer probability: noAns')],
  ];
  for (const [name, svg] of files) await writeTextFileAtomic(join(dir, name), svg);
}

/**
 * Score `options.predictionsFile` against `options.dataFile` with the official SQuAD 2.0 metric.
 * @returns the evaluation (`entries` in the official script's key order; `abstained` lists the questions scored
 *   as abstentions).
 * @throws MissingPredictionsError when questions have no prediction and `missing` is `'error'`; the errors of the
 *   file readers (InvalidArgumentError, FileFormatError) naming the file.
 * @example
 * ```ts
 * const { entries } = await evaluatePredictionsFile({ dataFile: 'dev-v2.0.json', predictionsFile: 'pred/predictions.json' });
 * console.log(pythonJsonDumps(entries, 2)); // what evaluate-v2.0.py prints
 * ```
 */
export async function evaluatePredictionsFile(options: EvaluatePredictionsOptions): Promise<SquadV2Evaluation> {
  const { dataFile, predictionsFile, naProbFile, imageDir } = options;
  const questions = readSquadQuestions(await readJsonFile(dataFile), dataFile);
  const predictions = await readStringMapFile(predictionsFile);
  const naProbs = naProbFile === undefined ? undefined : await readNaProbFile(naProbFile);
  let evaluation: SquadV2Evaluation;
  try {
    evaluation = evaluateSquadV2(questions, predictions, {
      ...(naProbs ? { naProbs } : {}),
      naProbThresh: options.naProbThresh ?? 1.0,
      missing: options.missing ?? 'error',
      precisionRecall: imageDir !== undefined,
      files: { dataset: dataFile, predictions: predictionsFile, ...(naProbFile ? { naProbs: naProbFile } : {}) },
    });
  } catch (error) {
    if (error instanceof MissingPredictionsError) {
      const total = new Set(questions.map((q) => q.id)).size;
      const hint = options.missingHint ?? "set missing: 'abstain' to score them as abstentions";
      throw new MissingPredictionsError(error.missing, total, hint, predictionsFile);
    }
    throw error;
  }
  if (imageDir !== undefined && naProbs) {
    await writePlots(imageDir, evaluation, naProbs, new Map(questions.map((q) => [q.id, q.hasAnswer])));
  }
  if (options.outFile !== undefined) await writeTextFileAtomic(options.outFile, pythonJsonDumps(evaluation.entries));
  return evaluation;
}
