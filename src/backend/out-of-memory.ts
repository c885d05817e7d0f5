/**
 * Recognises the WebAssembly backend running out of memory. Its heap cannot grow past 4 GiB (32-bit wasm), and when
 * a step needs more, Emscripten aborts the module (`RuntimeError: Aborted(...)`) or the heap refuses to grow: an error
 * that names neither the model nor the remedy. Callers turn it into an `OutOfMemoryError` that does.
 */

/** Whether `error` is the wasm module aborting or its heap refusing to grow. */
export function isWasmOutOfMemory(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'RuntimeError' && /^Aborted\(/.test(error.message)) return true;
  return /Cannot enlarge memory|could not grow|WebAssembly\.Memory|Out of memory/i.test(error.message);
}
