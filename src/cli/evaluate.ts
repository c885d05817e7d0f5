/**
 * `bertvision evaluate data.json pred.json [-n na_prob.json] [-t thresh] [-o out.json] [-p out_images]`: the
 * official SQuAD 2.0 evaluation, argument-compatible with `evaluate-v2.0.py` and printing the same JSON
 * (`json.dumps(indent=2)` on stdout, single-line `json.dump` with `-o`). Flags and printing only: the job is
 * `evaluatePredictionsFile` (src/jobs/evaluate.ts).
 */
import { UsageError } from '../errors.js';
import { evaluatePredictionsFile } from '../jobs/evaluate.js';
import { pythonJsonDumps } from '../squad/pyjson/python-json.js';
import type { CliCommand } from './command.js';
import { parseCommandLine } from './command-line.js';

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

/** The `evaluate` subcommand. */
export const evaluateCommand: CliCommand = {
  name: 'evaluate',
  summary: 'official SQuAD 2.0 EM/F1 of a predictions file (evaluate-v2.0.py compatible)',
  usage,
  async run(argv, io) {
    // a negative threshold (`-t -1`) is a value, as argparse takes negative-number look-alikes
    const { values, positionals } = parseCommandLine(argv, {
      'out-file': { type: 'string', short: 'o' },
      'na-prob-file': { type: 'string', short: 'n' },
      'na-prob-thresh': { type: 'string', short: 't' },
      'out-image-dir': { type: 'string', short: 'p' },
      verbose: { type: 'boolean', short: 'v' },
      'missing-as-abstain': { type: 'boolean' },
    });
    if (positionals.length !== 2)
      throw new UsageError(`expected 2 arguments (data.json pred.json), got ${positionals.length}`);
    const [dataFile, predFile] = positionals as [string, string];
    const naProbThresh = parseThreshold(values['na-prob-thresh']);
    const imageDir = values['out-image-dir'];
    const naFile = values['na-prob-file'];
    if (imageDir !== undefined && naFile === undefined) throw new UsageError('--out-image-dir needs --na-prob-file');

    const evaluation = await evaluatePredictionsFile({
      dataFile,
      predictionsFile: predFile,
      ...(naFile !== undefined ? { naProbFile: naFile } : {}),
      naProbThresh,
      missing: values['missing-as-abstain'] ? 'abstain' : 'error',
      ...(imageDir !== undefined ? { imageDir } : {}),
      ...(values['out-file'] !== undefined ? { outFile: values['out-file'] } : {}),
      missingHint: 'pass --missing-as-abstain to score them as abstentions',
    });
    if (evaluation.abstained.length > 0) {
      io.stderr(
        `bertvision evaluate: ${evaluation.abstained.length} questions without a prediction scored as abstentions\n`,
      );
    }
    if (values['out-file'] === undefined) io.stdout(`${pythonJsonDumps(evaluation.entries, 2)}\n`);
    return 0;
  },
};
