/**
 * Store batches as tensors: a `tf.data.Dataset` for `model.fitDataset` (`storeDataset`) and a resumable
 * `BatchSource` for the bertvision trainer (`storeBatchSource`). Browser-safe.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../errors.js';
import type { Batch, BatchSource } from './batch-source.js';
import { float16Upload } from '../backend/float16-upload.js';
import { checkBatchOptions, storeBatches, storeBitBatches, type BatchOptions, type StoreBatch } from './dataset.js';
import type { ActivationStore } from '../store/store.js';

/** Options of `storeDataset` and `storeBatchSource`. */
export interface DatasetOptions extends Omit<BatchOptions, 'epoch' | 'startBatch'> {
  /** Binary labels as one-hot `[B, 2]` float32 (default true, for categoricalCrossentropy), else `[B]` 0/1 float32. */
  oneHot?: boolean;
  /** Span labels as one-hot `[B, S]` float32 (default false: `[B]` float32 token indices, for sparse losses). */
  spanOneHot?: boolean;
  /** Names of the model's two span outputs, the keys of `ys` in `storeDataset` (default `['start', 'end']`). */
  spanOutputs?: [string, string];
}

/**
 * Whether `tf.tensor(values)` copies `values` at once on the current backend, so that the batch arrays can be reused:
 * tfjs-backend-wasm copies them into its heap; cpu, webgl and tensorflow keep a reference until first use.
 */
export function copiesOnWrite(): boolean {
  return tf.getBackend() === 'wasm';
}

/** A store batch with its activations already a tensor (`xs`, the caller's to dispose). */
export type UploadedBatch = Omit<StoreBatch, 'x'> & { xs: tf.Tensor };

/**
 * The batches of one epoch as tensors, made the fastest way the active backend allows: float16 bits decoded straight
 * into the backend's memory where a decoder is registered for it (src/backend/float16-upload.ts; the read arrays are
 * then always reused), else float32 arrays uploaded with `tf.tensor` (reused where it copies them).
 */
export async function* uploadedBatches(store: ActivationStore, options: BatchOptions): AsyncGenerator<UploadedBatch> {
  const upload = store.float16Bits ? float16Upload(tf.getBackend()) : undefined;
  if (upload) {
    for await (const { bits, ...rest } of storeBitBatches(store, { ...options, reuseBuffers: true }))
      yield { ...rest, xs: upload(bits, rest.shape) };
    return;
  }
  for await (const { x, ...rest } of storeBatches(store, { ...options, reuseBuffers: copiesOnWrite() }))
    yield { ...rest, xs: tf.tensor(x, rest.shape, 'float32') };
}

/** A batch as `model.fitDataset` wants it. */
export type TensorBatch = { xs: tf.Tensor; ys?: tf.Tensor | Record<string, tf.Tensor> };

/** The label tensors of `b` in the form `options` asks for (span: [start, end]); empty when it has none. */
function labelTensors(b: Omit<StoreBatch, 'x'>, options: DatasetOptions, positions: number): tf.Tensor[] {
  if (b.noAnswer) {
    const noAnswer = b.noAnswer;
    if (options.oneHot === false) return [tf.tensor1d(Float32Array.from(noAnswer))];
    return [tf.tidy(() => tf.oneHot(tf.tensor1d(noAnswer, 'int32'), 2).toFloat())];
  }
  if (b.start && b.end) {
    return [b.start, b.end].map((labels) =>
      options.spanOneHot
        ? tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), positions).toFloat())
        : tf.tensor1d(Float32Array.from(labels)),
    );
  }
  return [];
}

/**
 * A `tf.data.Dataset` of `{xs, ys}` batches for `model.fitDataset` (which disposes them). Each pass over the
 * dataset is a new epoch: with `shuffle`, epoch k uses the order `epochOrder(…, {epoch: k})`.
 * @throws InvalidArgumentError for bad options.
 */
export function storeDataset(store: ActivationStore, options: DatasetOptions): tf.data.Dataset<TensorBatch> {
  checkBatchOptions(store, options);
  let epoch = 0;
  const [startName, endName] = options.spanOutputs ?? ['start', 'end'];
  const positions = store.tensors[store.activations]!.shape[1] ?? 1;
  return tf.data.generator(() => {
    const batches = uploadedBatches(store, { ...options, epoch: epoch++ });
    return {
      async next(): Promise<IteratorResult<TensorBatch>> {
        const r = await batches.next();
        if (r.done) return { done: true, value: undefined };
        const xs = r.value.xs;
        const ys = labelTensors(r.value, options, positions);
        if (ys.length === 2) return { done: false, value: { xs, ys: { [startName]: ys[0]!, [endName]: ys[1]! } } };
        return { done: false, value: ys.length === 1 ? { xs, ys: ys[0]! } : { xs } };
      },
    };
  });
}

/**
 * The trainer's resumable `BatchSource` over a store: epoch e, batch k is always the same examples (from the
 * shuffle seed), and `batches(e, k)` starts there without reading earlier batches. Labels are required.
 * @throws InvalidArgumentError for bad options or `labels: 'none'`.
 */
export function storeBatchSource(store: ActivationStore, options: DatasetOptions): BatchSource {
  checkBatchOptions(store, options);
  if ((options.labels ?? 'none') === 'none') {
    throw new InvalidArgumentError("storeBatchSource needs labels: 'binary' or 'span'", { file: store.path });
  }
  const count = options.indices?.length ?? store.numExamples;
  const perEpoch = options.dropRemainder ? Math.floor(count / options.batchSize) : Math.ceil(count / options.batchSize);
  const positions = store.tensors[store.activations]!.shape[1] ?? 1;
  return {
    batchesPerEpoch: () => perEpoch,
    async *batches(epoch: number, start = 0): AsyncIterable<Batch> {
      for await (const b of uploadedBatches(store, { ...options, epoch, startBatch: start })) {
        const ys = labelTensors(b, options, positions);
        yield { xs: b.xs, ys: ys.length === 1 ? ys[0]! : ys, size: b.indices.length };
      }
    },
  };
}
