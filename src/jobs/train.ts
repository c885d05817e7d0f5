/**
 * `trainHead`: the whole training job on activation stores, as `bertvision train` runs it: open and check the
 * stores, build the head (seeded), train with checkpoints/resume/early stopping, evaluate on a dev store after every
 * epoch at question level, and write the outputs (final and best model, history, plots) atomically.
 */
import { existsSync, promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, MismatchError, OutOfMemoryError } from '../errors.js';
import { isWasmOutOfMemory } from '../backend/out-of-memory.js';
import { binaryWindowMetrics, decodeSpanWindows, squadMetrics } from '../eval/window-metrics.js';
import { predictStore } from '../eval/predict-store.js';
import { readStoreWindows } from '../eval/store-windows.js';
import { storeBatchSource } from '../data/dataset-tf.js';
import { COMPATIBILITY_KEYS, checkCompatible, type ExpectedMetadata } from '../store/metadata.js';
import type { ActivationStore } from '../store/store.js';
import { openStore } from '../store/open-store.js';
import { compileAdapter, getArchitecture, inferTask, type ArchitectureName, type Task } from '../models/index.js';
import { layerMixes, layerWeightsSvg, learningCurvesSvg } from '../report/index.js';
import { readSquadQuestions, type SquadQuestion } from '../squad/dataset.js';
import type { PostprocessOptions } from '../squad/decode/hf.js';
import * as tf from '@tensorflow/tfjs';
import { prefaultTrainingHeap } from '../backend/wasm-heap-prefault.js';
import { type FitOptions, fit, type ResumePoint, type TrainingProgress } from '../train/trainer.js';
import type { FitCallback } from '../train/fit-callbacks.js';
import type { EpochSummary, TrainerState } from '../train/trainer-state.js';
import { restoreModelWeights } from '../train/checkpoint-weights.js';
import { withSeededRandom } from '../data/random.js';
import { writeFileAtomic } from '../platform/atomic-file.js';
import { CheckpointDirectory } from './checkpoint-directory.js';
import { saveModel } from './model-files.js';
import { readJsonFile } from './json-files.js';
import { runIdentityOf } from './run-identity.js';
import { readTrainingLabels } from '../store/training-labels.js';
import { matMulPrecision } from '../backend/kernels/native-matmul.js';

/** Options of {@link trainHead}. */
export interface TrainHeadOptions {
  /** Training store (labels: `is_impossible` or start/end positions for binary heads; start/end for span heads). */
  trainStore: string;
  /**
   * Architecture name from the registry (`architectures`), built (seeded) for the store's shape; or a `tf.LayersModel`
   * you built yourself (one output `[B, 2]`: binary; two outputs `[B, S]`: span), compiled with the seed's settings
   * when it is not compiled yet. Its task (binary/span) picks the labels. A model you pass stays yours: it is trained
   * in place and not disposed.
   */
  architecture: ArchitectureName | tf.LayersModel;
  /** Output directory (created). Holds `model/`, `best-model/`, `checkpoints/`, `history.json` and plots. */
  outDir: string;
  /** Dev store evaluated after every epoch. Default: none (no dev metrics, no best model, no early stopping). */
  devStore?: string;
  /** SQuAD JSON of the dev questions: required for span dev metrics; gives binary heads the official gold. */
  squadFile?: string;
  /** Epochs. Default 3. */
  epochs?: number;
  /** Batch size. Default 64 for binary heads, 8 for span heads. */
  batchSize?: number;
  /** Adam learning rate. Default 1e-3 (the seed's). */
  learningRate?: number;
  /** Seed of the initial weights and of the shuffling. Default 0. */
  seed?: number;
  /** Shuffling: a fresh permutation per epoch (`'full'`, default), a shuffle buffer (`'buffer'`), or `'none'`. */
  shuffle?: 'full' | 'buffer' | 'none';
  /** Checkpoint every this many steps as well as at epoch ends. Default 0 (epoch ends only). */
  checkpointEverySteps?: number;
  /** Continue the run in `outDir` from its last checkpoint. Default false (refuses to overwrite a run). */
  resume?: boolean;
  /**
   * Replace a run already in `outDir`: its checkpoints, models, history and plots are removed first (other files
   * stay). Default false: a run there is refused, so nothing is lost by accident. Excludes `resume`.
   */
  overwrite?: boolean;
  /** Dev metric for the best model and early stopping. Default `'f1'` (answerability F1, or SQuAD F1 for spans). */
  monitor?: string;
  /** Stop after this many epochs without improvement. Default: never stop early. */
  patience?: number;
  /** Adapter width for adapter architectures. Default: the architecture's. */
  adapterDim?: number;
  /** Span decoding options for dev metrics. Default: transformers' defaults. */
  decode?: PostprocessOptions;
  /** Called once, before training continues, when `resume` found a checkpoint (the checkpoint and the position it restores). */
  onResume?: (from: ResumePoint) => void;
  /** Called before every epoch (0-based), with the batch it starts at (non-zero when resumed mid-epoch). */
  onEpochStart?: (epoch: number, firstBatch: number, batchesPerEpoch: number) => void;
  /** Called after every training step. */
  onProgress?: (progress: TrainingProgress) => void;
  /** Called after every epoch. */
  onEpochEnd?: (summary: EpochSummary) => void;
  /** tfjs callbacks (`tf.callbacks.earlyStopping({ monitor: 'val_f1', mode: 'max' })`, …): see {@link FitOptions}. */
  callbacks?: FitCallback | readonly FitCallback[];
  /** No progress line per epoch. Default: false, unless `onEpochEnd` is given. */
  quiet?: boolean;
  /** Where the progress lines go. Default `console.log`. */
  log?: (line: string) => void;
}

/** What {@link trainHead} produced. */
export interface TrainHeadResult {
  /** Task of the head. */
  task: Task;
  /** Final trainer state: history, best dev metric, whether it stopped early. */
  state: TrainerState;
  /** The checkpoint the run resumed from, or null. */
  resumedFrom: string | null;
  /** Paths written. */
  files: {
    model: string;
    bestModel: string | null;
    history: string;
    learningCurves: string;
    layerWeights: string | null;
  };
}

/** A model the caller built: checked against the store's shape, compiled with the seed's settings if it is not. */
function userModel(
  model: tf.LayersModel,
  shape: [number, number, number],
  optimizer: { learningRate: number },
  file: string,
): tf.LayersModel {
  const input = model.inputs[0]?.shape.slice(1);
  if (model.inputs.length !== 1 || input?.some((d, i) => d !== null && d !== shape[i]))
    throw new MismatchError(
      `model '${model.name}' takes ${JSON.stringify(model.inputs.map((x) => x.shape))}, the store holds [${shape.join(', ')}] per example`,
      { file },
    );
  return model.optimizer ? model : compileAdapter(model, { optimizer });
}

/** The outputs of a run in `out` (see {@link TrainHeadResult.files}), removed for `overwrite`. */
const RUN_OUTPUTS = ['checkpoints', 'model', 'best-model', 'history.json', 'learning-curves.svg', 'layer-weights.svg'];

async function removeRun(out: string): Promise<void> {
  await Promise.all(RUN_OUTPUTS.map((name) => fs.rm(join(out, name), { recursive: true, force: true })));
}

function expectedFrom(store: ActivationStore): ExpectedMetadata {
  const expected: ExpectedMetadata = {};
  if (store.metadata) for (const key of COMPATIBILITY_KEYS) Object.assign(expected, { [key]: store.metadata[key] });
  return expected;
}

async function devEvaluator(
  task: Task,
  dev: ActivationStore,
  squadFile: string | undefined,
  batchSize: number,
  decode: PostprocessOptions | undefined,
) {
  const questions: SquadQuestion[] | undefined = squadFile
    ? readSquadQuestions(await readJsonFile(squadFile), squadFile)
    : undefined;
  if (task === 'span' && !questions)
    throw new InvalidArgumentError('span dev metrics need the SQuAD JSON of the dev questions (squadFile / --squad)');
  const windows = await readStoreWindows(dev, { offsets: task === 'span' });
  return async (model: import('@tensorflow/tfjs').LayersModel): Promise<Record<string, number>> => {
    const out = await predictStore(model, dev, { batchSize });
    if (out.task === 'binary') return binaryWindowMetrics(out.logits, windows, questions);
    return squadMetrics(decodeSpanWindows(out.start, out.end, windows, questions!, decode), questions!);
  };
}

/**
 * Train a head on activation stores. See {@link TrainHeadOptions} for defaults.
 * @throws InvalidArgumentError for bad options or an output directory holding another run (without `resume`);
 *   MismatchError when the stores are incompatible or a checkpoint belongs to another run (store, labels or any
 *   option that shapes the result; each difference listed); FileFormatError for unreadable stores and for labels
 *   out of range (`is_impossible` not 0/1, span positions outside the window; the first such window named).
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { initBackend, trainHead } from 'bertvision';
 * await initBackend();
 * const { state, files } = await trainHead({
 *   trainStore: 'train-cls.h5', devStore: 'dev-cls.h5', architecture: 'tenney-small', outDir: 'runs/t', epochs: 10,
 *   callbacks: tf.callbacks.earlyStopping({ monitor: 'val_f1', mode: 'max', patience: 2 }),
 * }); // a line per epoch unless quiet; architecture may also be a tf.LayersModel you built
 * console.log(state.best, files.bestModel);
 * ```
 */
export async function trainHead(options: TrainHeadOptions): Promise<TrainHeadResult> {
  const given = typeof options.architecture === 'string' ? null : options.architecture;
  const info = given ? null : getArchitecture(options.architecture as string);
  const task = info?.task ?? inferTask(given!);
  const name = info?.name ?? given!.name;
  const out = resolve(options.outDir);
  const checkpoints = new CheckpointDirectory(join(out, 'checkpoints'));
  if (options.resume && options.overwrite)
    throw new InvalidArgumentError('resume and overwrite exclude each other', { file: out });
  if (!options.resume && existsSync(checkpoints.pathOf('last'))) {
    if (!options.overwrite)
      throw new InvalidArgumentError(
        'already holds a training run; pass resume (--resume) to continue it, overwrite (--overwrite) to replace it, ' +
          'or choose another output directory',
        { file: out },
      );
    await removeRun(out);
  }
  const train = await openStore(options.trainStore);
  const dev = options.devStore ? await openStore(options.devStore) : undefined;
  try {
    if (train.layerAxis !== train.tensors[train.activations]!.shape.length - 1)
      throw new MismatchError('heads need layers-last activations', { file: train.path });
    if (dev) checkCompatible(dev.metadata, dev.path, train.metadata, train.path);
    const [, s, h, l] = train.tensors[train.activations]!.shape as [number, number, number, number];
    if (task === 'span' && s < 2) {
      throw new MismatchError(
        `span heads need full-sequence activations, but the store holds ${s} position per window (a CLS store)`,
        { file: train.path },
      );
    }
    const labels = await readTrainingLabels(train, task);
    const batchSize = options.batchSize ?? (task === 'binary' ? 64 : 8);
    const seed = options.seed ?? 0;
    // a user-built model is identified by its name here; its weight shapes are in the checkpoint fingerprint
    // the matrix product precision in force (setMatMulPrecision) is part of the run
    const identified = { ...options, architecture: info ? name : `user model '${name}'`, matmul: matMulPrecision() };
    const runIdentity = await runIdentityOf(identified, { batchSize, seed }, train, labels, dev);
    const optimizer = { learningRate: options.learningRate ?? 1e-3 };
    const model = given
      ? userModel(given, [s, h, l], optimizer, train.path)
      : withSeededRandom(seed, () =>
          info!.build({
            inputShape: [s, h, l],
            optimizer,
            ...(options.adapterDim ? { adapterDim: options.adapterDim } : {}),
          }),
        );
    prefaultTrainingHeap(model, batchSize); // the first step's fresh heap pages fault in on another thread
    const meta = (model.getUserDefinedMetadata() ?? {}) as Record<string, unknown>;
    model.setUserDefinedMetadata({ ...meta, bertvision_store: expectedFrom(train) });
    const shuffle = options.shuffle === 'none' ? false : { seed, mode: options.shuffle ?? 'full' };
    const source = storeBatchSource(train, {
      batchSize,
      labels: task,
      shuffle,
      prefetch: 2,
      oneHot: true,
      spanOneHot: true,
    });
    const evaluate = dev ? await devEvaluator(task, dev, options.squadFile, batchSize, options.decode) : undefined;
    await fs.mkdir(out, { recursive: true });
    const files = {
      model: join(out, 'model'),
      bestModel: dev ? join(out, 'best-model') : (null as string | null),
      history: join(out, 'history.json'),
      learningCurves: join(out, 'learning-curves.svg'),
      layerWeights: null as string | null,
    };
    try {
      const result = await outOfMemoryNamed(name, batchSize, () =>
        fit(model, {
          train: source,
          epochs: options.epochs ?? 3,
          ...(evaluate ? { evaluate, monitor: { metric: options.monitor ?? 'f1', mode: 'max' as const } } : {}),
          ...(options.patience !== undefined ? { patience: options.patience } : {}),
          checkpoints,
          runIdentity,
          checkpointEverySteps: options.checkpointEverySteps ?? 0,
          resume: options.resume ?? false,
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
          ...(options.onEpochStart ? { onEpochStart: options.onEpochStart } : {}),
          ...(options.onResume ? { onResume: options.onResume } : {}),
          onEpochEnd: (summary) => options.onEpochEnd?.(summary),
          quiet: options.quiet ?? options.onEpochEnd !== undefined,
          ...(options.callbacks ? { callbacks: options.callbacks } : {}),
          ...(options.log ? { log: options.log } : {}),
        } satisfies FitOptions),
      );
      const history = result.state.history;
      const run = {
        architecture: name,
        task,
        best: result.state.best,
        stopped: result.state.stopped,
        history,
      };
      await writeFileAtomic(files.history, `${JSON.stringify(run, null, 2)}\n`);
      await writeFileAtomic(
        files.learningCurves,
        learningCurvesSvg({
          title: `${name} on ${train.path.split('/').pop()}`,
          history: history.map((h) => ({ epoch: h.epoch, losses: { loss: h.loss }, metrics: h.metrics })),
        }),
      );
      await saveModel(model, files.model);
      if (files.bestModel && result.state.best) {
        // The best epoch's weights are in the best checkpoint: load them and save them as a model (the plot shows them).
        await restoreModelWeights(model, checkpoints, 'best');
        await saveModel(model, files.bestModel);
      } else {
        files.bestModel = null;
      }
      const mixes = layerMixes(model);
      if (mixes[0]) {
        files.layerWeights = join(out, 'layer-weights.svg');
        await writeFileAtomic(
          files.layerWeights,
          layerWeightsSvg({
            weights: mixes[0].weights,
            gamma: mixes[0].gamma,
            title: `${name}: learned layer weights`,
          }),
        );
      }
      return { task, state: result.state, resumedFrom: result.resumedFrom, files };
    } finally {
      if (!given) {
        // compileAdapter passes its own Adam instance, which LayersModel.dispose() leaves alone.
        model.optimizer?.dispose();
        model.dispose();
      }
    }
  } finally {
    await train.close();
    await dev?.close();
  }
}

/** The wasm backend's heap size in bytes, or undefined when it is not the backend in use. */
function wasmHeapBytes(): number | undefined {
  const backend = tf.engine().backend as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return backend.wasm?.HEAPU8?.byteLength;
}

/** Runs `work`, turning the wasm heap running out into an `OutOfMemoryError` that names the head and the remedy. */
async function outOfMemoryNamed<T>(head: string, batchSize: number, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (tf.getBackend() !== 'wasm' || !isWasmOutOfMemory(error, wasmHeapBytes())) throw error;
    throw new OutOfMemoryError(
      `training '${head}' at batch size ${batchSize} needs more memory than the WebAssembly backend's heap (at most ` +
        '4 GiB) holds: use a smaller --batch-size (e.g. half), or install @tensorflow/tfjs-node (used automatically)',
      { cause: error },
    );
  }
}
