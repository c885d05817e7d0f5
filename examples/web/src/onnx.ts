/**
 * onnxruntime-web for the Ask tab: its wasm build, loaded on first use, with the .wasm file bundled with the page (so
 * nothing is fetched from another origin) and one thread (threads need a cross-origin-isolated page).
 */
import type { OrtModule } from 'bertvision';
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';

let module: Promise<OrtModule> | undefined;

/** The onnxruntime-web module, set up to load its wasm from the page's own origin. */
export function loadOrtWeb(): Promise<OrtModule> {
  module ??= import('onnxruntime-web/wasm').then((ort) => {
    ort.env.wasm.wasmPaths = { wasm: new URL(ortWasm, document.baseURI).href };
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    return ort as unknown as OrtModule;
  });
  return module;
}
