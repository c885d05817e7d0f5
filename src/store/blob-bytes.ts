/**
 * A `Blob` or `File` (e.g. dropped onto a page) as `RandomAccessBytes`: every read takes only the slice it needs
 * (`blob.slice(a, b).arrayBuffer()`), so a multi-gigabyte file is never loaded whole. Browser-safe (Node 20 has
 * `Blob` too).
 */
import { FileFormatError } from '../errors.js';
import type { RandomAccessBytes } from './random-access.js';

/** A Blob read lazily by slices. */
export class BlobBytes implements RandomAccessBytes {
  /**
   * @param blob the Blob or File.
   * @param path what to call it in errors (default: the File's name, else `'<blob>'`).
   */
  constructor(
    private readonly blob: Blob,
    readonly path = (blob as Partial<File>).name ?? '<blob>',
  ) {}

  get size(): number {
    return this.blob.size;
  }

  async readAt(offset: number, dst: Uint8Array): Promise<void> {
    const end = offset + dst.length;
    if (end > this.blob.size)
      throw new FileFormatError(`truncated: wanted bytes up to ${end} but the file ends at ${this.blob.size}`, {
        file: this.path,
      });
    if (dst.length === 0) return;
    dst.set(new Uint8Array(await this.readSlice(offset, end)));
  }

  async readUpTo(offset: number, length: number): Promise<Uint8Array> {
    const end = Math.min(this.blob.size, offset + length);
    return end <= offset ? new Uint8Array(0) : new Uint8Array(await this.readSlice(offset, end));
  }

  private async readSlice(start: number, end: number): Promise<ArrayBuffer> {
    try {
      return await this.blob.slice(start, end).arrayBuffer();
    } catch (cause) {
      throw new FileFormatError(`cannot read bytes ${start}..${end}: ${(cause as Error).message}`, {
        file: this.path,
        cause,
      });
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
