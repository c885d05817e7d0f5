/**
 * `openStore` over bytes, Blobs/Files and URLs: the browser's way to open an activation store (Node's `openStore`
 * takes these too, beside paths). Single safetensors, npy and HDF5 files, sharded safetensors (an index plus its
 * shards) and npy directories (`<name>.npy` files plus `metadata.json`), with the same tensor names, metadata
 * checks, typed errors, float16 decoding and batching as stores opened from disk. Browser-safe.
 */
import { FileFormatError, InvalidArgumentError } from '../errors.js';
import { BlobBytes } from './blob-bytes.js';
import { hasHdf5Signature } from './hdf5/format.js';
import { MemoryBytes } from './memory-bytes.js';
import { parseStoreMetadata, type StoreMetadata } from './metadata.js';
import { NpySource, readNpyHeader } from './npy/source.js';
import type { RandomAccessBytes } from './random-access.js';
import { MAX_SHARD_INDEX_BYTES, parseShardIndex } from './safetensors/index-file.js';
import { readSafetensorsHeader, SafetensorsSource, safetensorsMetadata } from './safetensors/source.js';
import { BaseStore, type TensorSource } from './store-base.js';
import type { ActivationStore, OpenStoreOptions } from './store.js';
import { UrlBytes, type UrlBytesOptions } from './url-bytes.js';

/** One store file: bytes in memory, a Blob or File (read by slices), or a URL (read by HTTP range requests). */
export type StoreBytes = ArrayBuffer | Uint8Array | Blob | URL | string;

/**
 * The files of a sharded or directory store: by file name (`{ 'store.safetensors.index.json': …, 'store-00001-of-00002.safetensors': … }`
 * or `{ 'hidden_state_activations.npy': …, 'metadata.json': … }`), or a list of Files (e.g. dropped together), named by `File.name`.
 */
export interface StoreFiles {
  files: Readonly<Record<string, StoreBytes>> | readonly File[];
}

/** What {@link openStore} opens from outside the file system. A string is a URL (relative to the page). */
export type StoreInput = StoreBytes | StoreFiles;

/** Options of `openStore` for a {@link StoreInput}: the store options plus naming and fetching. */
export interface OpenInputOptions extends OpenStoreOptions {
  /** What to call in-memory bytes in errors and in `store.path` (default `'<bytes>'`; Files use their name, URLs themselves). */
  name?: string;
  /** How URLs are fetched (default: the global fetch, no extra headers). */
  url?: UrlBytesOptions;
}

const INDEX_SUFFIX = '.safetensors.index.json';
/** Largest metadata.json of an npy directory accepted. */
const MAX_METADATA_BYTES = 256 << 20;
/** Bytes looked at to recognise a container. */
const SNIFF_BYTES = 4096;

function isStoreFiles(input: StoreInput): input is StoreFiles {
  return (
    typeof input === 'object' &&
    input !== null &&
    'files' in input &&
    !(input instanceof Blob) &&
    !(input instanceof URL)
  );
}

function resolveUrl(url: string | URL): URL {
  try {
    return new URL(url, globalThis.location?.href);
  } catch (cause) {
    throw new InvalidArgumentError(`not a URL: ${String(url)} (in Node, open a file by its path)`, { cause });
  }
}

/** The `RandomAccessBytes` of one store file. */
export async function storeBytes(input: StoreBytes, options: OpenInputOptions = {}): Promise<RandomAccessBytes> {
  if (input instanceof Uint8Array || input instanceof ArrayBuffer) return new MemoryBytes(input, options.name);
  if (typeof Blob !== 'undefined' && input instanceof Blob)
    return new BlobBytes(input, options.name ?? (input as Partial<File>).name ?? '<blob>');
  if (typeof input === 'string' || input instanceof URL) return UrlBytes.open(resolveUrl(input), options.url);
  throw new InvalidArgumentError(
    `cannot open a store from ${Object.prototype.toString.call(input)}: pass an ArrayBuffer, Uint8Array, Blob, File, URL or { files }`,
  );
}

async function readText(bytes: RandomAccessBytes, limit: number, what: string): Promise<string> {
  if (bytes.size > limit)
    throw new FileFormatError(`${what} of ${bytes.size} bytes is too large`, { file: bytes.path });
  const data = await bytes.readUpTo(0, bytes.size);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch (cause) {
    throw new FileFormatError(`${what} is not valid UTF-8`, { file: bytes.path, cause });
  }
}

async function openSingle(bytes: RandomAccessBytes, options: OpenStoreOptions): Promise<ActivationStore> {
  const head = await bytes.readUpTo(0, SNIFF_BYTES);
  const path = bytes.path;
  if (hasHdf5Signature(head)) {
    const { openHdf5BytesStore } = await import('./hdf5/bytes.js');
    return openHdf5BytesStore(bytes, options);
  }
  if (head[0] === 0x93 && String.fromCharCode(...head.subarray(1, 6)) === 'NUMPY') {
    const source = new NpySource(options.activations ?? 'hidden_state_activations', bytes, await readNpyHeader(bytes));
    return new BaseStore({
      path,
      container: 'npy',
      sources: [source],
      metadata: undefined,
      options,
      close: () => bytes.close(),
    });
  }
  const extension = /\.(h5|hdf5|npy)$/i.exec(path.replace(/[?#].*$/, ''))?.[1];
  if (extension)
    throw new FileFormatError(`the extension says ${extension} but the content does not match`, { file: path });
  const header = await readSafetensorsHeader(bytes);
  const sources = [...header.tensors].map(([name, entry]) => new SafetensorsSource(name, bytes, entry));
  return new BaseStore({
    path,
    container: 'safetensors',
    sources,
    metadata: safetensorsMetadata(header.metadata, path),
    options,
    close: () => bytes.close(),
  });
}

/** Opens a sharded store: its index and a way to get each shard by the name the index gives. */
async function openSharded(
  index: RandomAccessBytes,
  shard: (name: string) => Promise<RandomAccessBytes>,
  options: OpenStoreOptions,
): Promise<ActivationStore> {
  const parsed = parseShardIndex(await readText(index, MAX_SHARD_INDEX_BYTES, 'index'), index.path);
  const shards = new Map<
    string,
    { bytes: RandomAccessBytes; header: Awaited<ReturnType<typeof readSafetensorsHeader>> }
  >();
  const closeAll = async (): Promise<void> => {
    await Promise.all([index, ...[...shards.values()].map((s) => s.bytes)].map((b) => b.close()));
  };
  try {
    const sources: TensorSource[] = [];
    for (const [name, file] of parsed.weightMap) {
      let opened = shards.get(file);
      if (!opened) {
        const bytes = await shard(file);
        opened = { bytes, header: await readSafetensorsHeader(bytes) };
        shards.set(file, opened);
      }
      const entry = opened.header.tensors.get(name);
      if (!entry)
        throw new FileFormatError(`index maps tensor '${name}' to this shard but the shard does not hold it`, {
          file: opened.bytes.path,
        });
      sources.push(new SafetensorsSource(name, opened.bytes, entry));
    }
    const activationShard = shards.get(parsed.weightMap.get(options.activations ?? 'hidden_state_activations') ?? '');
    const metadata =
      safetensorsMetadata(parsed.metadata, index.path) ??
      (activationShard ? safetensorsMetadata(activationShard.header.metadata, activationShard.bytes.path) : undefined);
    return new BaseStore({
      path: index.path,
      container: 'safetensors-sharded',
      sources,
      metadata,
      options,
      close: closeAll,
    });
  } catch (error) {
    await closeAll();
    throw error;
  }
}

async function openNpyFiles(
  files: Map<string, StoreBytes>,
  name: string,
  options: OpenInputOptions,
): Promise<ActivationStore> {
  const opened: RandomAccessBytes[] = [];
  const closeAll = async (): Promise<void> => {
    await Promise.all(opened.map((b) => b.close()));
  };
  try {
    let metadata: StoreMetadata | undefined;
    const meta = files.get('metadata.json');
    if (meta !== undefined) {
      const bytes = await storeBytes(meta, { ...options, name: 'metadata.json' });
      metadata = parseStoreMetadata(await readText(bytes, MAX_METADATA_BYTES, 'metadata.json'), bytes.path);
    }
    const sources: TensorSource[] = [];
    for (const file of [...files.keys()].filter((f) => f.endsWith('.npy')).sort()) {
      const bytes = await storeBytes(files.get(file)!, { ...options, name: file });
      opened.push(bytes);
      sources.push(new NpySource(file.slice(0, -4), bytes, await readNpyHeader(bytes)));
    }
    return new BaseStore({ path: name, container: 'npy-dir', sources, metadata, options, close: closeAll });
  } catch (error) {
    await closeAll();
    throw error;
  }
}

function filesByName(input: StoreFiles): Map<string, StoreBytes> {
  const entries: [string, StoreBytes][] = Array.isArray(input.files)
    ? (input.files as readonly File[]).map((f) => [f.name, f])
    : Object.entries(input.files as Record<string, StoreBytes>);
  // a name with folders ('run/store.npy', a File's webkitRelativePath) is known by its last part, as in a directory
  return new Map(entries.map(([name, value]) => [name.split('/').pop()!, value]));
}

/**
 * Opens an activation store from bytes, a Blob/File or a URL, or from the files of a sharded or directory store.
 * The container is recognised by content (HDF5 signature, `.npy` magic, otherwise safetensors); a URL ending in
 * `.safetensors.index.json` is a sharded store whose shards are fetched beside it. Only headers are read here;
 * examples are read lazily (Blob slices, HTTP range requests). HDF5 in a page is copied whole into h5wasm's memory
 * (see `MAX_HDF5_BYTES`).
 * @param options store options (see `OpenStoreOptions`), plus `name` and `url` (fetch, headers).
 * @throws FileFormatError naming the file for anything unreadable; RangeRequestError when a URL's server ignores
 *   range requests; MismatchError when `options.expect` is not met; InvalidArgumentError for an unusable input.
 * @example
 * ```ts
 * const store = await openStore(new URL('/data/cls-train.safetensors', location.href));
 * const first = await store.read('hidden_state_activations', 0, 1);
 * const dropped = await openStore(fileInput.files![0]!); // a File, read by slices
 * ```
 */
export async function openStore(input: StoreInput, options: OpenInputOptions = {}): Promise<ActivationStore> {
  if (isStoreFiles(input)) {
    const files = filesByName(input);
    const indexName = [...files.keys()].find((f) => f.endsWith(INDEX_SUFFIX));
    if (indexName) {
      const index = await storeBytes(files.get(indexName)!, { ...options, name: indexName });
      return openSharded(
        index,
        (shard) => {
          const data = files.get(shard.split('/').pop()!);
          if (data === undefined)
            return Promise.reject(
              new FileFormatError(`the index names shard '${shard}', which is not among the files given`, {
                file: index.path,
              }),
            );
          return storeBytes(data, { ...options, name: shard });
        },
        options,
      );
    }
    if ([...files.keys()].some((f) => f.endsWith('.npy')))
      return openNpyFiles(files, options.name ?? '<npy files>', options);
    const only = [...files.values()];
    if (only.length === 1) return openStore(only[0]!, options);
    throw new FileFormatError(
      `the files hold neither a '*${INDEX_SUFFIX}' nor .npy files: ${[...files.keys()].join(', ') || 'none'}`,
      { file: options.name ?? '<files>' },
    );
  }
  const bytes = await storeBytes(input, options);
  if (bytes.path.replace(/[?#].*$/, '').endsWith(INDEX_SUFFIX)) {
    if (!(bytes instanceof UrlBytes)) {
      throw new FileFormatError('a sharded store needs its shards too: pass { files: [index, ...shards] }', {
        file: bytes.path,
      });
    }
    return openSharded(bytes, (shard) => UrlBytes.open(new URL(shard, bytes.path), options.url), options);
  }
  try {
    return await openSingle(bytes, options);
  } catch (error) {
    await bytes.close();
    throw error;
  }
}
