/**
 * `predictHead`: run a trained head over an activation store, as `bertvision predict` does. Span heads give
 * transformers' `run_qa.py` files (predictions, n-best, null odds) and, with the SQuAD file, the official metrics;
 * binary heads give each question's no-answer probability (an na_prob file) and the seed's answerability metrics.
 * Node only. The caller picks the backend first (`initBackend`).
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { noAnswerProbabilities, noAnswerProbabilityPerExample } from '../ensemble/answerability-gate.js';
import { predictStore } from '../eval/predict-store.js';
import { readStoreWindows } from '../eval/store-windows.js';
import { binaryWindowMetrics, spanFeatures, squadMetrics } from '../eval/window-metrics.js';
import type { Task } from '../models/types.js';
import { writeFileAtomic } from '../platform/atomic-file.js';
import { qaExamplesFor, readSquadQuestions } from '../squad/dataset.js';
import { decodeFeatures, type SpanDecoder } from '../squad/decode/dispatch.js';
import type { PostprocessOptions } from '../squad/decode/hf.js';
import { pythonJsonDumpsValue } from '../squad/pyjson/python-json.js';
import { openStore } from '../store/open-store.js';
import { readJsonFile } from './json-files.js';
import { loadHeadForStore } from './load-head.js';
import { writeQaOutputs } from './qa-output.js';

/** Options of {@link predictHead}. */
export interface PredictHeadOptions {
  /** The activation store to run over. */
  store: string;
  /** Directory of the saved head (`model.json` + `weights.bin`). */
  model: string;
  /** Output directory (created). */
  outDir: string;
  /** SQuAD JSON the store was made from. Required for span heads (the contexts); gives binary heads the gold. */
  squadFile?: string;
  /** Windows per forward pass. Default 32. */
  batchSize?: number;
  /** Span decoder. Default `'hf'` (transformers' `postprocess_qa_predictions`). */
  decoder?: SpanDecoder;
  /** Decoding options (n-best size, longest answer, null threshold). Default: transformers' defaults. */
  decode?: PostprocessOptions;
}

/** What {@link predictHead} wrote and measured. */
export interface PredictHeadResult {
  /** The head's task. */
  task: Task;
  /**
   * Files written: span heads `predictions`, `nbest`, `nullOdds` (null where the decoder made none); binary heads
   * `noAnswerProbability` (`no_answer_probability.json`, qid → p, max over the question's windows).
   */
  files: Record<string, string | null>;
  /**
   * Official SQuAD 2.0 metrics (span), or the seed's answerability metrics (binary: against the SQuAD gold when
   * `squadFile` is given, else against the store's `is_impossible` labels).
   */
  metrics: Record<string, number>;
}

/**
 * Run the head saved in `options.model` over `options.store` and write its outputs into `options.outDir`.
 * @throws UsageError for a span head without `squadFile`; MismatchError when the head does not fit the store; the
 *   errors of `openStore`, `loadModel` and `readSquadQuestions`.
 * @example
 * ```ts
 * await initBackend();
 * const { files, metrics } = await predictHead({
 *   store: 'dev.safetensors', model: 'run/model', outDir: 'pred', squadFile: 'dev-v2.0.json',
 * });
 * ```
 */
export async function predictHead(options: PredictHeadOptions): Promise<PredictHeadResult> {
  const { outDir, squadFile } = options;
  const questions = squadFile ? readSquadQuestions(await readJsonFile(squadFile), squadFile) : undefined;
  const store = await openStore(options.store);
  try {
    const model = await loadHeadForStore(options.model, store);
    const outputs = await predictStore(model, store, { batchSize: options.batchSize ?? 32 }).finally(() =>
      model.dispose(),
    );
    if (outputs.task === 'span') {
      if (!questions) throw new UsageError('span heads need --squad (the contexts to take answers from)');
      const windows = await readStoreWindows(store, { offsets: true });
      const examples = qaExamplesFor(questions, windows.exampleIds);
      const features = spanFeatures(outputs.start, outputs.end, windows);
      const decoded = decodeFeatures(options.decoder ?? 'hf', examples, features, options.decode ?? {});
      const files = { ...(await writeQaOutputs(outDir, decoded)) };
      return { task: 'span', files, metrics: squadMetrics(decoded, questions) };
    }
    const windows = await readStoreWindows(store);
    const pNoAnswer = noAnswerProbabilities(outputs.logits);
    const perQuestion = noAnswerProbabilityPerExample(pNoAnswer, windows.exampleIndex, windows.exampleIds);
    const path = join(outDir, 'no_answer_probability.json');
    await fs.mkdir(outDir, { recursive: true });
    const entries = [...perQuestion].map(([q, p]) => [q, { kind: 'float', value: p }] as const);
    await writeFileAtomic(path, `${pythonJsonDumpsValue({ entries }, 4)}\n`);
    return {
      task: 'binary',
      files: { noAnswerProbability: path },
      metrics: binaryWindowMetrics(outputs.logits, windows, questions),
    };
  } finally {
    await store.close();
  }
}
