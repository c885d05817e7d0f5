/**
 * Advisory write locks on a path (a model directory, a store), so that two writers of the same path get a typed
 * "in use" error instead of colliding. The lock is a file `.<name>.lock` beside the path, created exclusively
 * (`O_EXCL`) and holding the writer's process id; it is removed on release. A lock left by a process that no
 * longer runs (killed with SIGKILL) is stale and taken over (test/faults/ kills writers and checks the next run).
 */
import { randomBytes } from 'node:crypto';
import { link, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InUseError } from '../errors.js';
import { writeFully } from './atomic-file.js';
import { asFileError, errnoOf } from './file-errors.js';

/** A lock held on a path; release it in a `finally`. */
export interface PathLock {
  /** The lock file. */
  readonly file: string;
  /** Remove the lock file (idempotent). */
  release(): Promise<void>;
}

/** A lock file without a process id younger than this may be being written by its owner: treat it as held. */
const EMPTY_LOCK_GRACE_MS = 10_000;

/** The lock file of `target`: `.<name>.lock` in the same directory. */
export function lockFileOf(target: string): string {
  return join(dirname(target), `.${basename(target)}.lock`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoOf(error) === 'EPERM';
  }
}

/** The holder's pid, `'stale'` when the lock may be taken over, or `'gone'` when it vanished meanwhile. */
async function holderOf(file: string): Promise<number | 'stale' | 'gone'> {
  let text: string;
  let age: number;
  try {
    [text, age] = await Promise.all([readFile(file, 'utf8'), stat(file).then((s) => Date.now() - s.mtimeMs)]);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return 'gone';
    throw asFileError(error, file, 'read the lock file');
  }
  const pid = Number.parseInt(text, 10);
  if (!Number.isSafeInteger(pid) || pid <= 0) return age > EMPTY_LOCK_GRACE_MS ? 'stale' : 0;
  return isRunning(pid) ? pid : 'stale';
}

/** Remove `<lock>.<pid>-<hex>` files of processes that no longer run (killed while taking the lock). */
async function removeDeadCandidates(file: string): Promise<void> {
  const prefix = `${basename(file)}.`;
  for (const name of await readdir(dirname(file)).catch(() => [] as string[])) {
    const pid = Number.parseInt(name.slice(prefix.length), 10);
    if (name.startsWith(prefix) && Number.isSafeInteger(pid) && !isRunning(pid)) {
      await rm(join(dirname(file), name), { force: true });
    }
  }
}

/**
 * Create `file` holding this process's id, exclusively: the id goes to a candidate file first, which is then
 * hard-linked to `file` (link fails with EEXIST when the lock is held), so a lock file never exists without its
 * id — a writer killed mid-way leaves no lock that looks held (test/faults/ kills at every write). Where hard
 * links are not supported, `file` is created with O_EXCL and written.
 */
async function createLockFile(file: string): Promise<void> {
  const candidate = `${file}.${process.pid}-${randomBytes(4).toString('hex')}`;
  const content = new TextEncoder().encode(`${process.pid}\n`);
  const handle = await open(candidate, 'wx', 0o644);
  try {
    await writeFully(handle, content, 0);
  } finally {
    await handle.close();
  }
  try {
    await link(candidate, file);
  } catch (error) {
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV'].includes(errnoOf(error) ?? '')) throw error;
    const direct = await open(file, 'wx', 0o644);
    try {
      await writeFully(direct, content, 0);
    } finally {
      await direct.close();
    }
  } finally {
    await rm(candidate, { force: true });
  }
}

/**
 * Lock `target` for writing (`what` names it in the error, e.g. "model directory"). The directory holding
 * `target` must exist.
 * @throws InUseError when another running process (or this one) holds the lock; FileAccessError when the lock
 *   file cannot be created.
 */
export async function lockPath(target: string, what: string): Promise<PathLock> {
  const file = lockFileOf(target);
  await removeDeadCandidates(file);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await createLockFile(file);
      let released = false;
      return {
        file,
        release: async () => {
          if (released) return;
          released = true;
          await rm(file, { force: true });
        },
      };
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST') throw asFileError(error, file, `lock the ${what}`);
    }
    const holder = await holderOf(file);
    if (typeof holder === 'number') {
      const by = holder > 0 ? `process ${holder}${holder === process.pid ? ' (this process)' : ''}` : 'another process';
      throw new InUseError(`${what} is in use: ${by} is writing it (lock file ${file})`, {
        file: target,
        ...(holder > 0 ? { holder } : {}),
      });
    }
    if (holder === 'stale') await rm(file, { force: true });
  }
  throw new InUseError(`${what} is in use: its lock file keeps reappearing (${file})`, { file: target });
}
