/** The safetensors sink of `createStoreWriter` (Node only): header sized up front, examples at final offsets. */
import { open } from 'node:fs/promises';
import type { StoreMetadata } from '../metadata.js';
import { buildSafetensorsHeader } from './header.js';
import { temporaryPathFor, type PlannedTensor, type StoreSink } from '../sink.js';
import { publish, removeTemporary, writeAt } from '../../platform/write-at.js';

/** Opens a temporary safetensors file beside `path` with its full header written. */
export async function openSafetensorsSink(
  path: string,
  tensors: PlannedTensor[],
  metadata: StoreMetadata | undefined,
): Promise<StoreSink> {
  const { bytes, offsets } = buildSafetensorsHeader(tensors, metadata ? { bertvision: JSON.stringify(metadata) } : {});
  const temporary = temporaryPathFor(path);
  const handle = await open(temporary, 'wx');
  let closed = false;
  const close = async (): Promise<void> => {
    if (!closed) await handle.close();
    closed = true;
  };
  try {
    await writeAt(handle, bytes, 0);
  } catch (error) {
    await close();
    await removeTemporary(temporary);
    throw error;
  }
  const exampleBytes = new Map(tensors.map((t) => [t.name, t.exampleBytes]));
  return {
    write: (name, start, _count, data) => writeAt(handle, data, offsets.get(name)! + start * exampleBytes.get(name)!),
    commit: async () => {
      await handle.sync();
      await close();
      await publish(temporary, path);
    },
    discard: async () => {
      await close();
      await removeTemporary(temporary);
    },
  };
}
