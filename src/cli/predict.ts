/**
 * `bertvision predict`: run a trained head over a store. Span heads give transformers' `run_qa.py` files
 * (predictions, n-best, null odds) and the official metrics; binary heads give each question's no-answer
 * probability (usable as an na_prob file) and the seed's answerability metrics.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { initBackend, parseBackendRequest } from '../backend.js';
import { UsageError } from '../errors.js';
import { binaryWindowMetrics, decodeFeatures, predictStore, readStoreWindows, spanFeatures, squadMetrics } from '../eval/index.js';
import { noAnswerProbabilityPerExample } from '../ensemble/answerability-gate.js';
import { openStore } from '../io/index.node.js';
import { writeFileAtomic } from '../node/atomic-file.js';
import { loadHeadForStore } from '../node/load-head.js';
import { writeQaOutputs } from '../node/qa-output.js';
import { readJsonFile } from '../node/squad-files.js';
import { qaExamplesFor, readSquadQuestions } from '../squad/dataset.js';
import { pythonJsonDumpsValue } from '../squad/python-json.js';
import type { CliCommand } from './command.js';
import { DECODE_FLAG_HELP, DECODE_FLAG_SPECS, decodeOptionsFrom, metricsLine } from './decode-flags.js';
import { parseCommandLine, positiveInt } from './flags.js';

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
  --backend <name>         auto | wasm | cpu | tensorflow
  --json                   print the metrics and file paths as JSON
  -h, --help               show this help
`;

/** The `predict` subcommand. */
export const predictCommand: CliCommand = {
  name: 'predict',
  summary: 'run a trained head over a store: predictions.json, nbest, null_odds (span) or no-answer probabilities (binary)',
  usage: USAGE,
  run: async (argv, io) => {
    const parsed = parseCommandLine(argv, { model: { type: 'string' }, out: { type: 'string' }, squad: { type: 'string' }, 'batch-size': { type: 'string' }, backend: { type: 'string' }, json: { type: 'boolean' }, ...DECODE_FLAG_SPECS });
    const v = parsed.values;
    if (parsed.positionals.length !== 1) throw new UsageError(`expected one store, got ${parsed.positionals.length}`);
    if (!v.model || !v.out) throw new UsageError('--model and --out are required');
    const { decoder, options } = decodeOptionsFrom(v);
    const batchSize = positiveInt('--batch-size', v['batch-size'], 32);
    await initBackend({ backend: parseBackendRequest(v.backend) });
    const questions = v.squad ? readSquadQuestions(await readJsonFile(v.squad), v.squad) : undefined;
    const store = await openStore(parsed.positionals[0]!);
    try {
      const model = await loadHeadForStore(v.model, store);
      const outputs = await predictStore(model, store, { batchSize }).finally(() => model.dispose());
      let metrics: Record<string, number> | null = null;
      let files: Record<string, string | null>;
      if (outputs.task === 'span') {
        if (!questions) throw new UsageError('span heads need --squad (the contexts to take answers from)');
        const windows = await readStoreWindows(store, { offsets: true });
        const decoded = decodeFeatures(decoder, qaExamplesFor(questions, windows.exampleIds), spanFeatures(outputs.start, outputs.end, windows), options);
        files = { ...(await writeQaOutputs(v.out, decoded)) };
        metrics = squadMetrics(decoded, questions);
      } else {
        const windows = await readStoreWindows(store);
        const pNoAnswer = Float32Array.from({ length: windows.count }, (_, w) => {
          const [a, b] = [outputs.logits[2 * w]!, outputs.logits[2 * w + 1]!];
          return 1 / (1 + Math.exp(a - b));
        });
        const perQuestion = noAnswerProbabilityPerExample(pNoAnswer, windows.exampleIndex, windows.exampleIds);
        const path = join(v.out, 'no_answer_probability.json');
        await fs.mkdir(v.out, { recursive: true });
        await writeFileAtomic(path, `${pythonJsonDumpsValue({ entries: [...perQuestion].map(([q, p]) => [q, { kind: 'float', value: p }] as const) }, 4)}\n`);
        files = { noAnswerProbability: path };
        metrics = binaryWindowMetrics(outputs.logits, windows, questions);
      }
      if (v.json) io.stdout(`${JSON.stringify({ task: outputs.task, files, metrics }, null, 2)}\n`);
      else io.stdout(`${Object.values(files).filter(Boolean).join('\n')}\n${metrics ? `${metricsLine(metrics)}\n` : ''}`);
      return 0;
    } finally {
      await store.close();
    }
  },
};
