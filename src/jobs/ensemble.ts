/**
 * `ensembleHeads`: combine the fine-tuned BERT's own span logits (stored in the activation store) with trained span
 * heads, window by window (the seed's element-wise max of probabilities, or mean, weighted mean, logit sum),
 * optionally gated by a binary head's no-answer probability; decode, write the predictions and score every member
 * and the ensemble with the official SQuAD 2.0 metric, as `bertvision ensemble` does. Node only; the caller picks
 * the backend first (`initBackend`).
 */
import { InvalidArgumentError, UsageError } from '../errors.js';
import {
  applyAnswerabilityGate,
  noAnswerProbabilities,
  noAnswerProbabilityPerExample,
} from '../ensemble/answerability-gate.js';
import { combineWindows, type CombineMethod } from '../ensemble/combine.js';
import { predictStore } from '../eval/predict-store.js';
import { readStoreWindows } from '../eval/store-windows.js';
import { spanFeatures, squadMetrics } from '../eval/window-metrics.js';
import { qaExamplesFor, readSquadQuestions, type SquadQuestion } from '../squad/dataset.js';
import { decodeFeatures, type SpanDecoder } from '../squad/decode/dispatch.js';
import type { PostprocessOptions, QaDecodeResult } from '../squad/decode/hf.js';
import type { QaFeature } from '../squad/decode/input.js';
import { openStore } from '../store/open-store.js';
import type { ActivationStore } from '../store/store.js';
import { readJsonFile } from './json-files.js';
import { loadHeadForStore } from './load-head.js';
import { writeQaOutputs, type QaOutputFiles } from './qa-output.js';

/** The binary head that decides answerability in {@link ensembleHeads}. */
export interface EnsembleGate {
  /** Directory of the saved binary head. */
  model: string;
  /** The CLS store it reads (the same questions as the span store). */
  store: string;
  /** `'binary'`: p(no answer) > threshold → ""; `'sum'`: a log-odds vote with the null odds. Default `'binary'`. */
  mode?: 'binary' | 'sum';
  /** Threshold. Default 0.5 (binary) or 0 (sum). */
  threshold?: number;
  /** Sum mode: weight of the binary head's log-odds, in [0, 1]. Default 0.5. */
  weight?: number;
}

/** Options of {@link ensembleHeads}. */
export interface EnsembleHeadsOptions {
  /** The span store: its windows, and for `bert` its stored `start_logits`/`end_logits`. */
  spanStore: string;
  /** SQuAD JSON the store was made from (the contexts and the gold). */
  squadFile: string;
  /** Output directory (created): `predictions.json`, and `nbest_predictions.json`/`null_odds.json` where made. */
  outDir: string;
  /** Include the stored BERT logits as the first member. Default false. */
  bert?: boolean;
  /** Saved span heads, each a member, in order after `bert`. Default none. */
  heads?: readonly string[];
  /** How the members' windows are combined. Default `'max-probability'` (the seed's). */
  method?: CombineMethod;
  /** One weight per member (`bert` first), for the weighted methods. Default: equal weights. */
  weights?: readonly number[];
  /** Span decoder. Default `'hf'`. */
  decoder?: SpanDecoder;
  /** Decoding options. Default: transformers' defaults. */
  decode?: PostprocessOptions;
  /** A binary head that gates the combined decoding. Default: no gate. */
  gate?: EnsembleGate;
  /** Windows per forward pass of the span heads. Default 16. */
  batchSize?: number;
}

/** What {@link ensembleHeads} wrote and measured. */
export interface EnsembleHeadsResult {
  /** Official SQuAD 2.0 metrics by member (`bert`, then each head's directory) and `ensemble`. */
  metrics: Record<string, Record<string, number>>;
  /** The files written. */
  files: QaOutputFiles;
}

async function storedLogits(store: ActivationStore): Promise<{ start: Float32Array; end: Float32Array }> {
  for (const name of ['start_logits', 'end_logits']) {
    if (!(name in store.tensors)) {
      throw new UsageError(`--bert: ${store.path} has no '${name}' tensor (extract from a model with a QA head)`);
    }
  }
  const read = async (name: string): Promise<Float32Array> =>
    Float32Array.from((await store.read(name, 0, store.numExamples)) as ArrayLike<number>);
  return { start: await read('start_logits'), end: await read('end_logits') };
}

/** The decoding gated by the binary head `gate` (its p(no answer) per question). */
async function gateDecoding(decoded: QaDecodeResult, gate: EnsembleGate): Promise<QaDecodeResult> {
  const mode = gate.mode ?? 'binary';
  const gateStore = await openStore(gate.store);
  try {
    const head = await loadHeadForStore(gate.model, gateStore);
    const out = await predictStore(head, gateStore, { batchSize: 256 }).finally(() => head.dispose());
    if (out.task !== 'binary') throw new UsageError(`--gate ${gate.model} is not a binary head`);
    const gateWindows = await readStoreWindows(gateStore);
    const p = noAnswerProbabilities(out.logits);
    const perQuestion = noAnswerProbabilityPerExample(p, gateWindows.exampleIndex, gateWindows.exampleIds);
    const gated = applyAnswerabilityGate(decoded, perQuestion, {
      mode,
      ...(gate.threshold !== undefined ? { threshold: gate.threshold } : {}),
      ...(gate.weight !== undefined ? { weight: gate.weight } : {}),
    });
    return {
      predictions: gated.predictions,
      nbest: decoded.nbest,
      nullOdds: mode === 'sum' ? gated.naScores : decoded.nullOdds,
    };
  } finally {
    await gateStore.close();
  }
}

/**
 * Ensemble the members named in `options` over `options.spanStore`, write the predictions into `options.outDir`
 * and score each member and the ensemble.
 * @throws InvalidArgumentError when there is no member; UsageError when the store has no stored logits for `bert`,
 *   a member is a binary head or the gate is not one; MismatchError when a head does not fit its store.
 * @example
 * ```ts
 * await initBackend();
 * const { metrics } = await ensembleHeads({
 *   spanStore: 'dev.safetensors', squadFile: 'dev-v2.0.json', outDir: 'ens', bert: true, heads: ['run/model'],
 * });
 * console.log(metrics.ensemble.f1);
 * ```
 */
export async function ensembleHeads(options: EnsembleHeadsOptions): Promise<EnsembleHeadsResult> {
  const heads = options.heads ?? [];
  if (!options.bert && heads.length === 0) throw new InvalidArgumentError('nothing to ensemble: no bert and no heads');
  const method = options.method ?? 'max-probability';
  const decoder = options.decoder ?? 'hf';
  const decode = options.decode ?? {};
  const questions: readonly SquadQuestion[] = readSquadQuestions(
    await readJsonFile(options.squadFile),
    options.squadFile,
  );
  const store = await openStore(options.spanStore);
  try {
    const windows = await readStoreWindows(store, { offsets: true });
    const examples = qaExamplesFor(questions, windows.exampleIds);
    const named: Array<{ name: string; features: QaFeature[] }> = [];
    if (options.bert) {
      const { start, end } = await storedLogits(store);
      named.push({ name: 'bert', features: spanFeatures(start, end, windows) });
    }
    for (const dir of heads) {
      const model = await loadHeadForStore(dir, store);
      const out = await predictStore(model, store, { batchSize: options.batchSize ?? 16 }).finally(() =>
        model.dispose(),
      );
      if (out.task !== 'span') throw new UsageError(`--model ${dir} is a binary head; use it with --gate`);
      named.push({ name: dir, features: spanFeatures(out.start, out.end, windows) });
    }
    const metrics: Record<string, Record<string, number>> = {};
    for (const m of named)
      metrics[m.name] = squadMetrics(decodeFeatures(decoder, examples, m.features, decode), questions);
    const probabilities = decoder === 'legacy' && method !== 'logit-sum';
    const scale =
      method === 'logit-sum' ? {} : { probabilityScale: probabilities ? ('linear' as const) : ('log' as const) };
    const weights = options.weights ? { weights: [...options.weights] } : {};
    const combined =
      named.length > 1
        ? combineWindows(
            named.map((m) => m.features),
            { method, ...weights, ...scale },
          )
        : named[0]!.features;
    const alreadyProbabilities = probabilities && named.length > 1;
    let decoded = decodeFeatures(decoder, examples, combined, { ...decode, alreadyProbabilities });
    if (options.gate) decoded = await gateDecoding(decoded, options.gate);
    metrics.ensemble = squadMetrics(decoded, questions);
    const files = await writeQaOutputs(options.outDir, decoded);
    return { metrics, files };
  } finally {
    await store.close();
  }
}
