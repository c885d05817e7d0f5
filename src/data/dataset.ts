/**
 * Batches from an activation store as an async iterator of typed arrays (`storeBatches`): deterministic
 * shuffling from a seed (full permutation or shuffle buffer), a bounded number of batches prefetched so disk
 * reads overlap compute, optional drop-remainder, resumable from any batch. Tensor forms (tf.data, the trainer's
 * BatchSource) are in dataset-tf.ts. Browser-safe (it only needs an `ActivationStore`).
 */
import { InvalidArgumentError } from '../errors.js';
import { bufferShuffle, epochSeed, permute, seededRandom } from './random.js';
import type { ActivationStore } from '../store/store.js';

/** Which labels a batch carries. `binary`: 1 = no answer in this window (the seed's class 1); `span`: start/end. */
export type LabelKind = 'none' | 'binary' | 'span';

/** Options of `storeBatches` / `storeDataset`. */
export interface BatchOptions {
  /** Examples per batch (required, ≥ 1). */
  batchSize: number;
  /** Labels to attach. Default `'none'`. */
  labels?: LabelKind;
  /**
   * Shuffling: `false` (default, store order), or a seed with `mode` `'full'` (a fresh permutation each epoch,
   * default) or `'buffer'` (shuffle buffer of `bufferSize` examples, default 1024: near-sequential reads).
   */
  shuffle?: false | { seed: number; mode?: 'full' | 'buffer'; bufferSize?: number };
  /** Batches read ahead of the consumer (default 2; 0 = read on demand). Memory: (prefetch + 1) batches. */
  prefetch?: number;
  /** Drop the last batch when it is smaller than `batchSize` (default false). */
  dropRemainder?: boolean;
  /** Use only these example indices (default: all). */
  indices?: readonly number[];
  /** Epoch number, for the shuffled order (default 0). `storeDataset` counts epochs itself. */
  epoch?: number;
  /** Start at this batch of the epoch, without reading the ones before (default 0; for resuming). */
  startBatch?: number;
  /**
   * Decode every batch into one of `prefetch + 2` arrays reused in turn instead of a fresh one (default false). A
   * batch's `x` then stays valid only until the consumer asks for the next batch: copy it first (`tf.tensor` does).
   * Saves the page faults of a fresh array per batch: 35 of the 40 ms a `[8, 384, 384, 7]` batch took to read.
   */
  reuseBuffers?: boolean;
}

/** One batch. `x` has shape `[size, ...example shape]` (float32; the delivered activation layout). */
export interface StoreBatch {
  /** Activations. A fresh array per batch (safe to keep), unless `reuseBuffers` was set. */
  x: Float32Array;
  /** Shape of `x`. */
  shape: number[];
  /** Example indices in this batch, in order. */
  indices: number[];
  /** Binary labels (1 = no answer), when `labels` is `'binary'`. */
  noAnswer?: Int32Array;
  /** Span start labels, when `labels` is `'span'`. */
  start?: Int32Array;
  /** Span end labels, when `labels` is `'span'`. */
  end?: Int32Array;
}

interface Labels {
  noAnswer?: Int32Array;
  start?: Int32Array;
  end?: Int32Array;
}

async function readInt32(store: ActivationStore, name: string): Promise<Int32Array> {
  const info = store.tensors[name]!;
  if (info.shape.length !== 1 || !['int32', 'int64', 'uint8', 'bool'].includes(info.dtype)) {
    throw new InvalidArgumentError(
      `label tensor '${name}' must be a 1-D integer tensor, found ${info.dtype} [${info.shape.join(', ')}]`,
      { file: store.path },
    );
  }
  const values = await store.read(name, 0, store.numExamples);
  return values instanceof Int32Array
    ? values
    : Int32Array.from(values as ArrayLike<number | bigint>, (v) => Number(v));
}

/** Reads the label tensors `kind` needs (whole: N integers each). */
async function readLabels(store: ActivationStore, kind: LabelKind): Promise<Labels> {
  const has = (name: string): boolean => name in store.tensors;
  if (kind === 'span') {
    if (!has('start_positions') || !has('end_positions')) {
      throw new InvalidArgumentError("span labels need tensors 'start_positions' and 'end_positions'", {
        file: store.path,
      });
    }
    return { start: await readInt32(store, 'start_positions'), end: await readInt32(store, 'end_positions') };
  }
  if (kind === 'binary') {
    if (has('is_impossible')) return { noAnswer: await readInt32(store, 'is_impossible') };
    if (has('start_positions') && has('end_positions')) {
      const start = await readInt32(store, 'start_positions');
      const end = await readInt32(store, 'end_positions');
      return { noAnswer: start.map((s, i) => (s + end[i]! === 0 ? 1 : 0)) };
    }
    throw new InvalidArgumentError("binary labels need 'is_impossible' or 'start_positions' + 'end_positions'", {
      file: store.path,
    });
  }
  return {};
}

/** Validates batch options against `store`. @throws InvalidArgumentError naming the store file. */
export function checkBatchOptions(store: ActivationStore, options: BatchOptions): void {
  const bad = (what: string): never => {
    throw new InvalidArgumentError(what, { file: store.path });
  };
  if (!Number.isSafeInteger(options.batchSize) || options.batchSize < 1)
    bad(`batchSize must be a positive integer, got ${options.batchSize}`);
  const prefetch = options.prefetch ?? 2;
  if (!Number.isSafeInteger(prefetch) || prefetch < 0) bad(`prefetch must be a non-negative integer, got ${prefetch}`);
  const shuffle = options.shuffle;
  if (shuffle) {
    if (!Number.isSafeInteger(shuffle.seed)) bad(`shuffle.seed must be an integer, got ${shuffle.seed}`);
    const size = shuffle.bufferSize ?? 1024;
    if (!Number.isSafeInteger(size) || size < 1) bad(`shuffle.bufferSize must be a positive integer, got ${size}`);
  }
  const startBatch = options.startBatch ?? 0;
  if (!Number.isSafeInteger(startBatch) || startBatch < 0)
    bad(`startBatch must be a non-negative integer, got ${startBatch}`);
  for (const i of options.indices ?? []) {
    if (!Number.isSafeInteger(i) || i < 0 || i >= store.numExamples)
      bad(`example index ${i} is outside 0..${store.numExamples - 1}`);
  }
  const dtype = store.tensors[store.activations]!.dtype;
  if (dtype !== 'float16' && dtype !== 'float32')
    bad(`activations must be float16 or float32 to batch, found ${dtype}`);
}

/** The example order of one epoch. */
export function epochOrder(
  numExamples: number,
  options: Pick<BatchOptions, 'indices' | 'shuffle' | 'epoch'>,
): number[] {
  const items = options.indices ? [...options.indices] : Array.from({ length: numExamples }, (_, i) => i);
  const shuffle = options.shuffle;
  if (!shuffle) return items;
  const random = seededRandom(epochSeed(shuffle.seed, options.epoch ?? 0));
  return shuffle.mode === 'buffer' ? bufferShuffle(items, shuffle.bufferSize ?? 1024, random) : permute(items, random);
}

/**
 * Iterates over one epoch of batches, reading up to `prefetch` batches ahead.
 * @throws InvalidArgumentError for bad options or missing label tensors (before the first batch).
 */
export function storeBatches(store: ActivationStore, options: BatchOptions): AsyncGenerator<StoreBatch> {
  return batchesOf(store, options, Float32Array);
}

/** A batch whose activations are the store's float16 bits, undecoded (see {@link storeBitBatches}). */
export type StoreBitBatch = Omit<StoreBatch, 'x'> & { bits: Uint16Array };

/**
 * Like {@link storeBatches}, but each batch carries the activations' stored float16 bits (`bits`) instead of float32
 * values, for a consumer that decodes them where it needs them (into the wasm heap, src/backend/float16-upload.ts).
 * Only for stores with `float16Bits`.
 * @throws InvalidArgumentError when the store cannot deliver float16 bits, and as {@link storeBatches}.
 */
export async function* storeBitBatches(store: ActivationStore, options: BatchOptions): AsyncGenerator<StoreBitBatch> {
  if (!store.float16Bits) {
    throw new InvalidArgumentError('the activations are not float16 stored layers-last: read them as float32', {
      file: store.path,
    });
  }
  for await (const { x, ...rest } of batchesOf(store, options, Uint16Array)) yield { ...rest, bits: x };
}

/** The batches of one epoch with activations in arrays of type `Values` (float32 values or float16 bits). */
async function* batchesOf<Values extends Float32Array | Uint16Array>(
  store: ActivationStore,
  options: BatchOptions,
  Values: { new (length: number): Values },
): AsyncGenerator<Omit<StoreBatch, 'x'> & { x: Values }> {
  checkBatchOptions(store, options);
  const labels = await readLabels(store, options.labels ?? 'none');
  const order = epochOrder(store.numExamples, options);
  const exampleShape = store.tensors[store.activations]!.shape.slice(1);
  const perExample = exampleShape.reduce((a, b) => a * b, 1);
  const groups: number[][] = [];
  for (let i = (options.startBatch ?? 0) * options.batchSize; i < order.length; i += options.batchSize) {
    const group = order.slice(i, i + options.batchSize);
    if (group.length === options.batchSize || !options.dropRemainder) groups.push(group);
  }
  const ahead = options.prefetch ?? 2;
  const ring: Values[] = [];
  let loaded = 0;
  const output = (length: number): Values => {
    if (!options.reuseBuffers) return new Values(length);
    const slot = loaded++ % (ahead + 2);
    if (!ring[slot] || ring[slot]!.length < length) ring[slot] = new Values(length);
    return ring[slot]!.subarray(0, length) as Values;
  };
  type Loaded = Omit<StoreBatch, 'x'> & { x: Values };
  const load = async (indices: number[]): Promise<Loaded> => {
    const x = output(indices.length * perExample);
    await store.readIndices(store.activations, indices, x);
    const batch: Loaded = { x, shape: [indices.length, ...exampleShape], indices };
    if (labels.noAnswer) batch.noAnswer = Int32Array.from(indices, (i) => labels.noAnswer![i]!);
    if (labels.start) batch.start = Int32Array.from(indices, (i) => labels.start![i]!);
    if (labels.end) batch.end = Int32Array.from(indices, (i) => labels.end![i]!);
    return batch;
  };
  const pending: Promise<Loaded>[] = [];
  let next = 0;
  try {
    while (next < groups.length || pending.length > 0) {
      while (next < groups.length && pending.length <= ahead) {
        const p = load(groups[next++]!);
        p.catch(() => undefined); // surfaced when awaited below
        pending.push(p);
      }
      yield await pending.shift()!;
    }
  } finally {
    await Promise.allSettled(pending);
  }
}
