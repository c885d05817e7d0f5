/**
 * The average-pooling gradient on bertvision's native kernels for the WebAssembly backend (Node with the addon):
 * tfjs-wasm's `AvgPoolGrad` runs scalar loops on one core, and the Xception heads pool after every block of their entry
 * and exit flows (about 85 ms of a 1.3 s full-Xception step at batch 64 on `[1, 384, 7]`, bench/profile-step.ts). The
 * native pass gathers each input pixel's windows over the channels, on every core, with tfjs' divisor (the window
 * size, padding counted) and its order of summation. Float32 NHWC inputs only; anything else keeps tfjs-wasm's
 * kernel. Guarded by test/backend/native-avg-pool-grad.test.ts (tfjs-wasm's own kernel and the cpu backend's).
 */
import * as tf from '@tensorflow/tfjs';
import { nativeAddon } from '../../platform/native.js';
import { heapBuffer, heapOffset, type WasmBackend } from '../../platform/wasm-heap.js';
import { wrapKernel } from './wrap-kernel.js';

const MARK = Symbol.for('bertvision.nativeAvgPoolGrad');

interface AvgPoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * Routes the wasm backend's `AvgPoolGrad` through the native pass where it applies. Idempotent; call after the wasm
 * backend's package is imported (the Node entry does it).
 * @returns true when the kernel now runs through it (now or before); false where the native kernels are unavailable.
 */
export function installNativeAvgPoolGrad(backendName = 'wasm'): boolean {
  const addon = nativeAddon();
  const gradient = addon?.avgPoolGrad?.bind(addon);
  if (!gradient) return false;
  const outcome = wrapKernel('AvgPoolGrad', backendName, MARK, ({ inputs, backend, attrs }) => {
    const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    if (dy.dtype !== 'float32' || input.dtype !== 'float32' || input.shape.length !== 4 || dy.shape.length !== 4) {
      return undefined;
    }
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as AvgPoolGradAttrs;
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      filterSize,
      strides,
      1,
      pad,
      dimRoundingMode,
    );
    const { top, left } = info.padInfo;
    if (top >= info.filterHeight || left >= info.filterWidth || !tf.util.arraysEqual(dy.shape, info.outShape)) {
      return undefined;
    }
    const wasm = backend as unknown as WasmBackend;
    const dx = wasm.makeOutput([...input.shape], 'float32');
    gradient(
      heapBuffer(wasm),
      heapOffset(wasm, dy),
      heapOffset(wasm, dx),
      info.batchSize,
      info.inHeight,
      info.inWidth,
      info.inChannels,
      info.outHeight,
      info.outWidth,
      info.filterHeight,
      info.filterWidth,
      info.strideHeight,
      info.strideWidth,
      top,
      left,
    );
    return dx;
  });
  return outcome !== 'absent';
}
