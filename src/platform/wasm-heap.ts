/**
 * Access to tensors inside tfjs-backend-wasm's heap, for the native kernels that work on it in place (Node only).
 */
import type * as tf from '@tensorflow/tfjs';

/** The parts of tfjs-backend-wasm's `BackendWasm` the native kernels use. */
export interface WasmBackend {
  wasm: { HEAPU8: Uint8Array; _malloc(bytes: number): number; _free(offset: number): void };
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: object): boolean;
}

/** The wasm heap's ArrayBuffer. Take it after `makeOutput`, which may grow (and so replace) the heap. */
export function heapBuffer(backend: WasmBackend): ArrayBuffer {
  return backend.wasm.HEAPU8.buffer as ArrayBuffer;
}

/** Byte offset of a tensor's data in the wasm heap. */
export function heapOffset(backend: WasmBackend, info: tf.TensorInfo): number {
  return backend.dataIdMap.get(info.dataId).memoryOffset;
}
