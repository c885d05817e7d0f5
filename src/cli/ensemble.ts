/**
 * `bertvision ensemble`: combine the fine-tuned BERT's own span logits (stored in the activation store) with one or
 * more trained span heads, window by window (the seed's element-wise max of probabilities, or mean, weighted mean,
 * logit sum), optionally gated by a binary head's no-answer probability; decode, write the predictions and print
 * the official metrics of every member and of the ensemble. Flags and printing only: the job is `ensembleHeads`
 * (src/jobs/ensemble.ts).
 */
import { type CombineMethod, combineWeights } from '../ensemble/combine.js';
import { InvalidArgumentError, UsageError } from '../errors.js';
import { ensembleHeads } from '../jobs/ensemble.js';
import { BACKEND_USAGE, startCliBackend } from './backend.js';
import type { CliCommand } from './command.js';
import { DECODE_FLAG_HELP, DECODE_FLAG_SPECS, decodeOptionsFrom, metricsLine } from './decode-flags.js';
import { parseCommandLine } from './command-line.js';
import { checkOutputDir, clearOutputDir, OVERWRITE_USAGE } from './output-dir.js';
import { choice, finiteNumber, positiveInt } from './flags.js';

const METHODS: readonly CombineMethod[] = [
  'max-probability',
  'mean-probability',
  'weighted-mean-probability',
  'logit-sum',
];

const USAGE = `Usage: bertvision ensemble <span-store> --squad data.json --out <dir> [--bert] [--model <dir>]... [options]

Members: --bert (the fine-tuned model's own start/end logits stored in <span-store>) and each --model (a trained
span head run over <span-store>). Writes <out>/predictions.json (+ nbest, null_odds) and prints the official SQuAD 2.0
metrics of each member and of the ensemble.

Options:
  --squad <file.json>      SQuAD JSON the store was made from (required)
  --out <dir>              output directory (required)
  --bert                   include the stored start_logits/end_logits (alone: BERT's own predictions)
  --model <dir>            a span head (repeatable)
  --method <name>          ${METHODS.join(' | ')} (default max-probability, the seed's)
  --weights <w1,w2,...>    one weight per member, in the order --bert, then --model (weighted-mean-probability, logit-sum)
  --gate <dir>             a binary head deciding answerability, run over --gate-store
  --gate-store <store>     the CLS store for --gate (same questions)
  --gate-mode <mode>       binary (p(no answer) > threshold → "") | sum (log-odds vote with the null odds); default binary
  --gate-threshold <x>     default 0.5 (binary) or 0 (sum)
  --gate-weight <w>        sum mode: weight of the binary head's log-odds, in [0, 1] (default 0.5)
${DECODE_FLAG_HELP}
  --batch-size <n>         windows per forward pass (default 16)
${OVERWRITE_USAGE}
${BACKEND_USAGE}
  --json                   print metrics and files as JSON
  -h, --help               show this help
`;

/** The `ensemble` subcommand. */
export const ensembleCommand: CliCommand = {
  name: 'ensemble',
  summary: "combine the stored BERT logits with trained heads (the seed's max-probability ensemble and others)",
  usage: USAGE,
  run: async (argv, io) => {
    const parsed = parseCommandLine(argv, {
      squad: { type: 'string' },
      out: { type: 'string' },
      bert: { type: 'boolean' },
      model: { type: 'string', multiple: true },
      method: { type: 'string' },
      weights: { type: 'string' },
      gate: { type: 'string' },
      'gate-store': { type: 'string' },
      'gate-mode': { type: 'string' },
      'gate-threshold': { type: 'string' },
      'gate-weight': { type: 'string' },
      'batch-size': { type: 'string' },
      backend: { type: 'string' },
      json: { type: 'boolean' },
      overwrite: { type: 'boolean' },
      ...DECODE_FLAG_SPECS,
    });
    const v = parsed.values;
    if (parsed.positionals.length !== 1)
      throw new UsageError(`expected one span store, got ${parsed.positionals.length}`);
    if (!v.squad || !v.out) throw new UsageError('--squad and --out are required');
    const heads = v.model ?? [];
    const members = (v.bert ? 1 : 0) + heads.length;
    if (members === 0) throw new UsageError('nothing to ensemble: give --bert and/or --model');
    // --bert alone decodes the fine-tuned model's own predictions (the baseline every ensemble is compared with)
    if (members === 1 && !v.gate && !v.bert)
      throw new UsageError('an ensemble needs two members, or one member and --gate (a single head: use predict)');
    if (v.gate && !v['gate-store'])
      throw new UsageError('--gate needs --gate-store (the CLS store the binary head reads)');
    const method = choice('--method', v.method, METHODS, 'max-probability');
    const weights = v.weights?.split(',').map((w) => finiteNumber('--weights', w, 1));
    const { decoder, options } = decodeOptionsFrom(v);
    const gateMode = choice('--gate-mode', v['gate-mode'], ['binary', 'sum'] as const, 'binary');
    const batchSize = positiveInt('--batch-size', v['batch-size'], 16);
    checkOutputDir(v.out, v.overwrite ?? false);
    const gateThreshold = v['gate-threshold'] ? finiteNumber('--gate-threshold', v['gate-threshold'], 0) : undefined;
    const gateWeight = v['gate-weight'] ? finiteNumber('--gate-weight', v['gate-weight'], 0.5) : undefined;
    if (gateWeight !== undefined && !(gateWeight >= 0 && gateWeight <= 1))
      throw new UsageError(`--gate-weight: ${gateWeight} is not in [0, 1]`);
    if (members > 1) {
      try {
        combineWeights({ method, ...(weights ? { weights } : {}) }, members);
      } catch (error) {
        if (error instanceof InvalidArgumentError) throw new UsageError(`--weights: ${error.message}`);
        throw error;
      }
    }
    const gate = v.gate
      ? {
          model: v.gate,
          store: v['gate-store']!,
          mode: gateMode,
          ...(gateThreshold !== undefined ? { threshold: gateThreshold } : {}),
          ...(gateWeight !== undefined ? { weight: gateWeight } : {}),
        }
      : undefined;
    await startCliBackend(v.backend, io);
    await clearOutputDir(v.out, v.overwrite ?? false, io);
    const { metrics, files } = await ensembleHeads({
      spanStore: parsed.positionals[0]!,
      squadFile: v.squad,
      outDir: v.out,
      bert: v.bert ?? false,
      heads,
      method,
      ...(weights ? { weights } : {}),
      decoder,
      decode: options,
      ...(gate ? { gate } : {}),
      batchSize,
    });
    const gateNote = gate
      ? `gate: ${gate.model} (${gate.mode}, threshold ${gate.threshold ?? (gate.mode === 'binary' ? 0.5 : 0)}` +
        `${gate.mode === 'sum' ? `, weight ${gate.weight ?? 0.5}` : ''}) applied to the ensemble's answers`
      : undefined;
    if (v.json) {
      io.stdout(`${JSON.stringify({ method, decoder, ...(gate ? { gate } : {}), metrics, files }, null, 2)}\n`);
    } else {
      const line = (m: Record<string, number>): string =>
        metricsLine({ exact: m.exact!, f1: m.f1!, HasAns_f1: m.HasAns_f1 ?? NaN, NoAns_f1: m.NoAns_f1 ?? NaN });
      const lines = Object.entries(metrics).map(([name, m]) => `${name}: ${line(m)}`);
      io.stdout(`${lines.join('\n')}\n${gateNote ? `${gateNote}\n` : ''}predictions: ${files.predictions}\n`);
    }
    return 0;
  },
};
