/**
 * Create a directory atomically: fill a temporary sibling (`.<name>.tmp-<pid>-<hex>`), flush it, then rename it to
 * the target. A crash at any point leaves either no directory or the complete one at the target path; the temporary
 * sibling is removed on every failure this process sees, and by {@link removeStaleSiblings} after a crash.
 * Replacing an existing directory's content is the caller's protocol (src/jobs/model-commit.ts for models).
 */
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { syncDirectory, tempPathFor, writeFully } from './atomic-file.js';
import { asFileError } from './file-errors.js';

/** Write `data` to the new file `file` and flush it to disk before returning. */
export async function writeFileDurable(file: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(file, 'wx', 0o644).catch((error: unknown) => {
    throw asFileError(error, file, 'create');
  });
  try {
    await writeFully(handle, typeof data === 'string' ? new TextEncoder().encode(data) : data, 0);
    await handle.sync();
  } catch (error) {
    throw asFileError(error, file, 'write');
  } finally {
    await handle.close();
  }
}

/**
 * Create `target` (which must not exist; its parent must) as a directory whose content `fill(tempDir)` writes.
 * The directory gets the mode `mkdir` gives under the process umask (not `mkdtemp`'s 0700).
 * @throws FileAccessError when the directory cannot be created or renamed into place; whatever `fill` throws.
 */
export async function createDirectoryAtomically(
  target: string,
  fill: (tempDir: string) => Promise<void>,
): Promise<void> {
  const parent = dirname(target);
  const temp = tempPathFor(target);
  try {
    await mkdir(temp, { mode: 0o777 });
  } catch (error) {
    throw asFileError(error, target, 'create a directory beside');
  }
  try {
    await fill(temp);
    await syncDirectory(temp);
    await rename(temp, target).catch((error: unknown) => {
      throw asFileError(error, target, 'create the directory');
    });
  } catch (error) {
    await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(parent);
}

/**
 * Remove what interrupted writes of `target` left beside it: `.<name>.tmp-*` entries (files or directories).
 * Call it only while holding the path's lock (src/platform/path-lock.ts). Returns the names removed.
 */
export async function removeStaleSiblings(target: string): Promise<string[]> {
  const prefix = `.${basename(target)}.tmp-`;
  const names = (await readdir(dirname(target)).catch(() => [] as string[])).filter((n) => n.startsWith(prefix));
  await Promise.all(names.map((n) => rm(join(dirname(target), n), { recursive: true, force: true })));
  return names;
}
