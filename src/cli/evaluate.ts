/**
 * `bertvision evaluate data.json pred.json [-n na_prob.json] [-t thresh] [-o out.json] [-p out_images]`: the
 * official SQuAD 2.0 evaluation, argument-compatible with `evaluate-v2.0.py` and printing the same JSON
 * (`json.dumps(indent=2)` on stdout, single-line `json.dump` with `-o`).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import { readJsonFile, readNaProbFile, readStringMapFile, writeTextFileAtomic } from '../node/squad-files.js';
import { readSquadQuestions } from '../squad/dataset.js';
import { naProbHistogramSvg, precisionRecallSvg } from '../squad/eval-plots.js';
import { evaluateSquadV2, MissingPredictionsError, type NaProbEntry } from '../squad/official-eval.js';
import { pythonJsonDumps } from '../squad/python-json.js';
import type { CliCommand } from './command.js';

const usage = `Usage: bertvision evaluate data.json pred.json [options]

Official SQuAD 2.0 evaluation (same arguments and output as evaluate-v2.0.py).

Arguments:
  data.json                    SQuAD 2.0 dataset file
  pred.json                    predictions: a JSON object qid -> answer text ("" = no answer)

Options:
  -o, --out-file FILE          write the metrics JSON to FILE (single line) instead of stdout
  -n, --na-prob-file FILE      JSON object qid -> probability (or null odds) of no answer; adds best_* thresholds
  -t, --na-prob-thresh X       predict no answer when na_prob > X (default 1.0)
  -p, --out-image-dir DIR      with -n: add pr_*_ap and write PR curves and na_prob histograms to DIR (SVG)
  -v, --verbose                accepted for compatibility (no effect, as in the official script)
      --missing-as-abstain     score dataset questions without a prediction as "" (the official script crashes)
  -h, --help                   show this help
`;

const PY_FLOAT = /^[+-]?(?:(?:\d(?:_?\d)*)?\.?\d(?:_?\d)*(?:[eE][+-]?\d(?:_?\d)*)?|\d(?:_?\d)*\.)$/;
const PY_SPECIAL = /^([+-]?)(inf|infinity|nan)$/i;

/** `-t` parsed as Python's `float()` parses it (argparse `type=float`): `inf`, `nan`, `1_000`, `.5`, `5.` all work. */
function parseThreshold(text: string | undefined): number {
  if (text === undefined) return 1.0;
  const trimmed = text.trim();
  const special = PY_SPECIAL.exec(trimmed);
  if (special) return special[2]?.toLowerCase() === 'nan' ? Number.NaN : special[1] === '-' ? -Infinity : Infinity;
  if (!PY_FLOAT.test(trimmed)) throw new UsageError(`--na-prob-thresh: '${text}' is not a number`);
  return Number(trimmed.replaceAll('_', ''));
}

/** argparse takes `-t -1` (a negative-number look-alike, its `^-\d+$|^-\d*\.\d+$`) as a value; parseArgs needs `=`. */
function joinNegativeThreshold(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    if ((arg === '-t' || arg === '--na-prob-thresh') && next !== undefined && /^-\d+$|^-\d*\.\d+$/.test(next)) {
      out.push(`--na-prob-thresh=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

async function writePlots(dir: string, evaluation: ReturnType<typeof evaluateSquadV2>, naProbs: readonly NaProbEntry[], hasAnswer: Map<string, boolean>): Promise<void> {
  const curves = evaluation.precisionRecall;
  if (!curves) return;
  await mkdir(dir, { recursive: true });
  const naOf = (answerable: boolean): number[] => naProbs.filter((e) => hasAnswer.get(e.qid) === answerable).map((e) => e.value.value);
  const files: [string, string][] = [
    ['pr_exact.svg', precisionRecallSvg(curves.exact, 'Precision-Recall curve for Exact Match score')],
    ['pr_f1.svg', precisionRecallSvg(curves.f1, 'Precision-Recall curve for F1 score')],
    ['pr_oracle.svg', precisionRecallSvg(curves.oracle, 'Oracle Precision-Recall curve (binary task of HasAns vs. NoAns)')],
    ['na_prob_hist_hasAns.svg', naProbHistogramSvg(naOf(true), 'Histogram of no-answer probability: hasAns')],
    ['na_prob_hist_noAns.svg', naProbHistogramSvg(naOf(false), 'Histogram of no-answer probability: noAns')],
  ];
  for (const [name, svg] of files) await writeTextFileAtomic(join(dir, name), svg);
}

/** The `evaluate` subcommand. */
export const evaluateCommand: CliCommand = {
  name: 'evaluate',
  summary: 'official SQuAD 2.0 EM/F1 of a predictions file (evaluate-v2.0.py compatible)',
  usage,
  async run(argv, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args: joinNegativeThreshold(argv),
        allowPositionals: true,
        strict: true,
        options: {
          'out-file': { type: 'string', short: 'o' },
          'na-prob-file': { type: 'string', short: 'n' },
          'na-prob-thresh': { type: 'string', short: 't' },
          'out-image-dir': { type: 'string', short: 'p' },
          verbose: { type: 'boolean', short: 'v' },
          'missing-as-abstain': { type: 'boolean' },
        },
      });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const { values, positionals } = parsed;
    if (positionals.length !== 2) throw new UsageError(`expected 2 arguments (data.json pred.json), got ${positionals.length}`);
    const [dataFile, predFile] = positionals as [string, string];
    const naProbThresh = parseThreshold(values['na-prob-thresh']);
    const imageDir = values['out-image-dir'];
    const naFile = values['na-prob-file'];
    if (imageDir !== undefined && naFile === undefined) throw new UsageError('--out-image-dir needs --na-prob-file');

    const questions = readSquadQuestions(await readJsonFile(dataFile), dataFile);
    const predictions = await readStringMapFile(predFile);
    const naProbs = naFile === undefined ? undefined : await readNaProbFile(naFile);
    let evaluation;
    try {
      evaluation = evaluateSquadV2(questions, predictions, {
        ...(naProbs ? { naProbs } : {}),
        naProbThresh,
        missing: values['missing-as-abstain'] ? 'abstain' : 'error',
        precisionRecall: imageDir !== undefined,
        files: { predictions: predFile, ...(naFile ? { naProbs: naFile } : {}) },
      });
    } catch (error) {
      if (error instanceof MissingPredictionsError) {
        throw new MissingPredictionsError(error.missing, new Set(questions.map((q) => q.id)).size, 'pass --missing-as-abstain to score them as abstentions', predFile);
      }
      throw error;
    }
    if (evaluation.abstained.length > 0) {
      io.stderr(`bertvision evaluate: ${evaluation.abstained.length} questions without a prediction scored as abstentions\n`);
    }
    if (imageDir !== undefined && naProbs) {
      await writePlots(imageDir, evaluation, naProbs, new Map(questions.map((q) => [q.id, q.hasAnswer])));
    }
    if (values['out-file'] !== undefined) await writeTextFileAtomic(values['out-file'], pythonJsonDumps(evaluation.entries));
    else io.stdout(`${pythonJsonDumps(evaluation.entries, 2)}\n`);
    return 0;
  },
};
