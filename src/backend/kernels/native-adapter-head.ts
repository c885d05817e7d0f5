/**
 * The fused adapter span head (`src/layers/adapter-span-head.ts`: `ADAPTER_HEAD_KERNEL`, `ADAPTER_HEAD_GRADIENTS_KERNEL`)
 * for the WebAssembly backend, on bertvision's native AVX2/FMA kernels (native/src/adapter_head.h; Node only). The
 * gradients run the adapter's kernel gradient on the native GEMM with the layer-axis transpose folded into its
 * packing, as `native-layer-products.ts` does; the opt-in bf16 products turn the fusion off (`setMatMulPrecision`).
 */
import * as tf from '@tensorflow/tfjs';
import { ADAPTER_HEAD_GRADIENTS_KERNEL, ADAPTER_HEAD_KERNEL } from '../../layers/adapter-span-head.js';
import { nativeAddon } from '../../platform/native.js';
import { heapBuffer, heapOffset, type WasmBackend } from '../../platform/wasm-heap.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * Registers the two kernels on the wasm backend. Idempotent; call after the wasm backend's package is imported (the
 * Node entry does it).
 * @returns true when registered (now or before); false where the native kernels are unavailable, lack AVX2/FMA or
 * predate the fused head.
 */
export function installNativeAdapterHead(backendName = 'wasm'): boolean {
  const addon = nativeAddon();
  if (!addon?.capabilities().avx2Fma || !addon.adapterHeadForward || !addon.adapterHeadGradients) return false;
  if (tf.getKernel(ADAPTER_HEAD_KERNEL, backendName)) return true;
  const forward = addon.adapterHeadForward.bind(addon);
  const gradients = addon.adapterHeadGradients.bind(addon);
  tf.registerKernel({
    kernelName: ADAPTER_HEAD_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend }: KernelArgs) => {
      const { z, kernel, bias } = inputs as { z: tf.TensorInfo; kernel: tf.TensorInfo; bias: tf.TensorInfo };
      const [n, L, A] = z.shape as [number, number, number];
      const wasm = backend as unknown as WasmBackend;
      const out = wasm.makeOutput([n, 2], 'float32');
      const at = (info: tf.TensorInfo): number => heapOffset(wasm, info);
      forward(heapBuffer(wasm), at(z), at(kernel), at(bias), at(out), n, L, A);
      return out;
    },
  });
  tf.registerKernel({
    kernelName: ADAPTER_HEAD_GRADIENTS_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend }: KernelArgs) => {
      const { x, z, dOut, kernel } = inputs as Record<'x' | 'z' | 'dOut' | 'kernel', tf.TensorInfo>;
      const [n, L, A] = z.shape as [number, number, number];
      const E = x.shape[x.shape.length - 2]!;
      const wasm = backend as unknown as WasmBackend;
      const dWa = wasm.makeOutput([E, A], 'float32');
      const dba = wasm.makeOutput([A], 'float32');
      const dw = wasm.makeOutput([A * L, 2], 'float32');
      const db = wasm.makeOutput([2], 'float32');
      const at = (info: tf.TensorInfo): number => heapOffset(wasm, info);
      gradients(heapBuffer(wasm), at(x), at(z), at(dOut), at(kernel), at(dWa), at(dba), at(dw), at(db), n, E, L, A);
      return [dWa, dba, dw, db];
    },
  });
  return true;
}
