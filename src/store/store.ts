/**
 * The activation store interface every container (HDF5, npy, safetensors) implements, and the options of
 * `openStore`. Browser-safe (types only).
 */
import type { StoreArray, StoreDtype } from './dtype.js';
import type { ExpectedMetadata, StoreMetadata } from './metadata.js';

/** Shape and dtype of one tensor as `read` delivers it (float16 is delivered as float32 values). */
export interface TensorInfo {
  /** Shape, first axis = examples. For the activations this is the delivered shape (see `deliver`). */
  shape: number[];
  /** dtype on disk. */
  dtype: StoreDtype;
}

/** Which container a store was read from. `hdf5-dir` is the seed's directory of `<8·i>.h5` files. */
export type StoreContainer = 'hdf5' | 'hdf5-dir' | 'npy' | 'npy-dir' | 'safetensors' | 'safetensors-sharded';

/** Options of `openStore`. */
export interface OpenStoreOptions {
  /** Name of the activation tensor. Default `'hidden_state_activations'` (use `'embeds'` for the torch layout). */
  activations?: string;
  /**
   * Axis of the stored activation tensor that holds the layers (channels). Default: the last axis (native
   * layers-last layout `[N, S, H, L]`). The torch layout `[N, L, S, E]` has `layerAxis: 1`.
   */
  layerAxis?: number;
  /**
   * How activations are delivered when `layerAxis` is not the last axis: `'as-stored'` (default) or
   * `'layers-last'` (each read is transposed into a reused buffer, moving the layer axis last; this costs one
   * strided pass over the data, roughly 0.3–1 GB/s on one core). Never applied silently.
   */
  deliver?: 'as-stored' | 'layers-last';
  /** Metadata to use for a store that carries none (e.g. the seed's files). Default: none. */
  metadata?: StoreMetadata;
  /** Metadata values the caller requires; checked at open (MismatchError on a difference). Default: none. */
  expect?: ExpectedMetadata;
  /** Use the WebAssembly SIMD float16 decoder (default true; false forces the lookup table). */
  simd?: boolean;
  /**
   * Use bertvision's native kernels when they are built (default true): safetensors and npy files are memory-mapped
   * and read on every core, float16 decoded with F16C; HDF5 float16 is decoded natively. false (or the environment
   * variable `BERTVISION_NATIVE=0`) reads with fs and decodes with WebAssembly. Results are identical.
   */
  native?: boolean;
}

/** A lazily read activation store. Reads are positional and bounded; nothing reads a whole file. */
export interface ActivationStore {
  /** The path it was opened from. */
  readonly path: string;
  /** Which container it is. */
  readonly container: StoreContainer;
  /** Every tensor by name. */
  readonly tensors: Readonly<Record<string, TensorInfo>>;
  /** The store metadata, or undefined when the store has none (and none was given). */
  readonly metadata: StoreMetadata | undefined;
  /** Name of the activation tensor (see `OpenStoreOptions.activations`). */
  readonly activations: string;
  /** Axis of the delivered activation shape that holds the layers (last axis unless delivered as stored). */
  readonly layerAxis: number;
  /** Number of examples (first-axis length of the activations). */
  readonly numExamples: number;
  /**
   * Whether `read` / `readIndices` can hand over the activations' stored float16 bits undecoded (into a `Uint16Array`
   * `out`): true for float16 activations delivered as stored (no layer-axis move on read).
   */
  readonly float16Bits: boolean;
  /**
   * Reads examples `[start, start + count)` of tensor `name` into `out` (a reused array of at least
   * `count × example size` elements) or into a new array. float16 comes back as float32, or as its stored bits when
   * `out` is a `Uint16Array` (see `float16Bits`).
   * @throws InvalidArgumentError for an unknown tensor, a range outside the tensor or an unsuitable `out`;
   *   FileFormatError when the file turns out truncated or corrupt.
   */
  read(name: string, start: number, count: number, out?: StoreArray): Promise<StoreArray>;
  /** Like `read` for any list of example indices (consecutive runs are read together), in the order given. */
  readIndices(name: string, indices: readonly number[], out?: StoreArray): Promise<StoreArray>;
  /** Checks the metadata against what a model or caller expects. @throws MismatchError naming each difference. */
  checkMetadata(expected: ExpectedMetadata): void;
  /** Releases file handles and buffers. Reads after close throw. */
  close(): Promise<void>;
}
