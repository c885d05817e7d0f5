/**
 * One tensor of a `.safetensors` file as a `TensorSource`, over any `RandomAccessBytes` (a Node file or in-page
 * bytes, a Blob, a URL), and the header read that precedes it. Browser-safe.
 */
import { FileFormatError } from '../../errors.js';
import { dtypeByteSize } from '../dtype.js';
import { parseStoreMetadata, type StoreMetadata } from '../metadata.js';
import type { RandomAccessBytes } from '../random-access.js';
import {
  parseSafetensorsHeader,
  safetensorsHeaderLength,
  type SafetensorsEntry,
  type SafetensorsHeader,
} from './header.js';
import type { TensorSource } from '../store-base.js';

/** Metadata key under which bertvision keeps its JSON in `__metadata__` (and in a shard index's `metadata`). */
export const SAFETENSORS_METADATA_KEY = 'bertvision';

/** A tensor of a safetensors file, read by whole examples. */
export class SafetensorsSource implements TensorSource {
  readonly dtype;
  readonly shape;
  readonly maxReadBytes = Number.MAX_SAFE_INTEGER;
  private readonly exampleBytes: number;
  readonly readFloat16?: (start: number, count: number, dst: Float32Array) => Promise<void>;

  constructor(
    readonly name: string,
    private readonly file: RandomAccessBytes,
    private readonly entry: SafetensorsEntry,
  ) {
    if (entry.shape.length === 0)
      throw new FileFormatError(`tensor '${name}' is 0-d; a store tensor needs an example axis`, { file: file.path });
    this.dtype = entry.dtype;
    this.shape = entry.shape;
    this.exampleBytes = entry.shape.slice(1).reduce((a, b) => a * b, 1) * dtypeByteSize(entry.dtype);
    const decode = file.readFloat16At?.bind(file);
    if (file.mapped && decode)
      this.readFloat16 = (start, _count, dst) => decode(entry.offset + start * this.exampleBytes, dst);
  }

  readRaw(start: number, _count: number, dst: Uint8Array): Promise<void> {
    return this.file.readAt(this.entry.offset + start * this.exampleBytes, dst);
  }
}

/** Reads and validates the header of a safetensors file. */
export async function readSafetensorsHeader(file: RandomAccessBytes): Promise<SafetensorsHeader> {
  const length = safetensorsHeaderLength(await file.readUpTo(0, 8), file.size, file.path);
  return parseSafetensorsHeader(await file.readUpTo(8, length), file.size, file.path);
}

/** The bertvision metadata in a safetensors string map (`__metadata__` or an index's `metadata`), if any. */
export function safetensorsMetadata(map: Record<string, string> | undefined, file: string): StoreMetadata | undefined {
  const json = map?.[SAFETENSORS_METADATA_KEY];
  return json === undefined ? undefined : parseStoreMetadata(json, file);
}
