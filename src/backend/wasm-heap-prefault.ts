/**
 * The first training step's page faults, taken off its critical path (Node on Linux, wasm backend, native addon).
 *
 * A training step's tensors (every layer's output, kept for the backward pass, and the optimizer's state) land in
 * wasm heap pages that nothing has touched yet, and each first touch is a page fault served on the thread that
 * writes: on the 2-core VM of docs/benchmarks.md ~0.75 s per GB, so the first step of full Xception at BERT-large
 * size (1.4 GB of fresh heap) took 6.2 s against 4.0 s for the next. {@link prefaultTrainingHeap} grows the heap by
 * the step's known lower bound ({@link trainingHeapEstimate}) before the first step and faults those pages in on a
 * background thread (native/src/heap_pages.h, `populateWritable`: contents unchanged, safe while the step runs).
 * Nothing computed changes; the heap is only grown to a size the step reaches anyway.
 * `BERTVISION_PREFAULT=0` (or false/off/no) turns it off.
 */
import * as tf from '@tensorflow/tfjs';
import { nativeAddon } from '../platform/native.js';
import { prefaultAllowed } from '../platform/native-env.js';
import { heapBuffer, type WasmBackend } from '../platform/wasm-heap.js';

/** Environment variable that turns the pre-faulting off when set to `0`, `false`, `off` or `no`. */
export const PREFAULT_ENV_VAR = 'BERTVISION_PREFAULT';

/** The largest block requested at once: half of what a wasm32 heap can hold. */
const MAX_PREFAULT_BYTES = 2 ** 31;

/** Elements of a shape whose unknown dimensions count as 1. */
function elements(shape: tf.Shape): number {
  return shape.reduce<number>((n, d) => n * (d ?? 1), 1);
}

/** Elements of one example in a layer's output (or outputs), its batch dimension left out. */
function exampleElements(shape: tf.Shape | tf.Shape[]): number {
  const shapes = Array.isArray(shape[0]) ? (shape as tf.Shape[]) : [shape as tf.Shape];
  return shapes.reduce((sum, s) => sum + elements(s.slice(1)), 0);
}

/**
 * A lower bound of the heap a training step holds at its peak, in bytes: every layer's output for a batch (the tape
 * keeps them all for the backward pass) and four float32 copies of the trainable weights (the weights, their
 * gradients and Adam's two moments). The true peak is higher: ops' intermediates and gradients
 * (1409 MB after the first step of full Xception at BERT-large, batch 64, against 1356 MB estimated).
 */
export function trainingHeapEstimate(model: tf.LayersModel, batchSize: number): number {
  const outputs = model.layers.reduce((sum, layer) => sum + exampleElements(layer.outputShape), 0);
  const trainable = model.trainableWeights.reduce((sum, w) => sum + elements(w.shape), 0);
  return 4 * (batchSize * outputs + 4 * trainable);
}

/**
 * Grows the wasm heap by `bytes` (one block from tfjs-wasm's own allocator, freed at once, so the next allocations
 * reuse it) and faults the block's pages in on a background thread.
 * @returns the bytes populated once done; 0 when not on the wasm backend, off Linux, without the addon (or one built
 *   before it), with `BERTVISION_PREFAULT=0`, for a non-positive size, or when the allocator refuses the block.
 */
export async function prefaultWasmHeap(bytes: number, backendName = 'wasm'): Promise<number> {
  if (!prefaultAllowed(process.env[PREFAULT_ENV_VAR]) || !(bytes > 0)) return 0;
  const addon = nativeAddon();
  if (!addon?.populateHeap || tf.getBackend() !== backendName) return 0;
  const backend = tf.findBackend(backendName) as unknown as WasmBackend | undefined;
  if (!backend?.wasm?._malloc) return 0;
  const size = Math.min(Math.ceil(bytes), MAX_PREFAULT_BYTES);
  const offset = backend.wasm._malloc(size);
  if (offset === 0) return 0;
  // the population only asks the kernel to back the pages: it may go on while the freed block holds tensors
  const populated = addon.populateHeap(heapBuffer(backend), offset, size);
  backend.wasm._free(offset);
  return populated;
}

/**
 * {@link prefaultWasmHeap} of {@link trainingHeapEstimate}: called by `trainHead` once the head is built, before
 * the first batch is read. Never throws and never waits: the pages fault in while the step starts.
 */
export function prefaultTrainingHeap(model: tf.LayersModel, batchSize: number): void {
  prefaultWasmHeap(trainingHeapEstimate(model, batchSize)).catch(() => undefined);
}
