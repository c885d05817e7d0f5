/**
 * Positional reads of a file opened once (Node only): `readAt(offset, dst)` fills `dst` exactly, in pieces of at
 * most 1 GiB (a single read must stay under 2 GiB), and reports a file shorter than promised as truncated.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { FileFormatError } from '../errors.js';

/** Largest single positional read issued (bytes). */
const MAX_SINGLE_READ = 1 << 30;

/** A read-only file with positional reads. */
export class PositionalFile {
  private constructor(
    /** The path it was opened from. */
    readonly path: string,
    private readonly handle: FileHandle,
    /** Size in bytes when opened. */
    readonly size: number,
  ) {}

  /** Opens `path` for reading. @throws FileFormatError when it cannot be opened or is not a regular file. */
  static async open(path: string): Promise<PositionalFile> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (cause) {
      throw new FileFormatError(`cannot open: ${(cause as Error).message}`, { file: path, cause });
    }
    const stat = await handle.stat();
    if (!stat.isFile()) {
      await handle.close();
      throw new FileFormatError('not a regular file', { file: path });
    }
    return new PositionalFile(path, handle, stat.size);
  }

  /** Fills `dst` with the bytes at `[offset, offset + dst.length)`. @throws FileFormatError if the file ends first. */
  async readAt(offset: number, dst: Uint8Array): Promise<void> {
    let done = 0;
    while (done < dst.length) {
      const want = Math.min(MAX_SINGLE_READ, dst.length - done);
      const { bytesRead } = await this.handle.read(dst, done, want, offset + done);
      if (bytesRead === 0) {
        throw new FileFormatError(`truncated: wanted bytes up to ${offset + dst.length} but the file ends at ${offset + done}`, {
          file: this.path,
        });
      }
      done += bytesRead;
    }
  }

  /** Reads up to `length` bytes at `offset` (fewer at the end of the file) into a new array. */
  async readUpTo(offset: number, length: number): Promise<Uint8Array> {
    const n = Math.max(0, Math.min(length, this.size - offset));
    const dst = new Uint8Array(n);
    await this.readAt(offset, dst);
    return dst;
  }

  /** Closes the handle. */
  async close(): Promise<void> {
    await this.handle.close();
  }
}
