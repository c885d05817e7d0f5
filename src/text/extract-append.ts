/**
 * `extractActivations({ append: true })`: the existing store at the output path, checked against this run (every
 * compatibility key, dtype and the SQuAD source equal; the same tensors), its windows copied first into a new store
 * written beside it, which then replaces it (a rename: atomic for a file; for an npy directory the old directory is
 * moved aside, the new one renamed in, then the old one removed).
 */
import { rename, rm, stat } from 'node:fs/promises';
import { MismatchError } from '../errors.js';
import { tempPathFor } from '../platform/atomic-file.js';
import { checkExpectedMetadata, COMPATIBILITY_KEYS, type StoreMetadata } from '../store/metadata.js';
import { openStore } from '../store/open-store.js';
import type { ActivationStore } from '../store/store.js';
import type { StoreWriter, WritableArray } from '../store/writer.js';

/** An existing store being appended to. */
export interface AppendBase {
  /** Question ids the store already holds, in store order. */
  exampleIds: string[];
  /** Windows the store already holds. */
  windows: number;
  /** Copies every window of the old store into `writer` (first), `rows` at a time. */
  copyInto(writer: StoreWriter, rows: number): Promise<void>;
  /** Where the new store is written before it replaces the old one. */
  temporary: string;
  /** Replaces the old store by the finished one at `temporary`. */
  replace(): Promise<void>;
  close(): Promise<void>;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * The store at `output` to append to, or undefined when there is none.
 * @throws MismatchError naming every differing key (or the source, or the tensor names) when this run's store
 *   could not be read together with it.
 */
export async function openAppendBase(
  output: string,
  metadata: StoreMetadata,
  tensorNames: readonly string[],
): Promise<AppendBase | undefined> {
  if (!(await exists(output))) return undefined;
  const store: ActivationStore = await openStore(output);
  try {
    const expected = Object.fromEntries([...COMPATIBILITY_KEYS, 'dtype'].map((k) => [k, metadata[k]]));
    checkExpectedMetadata(store.metadata, expected, output, 'this run');
    const source = JSON.stringify(store.metadata?.source ?? null);
    if (source !== JSON.stringify(metadata.source ?? null))
      throw new MismatchError(
        `refusing to append windows from ${JSON.stringify(metadata.source ?? null)} to a store made from ${source}: write a separate store instead`,
        { file: output },
      );
    const have = Object.keys(store.tensors).sort();
    if (JSON.stringify(have) !== JSON.stringify([...tensorNames].sort()))
      throw new MismatchError(
        `store tensors [${have.join(', ')}] differ from this run's [${[...tensorNames].sort().join(', ')}]`,
        {
          file: output,
        },
      );
  } catch (error) {
    await store.close();
    throw error;
  }
  const temporary = tempPathFor(output, '.append-');
  const isDirectory = (await stat(output)).isDirectory();
  let open = true;
  const close = async (): Promise<void> => {
    if (open) await store.close();
    open = false;
  };
  return {
    exampleIds: [...(store.metadata?.example_ids ?? [])],
    windows: store.numExamples,
    temporary,
    async copyInto(writer, rows) {
      for (let start = 0; start < store.numExamples; start += rows) {
        const count = Math.min(rows, store.numExamples - start);
        const tensors: Record<string, WritableArray> = {};
        for (const name of tensorNames) tensors[name] = await store.read(name, start, count);
        await writer.append(tensors);
      }
    },
    async replace() {
      await close();
      if (!isDirectory) {
        await rename(temporary, output);
        return;
      }
      const old = tempPathFor(output, '.replaced-');
      await rename(output, old);
      await rename(temporary, output);
      await rm(old, { recursive: true, force: true });
    },
    close,
  };
}
