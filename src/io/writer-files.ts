/** Small helpers for atomic writes (Node only): positional writes, durable renames. */
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Writes all of `bytes` at `position` (in pieces under 1 GiB). */
export async function writeAt(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, Math.min(1 << 30, bytes.length - done), position + done);
    done += bytesWritten;
  }
}

/** fsyncs a directory so a rename inside it is durable (best effort where directories cannot be opened). */
export async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // some platforms cannot fsync a directory; the rename itself is still atomic
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
