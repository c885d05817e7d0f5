/**
 * `createStoreWriter`: streams examples into a new activation store (Node only). The final path only appears,
 * by an atomic rename of a temporary file/directory in the same directory, once `finish()` has written every
 * declared example; a crash or `abort()` before that leaves no file that looks complete.
 */
import { access, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { InvalidArgumentError, ShapeError } from '../errors.js';
import { asFileError } from '../platform/file-errors.js';
import { checkedElementCount, dtypeByteSize, type StoreDtype } from './dtype.js';
import { encodeFloat16 } from './float16.js';
import type { StoreMetadata } from './metadata.js';
import { lockPath, type PathLock } from '../platform/path-lock.js';
import type { PlannedTensor, StoreSink } from './sink.js';
import { openHdf5Sink } from './hdf5/writer.js';
import { openNpySink } from './npy/writer.js';
import { openSafetensorsSink } from './safetensors/writer.js';

/** Container formats the writer produces. `npy` = a directory of `<name>.npy` + `metadata.json` (or one `.npy`). */
export type StoreFormat = 'hdf5' | 'npy' | 'safetensors';

/** Options of `createStoreWriter`. */
export interface StoreWriterOptions {
  /** Container to write. */
  format: StoreFormat;
  /** Full shape of every tensor (first axis = number of examples, equal for all tensors), by name. */
  shapes: Record<string, number[]>;
  /** dtype of the activation tensor. Default `'float16'` (`'float32'` for HDF5, which h5wasm cannot write as float16). */
  dtype?: StoreDtype;
  /** dtypes of the other tensors. Default: `float32` for names ending in `_logits`, `int32` otherwise. */
  dtypes?: Record<string, StoreDtype>;
  /** Name of the activation tensor. Default `'hidden_state_activations'`. */
  activations?: string;
  /** Store metadata (docs/store-format.md); its `dtype` must equal the activation dtype. Default: none. */
  metadata?: StoreMetadata;
  /** HDF5 only: gzip level 1–9 for every dataset. Default: no compression (measured not worth it). */
  gzip?: number;
}

/** Arrays accepted by `append`: float16 tensors take Float32Array (rounded to nearest even) or Uint16Array (raw bits). */
export type WritableArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array;

/** A streaming store writer. */
export interface StoreWriter {
  /** Final path. */
  readonly path: string;
  /** Examples appended so far. */
  readonly written: number;
  /** Number of examples declared in `shapes`. */
  readonly total: number;
  /**
   * Appends the next k examples of every tensor (each array holds k × example size elements; the same k for all).
   * @throws ShapeError when sizes disagree or exceed the declared count; InvalidArgumentError on a wrong array type.
   */
  append(tensors: Record<string, WritableArray>): Promise<void>;
  /** Checks every declared example was written, then publishes the store atomically. */
  finish(): Promise<void>;
  /** Abandons the store, removing temporary files. */
  abort(): Promise<void>;
}

function defaultDtype(name: string, activations: string, options: StoreWriterOptions): StoreDtype {
  if (name === activations) return options.dtype ?? (options.format === 'hdf5' ? 'float32' : 'float16');
  return options.dtypes?.[name] ?? (name.endsWith('_logits') ? 'float32' : 'int32');
}

function plan(path: string, options: StoreWriterOptions): { tensors: PlannedTensor[]; total: number } {
  const activations = options.activations ?? 'hidden_state_activations';
  const names = Object.keys(options.shapes);
  if (!names.includes(activations))
    throw new InvalidArgumentError(`shapes must include the activation tensor '${activations}'`, { file: path });
  const total = options.shapes[activations]![0];
  if (total === undefined) throw new ShapeError(`'${activations}' needs a shape [N, ...]`, { file: path });
  const tensors = names.map((name) => {
    const shape = options.shapes[name]!;
    checkedElementCount(shape, path, name);
    if (shape.length === 0 || shape[0] !== total) {
      throw new ShapeError(
        `'${name}' has shape [${shape.join(', ')}]; every tensor needs ${total} examples on its first axis`,
        { file: path },
      );
    }
    const dtype = defaultDtype(name, activations, options);
    return {
      name,
      dtype,
      shape: [...shape],
      exampleBytes: checkedElementCount(shape.slice(1), path, name) * dtypeByteSize(dtype),
    };
  });
  const actDtype = tensors.find((t) => t.name === activations)!.dtype;
  if (options.metadata && options.metadata.dtype !== actDtype) {
    throw new InvalidArgumentError(
      `metadata.dtype is '${options.metadata.dtype}' but the activations are written as ${actDtype}`,
      { file: path },
    );
  }
  return { tensors, total };
}

/** The raw bytes to write for `array` as `dtype` (float16 from float32 is encoded here). */
function toBytes(array: WritableArray, t: PlannedTensor, path: string): Uint8Array {
  const fits =
    (t.dtype === 'float16' && (array instanceof Float32Array || array instanceof Uint16Array)) ||
    (t.dtype === 'float32' && array instanceof Float32Array) ||
    (t.dtype === 'float64' && array instanceof Float64Array) ||
    (t.dtype === 'int32' && array instanceof Int32Array) ||
    (t.dtype === 'int64' && array instanceof BigInt64Array) ||
    ((t.dtype === 'uint8' || t.dtype === 'bool') && array instanceof Uint8Array);
  if (!fits)
    throw new InvalidArgumentError(`'${t.name}' is ${t.dtype}; got a ${array.constructor.name}`, { file: path });
  if (t.dtype === 'float16' && array instanceof Float32Array) {
    const bits = new Uint16Array(array.length);
    encodeFloat16(array, bits);
    return new Uint8Array(bits.buffer);
  }
  if (t.dtype === 'bool' && (array as Uint8Array).some((v) => v > 1)) {
    throw new InvalidArgumentError(`'${t.name}' is bool; values must be 0 or 1`, { file: path });
  }
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/**
 * Creates a streaming writer for a new store at `path`.
 * - safetensors: the header is sized up front from `shapes`; examples go to their final offsets.
 * - npy: a directory of `<name>.npy` + `metadata.json` (a path ending in `.npy` writes only the activations).
 * - hdf5: one dataset per tensor, the activations chunked one example per chunk; optional gzip; float16 and bool
 *   are refused (h5wasm cannot create those types: write float32/uint8, or use safetensors/npy for float16).
 * One writer per path: a second one gets an InUseError until the first finishes or aborts; partial files left by a
 * killed writer are removed when the next one starts.
 * @throws InvalidArgumentError when `path` exists (a directory target) or options are inconsistent; InUseError.
 */
export async function createStoreWriter(path: string, options: StoreWriterOptions): Promise<StoreWriter> {
  const { tensors, total } = plan(path, options);
  const lock = await lockPath(resolve(path), 'store');
  try {
    await removeStalePartials(resolve(path));
    const sink = await openSink(path, tensors, options);
    return new StreamingWriter(path, tensors, total, sink, lock);
  } catch (error) {
    await lock.release();
    throw asFileError(error, path, 'create the store');
  }
}

/** Remove `.<name>.partial-*` left beside `path` by writers that were killed (the caller holds the path's lock). */
async function removeStalePartials(path: string): Promise<void> {
  const prefix = `.${basename(path)}.partial-`;
  const names = (await readdir(dirname(path)).catch(() => [] as string[])).filter((n) => n.startsWith(prefix));
  await Promise.all(names.map((n) => rm(join(dirname(path), n), { recursive: true, force: true })));
}

async function openSink(path: string, tensors: PlannedTensor[], options: StoreWriterOptions): Promise<StoreSink> {
  const metadata = options.metadata;
  if (options.format === 'safetensors') return openSafetensorsSink(path, tensors, metadata);
  if (options.format === 'npy') {
    if (!path.endsWith('.npy')) {
      const exists = await access(path).then(
        () => true,
        () => false,
      );
      if (exists) throw new InvalidArgumentError('target directory already exists', { file: path });
    }
    return openNpySink(path, tensors, metadata, options.activations ?? 'hidden_state_activations');
  }
  if (options.format === 'hdf5') return openHdf5Sink(path, tensors, metadata, options.gzip);
  throw new InvalidArgumentError(`unknown store format '${String(options.format)}'`, { file: path });
}

class StreamingWriter implements StoreWriter {
  written = 0;
  private done = false;

  constructor(
    readonly path: string,
    private readonly tensors: PlannedTensor[],
    readonly total: number,
    private readonly sink: StoreSink,
    private readonly lock: PathLock,
  ) {}

  async append(arrays: Record<string, WritableArray>): Promise<void> {
    if (this.done) throw new InvalidArgumentError('writer is already finished or aborted', { file: this.path });
    const extra = Object.keys(arrays).filter((n) => !this.tensors.some((t) => t.name === n));
    if (extra.length > 0) throw new InvalidArgumentError(`unknown tensors ${extra.join(', ')}`, { file: this.path });
    let k: number | undefined;
    const prepared = this.tensors.map((t) => {
      const array = arrays[t.name];
      if (!array) throw new InvalidArgumentError(`append is missing tensor '${t.name}'`, { file: this.path });
      const bytes = toBytes(array, t, this.path);
      const count = t.exampleBytes === 0 ? 0 : bytes.length / t.exampleBytes;
      if (!Number.isInteger(count))
        throw new ShapeError(`'${t.name}' got ${array.length} elements, not a whole number of examples`, {
          file: this.path,
        });
      if (k !== undefined && count !== k)
        throw new ShapeError(`'${t.name}' got ${count} examples but other tensors got ${k}`, { file: this.path });
      k = count;
      return { t, bytes };
    });
    if (this.written + k! > this.total)
      throw new ShapeError(`appending ${k!} examples would exceed the declared ${this.total}`, { file: this.path });
    try {
      for (const { t, bytes } of prepared) await this.sink.write(t.name, this.written, k!, bytes);
    } catch (error) {
      throw asFileError(error, this.path, 'write the store');
    }
    this.written += k!;
  }

  async finish(): Promise<void> {
    if (this.done) throw new InvalidArgumentError('writer is already finished or aborted', { file: this.path });
    if (this.written !== this.total) {
      throw new ShapeError(`only ${this.written} of the declared ${this.total} examples were appended`, {
        file: this.path,
      });
    }
    this.done = true;
    try {
      await this.sink.commit();
    } catch (error) {
      await this.sink.discard();
      throw asFileError(error, this.path, 'write the store');
    } finally {
      await this.lock.release();
    }
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    try {
      await this.sink.discard();
    } finally {
      await this.lock.release();
    }
  }
}
