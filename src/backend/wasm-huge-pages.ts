/**
 * Transparent huge pages for tfjs-backend-wasm's heap (Node on Linux, with the native addon). The heap grows to
 * gigabytes at BERT-large sizes and every page it grows by is touched for the first time by a training step; with
 * Linux's default policy ("madvise") those are 4 KiB pages, one fault each. On the 2-core VM of docs/benchmarks.md a
 * first touch of 2 GiB of heap took 1.1–2.3 s in 4 KiB pages and 0.4–1.9 s in 2 MiB pages
 * (`native/src/heap_pages.cc`); through the CLI, 2–7× fewer minor faults and 1.03–1.23× faster whole processes
 * (`bench/huge-pages.bench.ts`, docs/benchmarks.md). Nothing computed changes: only how the kernel backs the heap's
 * memory.
 * `BERTVISION_HUGE_PAGES=0` (or false/off/no) leaves the heap as V8 maps it.
 */
import * as tf from '@tensorflow/tfjs';
import { nativeAddon } from '../platform/native.js';
import { hugePagesAllowed } from '../platform/native-env.js';
import { heapBuffer, type WasmBackend } from '../platform/wasm-heap.js';

/** Environment variable that turns the huge-page advice off when set to `0`, `false`, `off` or `no`. */
export const HUGE_PAGES_ENV_VAR = 'BERTVISION_HUGE_PAGES';

/** The most a wasm32 heap can grow to: 4 GiB. */
const WASM32_MAX_BYTES = 2 ** 32;

/**
 * Advises huge pages for the initialised wasm backend's heap, its whole reservation (V8 grows the heap in place inside
 * it, so later growth is covered). Safe to call more than once.
 * @returns the bytes advised; 0 when not on wasm, not on Linux, without the addon (or one built before it), with
 * transparent huge pages `never`, or with `BERTVISION_HUGE_PAGES=0`.
 */
export function adviseWasmHeapHugePages(backendName = 'wasm'): number {
  if (!hugePagesAllowed(process.env[HUGE_PAGES_ENV_VAR])) return 0;
  const addon = nativeAddon();
  if (!addon?.adviseHugePages) return 0;
  const backend = tf.findBackend(backendName) as unknown as WasmBackend | undefined;
  if (!backend?.wasm?.HEAPU8) return 0;
  return addon.adviseHugePages(heapBuffer(backend), WASM32_MAX_BYTES);
}
