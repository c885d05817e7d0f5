/**
 * `.safetensors` stores (Node only): one file, or a sharded store described by `*.safetensors.index.json`
 * (`weight_map`: tensor → shard file). Metadata is the JSON string `__metadata__.bertvision` (single file), or
 * `metadata.bertvision` of the index (falling back to the shard holding the activations).
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { FileFormatError } from '../../errors.js';
import { dtypeByteSize } from '../dtype.js';
import { parseStoreMetadata, type StoreMetadata } from '../metadata.js';
import { PositionalFile } from '../../platform/positional-file.js';
import { parseSafetensorsHeader, safetensorsHeaderLength, type SafetensorsEntry, type SafetensorsHeader } from './header.js';
import { BaseStore, type TensorSource } from '../store-base.js';
import type { ActivationStore, OpenStoreOptions } from '../store.js';

/** Largest index JSON accepted. */
const MAX_INDEX_BYTES = 100_000_000;
/** Metadata key under which bertvision keeps its JSON. */
const METADATA_KEY = 'bertvision';

class SafetensorsSource implements TensorSource {
  readonly dtype;
  readonly shape;
  readonly maxReadBytes = Number.MAX_SAFE_INTEGER;
  private readonly exampleBytes: number;
  readonly readFloat16?: (start: number, count: number, dst: Float32Array) => Promise<void>;

  constructor(
    readonly name: string,
    private readonly file: PositionalFile,
    private readonly entry: SafetensorsEntry,
  ) {
    if (entry.shape.length === 0)
      throw new FileFormatError(`tensor '${name}' is 0-d; a store tensor needs an example axis`, { file: file.path });
    this.dtype = entry.dtype;
    this.shape = entry.shape;
    this.exampleBytes = entry.shape.slice(1).reduce((a, b) => a * b, 1) * dtypeByteSize(entry.dtype);
    if (file.mapped) this.readFloat16 = (start, _count, dst) => file.readFloat16At(entry.offset + start * this.exampleBytes, dst);
  }

  readRaw(start: number, _count: number, dst: Uint8Array): Promise<void> {
    return this.file.readAt(this.entry.offset + start * this.exampleBytes, dst);
  }
}

/** Reads and validates the header of an open safetensors file. */
export async function readSafetensorsHeader(file: PositionalFile): Promise<SafetensorsHeader> {
  const length = safetensorsHeaderLength(await file.readUpTo(0, 8), file.size, file.path);
  return parseSafetensorsHeader(await file.readUpTo(8, length), file.size, file.path);
}

function metadataFrom(map: Record<string, string> | undefined, file: string): StoreMetadata | undefined {
  const json = map?.[METADATA_KEY];
  return json === undefined ? undefined : parseStoreMetadata(json, file);
}

/** Opens one `.safetensors` file as a store. */
export async function openSafetensorsStore(path: string, options: OpenStoreOptions): Promise<ActivationStore> {
  const file = await PositionalFile.open(path, options.native ?? true);
  try {
    const header = await readSafetensorsHeader(file);
    const sources = [...header.tensors].map(([name, entry]) => new SafetensorsSource(name, file, entry));
    const metadata = metadataFrom(header.metadata, path);
    return new BaseStore({ path, container: 'safetensors', sources, metadata, options, close: () => file.close() });
  } catch (error) {
    await file.close();
    throw error;
  }
}

interface ShardIndex {
  metadata: Record<string, string> | undefined;
  weightMap: Map<string, string>;
}

async function readShardIndex(path: string): Promise<ShardIndex> {
  const { size } = await stat(path);
  if (size > MAX_INDEX_BYTES) throw new FileFormatError(`index of ${size} bytes is too large`, { file: path });
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new FileFormatError('safetensors index is not valid JSON', { file: path, cause });
  }
  const obj = parsed as { weight_map?: unknown; metadata?: unknown } | null;
  const map = obj?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map) || !Object.values(map).every((v) => typeof v === 'string')) {
    throw new FileFormatError("safetensors index has no 'weight_map' of tensor → shard file names", { file: path });
  }
  const dir = resolve(dirname(path));
  for (const shard of Object.values(map) as string[]) {
    if (!resolve(dir, shard).startsWith(dir + '/'))
      throw new FileFormatError(`shard '${shard}' lies outside the index's directory`, { file: path });
  }
  const meta = obj?.metadata;
  const metadata = typeof meta === 'object' && meta !== null ? (meta as Record<string, string>) : undefined;
  return { metadata, weightMap: new Map(Object.entries(map as Record<string, string>)) };
}

/** Opens a sharded store from its `*.safetensors.index.json`. */
export async function openShardedSafetensorsStore(indexPath: string, options: OpenStoreOptions): Promise<ActivationStore> {
  const index = await readShardIndex(indexPath);
  const files = new Map<string, { file: PositionalFile; header: SafetensorsHeader }>();
  const closeAll = async (): Promise<void> => {
    await Promise.all([...files.values()].map((f) => f.file.close()));
  };
  try {
    const sources: TensorSource[] = [];
    for (const [name, shard] of index.weightMap) {
      let opened = files.get(shard);
      if (!opened) {
        const file = await PositionalFile.open(join(dirname(indexPath), shard), options.native ?? true);
        files.set(shard, { file, header: await readSafetensorsHeader(file).catch(async (e: unknown) => { await file.close(); throw e; }) });
        opened = files.get(shard)!;
      }
      const entry = opened.header.tensors.get(name);
      if (!entry)
        throw new FileFormatError(`index maps tensor '${name}' to this shard but the shard does not hold it`, {
          file: opened.file.path,
        });
      sources.push(new SafetensorsSource(name, opened.file, entry));
    }
    const activationShard = index.weightMap.get(options.activations ?? 'hidden_state_activations');
    const metadata =
      metadataFrom(index.metadata, indexPath) ??
      (activationShard ? metadataFrom(files.get(activationShard)?.header.metadata, join(dirname(indexPath), activationShard)) : undefined);
    return new BaseStore({ path: indexPath, container: 'safetensors-sharded', sources, metadata, options, close: closeAll });
  } catch (error) {
    await closeAll();
    throw error;
  }
}
