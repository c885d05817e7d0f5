/**
 * The `*.safetensors.index.json` of a sharded store: `weight_map` (tensor → shard file name) and an optional
 * `metadata` string map. Parsing only; Node reads it from disk, a page from bytes, a Blob or a URL. Browser-safe.
 */
import { FileFormatError } from '../../errors.js';

/** Largest index JSON accepted (bytes). */
export const MAX_SHARD_INDEX_BYTES = 100_000_000;

/** A parsed shard index. */
export interface ShardIndex {
  /** The index's `metadata` string map, if any. */
  metadata: Record<string, string> | undefined;
  /** Tensor name → shard file name (relative to the index), in file order. */
  weightMap: Map<string, string>;
}

/**
 * Parses the text of a shard index read from `file`. Shard names must be relative and stay beside the index (no
 * `..` segment, no leading `/`).
 * @throws FileFormatError naming `file` for invalid JSON, a missing or malformed `weight_map`, or a shard name
 *   that leaves the index's directory.
 */
export function parseShardIndex(text: string, file: string): ShardIndex {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new FileFormatError('safetensors index is not valid JSON', { file, cause });
  }
  const obj = parsed as { weight_map?: unknown; metadata?: unknown } | null;
  const map = obj?.weight_map;
  if (
    typeof map !== 'object' ||
    map === null ||
    Array.isArray(map) ||
    !Object.values(map).every((v) => typeof v === 'string')
  ) {
    throw new FileFormatError("safetensors index has no 'weight_map' of tensor → shard file names", { file });
  }
  for (const shard of Object.values(map) as string[]) {
    if (shard === '' || shard.startsWith('/') || shard.split(/[/\\]/).includes('..')) {
      throw new FileFormatError(`shard '${shard}' lies outside the index's directory`, { file });
    }
  }
  const meta = obj?.metadata;
  const metadata =
    typeof meta === 'object' && meta !== null && !Array.isArray(meta) ? (meta as Record<string, string>) : undefined;
  return { metadata, weightMap: new Map(Object.entries(map as Record<string, string>)) };
}
