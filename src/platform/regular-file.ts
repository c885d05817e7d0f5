/**
 * Reading files that claim to be regular files, safely: the type is checked before the file is opened (a FIFO
 * named `metadata.json` would block `open` forever), the open itself does not block (O_NONBLOCK, then the handle's
 * own type is checked again, against a swap in between), and a size cap counts the bytes actually read (a device
 * such as `/dev/zero` reports size 0 and never ends).
 */
import { constants } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { FileFormatError } from '../errors.js';
import { asFileError } from './file-errors.js';

function kindName(s: {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
}): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Open `path` for reading only when it is a regular file (following symlinks), without ever blocking.
 * @throws FileAccessError when it is missing or unreadable; FileFormatError naming what it is when it is a
 *   directory, FIFO, device or socket.
 */
export async function openRegularFile(path: string): Promise<FileHandle> {
  const before = await stat(path).catch((error: unknown) => {
    throw asFileError(error, path, 'read');
  });
  if (!before.isFile()) throw new FileFormatError(`is ${kindName(before)}, expected a regular file`, { file: path });
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch((error: unknown) => {
    throw asFileError(error, path, 'open');
  });
  const after = await handle.stat();
  if (!after.isFile()) {
    await handle.close();
    throw new FileFormatError(`is ${kindName(after)}, expected a regular file`, { file: path });
  }
  return handle;
}

/**
 * Read all of the regular file `path`, refusing it once more than `maxBytes` have actually been read.
 * @throws FileAccessError / FileFormatError as {@link openRegularFile}; FileFormatError when it is too large.
 */
export async function readRegularFile(path: string, maxBytes: number): Promise<Buffer> {
  const handle = await openRegularFile(path);
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, total).catch((error: unknown) => {
        throw asFileError(error, path, 'read');
      });
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw new FileFormatError(`is larger than the ${maxBytes}-byte limit`, { file: path });
    }
    return Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}
