/**
 * The fused Adam step ({@link ADAM_UPDATE_KERNEL}) for the WebAssembly backend, on bertvision's native AVX code
 * (Node only): one pass over the variable, its gradient and both moments, on every core.
 */
import * as tf from '@tensorflow/tfjs';
import { nativeAddon } from '../../platform/native.js';
import { heapBuffer, heapOffset, type WasmBackend } from '../../platform/wasm-heap.js';
import { ADAM_UPDATE_KERNEL, type AdamUpdateAttrs } from './adam-update.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * Registers the fused Adam step on the wasm backend. Idempotent; call after the wasm backend's package is imported
 * (the Node entry does it).
 * @returns true when registered (now or before); false where the native kernels are unavailable, lack AVX2/FMA or
 * predate the kernel.
 */
export function installNativeAdam(backendName = 'wasm'): boolean {
  const addon = nativeAddon();
  const adamUpdate = addon?.adamUpdate?.bind(addon);
  if (!adamUpdate || !addon?.capabilities().avx2Fma) return false;
  if (tf.getKernel(ADAM_UPDATE_KERNEL, backendName)) return true;
  const coefficients = new Float32Array(8);
  tf.registerKernel({
    kernelName: ADAM_UPDATE_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }: KernelArgs) => {
      const { w, g, m, v } = inputs as Record<'w' | 'g' | 'm' | 'v', tf.TensorInfo>;
      const a = attrs as unknown as AdamUpdateAttrs;
      const wasm = backend as unknown as WasmBackend;
      const shape = [...w.shape];
      const outputs = [
        wasm.makeOutput(shape, 'float32'),
        wasm.makeOutput(shape, 'float32'),
        wasm.makeOutput(shape, 'float32'),
      ];
      coefficients.set([
        a.beta1,
        a.oneMinusBeta1,
        a.beta2,
        a.oneMinusBeta2,
        a.oneMinusAccBeta1,
        a.oneMinusAccBeta2,
        a.epsilon,
        a.negativeLearningRate,
      ]);
      const [wOut, mOut, vOut] = outputs.map((o) => heapOffset(wasm, o)) as [number, number, number];
      const count = tf.util.sizeFromShape(shape);
      const at = (info: tf.TensorInfo): number => heapOffset(wasm, info);
      adamUpdate(heapBuffer(wasm), at(w), at(g), at(m), at(v), wOut, mOut, vOut, count, coefficients);
      return outputs;
    },
  });
  return true;
}
