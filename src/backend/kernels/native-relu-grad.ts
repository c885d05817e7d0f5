/**
 * The ReLU gradient as one native pass on the WebAssembly backend (Node with the addon): `dx = dy · step(x)`, which
 * tfjs-core computes as `Step`, a cast and a `Multiply`, two passes over an array as large as the activations (the
 * Xception heads apply ReLU after nearly every convolution). tfjs' gradient config keeps its place, with its function
 * replaced: the native kernel where the backend registers {@link RELU_GRAD_KERNEL} and the tensors are float32, tfjs'
 * own function everywhere else. Bit-identical to tfjs' (test/backend/native-relu-grad.test.ts, NaN and ±0 included).
 */
import * as tf from '@tensorflow/tfjs';
import { nativeAddon } from '../../platform/native.js';
import { heapBuffer, heapOffset, type WasmBackend } from '../../platform/wasm-heap.js';
import { replaceGradient } from './gradient-override.js';

/** Inputs `{ x, dy }` (float32, one shape); output `dx`. */
export const RELU_GRAD_KERNEL = 'BertvisionReluGrad';

const MARK = Symbol.for('bertvision.nativeReluGrad');

type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * Registers {@link RELU_GRAD_KERNEL} on the wasm backend and the ReLU gradient that uses it. Idempotent; call after the
 * wasm backend's package is imported (the Node entry does it).
 * @returns true when installed (now or before); false where the native kernels are unavailable or predate it.
 */
export function installNativeReluGrad(backendName = 'wasm'): boolean {
  const addon = nativeAddon();
  const reluGrad = addon?.reluGrad?.bind(addon);
  if (!reluGrad) return false;
  if (!tf.getKernel(RELU_GRAD_KERNEL, backendName)) {
    tf.registerKernel({
      kernelName: RELU_GRAD_KERNEL,
      backendName,
      kernelFunc: ({ inputs, backend }: KernelArgs) => {
        const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
        const wasm = backend as unknown as WasmBackend;
        const dx = wasm.makeOutput([...x.shape], 'float32');
        const count = tf.util.sizeFromShape(x.shape);
        reluGrad(heapBuffer(wasm), heapOffset(wasm, x), heapOffset(wasm, dy), heapOffset(wasm, dx), count);
        return dx;
      },
    });
  }
  replaceGradient('Relu', MARK, (original) => (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    const d = dy as tf.Tensor;
    const native =
      tf.getKernel(RELU_GRAD_KERNEL, tf.getBackend()) !== undefined &&
      x.dtype === 'float32' &&
      d.dtype === 'float32' &&
      tf.util.arraysEqual(x.shape, d.shape);
    if (!native) return original.gradFunc(dy, saved, attrs);
    return { x: () => tf.engine().runKernel(RELU_GRAD_KERNEL, { x, dy: d }) as tf.Tensor };
  });
  return true;
}
