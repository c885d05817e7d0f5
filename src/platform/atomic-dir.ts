/**
 * Write a directory atomically: fill a temporary sibling, then swap it into place. A crash at any point leaves
 * either the old directory (untouched) or the complete new one at the target path, never a half-written one; the
 * temporary sibling (`.<name>.tmp-*`) is removed on every failure this process sees.
 */
import { mkdir, mkdtemp, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { InvalidArgumentError } from '../errors.js';

/** Write `data` to `file` and flush it to disk before returning. */
export async function writeFileDurable(file: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(file, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function kindOf(path: string): Promise<'missing' | 'directory' | 'other'> {
  try {
    return (await stat(path)).isDirectory() ? 'directory' : 'other';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
}

/**
 * Create `target` as a directory whose content `fill(tempDir)` writes. The parent is created when missing.
 * An existing directory at `target` is replaced only after `fill` succeeded, and only when `mayReplace(target)`
 * approves it (e.g. "it holds a saved model"); a file at `target` is never replaced.
 * @throws InvalidArgumentError when the parent cannot be created or `target` exists and may not be replaced;
 *   whatever `fill` throws.
 */
export async function writeDirectoryAtomically(
  target: string,
  fill: (tempDir: string) => Promise<void>,
  mayReplace: (existing: string) => Promise<boolean>,
): Promise<void> {
  const dir = resolve(target);
  const parent = dirname(dir);
  try {
    await mkdir(parent, { recursive: true });
  } catch (error) {
    throw new InvalidArgumentError(`cannot create the parent directory (${(error as Error).message})`, {
      file: parent,
      cause: error,
    });
  }
  const existing = await kindOf(dir);
  if (existing === 'other') throw new InvalidArgumentError('exists and is not a directory', { file: dir });
  if (existing === 'directory' && !(await mayReplace(dir))) {
    throw new InvalidArgumentError('exists and is not a saved model; refusing to replace it', { file: dir });
  }
  const temp = await mkdtemp(join(parent, `.${basename(dir)}.tmp-`));
  try {
    await fill(temp);
    if (existing === 'directory') {
      const old = await mkdtemp(join(parent, `.${basename(dir)}.old-`));
      await rename(dir, join(old, 'model'));
      try {
        await rename(temp, dir);
      } catch (error) {
        await rename(join(old, 'model'), dir);
        await rm(old, { recursive: true, force: true });
        throw error;
      }
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(temp, dir);
    }
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}
