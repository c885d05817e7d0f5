/**
 * Atomic file writes: data goes to a temporary file in the target's directory, is flushed to disk, then renamed over
 * the target, and the directory entry is flushed. A crash at any moment leaves either the old file or the new one,
 * never a partial file under the target's name; at worst a `*.tmp-*` file remains, which {@link removeStaleTempFiles}
 * cleans up.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { asFileError } from './file-errors.js';

/** What {@link writeFileAtomic} accepts: bytes, text (UTF-8), or chunks (sync or async) written in order. */
export type AtomicFileContent = Uint8Array | string | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

const TEMP_MARK = '.tmp-';

/**
 * The temporary name used while writing `target` (same directory, so the rename is atomic):
 * `.<name><mark><pid>-<hex>`. `mark` defaults to `.tmp-` (what {@link removeStaleTempFiles} cleans up); activation
 * stores use `.partial-` (src/store/sink.ts). The one temp-path helper of the package.
 */
export function tempPathFor(target: string, mark = TEMP_MARK): string {
  return join(dirname(target), `.${basename(target)}${mark}${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** fsync a directory so that a rename inside it is durable (best effort where directories cannot be opened). */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on directories; the rename itself is still atomic.
  } finally {
    await handle?.close();
  }
}

/**
 * Write all of `bytes` at `position` of `handle`. Positional writes (`pwrite`) only: test/faults/ injects failures
 * into exactly these calls, which nothing else in Node makes.
 */
export async function writeFully(handle: fs.FileHandle, bytes: Uint8Array, position: number): Promise<number> {
  let done = 0;
  while (done < bytes.byteLength) {
    const length = Math.min(1 << 30, bytes.byteLength - done);
    const { bytesWritten } = await handle.write(bytes, done, length, position + done);
    done += bytesWritten;
  }
  return position + done;
}

function asBytes(content: Uint8Array | string): Uint8Array {
  return typeof content === 'string' ? new TextEncoder().encode(content) : content;
}

/**
 * Write `content` to `target` atomically (temp file + fsync + rename + directory fsync).
 * The directory must exist. On failure the temporary file is removed; `target` is untouched.
 * @throws FileAccessError naming `target` and the problem (permission denied, no space left, …).
 */
export async function writeFileAtomic(target: string, content: AtomicFileContent): Promise<void> {
  const temp = tempPathFor(target);
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(temp, 'wx', 0o644);
  } catch (error) {
    throw asFileError(error, target, 'write');
  }
  try {
    let position = 0;
    if (typeof content === 'string' || content instanceof Uint8Array) {
      await writeFully(handle, asBytes(content), 0);
    } else {
      for await (const chunk of content as AsyncIterable<Uint8Array>)
        position = await writeFully(handle, chunk, position);
    }
    await handle.sync();
    await handle.close();
    await fs.rename(temp, target);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw asFileError(error, target, 'write');
  }
  await syncDirectory(dirname(target));
}

/**
 * Remove temporary files left in `dir` by writes of `targetName` that were interrupted (crash, SIGKILL).
 * Only files of the form `.<targetName>.tmp-<pid>-<hex>` are touched. Returns the names removed.
 */
export async function removeStaleTempFiles(dir: string, targetName: string): Promise<string[]> {
  const prefix = `.${targetName}${TEMP_MARK}`;
  const names = (await fs.readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith(prefix));
  await Promise.all(names.map((n) => fs.rm(join(dir, n), { force: true })));
  return names;
}
