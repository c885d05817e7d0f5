/**
 * Where float16 batches become tensors: a hook that decodes stored float16 bits straight into the active backend's
 * memory, skipping the float32 staging array and its copy (on wasm in Node, bertvision's native decoder writes into
 * the wasm heap tensor the step consumes: src/backend/kernels/native-float16-upload.ts). Browser-safe: without a
 * registered decoder for the active backend, callers read float32 as before.
 */
import type * as tf from '@tensorflow/tfjs';

/** Decodes float16 `bits` into a new float32 tensor of `shape` on `backend`'s memory. */
export type Float16Upload = (bits: Uint16Array, shape: number[]) => tf.Tensor;

const uploads = new Map<string, Float16Upload>();

/** Registers the decoder for `backendName` (replacing any earlier one). */
export function registerFloat16Upload(backendName: string, upload: Float16Upload): void {
  uploads.set(backendName, upload);
}

/** The decoder registered for `backendName`, if any. */
export function float16Upload(backendName: string): Float16Upload | undefined {
  return uploads.get(backendName);
}
