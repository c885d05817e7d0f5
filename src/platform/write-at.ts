/** Small helpers for atomic writes (Node only): positional writes, durable renames. */
import { rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncDirectory } from './atomic-file.js';

/** Writes all of `bytes` at `position` (in pieces under 1 GiB). */
export async function writeAt(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, Math.min(1 << 30, bytes.length - done), position + done);
    done += bytesWritten;
  }
}

/** Renames `from` to `to` and makes the rename durable. */
export async function publish(from: string, to: string): Promise<void> {
  await rename(from, to);
  await syncDirectory(dirname(to));
}

/** Removes a temporary file or directory, ignoring one that is already gone. */
export async function removeTemporary(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}
