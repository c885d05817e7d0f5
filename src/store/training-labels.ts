/**
 * The label check a store passes before training on it: `is_impossible` is 0 or 1 and span positions lie inside
 * the window, so that an out-of-range label (whose one-hot is all zeros, training to a loss of 0) is refused
 * with the first offending window named instead of training on nothing.
 */
import { FileFormatError } from '../errors.js';
import type { ActivationStore } from './store.js';

/** The label tensors a store may carry, as read for training. */
export type TrainingLabels = Partial<Record<'is_impossible' | 'start_positions' | 'end_positions', Int32Array>>;

const LABELS = ['is_impossible', 'start_positions', 'end_positions'] as const;

async function readLabel(store: ActivationStore, name: string, count: number): Promise<Int32Array> {
  const values = await store.read(name, 0, count);
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = Number(values[i]);
    out[i] = Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? v : -1;
  }
  return out;
}

/**
 * Read and check every label tensor of `store` for a head of `task`. Span positions must lie in [0, S) where S is
 * the store's positions per window (span heads), or in [0, `max_seq_length`) for binary heads on a store with
 * that metadata (a CLS store keeps one position but its labels index the full window).
 * @throws FileFormatError naming the store, the tensor, the first offending window and its value.
 */
export async function readTrainingLabels(store: ActivationStore, task: 'binary' | 'span'): Promise<TrainingLabels> {
  const shape = store.tensors[store.activations]!.shape;
  const count = shape[0] ?? 0;
  const positions = shape[1] ?? 1;
  const bound =
    task === 'span' ? positions : (store.metadata?.max_seq_length ?? (positions > 1 ? positions : Infinity));
  const labels: TrainingLabels = {};
  for (const name of LABELS) {
    if (!store.tensors[name]) continue;
    const values = await readLabel(store, name, count);
    const ok = name === 'is_impossible' ? (v: number) => v === 0 || v === 1 : (v: number) => v >= 0 && v < bound;
    const bad = values.findIndex((v) => !ok(v));
    if (bad >= 0) {
      const expected = name === 'is_impossible' ? '0 or 1' : `a token position in [0, ${bound})`;
      const raw = (await store.read(name, bad, 1))[0];
      throw new FileFormatError(
        `window ${bad}: ${name} is ${String(raw)}, expected ${expected}; refusing to train on out-of-range labels`,
        { file: store.path },
      );
    }
    labels[name] = values;
  }
  return labels;
}
