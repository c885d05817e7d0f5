/**
 * `.npy` stores (Node only): a single `.npy` file (holding only the activations) or a directory of `<name>.npy`
 * files plus `metadata.json`. Header parsed once; examples read positionally (see `npy-source.ts`).
 */
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { FileAccessError, FileFormatError } from '../../errors.js';
import { readRegularFile } from '../../platform/regular-file.js';
import { parseStoreMetadata, type StoreMetadata } from '../metadata.js';
import { NpySource, readNpyHeader } from './source.js';
import { PositionalFile } from '../../platform/positional-file.js';
import { BaseStore, type TensorSource } from '../store-base.js';
import type { ActivationStore, OpenStoreOptions } from '../store.js';

/** Largest metadata.json accepted. */
const MAX_METADATA_BYTES = 256 << 20;

/** Opens the `.npy` file at `path` as tensor `name`. */
export async function openNpySource(
  path: string,
  name: string,
  useNative = true,
): Promise<{ source: TensorSource; file: PositionalFile }> {
  const file = await PositionalFile.open(path, useNative);
  try {
    return { source: new NpySource(name, file, await readNpyHeader(file)), file };
  } catch (error) {
    await file.close();
    throw error;
  }
}

/** Opens a single `.npy` file as a store holding only the activations (no metadata unless given). */
export async function openNpyFileStore(path: string, options: OpenStoreOptions): Promise<ActivationStore> {
  const { source, file } = await openNpySource(
    path,
    options.activations ?? 'hidden_state_activations',
    options.native ?? true,
  );
  try {
    return new BaseStore({
      path,
      container: 'npy',
      sources: [source],
      metadata: undefined,
      options,
      close: () => file.close(),
    });
  } catch (error) {
    await file.close();
    throw error;
  }
}

/** Reads and validates `metadata.json` in `dir`, or returns undefined when there is none. */
async function readDirMetadata(dir: string): Promise<StoreMetadata | undefined> {
  const path = join(dir, 'metadata.json');
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(path, MAX_METADATA_BYTES);
  } catch (error) {
    if (error instanceof FileAccessError && error.errno === 'ENOENT') return undefined;
    throw error;
  }
  return parseStoreMetadata(bytes.toString('utf8'), path);
}

/** Opens a directory of `<name>.npy` files plus `metadata.json` as one store. */
export async function openNpyDirStore(dir: string, options: OpenStoreOptions): Promise<ActivationStore> {
  const names = (await readdir(dir)).filter((f) => f.endsWith('.npy')).sort();
  if (names.length === 0) throw new FileFormatError('directory holds no .npy files', { file: dir });
  const opened: { source: TensorSource; file: PositionalFile }[] = [];
  const closeAll = async (): Promise<void> => {
    await Promise.all(opened.map((o) => o.file.close()));
  };
  try {
    const metadata = await readDirMetadata(dir);
    for (const name of names)
      opened.push(await openNpySource(join(dir, name), basename(name, '.npy'), options.native ?? true));
    return new BaseStore({
      path: dir,
      container: 'npy-dir',
      sources: opened.map((o) => o.source),
      metadata,
      options,
      close: closeAll,
    });
  } catch (error) {
    await closeAll();
    throw error;
  }
}
