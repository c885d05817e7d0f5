/**
 * The container-independent part of every store: argument checks, float16 decoding with reads and decoding
 * overlapped, layer-axis delivery, index reads, metadata checks. Containers only supply `TensorSource`s.
 * Browser-safe (no file system here).
 */
import { BertVisionError, FileFormatError, InvalidArgumentError, ShapeError } from '../errors.js';
import { allocateStoreArray, dtypeByteSize, isStoreArrayFor, type StoreArray, type StoreDtype } from './dtype.js';
import { Float16Decoder } from './float16.js';
import {
  checkExpectedMetadata,
  checkMetadataAgainstShape,
  type ExpectedMetadata,
  type StoreMetadata,
} from './metadata.js';
import type { ActivationStore, OpenStoreOptions, StoreContainer, TensorInfo } from './store.js';
import { moveAxisLast, shapeWithAxisLast } from './transpose.js';

/** Raw access to one stored tensor, in C order, by whole examples (first-axis entries). */
export interface TensorSource {
  /** Tensor name. */
  readonly name: string;
  /** dtype on disk. */
  readonly dtype: StoreDtype;
  /** Shape on disk (C order). */
  readonly shape: number[];
  /** Largest byte count one `readRaw` call may be asked for (e.g. the HDF5 heap limit). */
  readonly maxReadBytes: number;
  /** Copies the raw little-endian bytes of examples `[start, start + count)` into `dst` (exactly that size). */
  readRaw(start: number, count: number, dst: Uint8Array): Promise<void>;
  /**
   * Present when the source can decode float16 natively (on every core, without staging): decodes examples
   * `[start, start + count)` into `dst` (exactly that many float32 values).
   */
  readonly readFloat16?: (start: number, count: number, dst: Float32Array) => Promise<void>;
}

/** Bytes of float16 input decoded per pipeline step (reads of the next piece overlap the decode of this one). */
const F16_PIECE_BYTES = 4 << 20;
/** Upper bound on one positional read of non-float16 data. */
const PIECE_BYTES = 1 << 30;

/** Everything a container hands to `BaseStore`. */
export interface StoreParts {
  path: string;
  container: StoreContainer;
  sources: TensorSource[];
  metadata: StoreMetadata | undefined;
  options: OpenStoreOptions;
  close: () => Promise<void>;
}

/** A store over `TensorSource`s. Created by `openStore`; use the `ActivationStore` interface. */
export class BaseStore implements ActivationStore {
  readonly path: string;
  readonly container: StoreContainer;
  readonly tensors: Readonly<Record<string, TensorInfo>>;
  readonly metadata: StoreMetadata | undefined;
  readonly activations: string;
  readonly layerAxis: number;
  readonly numExamples: number;
  readonly float16Bits: boolean;
  private readonly sources = new Map<string, TensorSource>();
  private readonly storedLayerAxis: number;
  private readonly transpose: boolean;
  private readonly decoder: Float16Decoder;
  private transposeScratch: Float32Array | Float64Array | undefined;
  private readonly closeSources: () => Promise<void>;
  private closed = false;
  private queue: Promise<void> = Promise.resolve();

  constructor(parts: StoreParts) {
    const { path, container, sources, options } = parts;
    this.path = path;
    this.container = container;
    this.closeSources = parts.close;
    this.metadata = parts.metadata ?? options.metadata;
    this.activations = options.activations ?? 'hidden_state_activations';
    this.decoder = new Float16Decoder(2, options.simd ?? true);
    for (const s of sources) this.sources.set(s.name, s);
    const act = this.sources.get(this.activations);
    if (!act) {
      throw new FileFormatError(
        `missing tensor '${this.activations}' (found: ${[...this.sources.keys()].join(', ') || 'none'})`,
        { file: path },
      );
    }
    const rank = act.shape.length;
    if (rank < 2)
      throw new FileFormatError(`tensor '${this.activations}' has rank ${rank}; need at least [N, ...]`, {
        file: path,
      });
    this.storedLayerAxis = options.layerAxis ?? rank - 1;
    if (!Number.isInteger(this.storedLayerAxis) || this.storedLayerAxis < 1 || this.storedLayerAxis >= rank) {
      throw new InvalidArgumentError(
        `layerAxis ${options.layerAxis} is not an axis 1..${rank - 1} of '${this.activations}'`,
        { file: path },
      );
    }
    this.transpose = options.deliver === 'layers-last' && this.storedLayerAxis !== rank - 1;
    if (this.transpose && !['float16', 'float32', 'float64'].includes(act.dtype)) {
      throw new InvalidArgumentError(`cannot deliver ${act.dtype} activations layers-last`, { file: path });
    }
    this.layerAxis = this.transpose ? rank - 1 : this.storedLayerAxis;
    checkMetadataAgainstShape(this.metadata, act, this.storedLayerAxis, path);
    this.numExamples = act.shape[0]!;
    this.float16Bits = act.dtype === 'float16' && !this.transpose;
    for (const s of sources) {
      if (s.shape.length === 0 || s.shape[0] !== this.numExamples) {
        throw new ShapeError(
          `tensor '${s.name}' has ${s.shape[0] ?? 'no'} entries on its first axis ` +
            `but '${this.activations}' has ${this.numExamples} examples`,
          { file: path },
        );
      }
    }
    const tensors: Record<string, TensorInfo> = {};
    for (const s of sources) {
      const shape = s === act && this.transpose ? shapeWithAxisLast(s.shape, this.storedLayerAxis) : [...s.shape];
      tensors[s.name] = { shape, dtype: s.dtype };
    }
    this.tensors = tensors;
    if (options.expect) this.checkMetadata(options.expect);
  }

  checkMetadata(expected: ExpectedMetadata): void {
    checkExpectedMetadata(this.metadata, expected, this.path);
  }

  /** The source of `name`; `issued` skips the closed check for a read that was issued before `close()`. */
  private source(name: string, issued = false): TensorSource {
    if (this.closed && !issued) throw new BertVisionError('E_CLOSED', 'store is closed', { file: this.path });
    const s = this.sources.get(name);
    if (!s)
      throw new InvalidArgumentError(`no tensor '${name}' (found: ${[...this.sources.keys()].join(', ')})`, {
        file: this.path,
      });
    return s;
  }

  read(name: string, start: number, count: number, out?: StoreArray): Promise<StoreArray> {
    // Reads share the decoder's input areas and the transpose scratch: run them one at a time. A read issued
    // before close() completes: close waits for the queue (test/store/bad-input.test.ts).
    if (this.closed) return Promise.reject(new BertVisionError('E_CLOSED', 'store is closed', { file: this.path }));
    const result = this.queue.then(() => this.readNow(name, start, count, out));
    this.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private async readNow(name: string, start: number, count: number, out?: StoreArray): Promise<StoreArray> {
    const s = this.source(name, true);
    const n = s.shape[0]!;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < 0 || count < 0 || start + count > n) {
      throw new InvalidArgumentError(`read of '${name}' [${start}, ${start + count}) is outside 0..${n}`, {
        file: this.path,
      });
    }
    const perExample = s.shape.slice(1).reduce((a, b) => a * b, 1);
    const length = count * perExample;
    const target = out ?? allocateStoreArray(s.dtype, length);
    if (!isStoreArrayFor(s.dtype, target) || target.length < length) {
      throw new InvalidArgumentError(
        `output array for '${name}' must be a ${allocateStoreArray(s.dtype, 0).constructor.name} of at least ${length} elements`,
        { file: this.path },
      );
    }
    if (target instanceof Uint16Array && name === this.activations && this.transpose) {
      throw new InvalidArgumentError(
        `'${name}' is delivered layers-last (moved on read): read it into a Float32Array, not its float16 bits`,
        { file: this.path },
      );
    }
    if (name === this.activations && this.transpose) {
      const scratch = this.scratchFor(target as Float32Array | Float64Array, length);
      await this.readStored(s, start, count, perExample, scratch);
      moveAxisLast(scratch, target as Float32Array | Float64Array, count, s.shape.slice(1), this.storedLayerAxis - 1);
    } else {
      await this.readStored(s, start, count, perExample, target);
    }
    return target;
  }

  private scratchFor(like: Float32Array | Float64Array, length: number): Float32Array | Float64Array {
    const current = this.transposeScratch;
    if (current && current.constructor === like.constructor && current.length >= length)
      return current.subarray(0, length);
    this.transposeScratch = like instanceof Float64Array ? new Float64Array(length) : new Float32Array(length);
    return this.transposeScratch;
  }

  private async readStored(
    s: TensorSource,
    start: number,
    count: number,
    perExample: number,
    out: StoreArray,
  ): Promise<void> {
    if (count === 0 || perExample === 0) return;
    const exampleBytes = perExample * dtypeByteSize(s.dtype);
    if (exampleBytes > s.maxReadBytes) {
      throw new InvalidArgumentError(
        `one example of '${s.name}' (${exampleBytes} bytes) exceeds the ${s.maxReadBytes}-byte read limit`,
        {
          file: this.path,
        },
      );
    }
    const pieceLimit = Math.min(s.maxReadBytes, s.dtype === 'float16' ? F16_PIECE_BYTES : PIECE_BYTES);
    const perPiece = Math.max(1, Math.floor(pieceLimit / exampleBytes));
    if (out instanceof Uint16Array) {
      // the stored float16 bits, undecoded (little-endian on disk, as typed arrays are on every supported host)
      const bytes = new Uint8Array(out.buffer, out.byteOffset, count * exampleBytes);
      for (let done = 0; done < count; done += perPiece) {
        const k = Math.min(perPiece, count - done);
        await s.readRaw(start + done, k, bytes.subarray(done * exampleBytes, (done + k) * exampleBytes));
      }
      return;
    }
    if (s.dtype === 'float16' && s.readFloat16) {
      await s.readFloat16(start, count, (out as Float32Array).subarray(0, count * perExample));
      return;
    }
    if (s.dtype !== 'float16') {
      const bytes = new Uint8Array(out.buffer, out.byteOffset, count * exampleBytes);
      for (let done = 0; done < count; done += perPiece) {
        const k = Math.min(perPiece, count - done);
        await s.readRaw(start + done, k, bytes.subarray(done * exampleBytes, (done + k) * exampleBytes));
      }
      return;
    }
    await this.readFloat16(s, start, count, perExample, perPiece, out as Float32Array);
  }

  /** Reads piece k+1 into one decoder slot while piece k in the other slot is decoded. */
  private async readFloat16(
    s: TensorSource,
    start: number,
    count: number,
    perExample: number,
    perPiece: number,
    out: Float32Array,
  ): Promise<void> {
    const pieceBytes = Math.min(perPiece, count) * perExample * 2;
    this.decoder.reserve(pieceBytes);
    const issue = (done: number, slot: number): Promise<void> => {
      const k = Math.min(perPiece, count - done);
      return s.readRaw(start + done, k, this.decoder.input(slot, k * perExample * 2));
    };
    let pending = issue(0, 0);
    for (let done = 0, slot = 0; done < count; done += perPiece, slot ^= 1) {
      await pending;
      const next = done + perPiece;
      if (next < count) pending = issue(next, slot ^ 1);
      const k = Math.min(perPiece, count - done);
      this.decoder.decode(slot, k * perExample, out, done * perExample);
    }
  }

  async readIndices(name: string, indices: readonly number[], out?: StoreArray): Promise<StoreArray> {
    const s = this.source(name);
    const perExample = s.shape.slice(1).reduce((a, b) => a * b, 1);
    const target = out ?? allocateStoreArray(s.dtype, indices.length * perExample);
    let i = 0;
    while (i < indices.length) {
      let j = i + 1;
      while (j < indices.length && indices[j] === indices[j - 1]! + 1) j++;
      const first = indices[i]!;
      if (!Number.isSafeInteger(first))
        throw new InvalidArgumentError(`bad example index ${String(first)}`, { file: this.path });
      await this.read(name, first, j - i, target.subarray(i * perExample, j * perExample) as StoreArray);
      i = j;
    }
    return target;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    await this.closeSources();
  }
}
