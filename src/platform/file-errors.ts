/**
 * System file errors (`ENOENT`, `EACCES`, `ENOSPC`, …) turned into a {@link FileAccessError} that names the file,
 * the action and the problem in words, so that no raw Node error reaches a user.
 */
import { BertVisionError, FileAccessError } from '../errors.js';

const PROBLEMS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied (operation not permitted)',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a parent is not a directory',
  EISDIR: 'is a directory, expected a file',
  EEXIST: 'already exists',
  ENOTEMPTY: 'directory is not empty',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many levels of symbolic links',
};

/** The system error code of `error` (`'ENOENT'`, …), or undefined when it is not a system error. */
export function errnoOf(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/**
 * `error` as a typed error about `file`: a BertVisionError passes through unchanged; a system error becomes a
 * {@link FileAccessError} "cannot <action>: <problem> (<errno>)"; anything else is returned as it is.
 */
export function asFileError(error: unknown, file: string, action: string): unknown {
  if (error instanceof BertVisionError) return error;
  const errno = errnoOf(error);
  if (errno === undefined) return error;
  const problem = PROBLEMS[errno] ?? (error as Error).message;
  return new FileAccessError(`cannot ${action}: ${problem} (${errno})`, { file, cause: error, errno });
}
