/**
 * The npy sink of `createStoreWriter` (Node only): a temporary directory of `<name>.npy` files (headers sized up
 * front) plus `metadata.json`, renamed into place; or a single `.npy` holding only the activations.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '../../errors.js';
import type { StoreMetadata } from '../metadata.js';
import { buildNpyHeader } from './header.js';
import { temporaryPathFor, type PlannedTensor, type StoreSink } from '../sink.js';
import { publish, removeTemporary, writeAt } from '../../platform/write-at.js';

interface OpenArray {
  handle: FileHandle;
  dataOffset: number;
  exampleBytes: number;
}

/** Opens the npy sink for `path` (a directory, or a single file when it ends in `.npy`). */
export async function openNpySink(
  path: string,
  tensors: PlannedTensor[],
  metadata: StoreMetadata | undefined,
  activations: string,
): Promise<StoreSink> {
  const single = path.endsWith('.npy');
  if (single && (tensors.length !== 1 || tensors[0]!.name !== activations)) {
    throw new InvalidArgumentError(
      `a single .npy file holds only '${activations}'; write a directory for more tensors`,
      { file: path },
    );
  }
  if (single && metadata)
    throw new InvalidArgumentError('a single .npy file cannot hold metadata; write a directory', { file: path });
  for (const t of tensors) {
    if (!/^[A-Za-z0-9_.-]+$/.test(t.name) || t.name.startsWith('.'))
      throw new InvalidArgumentError(`tensor name '${t.name}' is not a safe file name`, { file: path });
  }
  const temporary = temporaryPathFor(path);
  const arrays = new Map<string, OpenArray>();
  const closeAll = async (): Promise<void> => {
    await Promise.all([...arrays.values()].map((a) => a.handle.close()));
    arrays.clear();
  };
  try {
    if (!single) await mkdir(temporary);
    for (const t of tensors) {
      const header = buildNpyHeader(t.dtype, t.shape);
      const handle = await open(single ? temporary : join(temporary, `${t.name}.npy`), 'wx');
      arrays.set(t.name, { handle, dataOffset: header.length, exampleBytes: t.exampleBytes });
      await writeAt(handle, header, 0);
    }
    if (!single && metadata) {
      const handle = await open(join(temporary, 'metadata.json'), 'wx');
      try {
        await writeAt(handle, new TextEncoder().encode(JSON.stringify(metadata)), 0);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  } catch (error) {
    await closeAll();
    await removeTemporary(temporary);
    throw error;
  }
  return {
    write: (name, start, _count, data) => {
      const a = arrays.get(name)!;
      return writeAt(a.handle, data, a.dataOffset + start * a.exampleBytes);
    },
    commit: async () => {
      await Promise.all([...arrays.values()].map((a) => a.handle.sync()));
      await closeAll();
      await publish(temporary, path);
    },
    discard: async () => {
      await closeAll();
      await removeTemporary(temporary);
    },
  };
}
