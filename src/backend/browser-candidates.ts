/**
 * Browser backend candidates: WebGPU, WebGL and WebAssembly, each offered when the page has loaded it (the backend is
 * registered with this copy of tfjs: `@tensorflow/tfjs` brings WebGL, `@tensorflow/tfjs-backend-webgpu` and
 * `@tensorflow/tfjs-backend-wasm` are imported by the page, the latter with `setWasmPaths` where its `.wasm` files are
 * served). Registered by the browser entry only where there is a page or a worker, so Node never tries WebGL.
 * Guarded by test/browser/backend.browser-test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { registerBackendCandidate, type BackendName } from './choose.js';
import { installConvGradients } from './kernels/conv-gradients.js';
import { installFastSlice } from './kernels/fast-slice.js';
import { installFastTile } from './kernels/fast-tile.js';
import { installMatMulCacheGuard } from './kernels/matmul-cache-guard.js';
import { installReductionGradients } from './kernels/reduction-gradients.js';
import { installSharedIdentity } from './kernels/shared-identity.js';
import { installTransposedMatMul } from './kernels/transposed-matmul.js';

/** The package that registers each browser backend, for the reason a candidate was skipped. */
const PACKAGES: ReadonlyArray<[BackendName, string]> = [
  ['webgpu', '@tensorflow/tfjs-backend-webgpu'],
  ['webgl', '@tensorflow/tfjs-backend-webgl (part of @tensorflow/tfjs)'],
  ['wasm', '@tensorflow/tfjs-backend-wasm'],
];

/** True in a page or a worker (not in Node, Deno or Bun, which have no `document` and no `importScripts`). */
export function inBrowser(): boolean {
  const g = globalThis as { document?: unknown; importScripts?: unknown };
  return typeof g.document === 'object' || typeof g.importScripts === 'function';
}

if (inBrowser()) {
  for (const [name, source] of PACKAGES) {
    registerBackendCandidate({
      name,
      source,
      fallback: true,
      load: async () => {
        if (!tf.findBackendFactory(name)) return { ok: false, reason: `not loaded: import ${source.split(' ')[0]}` };
        if (name === 'wasm') {
          installMatMulCacheGuard('wasm'); // first: it must see the operands tfjs-wasm's own product gets
          installTransposedMatMul('wasm');
          installConvGradients('wasm'); // the convolution gradients tfjs-wasm lacks (Xception heads)
          installFastTile('wasm');
          installFastSlice('wasm');
          installReductionGradients(); // Sum/Mean gradients broadcast dy instead of multiplying by uploaded ones
          installSharedIdentity('wasm'); // clones and same-dtype casts share memory, as on cpu and WebGL
        }
        return { ok: true };
      },
    });
  }
}
