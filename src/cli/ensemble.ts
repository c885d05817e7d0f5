/**
 * `bertvision ensemble`: combine the fine-tuned BERT's own span logits (stored in the activation store) with one or
 * more trained span heads, window by window (the seed's element-wise max of probabilities, or mean, weighted mean,
 * logit sum), optionally gated by a binary head's no-answer probability; decode, write the predictions and print
 * the official metrics of every member and of the ensemble.
 */
import { initBackend, parseBackendRequest } from '../backend.js';
import { UsageError } from '../errors.js';
import { applyAnswerabilityGate, noAnswerProbabilityPerExample } from '../ensemble/answerability-gate.js';
import { combineWindows, type CombineMethod } from '../ensemble/combine.js';
import { decodeFeatures, predictStore, readStoreWindows, spanFeatures, squadMetrics } from '../eval/index.js';
import { openStore } from '../io/index.node.js';
import type { ActivationStore } from '../io/store.js';
import { loadHeadForStore } from '../node/load-head.js';
import { writeQaOutputs } from '../node/qa-output.js';
import { readJsonFile } from '../node/squad-files.js';
import { qaExamplesFor, readSquadQuestions } from '../squad/dataset.js';
import type { QaFeature } from '../squad/decode-input.js';
import type { CliCommand } from './command.js';
import { DECODE_FLAG_HELP, DECODE_FLAG_SPECS, decodeOptionsFrom, metricsLine } from './decode-flags.js';
import { choice, finiteNumber, parseCommandLine, positiveInt } from './flags.js';

const METHODS: readonly CombineMethod[] = ['max-probability', 'mean-probability', 'weighted-mean-probability', 'logit-sum'];

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
  --backend <name>         auto | wasm | cpu | tensorflow
  --json                   print metrics and files as JSON
  -h, --help               show this help
`;

async function storedLogits(store: ActivationStore): Promise<{ start: Float32Array; end: Float32Array }> {
  for (const name of ['start_logits', 'end_logits']) {
    if (!(name in store.tensors)) throw new UsageError(`--bert: ${store.path} has no '${name}' tensor (extract from a model with a QA head)`);
  }
  const read = async (name: string): Promise<Float32Array> => Float32Array.from(await store.read(name, 0, store.numExamples) as ArrayLike<number>);
  return { start: await read('start_logits'), end: await read('end_logits') };
}

/** The `ensemble` subcommand. */
export const ensembleCommand: CliCommand = {
  name: 'ensemble',
  summary: "combine the stored BERT logits with trained heads (the seed's max-probability ensemble and others)",
  usage: USAGE,
  run: async (argv, io) => {
    const parsed = parseCommandLine(argv, {
          squad: { type: 'string' }, out: { type: 'string' }, bert: { type: 'boolean' }, model: { type: 'string', multiple: true },
          method: { type: 'string' }, weights: { type: 'string' }, gate: { type: 'string' }, 'gate-store': { type: 'string' },
          'gate-mode': { type: 'string' }, 'gate-threshold': { type: 'string' }, 'gate-weight': { type: 'string' },
          'batch-size': { type: 'string' }, backend: { type: 'string' }, json: { type: 'boolean' }, ...DECODE_FLAG_SPECS,
        });
    const v = parsed.values;
    if (parsed.positionals.length !== 1) throw new UsageError(`expected one span store, got ${parsed.positionals.length}`);
    if (!v.squad || !v.out) throw new UsageError('--squad and --out are required');
    const heads = v.model ?? [];
    const members = (v.bert ? 1 : 0) + heads.length;
    if (members === 0) throw new UsageError('nothing to ensemble: give --bert and/or --model');
    // --bert alone decodes the fine-tuned model's own predictions (the baseline every ensemble is compared with)
    if (members === 1 && !v.gate && !v.bert) throw new UsageError('an ensemble needs two members, or one member and --gate (a single head: use predict)');
    if (v.gate && !v['gate-store']) throw new UsageError('--gate needs --gate-store (the CLS store the binary head reads)');
    const method = choice('--method', v.method, METHODS, 'max-probability');
    const weights = v.weights?.split(',').map((w) => finiteNumber('--weights', w, 1));
    const { decoder, options } = decodeOptionsFrom(v);
    const gateMode = choice('--gate-mode', v['gate-mode'], ['binary', 'sum'] as const, 'binary');
    const batchSize = positiveInt('--batch-size', v['batch-size'], 16);
    await initBackend({ backend: parseBackendRequest(v.backend) });
    const questions = readSquadQuestions(await readJsonFile(v.squad), v.squad);
    const store = await openStore(parsed.positionals[0]!);
    try {
      const windows = await readStoreWindows(store, { offsets: true });
      const examples = qaExamplesFor(questions, windows.exampleIds);
      const named: Array<{ name: string; features: QaFeature[] }> = [];
      if (v.bert) {
        const { start, end } = await storedLogits(store);
        named.push({ name: 'bert', features: spanFeatures(start, end, windows) });
      }
      for (const dir of heads) {
        const model = await loadHeadForStore(dir, store);
        const out = await predictStore(model, store, { batchSize }).finally(() => model.dispose());
        if (out.task !== 'span') throw new UsageError(`--model ${dir} is a binary head; use it with --gate`);
        named.push({ name: dir, features: spanFeatures(out.start, out.end, windows) });
      }
      const report: Record<string, Record<string, number>> = {};
      for (const m of named) report[m.name] = squadMetrics(decodeFeatures(decoder, examples, m.features, options), questions);
      const probabilities = decoder === 'legacy' && method !== 'logit-sum';
      const combined = named.length > 1
        ? combineWindows(named.map((m) => m.features), { method, ...(weights ? { weights } : {}), ...(method === 'logit-sum' ? {} : { probabilityScale: probabilities ? 'linear' : 'log' }) })
        : named[0]!.features;
      let decoded = decodeFeatures(decoder, examples, combined, { ...options, alreadyProbabilities: probabilities && named.length > 1 });
      if (v.gate) {
        const gateStore = await openStore(v['gate-store']!);
        try {
          const gate = await loadHeadForStore(v.gate, gateStore);
          const out = await predictStore(gate, gateStore, { batchSize: 256 }).finally(() => gate.dispose());
          if (out.task !== 'binary') throw new UsageError(`--gate ${v.gate} is not a binary head`);
          const gateWindows = await readStoreWindows(gateStore);
          const p = Float32Array.from({ length: gateWindows.count }, (_, w) => 1 / (1 + Math.exp(out.logits[2 * w]! - out.logits[2 * w + 1]!)));
          const gated = applyAnswerabilityGate(decoded, noAnswerProbabilityPerExample(p, gateWindows.exampleIndex, gateWindows.exampleIds), {
            mode: gateMode,
            ...(v['gate-threshold'] ? { threshold: finiteNumber('--gate-threshold', v['gate-threshold'], 0) } : {}),
            ...(v['gate-weight'] ? { weight: finiteNumber('--gate-weight', v['gate-weight'], 0.5) } : {}),
          });
          decoded = { predictions: gated.predictions, nbest: decoded.nbest, nullOdds: gateMode === 'sum' ? gated.naScores : decoded.nullOdds };
        } finally {
          await gateStore.close();
        }
      }
      report.ensemble = squadMetrics(decoded, questions);
      const files = await writeQaOutputs(v.out, decoded);
      if (v.json) io.stdout(`${JSON.stringify({ method, decoder, metrics: report, files }, null, 2)}\n`);
      else io.stdout(`${Object.entries(report).map(([name, m]) => `${name}: ${metricsLine({ exact: m.exact!, f1: m.f1!, HasAns_f1: m.HasAns_f1 ?? NaN, NoAns_f1: m.NoAns_f1 ?? NaN })}`).join('\n')}\npredictions: ${files.predictions}\n`);
      return 0;
    } finally {
      await store.close();
    }
  },
};
