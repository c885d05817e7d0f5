/**
 * The per-window bookkeeping of a store that evaluation needs besides the activations: which question each window
 * belongs to (`example_index` + `metadata.example_ids`), its character offsets, and its labels.
 * Browser-safe (it only needs an `ActivationStore`).
 */
import { FileFormatError, ShapeError } from '../errors.js';
import type { ActivationStore } from '../store/store.js';

/** What {@link readStoreWindows} returns. */
export interface StoreWindows {
  /** Number of windows N. */
  count: number;
  /** Tokens per window S. */
  sequenceLength: number;
  /** For each window, its index into `exampleIds`. */
  exampleIndex: Int32Array;
  /** Question ids (the store metadata's `example_ids`). */
  exampleIds: string[];
  /** Flat `[N × S × 2]` offsets (−1 for non-context tokens), when requested and present. */
  offsets: Int32Array | undefined;
  /** Per-window "no answer in this window" labels, when the store has `is_impossible`. */
  isImpossible: Int32Array | undefined;
}

async function readInt(store: ActivationStore, name: string, perExample: number): Promise<Int32Array> {
  const info = store.tensors[name]!;
  const expected = info.shape.slice(1).reduce((a, b) => a * b, 1);
  if (info.shape[0] !== store.numExamples || expected !== perExample) {
    throw new ShapeError(
      `tensor '${name}' has shape [${info.shape.join(', ')}]; expected ${store.numExamples} rows of ${perExample}`,
      { file: store.path },
    );
  }
  const values = await store.read(name, 0, store.numExamples);
  return values instanceof Int32Array
    ? values
    : Int32Array.from(values as ArrayLike<number | bigint>, (v) => Number(v));
}

/**
 * Read `example_index`, the metadata's `example_ids` and, with `offsets: true`, `offset_mapping` (N × S × 2 int32:
 * a few tens of MB for a full SQuAD dev span store; never the activations).
 * @throws FileFormatError when the store lacks what evaluation needs; ShapeError for inconsistent shapes.
 */
export async function readStoreWindows(
  store: ActivationStore,
  options: { offsets?: boolean } = {},
): Promise<StoreWindows> {
  const exampleIds = store.metadata?.example_ids;
  if (!Array.isArray(exampleIds)) {
    throw new FileFormatError(
      "store metadata has no 'example_ids': cannot tell which question each window belongs to",
      { file: store.path },
    );
  }
  if (!('example_index' in store.tensors))
    throw new FileFormatError("store has no 'example_index' tensor", { file: store.path });
  const exampleIndex = await readInt(store, 'example_index', 1);
  for (let i = 0; i < exampleIndex.length; i++) {
    const e = exampleIndex[i]!;
    if (e < 0 || e >= exampleIds.length) {
      throw new FileFormatError(`example_index[${i}] = ${e} is outside the ${exampleIds.length} example_ids`, {
        file: store.path,
      });
    }
  }
  const sequenceLength = store.tensors[store.activations]!.shape[1] ?? 1;
  let offsets: Int32Array | undefined;
  if (options.offsets) {
    if (!('offset_mapping' in store.tensors))
      throw new FileFormatError("store has no 'offset_mapping' tensor (needed to decode spans)", { file: store.path });
    offsets = await readInt(store, 'offset_mapping', sequenceLength * 2);
  }
  const isImpossible = 'is_impossible' in store.tensors ? await readInt(store, 'is_impossible', 1) : undefined;
  return {
    count: store.numExamples,
    sequenceLength,
    exampleIndex,
    exampleIds: exampleIds as string[],
    offsets,
    isImpossible,
  };
}
