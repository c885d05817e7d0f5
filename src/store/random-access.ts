/**
 * The positional-read contract the container readers need, met by Node's `PositionalFile` and by the in-page byte
 * sources (`MemoryBytes`, `BlobBytes`, `UrlBytes`). Browser-safe (types only).
 */

/** Bytes readable at any offset. */
export interface RandomAccessBytes {
  /** What to call it in errors: a path, a file name or a URL. */
  readonly path: string;
  /** Size in bytes. */
  readonly size: number;
  /** Fills `dst` with the bytes at `[offset, offset + dst.length)`. @throws FileFormatError if the bytes end first. */
  readAt(offset: number, dst: Uint8Array): Promise<void>;
  /** Reads up to `length` bytes at `offset` (fewer at the end) into a new array. */
  readUpTo(offset: number, length: number): Promise<Uint8Array>;
  /** True when `readFloat16At` is available (Node's memory-mapped files). */
  readonly mapped?: boolean;
  /** Decodes the `dst.length` float16 values stored at `offset` into `dst` (only when `mapped`). */
  readFloat16At?(offset: number, dst: Float32Array): Promise<void>;
  /** Releases what the source holds (a file handle); a no-op for in-memory bytes. */
  close(): Promise<void>;
}
