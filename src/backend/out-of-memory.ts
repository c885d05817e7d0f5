/**
 * Recognises the WebAssembly backend running out of memory. Its heap cannot grow past 4 GiB (32-bit wasm), and when
 * a step needs more, Emscripten aborts the module (`RuntimeError: Aborted(...)`), the heap refuses to grow, or, once
 * the heap is full, tfjs-wasm's tensor registration traps on the failed allocation (`RuntimeError: divide by zero`,
 * tfjs-backend-wasm 4.22; reproduced by the full Xception head at BERT-large size and batch 64): errors that name
 * neither the model nor the remedy. Callers turn them into an `OutOfMemoryError` that does.
 */

/** The heap size from which a wasm trap is taken for an exhausted heap: 4 GiB less 64 MiB. */
export const FULL_HEAP_BYTES = 4 * 2 ** 30 - 64 * 2 ** 20;

/**
 * Whether `error` is the wasm module aborting or its heap refusing to grow, or any other wasm trap while the heap is
 * full.
 * @param heapBytes the wasm heap's current size (default unknown: such traps are then not counted)
 */
export function isWasmOutOfMemory(error: unknown, heapBytes?: number): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'RuntimeError' && /^Aborted\(/.test(error.message)) return true;
  if (error.name === 'RuntimeError' && heapBytes !== undefined && heapBytes >= FULL_HEAP_BYTES) return true;
  return /Cannot enlarge memory|could not grow|WebAssembly\.Memory|Out of memory/i.test(error.message);
}
