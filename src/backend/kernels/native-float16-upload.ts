/**
 * float16 batches decoded by bertvision's native F16C decoder (every core) straight into a tensor in the wasm heap
 * (Node only): the read hands over the stored bits, and the only pass over the float32 values is the decode itself —
 * no staging array (fresh pages per batch), no copy into the heap (`tf.tensor` of a `[8, 386, 1024, 25]` batch copies
 * 316 MB). Bit-identical to the staged path (same decoder, test/native/native-float16-upload.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { registerFloat16Upload } from '../float16-upload.js';
import { nativeAddon } from '../../platform/native.js';
import { heapBuffer, heapOffset, type WasmBackend } from '../../platform/wasm-heap.js';

/**
 * Registers the decoder for the wasm backend. Call after the wasm backend's package is imported (the Node entry does
 * it).
 * @returns true when registered; false where the native kernels are unavailable.
 */
export function installNativeFloat16Upload(backendName = 'wasm'): boolean {
  const addon = nativeAddon();
  if (!addon) return false;
  registerFloat16Upload(backendName, (bits, shape) => {
    const backend = tf.findBackend(backendName) as unknown as WasmBackend;
    const info = backend.makeOutput(shape, 'float32');
    // the heap view is taken after makeOutput (which may grow the heap) and used synchronously
    const values = new Float32Array(heapBuffer(backend), heapOffset(backend, info), bits.length);
    addon.decodeFloat16(bits, values);
    return tf.engine().makeTensorFromTensorInfo(info, backend as unknown as tf.KernelBackend);
  });
  return true;
}
