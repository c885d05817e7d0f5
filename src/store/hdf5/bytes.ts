/**
 * HDF5 stores in a page, through h5wasm's browser build (ESM, its WebAssembly inlined; loaded on first use). A page
 * has no file system h5wasm can read lazily (its lazy files need synchronous XHR in a worker), so the file is
 * copied whole into h5wasm's in-memory file system, which is capped with its heap at 2 GiB: HDF5 in a page is for
 * stores up to {@link MAX_HDF5_BYTES}; larger stores belong in safetensors or npy, which are read by slices. Same
 * tensors, metadata checks and float16 decoding as in Node.
 */
import type * as H5 from 'h5wasm';
import { FileFormatError } from '../../errors.js';
import { dtypeByteSize, type StoreDtype } from '../dtype.js';
import { datasetInfo, HDF5_METADATA_ATTRIBUTE, MAX_HDF5_BYTES } from './format.js';
import { parseStoreMetadata, type StoreMetadata } from '../metadata.js';
import type { RandomAccessBytes } from '../random-access.js';
import { BaseStore, type TensorSource } from '../store-base.js';
import type { ActivationStore, OpenStoreOptions } from '../store.js';

/** Largest single read into the heap. */
const MAX_READ_BYTES = 256 << 20;

let loading: Promise<typeof H5> | undefined;
let opened = 0;

function loadBrowserH5wasm(): Promise<typeof H5> {
  loading ??= (async () => {
    const h5 = await import('h5wasm');
    await h5.ready;
    return h5;
  })();
  return loading;
}

/** Runs h5wasm work, reporting any failure as a FileFormatError naming the file. */
function guard<T>(file: string, what: string, work: () => T): T {
  try {
    return work();
  } catch (cause) {
    if (cause instanceof FileFormatError) throw cause;
    throw new FileFormatError(
      `${what} failed (corrupt or unsupported HDF5?): ${cause instanceof Error ? cause.message : String(cause)}`,
      { file, cause },
    );
  }
}

class MemoryHdf5Source implements TensorSource {
  readonly maxReadBytes = MAX_READ_BYTES;

  constructor(
    readonly name: string,
    readonly dtype: StoreDtype,
    readonly shape: number[],
    private readonly h5: typeof H5,
    private readonly file: H5.File,
    private readonly path: string,
  ) {}

  readRaw(start: number, count: number, dst: Uint8Array): Promise<void> {
    const module = this.h5.Module;
    const what = `reading '${this.name}' [${start}, ${start + count})`;
    const ptr = module._malloc(dst.length);
    if (!ptr)
      return Promise.reject(
        new FileFormatError(`cannot allocate ${dst.length} bytes in the h5wasm heap`, { file: this.path }),
      );
    try {
      const status = guard(this.path, what, () =>
        module.get_dataset_data(
          this.file.file_id,
          '/' + this.name,
          [BigInt(count), ...this.shape.slice(1).map(BigInt)],
          [BigInt(start), ...this.shape.slice(1).map(() => 0n)],
          this.shape.map(() => 1n),
          BigInt(ptr),
        ),
      );
      if (status < 0) throw new FileFormatError(`${what} failed (corrupt or truncated?)`, { file: this.path });
      dst.set(module.HEAPU8.subarray(ptr, ptr + dst.length));
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    } finally {
      module._free(ptr);
    }
  }
}

function metadataOf(file: H5.File, path: string): StoreMetadata | undefined {
  const value = guard(path, 'reading the metadata attribute', () => file.attrs[HDF5_METADATA_ATTRIBUTE]?.value);
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw new FileFormatError(`root attribute '${HDF5_METADATA_ATTRIBUTE}' is not a string`, { file: path });
  return parseStoreMetadata(value, path);
}

function sourcesOf(h5: typeof H5, file: H5.File, path: string): TensorSource[] {
  const listed = guard(path, 'listing datasets', () =>
    file.keys().map((name) => {
      const entity = file.get(name);
      return { name, meta: entity instanceof h5.Dataset ? entity.metadata : undefined };
    }),
  );
  const sources: TensorSource[] = [];
  for (const { name, meta } of listed) {
    const info = datasetInfo(name, meta, path);
    if (!info) continue;
    if (info.shape.slice(1).reduce((a, b) => a * b, 1) * dtypeByteSize(info.dtype) > MAX_READ_BYTES) {
      throw new FileFormatError(`one example of '${name}' is larger than ${MAX_READ_BYTES} bytes`, { file: path });
    }
    sources.push(new MemoryHdf5Source(name, info.dtype, info.shape, h5, file, path));
  }
  return sources;
}

/**
 * Opens an HDF5 store from `bytes` (read whole into h5wasm's in-memory file system).
 * @throws FileFormatError naming the file when it is larger than {@link MAX_HDF5_BYTES} or h5wasm cannot read it.
 */
export async function openHdf5BytesStore(
  bytes: RandomAccessBytes,
  options: OpenStoreOptions,
): Promise<ActivationStore> {
  const path = bytes.path;
  if (bytes.size > MAX_HDF5_BYTES) {
    throw new FileFormatError(
      `an HDF5 store in a page is read whole into h5wasm's heap and is limited to ${MAX_HDF5_BYTES} bytes (this one has ${bytes.size}); use safetensors or npy, which are read by slices`,
      { file: path },
    );
  }
  const data = new Uint8Array(bytes.size);
  await bytes.readAt(0, data);
  const h5 = await loadBrowserH5wasm();
  const fs = h5.FS!;
  const name = `/bertvision-${++opened}.h5`;
  guard(path, 'copying into the h5wasm file system', () => fs.writeFile(name, data));
  let file: H5.File | undefined;
  const close = (): Promise<void> => {
    if (file) guard(path, 'closing', () => file!.close());
    fs.unlink(name);
    return Promise.resolve();
  };
  try {
    file = guard(path, 'opening', () => new h5.File(name, 'r'));
    if (file.file_id < 0n) throw new FileFormatError('h5wasm cannot open it (corrupt HDF5?)', { file: path });
    return new BaseStore({
      path,
      container: 'hdf5',
      sources: sourcesOf(h5, file, path),
      metadata: metadataOf(file, path),
      options,
      close,
    });
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}
