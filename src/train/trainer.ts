/**
 * The training loop: any compiled `tf.LayersModel` on a {@link BatchSource}, with dev evaluation after every epoch,
 * atomic checkpoints (every epoch and every N steps) holding weights, optimizer state and the data position, exact
 * resume, early stopping on a dev metric and a kept best checkpoint.
 *
 * Resume is exact: with the same seed and batches, a run interrupted at any point (even by SIGKILL during a checkpoint
 * write) and resumed ends with the same weights as an uninterrupted run, bit for bit on the deterministic `cpu`
 * backend.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError, MismatchError } from '../errors.js';
import type { BatchSource } from '../data/batch-source.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint-format.js';
import type { CheckpointKind, CheckpointStore } from './checkpoint-store.js';
import { getOptimizerState, setOptimizerState } from './optimizer-state.js';
import { type FitCallback, FitCallbacks } from './fit-callbacks.js';
import { epochProgressLine } from './fit-progress.js';
import { initialTrainerState, type EpochSummary, type TrainerState } from './trainer-state.js';
import { trainStepFor } from './train-step.js';

/** Progress reported after every training step. */
export interface TrainingProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batchesPerEpoch: number;
  step: number;
  /** Loss of this batch. */
  loss: number;
  /** Examples in this batch. */
  examples: number;
}

/** Options of {@link fit}. */
export interface FitOptions {
  /** Training batches. */
  train: BatchSource;
  /** Total number of epochs (a resumed run counts the epochs already done). */
  epochs: number;
  /** Dev evaluation after every epoch, returning named metrics (e.g. `{ accuracy, exact, f1 }`). Default: none. */
  evaluate?: (model: tf.LayersModel, epoch: number) => Promise<Record<string, number>>;
  /** Where checkpoints go. Default: no checkpoints (and no resume). */
  checkpoints?: CheckpointStore;
  /** Also checkpoint every this many steps within an epoch. Default 0: only at the end of each epoch. */
  checkpointEverySteps?: number;
  /** Continue from the last checkpoint when there is one. Default true. */
  resume?: boolean;
  /**
   * Everything else that shapes the run (store identity and metadata, batch size, learning rate, seed, shuffling…),
   * as JSON values by name. Part of the checkpoint fingerprint: a resume with any other value is refused, naming
   * each difference. Default: none (the fingerprint covers the weight shapes, optimizer and epoch size only).
   */
  runIdentity?: Record<string, unknown>;
  /** The dev metric that picks the best checkpoint and drives early stopping, and whether higher is better. Default: none. */
  monitor?: { metric: string; mode?: 'max' | 'min'; minDelta?: number };
  /** Stop after this many epochs without improvement of `monitor`. Default: never stop early. */
  patience?: number;
  /**
   * Called once when `resume` found a checkpoint, before training continues: the checkpoint's location and the
   * position restored from it (0-based epoch and batch within it, steps done).
   */
  onResume?: (from: ResumePoint) => void;
  /** Called before the first batch of every epoch (also a resumed, partly done one), with its 0-based number. */
  onEpochStart?: (epoch: number, firstBatch: number, batchesPerEpoch: number) => void;
  /** Called after every step. */
  onProgress?: (progress: TrainingProgress) => void;
  /** Called after every epoch with its summary. */
  onEpochEnd?: (summary: EpochSummary, state: TrainerState) => void;
  /**
   * tfjs callbacks, called as `model.fit` calls them (see {@link FitCallback}): `tf.callbacks.earlyStopping({ monitor:
   * 'val_f1', mode: 'max' })`, a `tf.CustomCallback`, tfjs-vis' `show.fitCallbacks`. Dev metrics are logged as
   * `val_<name>`. Default: none.
   */
  callbacks?: FitCallback | readonly FitCallback[];
  /**
   * No progress line per epoch. Default: false, unless `onEpochEnd` is given (the caller reports the epochs itself).
   */
  quiet?: boolean;
  /** Where the progress lines go. Default `console.log`. */
  log?: (line: string) => void;
}

/** Where a resumed run continues: see {@link FitOptions.onResume}. */
export interface ResumePoint {
  /** The checkpoint read (a file path, or the store's name for it). */
  location: string;
  /** 0-based epoch the run continues in. */
  epoch: number;
  /** Batches of that epoch already done. */
  batch: number;
  /** Training steps already done. */
  step: number;
}

/** Result of {@link fit}: the final state (history, best metric) and whether the run was resumed. */
export interface FitResult {
  state: TrainerState;
  resumedFrom: string | null;
}

/** JSON with object keys sorted, so that equal values give equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function fingerprintOf(model: tf.LayersModel, batchesPerEpoch: number, identity: Record<string, unknown>): string {
  return canonicalJson({
    ...identity,
    weights: model.weights.map((w) => w.shape.join('x')),
    optimizer: model.optimizer?.getClassName() ?? 'none',
    batchesPerEpoch,
  });
}

/** Each entry of two fingerprints that differs, as `name: <checkpoint value> in the checkpoint, <value> now`. */
function fingerprintDifferences(stored: string, current: string): string[] {
  const parse = (text: string): Record<string, unknown> | undefined => {
    try {
      const value: unknown = JSON.parse(text);
      return value !== null && typeof value === 'object' && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  };
  const [before, now] = [parse(stored), parse(current)];
  if (!before || !now) return [`fingerprint: ${stored} in the checkpoint, ${current} now`];
  const names = [...new Set([...Object.keys(before), ...Object.keys(now)])].sort();
  return names
    .filter((name) => canonicalJson(before[name]) !== canonicalJson(now[name]))
    .map((name) => {
      const show = (v: unknown): string => (v === undefined ? '(absent)' : canonicalJson(v));
      return `${name}: ${show(before[name])} in the checkpoint, ${show(now[name])} now`;
    });
}

async function saveCheckpoint(
  model: tf.LayersModel,
  store: CheckpointStore,
  kind: CheckpointKind,
  state: TrainerState,
): Promise<void> {
  const optimizerState = await getOptimizerState(model.optimizer);
  const modelWeights = model.weights.map((w) => ({ name: w.name, tensor: w.read() }));
  try {
    await store.save(kind, await encodeCheckpoint({ state, modelWeights, optimizerState }));
  } finally {
    tf.dispose(optimizerState.map((s) => s.tensor));
  }
}

async function restoreCheckpoint(
  model: tf.LayersModel,
  store: CheckpointStore,
  fingerprint: string,
): Promise<{ state: TrainerState; location: string } | null> {
  const stored = await store.load('last');
  if (!stored) return null;
  const checkpoint = decodeCheckpoint(stored.bytes, stored.location);
  try {
    if (checkpoint.state.fingerprint !== fingerprint) {
      const differences = fingerprintDifferences(checkpoint.state.fingerprint, fingerprint);
      throw new MismatchError(
        `checkpoint was written for another run; refusing to resume (${differences.length} difference(s)): ` +
          differences.join('; '),
        { file: stored.location },
      );
    }
    model.setWeights(checkpoint.modelWeights.map((w) => w.tensor));
    await setOptimizerState(model.optimizer, checkpoint.optimizerState);
  } finally {
    tf.dispose(checkpoint.modelWeights.map((w) => w.tensor));
    tf.dispose(checkpoint.optimizerState.map((w) => w.tensor));
  }
  return { state: checkpoint.state, location: stored.location };
}

function improved(state: TrainerState, metric: string, value: number, mode: 'max' | 'min', minDelta: number): boolean {
  if (!Number.isFinite(value)) return false;
  if (!state.best) return true;
  return mode === 'max' ? value > state.best.value + minDelta : value < state.best.value - minDelta;
}

/**
 * Train `model` (compiled, with an optimizer) for `options.epochs` epochs. See {@link FitOptions}.
 * @throws InvalidArgumentError for an uncompiled model, bad epoch/step counts, a missing monitored metric, or a
 *   non-finite training loss (NaN/Inf in a batch: the run stops before anything is checkpointed from it).
 * @throws MismatchError when resuming from a checkpoint of another model, data or run identity, listing each
 *   difference.
 * @example
 * ```ts
 * const model = buildBinaryHead('tenney-small', { inputShape: [1, 384, 8] });
 * const train = storeBatchSource(store, { batchSize: 64, labels: 'binary', shuffle: { seed: 0 } });
 * await fit(model, {
 *   train,
 *   epochs: 10,
 *   evaluate: (m) => devMetrics(m), // your dev metrics per epoch ({ accuracy, f1 }), logged as val_<name>
 *   callbacks: tf.callbacks.earlyStopping({ monitor: 'val_f1', mode: 'max', patience: 2 }),
 * }); // prints "epoch 1/10 · loss 0.6931 · dev accuracy 0.5100, f1 0.6754 · 0.4 s" per epoch unless quiet
 * ```
 */
export async function fit(model: tf.LayersModel, options: FitOptions): Promise<FitResult> {
  if (!model.optimizer) throw new InvalidArgumentError('fit: the model is not compiled (no optimizer)');
  if (!Number.isInteger(options.epochs) || options.epochs < 1)
    throw new InvalidArgumentError(`fit: epochs must be a positive integer, got ${options.epochs}`);
  const everySteps = options.checkpointEverySteps ?? 0;
  if (!Number.isInteger(everySteps) || everySteps < 0)
    throw new InvalidArgumentError(`fit: checkpointEverySteps must be an integer >= 0, got ${everySteps}`);
  const batchesPerEpoch = options.train.batchesPerEpoch();
  const fingerprint = fingerprintOf(model, batchesPerEpoch, options.runIdentity ?? {});
  const store = options.checkpoints;
  const restored = store && (options.resume ?? true) ? await restoreCheckpoint(model, store, fingerprint) : null;
  const state = restored?.state ?? initialTrainerState(fingerprint);
  if (restored)
    options.onResume?.({ location: restored.location, epoch: state.epoch, batch: state.batch, step: state.step });
  const mode = options.monitor?.mode ?? 'max';
  const quiet = options.quiet ?? options.onEpochEnd !== undefined;
  const log = options.log ?? ((line: string) => console.log(line));
  const callbacks = new FitCallbacks(model, options.callbacks, {
    epochs: options.epochs,
    initialEpoch: state.epoch,
    steps: batchesPerEpoch,
    doValidation: options.evaluate !== undefined,
  });
  model.stopTraining = false;
  const step = trainStepFor(model);
  await callbacks.trainBegin();

  while (!state.stopped && state.epoch < options.epochs) {
    const started = Date.now();
    options.onEpochStart?.(state.epoch, state.batch, batchesPerEpoch);
    await callbacks.epochBegin(state.epoch);
    for await (const batch of options.train.batches(state.epoch, state.batch)) {
      await callbacks.batchBegin(state.batch, batch.size);
      let loss: number;
      try {
        loss = await step(batch.xs, batch.ys);
      } finally {
        tf.dispose([batch.xs, batch.ys] as tf.TensorContainer);
      }
      if (!Number.isFinite(loss)) {
        throw new InvalidArgumentError(
          `training loss is ${loss} at epoch ${state.epoch + 1}, batch ${state.batch + 1} (step ${state.step + 1}): the batch's ` +
            'activations or labels hold NaN/Inf, or the learning rate is too high; checkpoints were left as they were',
        );
      }
      await callbacks.batchEnd(state.batch, batch.size, loss);
      state.batch += 1;
      state.step += 1;
      state.lossSum += loss;
      state.lossCount += 1;
      options.onProgress?.({
        epoch: state.epoch,
        epochs: options.epochs,
        batch: state.batch,
        batchesPerEpoch,
        step: state.step,
        loss,
        examples: batch.size,
      });
      if (store && everySteps > 0 && state.step % everySteps === 0 && state.batch < batchesPerEpoch) {
        await saveCheckpoint(model, store, 'last', state);
      }
    }
    const metrics = options.evaluate ? await options.evaluate(model, state.epoch + 1) : {};
    const summary: EpochSummary = {
      epoch: state.epoch + 1,
      loss: state.lossCount ? state.lossSum / state.lossCount : Number.NaN,
      metrics,
    };
    state.history.push(summary);
    state.epoch += 1;
    state.batch = 0;
    state.lossSum = 0;
    state.lossCount = 0;
    let isBest = false;
    if (options.monitor) {
      const value = metrics[options.monitor.metric];
      if (value === undefined) {
        throw new InvalidArgumentError(
          `fit: monitored metric '${options.monitor.metric}' is not among the dev metrics (${Object.keys(metrics).join(', ') || 'none'})`,
        );
      }
      isBest = improved(state, options.monitor.metric, value, mode, options.monitor.minDelta ?? 0);
      if (isBest) {
        state.best = { metric: options.monitor.metric, value, epoch: summary.epoch };
        state.epochsWithoutImprovement = 0;
      } else {
        state.epochsWithoutImprovement += 1;
      }
      if (options.patience !== undefined && state.epochsWithoutImprovement >= options.patience) state.stopped = true;
    }
    await callbacks.epochEnd(summary.epoch - 1, summary.loss, metrics);
    if (model.stopTraining) state.stopped = true;
    if (!quiet) log(epochProgressLine(summary, options.epochs, (Date.now() - started) / 1000));
    // Best before last: if the process dies in between, the last checkpoint still predates this epoch, and the
    // resumed run redoes it and writes the same best checkpoint again.
    if (store && isBest) await saveCheckpoint(model, store, 'best', state);
    if (store) await saveCheckpoint(model, store, 'last', state);
    options.onEpochEnd?.(summary, state);
  }
  await callbacks.trainEnd();
  return { state, resumedFrom: restored?.location ?? null };
}
