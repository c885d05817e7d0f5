/**
 * The page's backend: webgl when the browser has it, else wasm (its .wasm files are bundled with the page), else cpu,
 * chosen by bertvision's `initBackend`. `?backend=cpu` (or wasm, webgl) in the address forces one.
 */
import '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { initBackend, parseBackendRequest, registerBackendCandidate, type BackendChoice } from 'bertvision';

registerBackendCandidate({ name: 'webgl', source: '@tensorflow/tfjs (WebGL)', load: async () => ({ ok: true }) });
registerBackendCandidate({
  name: 'wasm',
  source: '@tensorflow/tfjs-backend-wasm',
  load: async () => {
    setWasmPaths({
      'tfjs-backend-wasm.wasm': wasmPlain,
      'tfjs-backend-wasm-simd.wasm': wasmSimd,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
    });
    return { ok: true };
  },
});

/** Activates the best backend (or the one `?backend=` asks for). */
export function chooseBackend(): Promise<BackendChoice> {
  const request = new URLSearchParams(location.search).get('backend') ?? undefined;
  return initBackend({ backend: parseBackendRequest(request) });
}
