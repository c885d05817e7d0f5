/**
 * `.safetensors` stores (Node only): one file, or a sharded store described by `*.safetensors.index.json`
 * (`weight_map`: tensor → shard file). Metadata is the JSON string `__metadata__.bertvision` (single file), or
 * `metadata.bertvision` of the index (falling back to the shard holding the activations).
 */
import { realpath } from 'node:fs/promises';
import { readRegularFile } from '../../platform/regular-file.js';
import { dirname, join, resolve } from 'node:path';
import { FileFormatError } from '../../errors.js';
import { PositionalFile } from '../../platform/positional-file.js';
import type { SafetensorsHeader } from './header.js';
import { MAX_SHARD_INDEX_BYTES, parseShardIndex, type ShardIndex } from './index-file.js';
import { readSafetensorsHeader, SafetensorsSource, safetensorsMetadata as metadataFrom } from './source.js';
import { BaseStore, type TensorSource } from '../store-base.js';
import type { ActivationStore, OpenStoreOptions } from '../store.js';

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

async function readShardIndex(path: string): Promise<ShardIndex> {
  const index = parseShardIndex((await readRegularFile(path, MAX_SHARD_INDEX_BYTES)).toString('utf8'), path);
  const dir = resolve(dirname(path));
  const realDir = await realpath(dir);
  for (const shard of index.weightMap.values()) {
    if (!resolve(dir, shard).startsWith(dir + '/'))
      throw new FileFormatError(`shard '${shard}' lies outside the index's directory`, { file: path });
    // The name is inside; what it resolves to (a symlink) must be too.
    const real = await realpath(resolve(dir, shard)).catch(() => undefined);
    if (real !== undefined && !real.startsWith(realDir + '/')) {
      throw new FileFormatError(`shard '${shard}' is a link to ${real}, outside the index's directory`, { file: path });
    }
  }
  return index;
}

/** Opens a sharded store from its `*.safetensors.index.json`. */
export async function openShardedSafetensorsStore(
  indexPath: string,
  options: OpenStoreOptions,
): Promise<ActivationStore> {
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
        files.set(shard, {
          file,
          header: await readSafetensorsHeader(file).catch(async (e: unknown) => {
            await file.close();
            throw e;
          }),
        });
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
      (activationShard
        ? metadataFrom(files.get(activationShard)?.header.metadata, join(dirname(indexPath), activationShard))
        : undefined);
    return new BaseStore({
      path: indexPath,
      container: 'safetensors-sharded',
      sources,
      metadata,
      options,
      close: closeAll,
    });
  } catch (error) {
    await closeAll();
    throw error;
  }
}
