/** A store file already in memory (`ArrayBuffer` or `Uint8Array`) as `RandomAccessBytes`. Browser-safe. */
import { FileFormatError } from '../errors.js';
import type { RandomAccessBytes } from './random-access.js';

/** Bytes in memory, read by copying slices (the caller's buffer is never modified). */
export class MemoryBytes implements RandomAccessBytes {
  private readonly bytes: Uint8Array;

  /**
   * @param data the file's bytes (not copied: do not change them while the store is open).
   * @param path what to call it in errors (default `'<bytes>'`).
   */
  constructor(
    data: ArrayBuffer | Uint8Array,
    readonly path = '<bytes>',
  ) {
    this.bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  }

  get size(): number {
    return this.bytes.length;
  }

  readAt(offset: number, dst: Uint8Array): Promise<void> {
    const end = offset + dst.length;
    if (end > this.bytes.length) {
      return Promise.reject(
        new FileFormatError(`truncated: wanted bytes up to ${end} but the data ends at ${this.bytes.length}`, {
          file: this.path,
        }),
      );
    }
    dst.set(this.bytes.subarray(offset, end));
    return Promise.resolve();
  }

  readUpTo(offset: number, length: number): Promise<Uint8Array> {
    return Promise.resolve(this.bytes.slice(offset, Math.min(this.bytes.length, offset + length)));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
