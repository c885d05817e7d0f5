/**
 * Positional reads of a file opened once (Node only): `readAt(offset, dst)` fills `dst` exactly and reports a file
 * shorter than promised as truncated. With the native addon the file is memory-mapped and read (or float16-decoded,
 * `readFloat16At`) on every core straight from the page cache; otherwise fs reads of at most 1 GiB each (a single
 * read must stay under 2 GiB).
 */
import type { FileHandle } from 'node:fs/promises';
import { FileFormatError } from '../errors.js';
import { openRegularFile } from './regular-file.js';
import { nativeAddon, type NativeAddon, type NativeMapping } from './native.js';

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
    private readonly mapping: { addon: NativeAddon; handle: NativeMapping } | undefined,
  ) {}

  /**
   * Opens `path` for reading.
   * @param useNative map the file and read it with the native addon when that is available (default true).
   * @throws FileAccessError when it is missing or unreadable (permission denied, …); FileFormatError when it is
   *   not a regular file (checked before opening: a FIFO must not block the open).
   */
  static async open(path: string, useNative = true): Promise<PositionalFile> {
    const handle = await openRegularFile(path);
    const stat = await handle.stat();
    const addon = useNative ? nativeAddon() : undefined;
    let mapping: { addon: NativeAddon; handle: NativeMapping } | undefined;
    if (addon && stat.size > 0) {
      try {
        mapping = { addon, handle: addon.mapFile(handle.fd) };
      } catch {
        mapping = undefined; // e.g. a file system that cannot map: plain reads work everywhere
      }
    }
    return new PositionalFile(path, handle, stat.size, mapping);
  }

  /** Whether reads go through the native memory map (and `readFloat16At` decodes on every core). */
  get mapped(): boolean {
    return this.mapping !== undefined;
  }

  /** Fills `dst` with the bytes at `[offset, offset + dst.length)`. @throws FileFormatError if the file ends first. */
  async readAt(offset: number, dst: Uint8Array): Promise<void> {
    if (this.mapping) return this.readMapped(offset, dst.length, dst, false);
    let done = 0;
    while (done < dst.length) {
      const want = Math.min(MAX_SINGLE_READ, dst.length - done);
      const { bytesRead } = await this.handle.read(dst, done, want, offset + done);
      if (bytesRead === 0) {
        throw new FileFormatError(
          `truncated: wanted bytes up to ${offset + dst.length} but the file ends at ${offset + done}`,
          {
            file: this.path,
          },
        );
      }
      done += bytesRead;
    }
  }

  /**
   * Decodes the `dst.length` float16 values stored at `offset` into `dst`. Only on a mapped file (see `mapped`).
   * @throws FileFormatError if the file ends first.
   */
  async readFloat16At(offset: number, dst: Float32Array): Promise<void> {
    if (!this.mapping) throw new FileFormatError('readFloat16At needs the native memory map', { file: this.path });
    return this.readMapped(offset, dst.length * 2, dst, true);
  }

  private async readMapped(offset: number, bytes: number, dst: ArrayBufferView, decode: boolean): Promise<void> {
    const { addon, handle } = this.mapping!;
    try {
      await addon.readMapped(handle, offset, bytes, dst, decode);
    } catch (cause) {
      throw new FileFormatError((cause as Error).message.replace(/^readMapped: /, ''), { file: this.path, cause });
    }
  }

  /** Reads up to `length` bytes at `offset` (fewer at the end of the file) into a new array. */
  async readUpTo(offset: number, length: number): Promise<Uint8Array> {
    const n = Math.max(0, Math.min(length, this.size - offset));
    const dst = new Uint8Array(n);
    await this.readAt(offset, dst);
    return dst;
  }

  /** Closes the handle (and the memory map, once reads in flight have finished). */
  async close(): Promise<void> {
    if (this.mapping) this.mapping.addon.unmapFile(this.mapping.handle);
    await this.handle.close();
  }
}
