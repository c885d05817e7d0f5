/**
 * HDF5 stores through h5wasm (Node only): one file with a dataset per tensor at the root and the metadata JSON in
 * the root attribute `bertvision_metadata`; or the seed's directory of `<8·i>.h5` files, each holding
 * `hidden_state_activations` `[≤8, …]`, seen as one store. Reads use the raw `get_dataset_data` call into one
 * reused heap buffer (`slice()` allocates per call and refuses float16).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import type * as H5 from 'h5wasm/node';
import { FileFormatError } from '../../errors.js';
import { dtypeByteSize, type StoreDtype } from '../dtype.js';
import { guardH5, HeapBuffer, loadH5wasm, type H5Runtime } from './h5wasm-runtime.js';
import { type DatasetInfo, datasetInfo, HDF5_METADATA_ATTRIBUTE, hasHdf5Signature } from './format.js';
import { parseStoreMetadata, type StoreMetadata } from '../metadata.js';
import { nativeAddon, type NativeAddon } from '../../platform/native.js';
import { openDirectDatasets, type DirectDataset } from './direct.js';
import { rootGroupNames } from './layout.js';
import { PositionalFile } from '../../platform/positional-file.js';
import { BaseStore, type TensorSource } from '../store-base.js';
import type { ActivationStore, OpenStoreOptions } from '../store.js';

/** Largest single read into the h5wasm heap (its memory is capped at 2 GiB). */
export const MAX_HEAP_READ = 256 << 20;
/** float16 read per heap round trip when decoding natively: decoded while it is still in the last-level cache. */
const NATIVE_F16_PIECE_BYTES = 4 << 20;

/** Opens `path` with h5wasm after checking it carries the HDF5 signature (h5wasm itself fails late and noisily). */
function openH5File(runtime: H5Runtime, path: string): H5.File {
  let head: Uint8Array;
  try {
    const fd = openSync(path, 'r');
    try {
      head = new Uint8Array(4096);
      head = head.subarray(0, readSync(fd, head, 0, head.length, 0));
    } finally {
      closeSync(fd);
    }
  } catch (cause) {
    throw new FileFormatError(`cannot open: ${(cause as Error).message}`, { file: path, cause });
  }
  if (!hasHdf5Signature(head)) throw new FileFormatError('not an HDF5 file (no HDF5 signature)', { file: path });
  const file = guardH5(runtime, path, 'opening', () => new runtime.h5.File(resolve(path), 'r'));
  if (file.file_id < 0n) throw new FileFormatError('h5wasm cannot open it (corrupt HDF5?)', { file: path });
  return file;
}

/**
 * Reads `count` examples (`bytes` bytes) from `start` of dataset `name` in `file` into the shared heap buffer and
 * hands `consume` a view of them (valid only during the call).
 */
export function readHyperslab(
  runtime: H5Runtime,
  heap: HeapBuffer,
  file: H5.File,
  path: string,
  name: string,
  shape: number[],
  start: number,
  count: number,
  bytes: number,
  consume: (raw: Uint8Array) => void,
): void {
  const what = `reading '${name}' [${start}, ${start + count})`;
  const ptr = guardH5(runtime, path, what, () => heap.reserve(bytes, path));
  const status = guardH5(runtime, path, what, () =>
    runtime.module.get_dataset_data(
      file.file_id,
      '/' + name,
      [BigInt(count), ...shape.slice(1).map(BigInt)],
      [BigInt(start), ...shape.slice(1).map(() => 0n)],
      shape.map(() => 1n),
      BigInt(ptr),
    ),
  );
  if (status < 0) throw new FileFormatError(`${what} failed (corrupt or truncated?)`, { file: path });
  consume(heap.view(bytes));
}

/** A copy of example 0 of dataset `name` as h5wasm reads it (the reference direct reads are checked against). */
export function readFirstExample(
  runtime: H5Runtime,
  heap: HeapBuffer,
  file: H5.File,
  path: string,
  name: string,
  shape: number[],
  dtype: StoreDtype,
): Uint8Array {
  let copy = new Uint8Array(0);
  const bytes = shape.slice(1).reduce((a, b) => a * b, 1) * dtypeByteSize(dtype);
  readHyperslab(runtime, heap, file, path, name, shape, 0, 1, bytes, (raw) => (copy = raw.slice()));
  return copy;
}

/**
 * A native float16 reader over `readPiece` (which reads whole examples into the heap): pieces of about
 * {@link NATIVE_F16_PIECE_BYTES} are decoded straight from the heap into `dst` on every core (no staging copy).
 */
export function nativeFloat16Reader(
  addon: NativeAddon,
  shape: number[],
  readPiece: (start: number, count: number, bytes: number, consume: (raw: Uint8Array) => void) => void,
): (start: number, count: number, dst: Float32Array) => Promise<void> {
  const perExample = shape.slice(1).reduce((a, b) => a * b, 1);
  const perPiece = Math.max(1, Math.floor(NATIVE_F16_PIECE_BYTES / (perExample * 2)));
  return (start, count, dst) => {
    for (let done = 0; done < count; done += perPiece) {
      const k = Math.min(perPiece, count - done);
      const target = dst.subarray(done * perExample, (done + k) * perExample);
      readPiece(start + done, k, k * perExample * 2, (raw) =>
        addon.decodeFloat16(new Uint16Array(raw.buffer, raw.byteOffset, target.length), target),
      );
    }
    return Promise.resolve();
  };
}

class Hdf5Source implements TensorSource {
  readonly maxReadBytes = MAX_HEAP_READ;
  readonly readFloat16?: (start: number, count: number, dst: Float32Array) => Promise<void>;

  constructor(
    readonly name: string,
    readonly dtype: StoreDtype,
    readonly shape: number[],
    private readonly runtime: H5Runtime,
    private readonly heap: HeapBuffer,
    private readonly file: H5.File,
    private readonly path: string,
    addon: NativeAddon | undefined,
    private readonly direct: DirectDataset | undefined,
  ) {
    if (dtype !== 'float16') return;
    if (direct?.decodesFloat16) this.readFloat16 = (start, count, dst) => direct.readFloat16(start, count, dst);
    else if (addon)
      this.readFloat16 = nativeFloat16Reader(addon, shape, (s, k, bytes, consume) =>
        this.readPiece(s, k, bytes, consume),
      );
  }

  private readPiece(start: number, count: number, bytes: number, consume: (raw: Uint8Array) => void): void {
    readHyperslab(this.runtime, this.heap, this.file, this.path, this.name, this.shape, start, count, bytes, consume);
  }

  async readRaw(start: number, count: number, dst: Uint8Array): Promise<void> {
    if (this.direct) return this.direct.readRaw(start, count, dst);
    this.readPiece(start, count, dst.length, (raw) => dst.set(raw));
  }
}

function groupIsReadable(group: H5.Group): boolean {
  try {
    group.keys();
    return true;
  } catch {
    return false;
  }
}

/** Lists the root datasets usable as store tensors (strings are skipped; other unsupported types throw). */
function datasetsOf(runtime: H5Runtime, file: H5.File, path: string): DatasetInfo[] {
  const listed = guardH5(runtime, path, 'listing datasets', () =>
    file.keys().map((name) => {
      const entity = file.get(name);
      // A name the file lists but cannot resolve (a corrupt object address, a dangling link) is an error, never
      // an absent tensor (h5py refuses such files too). Groups and committed datatypes are not tensors.
      // h5wasm calls an object whose header cannot be loaded a Group (H5O type 0): a real group lists its members
      if (entity instanceof runtime.h5.Group && !groupIsReadable(entity)) {
        throw new FileFormatError(
          `the file lists '${name}' but it cannot be read (its object header is unreadable: corrupt?)`,
          { file: path },
        );
      }
      if (entity instanceof runtime.h5.Group || entity instanceof runtime.h5.Datatype) return { name, meta: undefined };
      if (!(entity instanceof runtime.h5.Dataset)) {
        throw new FileFormatError(
          `the file lists '${name}' but it cannot be read (${entity === null ? 'no object at its address: corrupt?' : `a ${entity.constructor.name}`})`,
          { file: path },
        );
      }
      return { name, meta: entity.metadata };
    }),
  );
  return listed.flatMap(({ name, meta }) => datasetInfo(name, meta, path) ?? []);
}

function readMetadataAttribute(runtime: H5Runtime, file: H5.File, path: string): StoreMetadata | undefined {
  const value = guardH5(
    runtime,
    path,
    'reading the metadata attribute',
    () => file.attrs[HDF5_METADATA_ATTRIBUTE]?.value,
  );
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw new FileFormatError(`root attribute '${HDF5_METADATA_ATTRIBUTE}' is not a string`, { file: path });
  return parseStoreMetadata(value, path);
}

/** An open HDF5 file with its datasets and metadata. */
export interface InspectedHdf5 {
  file: H5.File;
  /** Every name h5wasm lists in the root group (datasets, groups, datatypes). */
  names: string[];
  datasets: DatasetInfo[];
  metadata: StoreMetadata | undefined;
}

/** Opens `path` and reads its dataset list and metadata (synchronously). The caller closes `file`. */
export function inspectHdf5(runtime: H5Runtime, path: string): InspectedHdf5 {
  const file = openH5File(runtime, path);
  try {
    const names = guardH5(runtime, path, 'listing datasets', () => file.keys());
    return {
      file,
      names,
      datasets: datasetsOf(runtime, file, path),
      metadata: readMetadataAttribute(runtime, file, path),
    };
  } catch (error) {
    if (!runtime.aborted) file.close();
    throw error;
  }
}

/**
 * h5wasm's `keys()` silently leaves out a root name whose object header address is corrupt, so such a file would open
 * with a tensor missing; the file's own symbol table (read directly) still lists it: that is an error, as in h5py.
 * Guarded by test/store/hdf5-corrupt-address.test.ts.
 */
async function refuseUnreadableNames(path: string, listed: readonly string[], useNative: boolean): Promise<void> {
  const file = await PositionalFile.open(path, useNative);
  try {
    const unreadable = (await rootGroupNames(file))?.filter((name) => !listed.includes(name)) ?? [];
    if (unreadable.length > 0) {
      throw new FileFormatError(
        `the file lists '${unreadable[0]}' but it cannot be read (its object header is unreadable: corrupt?)`,
        { file: path },
      );
    }
  } finally {
    await file.close();
  }
}

/** Opens one HDF5 file as a store. */
export async function openHdf5Store(path: string, options: OpenStoreOptions): Promise<ActivationStore> {
  const runtime = await loadH5wasm();
  const { file, names, datasets, metadata } = inspectHdf5(runtime, path);
  const heap = new HeapBuffer(runtime);
  let directFile: PositionalFile | undefined;
  const close = async (): Promise<void> => {
    if (!runtime.aborted) {
      heap.free();
      file.close();
    }
    await directFile?.close();
  };
  try {
    const useNative = options.native ?? true;
    await refuseUnreadableNames(path, names, useNative);
    const withReference = datasets.map((d) => ({
      ...d,
      firstExample: () => readFirstExample(runtime, heap, file, path, d.name, d.shape, d.dtype),
    }));
    const direct = await openDirectDatasets(path, withReference, useNative);
    directFile = direct.file;
    const addon = useNative ? nativeAddon() : undefined;
    const sources = datasets.map(
      (d) => new Hdf5Source(d.name, d.dtype, d.shape, runtime, heap, file, path, addon, direct.readers.get(d.name)),
    );
    return new BaseStore({ path, container: 'hdf5', sources, metadata, options, close });
  } catch (error) {
    await close();
    throw error;
  }
}
