/**
 * `bertvision predict`: run a trained head over a store. Span heads give transformers' `run_qa.py` files
 * (predictions, n-best, null odds) and the official metrics; binary heads give each question's no-answer
 * probability (usable as an na_prob file) and the seed's answerability metrics. Flags and printing only: the job is
 * `predictHead` (src/jobs/predict.ts).
 */
import { UsageError } from '../errors.js';
import { predictHead } from '../jobs/predict.js';
import { applyMatMul, BACKEND_USAGE, MATMUL_USAGE, requestedMatMul, startCliBackend } from './backend.js';
import type { CliCommand } from './command.js';
import { DECODE_FLAG_HELP, DECODE_FLAG_SPECS, decodeOptionsFrom, metricsLine } from './decode-flags.js';
import { parseCommandLine } from './command-line.js';
import { checkOutputDir, clearOutputDir, OVERWRITE_USAGE } from './output-dir.js';
import { positiveInt } from './flags.js';

const USAGE = `Usage: bertvision predict <store> --model <dir> --out <dir> [--squad data.json] [options]

Span heads: writes <out>/predictions.json, nbest_predictions.json and null_odds.json (transformers' run_qa.py
format; evaluate with 'bertvision evaluate data.json <out>/predictions.json -n <out>/null_odds.json'). Needs --squad
for the contexts. Binary heads: writes <out>/no_answer_probability.json (per question, max over its windows).
With --squad, prints the metrics (official SQuAD 2.0 for spans; the seed's answerability accuracy/F1 for binary).

Options:
  --model <dir>            saved head (model.json + weights.bin)
  --out <dir>              output directory
  --squad <file.json>      SQuAD JSON the store was made from
  --batch-size <n>         windows per forward pass (default 32)
${DECODE_FLAG_HELP}
${OVERWRITE_USAGE}
${BACKEND_USAGE}
${MATMUL_USAGE}
  --json                   print the metrics and file paths as JSON
  -h, --help               show this help
`;

/** The `predict` subcommand. */
export const predictCommand: CliCommand = {
  name: 'predict',
  summary:
    'run a trained head over a store: predictions.json, nbest, null_odds (span) or no-answer probabilities (binary)',
  usage: USAGE,
  run: async (argv, io) => {
    const parsed = parseCommandLine(argv, {
      model: { type: 'string' },
      out: { type: 'string' },
      squad: { type: 'string' },
      'batch-size': { type: 'string' },
      backend: { type: 'string' },
      matmul: { type: 'string' },
      json: { type: 'boolean' },
      overwrite: { type: 'boolean' },
      ...DECODE_FLAG_SPECS,
    });
    const v = parsed.values;
    if (parsed.positionals.length !== 1) throw new UsageError(`expected one store, got ${parsed.positionals.length}`);
    if (!v.model || !v.out) throw new UsageError('--model and --out are required');
    const { decoder, options } = decodeOptionsFrom(v);
    const batchSize = positiveInt('--batch-size', v['batch-size'], 32);
    const matmulRequest = requestedMatMul(v.matmul);
    checkOutputDir(v.out, v.overwrite ?? false);
    await startCliBackend(v.backend, io);
    const matmul = applyMatMul(matmulRequest, io);
    await clearOutputDir(v.out, v.overwrite ?? false, io);
    const { task, files, metrics } = await predictHead({
      store: parsed.positionals[0]!,
      model: v.model,
      outDir: v.out,
      ...(v.squad ? { squadFile: v.squad } : {}),
      batchSize,
      decoder,
      decode: options,
    });
    if (v.json) io.stdout(`${JSON.stringify({ task, matmul, files, metrics }, null, 2)}\n`);
    else io.stdout(`${Object.values(files).filter(Boolean).join('\n')}\n${metricsLine(metrics)}\n`);
    return 0;
  },
};
