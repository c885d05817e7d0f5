/**
 * The fused tanh-GELU kernels (`GELU_TANH_KERNEL`, `GELU_TANH_GRAD_KERNEL`) for the WebAssembly backend, on
 * bertvision's native AVX2/FMA code (Node only). On the AdapterPooler's output (`[n·L, A]`, 15 M values per span
 * batch of 4 at BERT-large size) they replace about ten elementwise wasm kernels each way with one pass on every
 * core, working in place on the wasm heap. The transposed pair (`GELU_TANH_TRANSPOSED_KERNEL`) also moves the layer
 * axis on the way, which the AdapterPooler otherwise does with a transpose of the whole output each way (about 160 ms
 * of a BERT-large adapter-386 step at batch 8, bench/profile-step.ts).
 */
import * as tf from '@tensorflow/tfjs';
import {
  GELU_TANH_GRAD_KERNEL,
  GELU_TANH_KERNEL,
  GELU_TANH_TRANSPOSED_GRAD_KERNEL,
  GELU_TANH_TRANSPOSED_KERNEL,
} from '../../layers/activations.js';
import { type NativeAddon, nativeAddon } from '../../platform/native.js';
import { heapBuffer, heapOffset, type WasmBackend } from '../../platform/wasm-heap.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * Registers the fused GELU kernels on the wasm backend. Idempotent; call after the wasm backend's package is imported
 * (the Node entry does it).
 * @returns true when registered (now or before); false where the native kernels are unavailable or lack AVX2/FMA.
 */
export function installNativeGelu(backendName = 'wasm'): boolean {
  const addon = nativeAddon();
  if (!addon?.capabilities().avx2Fma) return false;
  if (tf.getKernel(GELU_TANH_KERNEL, backendName)) return true;
  const size = (info: tf.TensorInfo): number => info.shape.reduce((a, b) => a * b, 1);
  tf.registerKernel({
    kernelName: GELU_TANH_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend }: KernelArgs) => {
      const { x } = inputs as { x: tf.TensorInfo };
      const wasm = backend as unknown as WasmBackend;
      const out = wasm.makeOutput([...x.shape], 'float32');
      addon.geluTanh(heapBuffer(wasm), heapOffset(wasm, x), heapOffset(wasm, out), size(x));
      return out;
    },
  });
  tf.registerKernel({
    kernelName: GELU_TANH_GRAD_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend }: KernelArgs) => {
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const wasm = backend as unknown as WasmBackend;
      const out = wasm.makeOutput([...x.shape], 'float32');
      addon.geluTanhGrad(heapBuffer(wasm), heapOffset(wasm, x), heapOffset(wasm, dy), heapOffset(wasm, out), size(x));
      return out;
    },
  });
  installTransposedGelu(addon, backendName);
  return true;
}

/** `[..., R, C]` as `count` values in `[rows = R, cols = C]` blocks. */
function blocksOf(info: tf.TensorInfo): { count: number; rows: number; cols: number } {
  const r = info.shape.length;
  return { count: info.shape.reduce((a, b) => a * b, 1), rows: info.shape[r - 2]!, cols: info.shape[r - 1]! };
}

function installTransposedGelu(addon: NativeAddon, backendName: string): void {
  const { geluTanhTransposed, geluTanhTransposedGrad } = addon;
  if (!geluTanhTransposed || !geluTanhTransposedGrad || tf.getKernel(GELU_TANH_TRANSPOSED_KERNEL, backendName)) return;
  tf.registerKernel({
    kernelName: GELU_TANH_TRANSPOSED_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend }: KernelArgs) => {
      const { x } = inputs as { x: tf.TensorInfo };
      const wasm = backend as unknown as WasmBackend;
      const { count, rows, cols } = blocksOf(x);
      const out = wasm.makeOutput([...x.shape.slice(0, -2), cols, rows], 'float32');
      if (count > 0)
        geluTanhTransposed(heapBuffer(wasm), heapOffset(wasm, x), heapOffset(wasm, out), count, rows, cols);
      return out;
    },
  });
  tf.registerKernel({
    kernelName: GELU_TANH_TRANSPOSED_GRAD_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend }: KernelArgs) => {
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const wasm = backend as unknown as WasmBackend;
      const { count, rows, cols } = blocksOf(x);
      const out = wasm.makeOutput([...x.shape], 'float32');
      const at = (info: tf.TensorInfo): number => heapOffset(wasm, info);
      if (count > 0) geluTanhTransposedGrad(heapBuffer(wasm), at(x), at(dy), at(out), count, rows, cols);
      return out;
    },
  });
}
