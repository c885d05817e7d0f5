/**
 * Node backend candidates: native TensorFlow through `@tensorflow/tfjs-node-gpu` or `@tensorflow/tfjs-node` when the
 * user installed them (optional peer dependencies, never required), and the embedded WebAssembly backend.
 * Imported for its side effect by the Node entry point.
 */
import * as tf from '@tensorflow/tfjs';
import { registerBackendCandidate, type BackendCandidate } from './choose.js';
import { installConvGradients } from './kernels/conv-gradients.js';
import { installFastSlice } from './kernels/fast-slice.js';
import { installFastTile } from './kernels/fast-tile.js';
import { installMatMulCacheGuard } from './kernels/matmul-cache-guard.js';
import { installReductionGradients } from './kernels/reduction-gradients.js';
import { installSharedIdentity } from './kernels/shared-identity.js';
import { installTransposedMatMul } from './kernels/transposed-matmul.js';
import { adviseWasmHeapHugePages } from './wasm-huge-pages.js';
import { installNativeGelu } from './kernels/native-gelu.js';
import { installNativeDepthwise } from './kernels/native-depthwise.js';
import { installNativeFloat16Upload } from './kernels/native-float16-upload.js';
import { installNativeAdapterHead } from './kernels/native-adapter-head.js';
import { installNativeLayerProducts } from './kernels/native-layer-products.js';
import { installNativeAdam } from './kernels/native-adam.js';
import { installNativeBatchNorm } from './kernels/native-batch-norm.js';
import { installBatchNormTraining } from './kernels/batch-norm-training.js';
import { installNativeAvgPoolGrad } from './kernels/native-avg-pool-grad.js';
import { installNativeReluGrad } from './kernels/native-relu-grad.js';
import { installNativeConv2D } from './kernels/native-conv2d.js';
import { installNativeMatMul } from './kernels/native-matmul.js';
import { installNativeSum } from './kernels/native-sum.js';
import { installNativeTranspose } from './kernels/native-transpose.js';

/** Import a package by name without letting a bundler resolve it statically. */
const importOptional = (name: string): Promise<unknown> => import(/* @vite-ignore */ name);

function nativeCandidate(pkg: string): BackendCandidate {
  return {
    name: 'tensorflow',
    source: pkg,
    load: async () => {
      try {
        await importOptional(pkg);
      } catch (error) {
        // tfjs-node throws errors without a `code` when its native binding is missing: catch everything.
        const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
        return { ok: false, reason: `not installed or not loadable (${message})` };
      }
      if (!tf.findBackendFactory('tensorflow')) {
        return { ok: false, reason: 'loaded, but registered no backend with this copy of tfjs-core (duplicate tfjs?)' };
      }
      return { ok: true };
    },
  };
}

registerBackendCandidate(nativeCandidate('@tensorflow/tfjs-node-gpu'));
registerBackendCandidate(nativeCandidate('@tensorflow/tfjs-node'));
registerBackendCandidate({
  name: 'wasm',
  source: '@tensorflow/tfjs-backend-wasm',
  load: async () => {
    try {
      await import('@tensorflow/tfjs-backend-wasm');
      installMatMulCacheGuard(); // first: it must see the operands tfjs-wasm's own product gets
      installTransposedMatMul('wasm');
      installNativeMatMul(); // large products on the native kernel, when it is built
      installNativeConv2D(); // convolutions as im2col + the native GEMM (Xception heads)
      installNativeGelu();
      installNativeAdam(); // one fused pass per variable for the optimizer step
      installNativeBatchNorm(); // BatchNormalization forward and gradient (Xception heads)
      installBatchNormTraining(); // and its training calls: batch moments and the whole gradient natively
      installNativeReluGrad();
      installNativeAvgPoolGrad(); // the pooling gradient of the Xception heads, on every core
      installNativeTranspose();
      installNativeSum();
      installNativeLayerProducts();
      installNativeAdapterHead(); // the adapter-<A> span heads' adapter, activation and logits in one op (training)
      installNativeFloat16Upload();
      installConvGradients(); // the convolution gradients tfjs-wasm lacks (Xception heads)
      installNativeDepthwise(); // their depthwise half on the native kernels, when built
      installFastTile();
      installFastSlice();
      installReductionGradients(); // Sum/Mean gradients broadcast dy instead of multiplying by uploaded ones
      installSharedIdentity(); // clones and same-dtype casts share memory, as on cpu and WebGL
      return { ok: true };
    } catch (error) {
      return { ok: false, reason: error instanceof Error ? error.message : String(error) };
    }
  },
  activated: () => void adviseWasmHeapHugePages(), // fewer first-touch page faults as the heap grows
});
