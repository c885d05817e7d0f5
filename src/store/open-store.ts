/**
 * `openStore`: detects the container of an activation store and opens it (Node only).
 */
import { readdir, stat } from 'node:fs/promises';
import { FileFormatError } from '../errors.js';
import { asFileError } from '../platform/file-errors.js';
import { hasHdf5Signature } from './hdf5/format.js';
import { isSeedDirectory, openSeedDirectoryStore } from './hdf5/seed-directory.js';
import { openHdf5Store } from './hdf5/store.js';
import { openNpyDirStore, openNpyFileStore } from './npy/store.js';
import { PositionalFile } from '../platform/positional-file.js';
import { openSafetensorsStore, openShardedSafetensorsStore } from './safetensors/store.js';
import { openStore as openInputStore, type OpenInputOptions, type StoreInput } from './open-store-input.js';
import type { ActivationStore, OpenStoreOptions } from './store.js';

/**
 * Opens an activation store. The container is detected from `path`:
 * - a directory with `.npy` files (and usually `metadata.json`) → npy directory;
 * - a directory of `<number>.h5` files → the seed's split HDF5 store (no metadata: pass `options.metadata`);
 * - `*.safetensors.index.json` → sharded safetensors; otherwise a file is recognised by its content (HDF5
 *   signature, `.npy` magic) or, failing that, read as safetensors.
 * Nothing but headers is read here; `read` fetches examples lazily. Anything but a string (bytes, a Blob, a `URL`,
 * `{ files }`) is opened as the browser's `openStore` opens it.
 * @param options see `OpenStoreOptions` (all optional; activations `'hidden_state_activations'`, layers last).
 * @throws FileAccessError when the path is missing or unreadable (the problem in words); FileFormatError naming
 *   the file and the problem for anything that is not a store (a JSON file, a FIFO, a corrupt header); MismatchError when
 *   `options.expect` is not met.
 */
export async function openStore(
  path: string | StoreInput,
  options: OpenStoreOptions & OpenInputOptions = {},
): Promise<ActivationStore> {
  if (typeof path !== 'string') return openInputStore(path, options);
  let info;
  try {
    info = await stat(path);
  } catch (cause) {
    throw asFileError(cause, path, 'open the store');
  }
  if (info.isDirectory()) {
    const entries = await readdir(path);
    if (entries.some((f) => f.endsWith('.npy'))) return openNpyDirStore(path, options);
    if (await isSeedDirectory(path)) return openSeedDirectoryStore(path, options);
    throw new FileFormatError('directory holds neither .npy files nor <number>.h5 files', { file: path });
  }
  if (path.endsWith('.safetensors.index.json')) return openShardedSafetensorsStore(path, options);
  const file = await PositionalFile.open(path, false);
  let head: Uint8Array;
  try {
    head = await file.readUpTo(0, 4096);
  } finally {
    await file.close();
  }
  if (hasHdf5Signature(head)) return openHdf5Store(path, options);
  if (head[0] === 0x93 && String.fromCharCode(...head.subarray(1, 6)) === 'NUMPY')
    return openNpyFileStore(path, options);
  if (/\.(h5|hdf5|npy)$/i.test(path)) {
    throw new FileFormatError(`the extension says ${path.split('.').pop()!} but the content does not match`, {
      file: path,
    });
  }
  // safetensors is the fallback, and its header must begin with '{' right after the 8-byte length: anything else
  // (a JSON file given as a store, text, another format) is no store, not a header of 8·10^18 bytes.
  if (head.length > 8 && head[8] !== 0x7b) {
    const json = /^\s*[[{]/.test(new TextDecoder().decode(head.subarray(0, 16)));
    throw new FileFormatError(
      `not an activation store${json ? ' (it is JSON)' : ''}; expected HDF5, npy or safetensors`,
      { file: path },
    );
  }
  return openSafetensorsStore(path, options);
}
