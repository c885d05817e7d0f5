/**
 * The shared AdapterPooler projection's two products (`LAYER_ROWS_MATMUL_KERNEL`, `LAYER_COLUMNS_MATMUL_KERNEL`), and
 * its fused tanh-GELU forward and weight gradients (`projection-gelu.ts`), for
 * the WebAssembly backend, on bertvision's native AVX2/FMA GEMM with the layer-axis transpose folded into its packing
 * (Node only).
 *
 * A layer-last batch `x [n, E, L]` is the stored matrix `[E, n·L]` whose columns come in groups of L (`native/src/
 * gemm.h`, GroupedColumns): the forward product reads it as rows `[n·L, E]`, the kernel gradient as columns, both in
 * place, instead of two explicit transposes of the whole batch per step. The forward product takes the projection's
 * bias too, added as the GEMM writes its first depth block (no separate pass over `[n·L, A]`). With the opt-in bf16 products
 * (`setMatMulPrecision('bf16')`) the batch is transposed natively and multiplied on the bf16 kernel instead (it has no
 * grouped packing).
 */
import * as tf from '@tensorflow/tfjs';
import { LAYER_COLUMNS_MATMUL_KERNEL, LAYER_ROWS_MATMUL_KERNEL } from '../../layers/projection.js';
import {
  ADAPTER_GELU_GRADIENTS_KERNEL,
  GELU_TANH_TRANSPOSED_WITH_DERIVATIVE_KERNEL,
} from '../../layers/projection-gelu.js';
import { type NativeAddon, nativeAddon } from '../../platform/native.js';
import { matMulPrecision } from './native-matmul.js';
import { heapBuffer, heapOffset, type WasmBackend } from '../../platform/wasm-heap.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** `[n, E, L]` of a layer-last input `[...lead, E, L]`. */
function layout(x: tf.TensorInfo): { n: number; E: number; L: number } {
  const r = x.shape.length;
  return { n: x.shape.slice(0, -2).reduce((a, b) => a * b, 1), E: x.shape[r - 2]!, L: x.shape[r - 1]! };
}

/**
 * `C = P·B` on the bf16 kernel, where P is `x` permuted by the native block transpose `[a, b, c, d]` (the grouped
 * operand made plain): `[m, k]` row-major.
 */
function bf16Product(
  addon: NativeAddon,
  wasm: WasmBackend,
  x: tf.TensorInfo,
  form: [number, number, number, number],
  b: tf.TensorInfo,
  out: tf.TensorInfo,
  m: number,
  n: number,
  k: number,
): void {
  const plain = wasm.makeOutput([m, k], 'float32');
  const heap = heapBuffer(wasm);
  const at = (info: tf.TensorInfo): number => heapOffset(wasm, info);
  addon.transpose(heap, at(x), at(plain), ...form);
  addon.matmulBf16!(heap, at(plain), at(b), at(out), 1, m, n, k, 0, 0, 0, false, false);
  wasm.disposeData(plain.dataId);
}

/** `rows + bias` by the backend's own Add (the bf16 path, whose kernel has no bias epilogue); frees `rows`. */
function addBias(wasm: WasmBackend, rows: tf.TensorInfo, bias: tf.TensorInfo): tf.TensorInfo {
  const add = tf.getKernel('Add', tf.getBackend())!;
  const sum = add.kernelFunc({ inputs: { a: rows, b: bias }, backend: wasm as unknown as tf.KernelBackend, attrs: {} });
  wasm.disposeData(rows.dataId);
  return sum as tf.TensorInfo;
}

/**
 * The fused tanh-GELU adapter's two kernels: the activation with its derivative
 * (`GELU_TANH_TRANSPOSED_WITH_DERIVATIVE_KERNEL`, one tanh for both) and the weight gradients
 * (`ADAPTER_GELU_GRADIENTS_KERNEL`: one native product that forms the pre-activation gradient as it packs it and sums
 * the bias gradient on the way). Under bf16 products the pre-activation gradient is written out (the bf16 kernel packs
 * plain operands), multiplied on the bf16 kernel and summed by the native column sums.
 */
function installAdapterGeluGradients(addon: NativeAddon, backendName: string): void {
  const { adapterGeluGradients, geluTanhTransposedWithDerivative } = addon;
  if (!adapterGeluGradients || !geluTanhTransposedWithDerivative) return;
  tf.registerKernel({
    kernelName: GELU_TANH_TRANSPOSED_WITH_DERIVATIVE_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend }: KernelArgs) => {
      const { x } = inputs as { x: tf.TensorInfo };
      const wasm = backend as unknown as WasmBackend;
      const r = x.shape.length;
      const [rows, cols] = [x.shape[r - 2]!, x.shape[r - 1]!];
      const count = x.shape.reduce((a, b) => a * b, 1);
      const y = wasm.makeOutput([...x.shape.slice(0, -2), cols, rows], 'float32');
      const g = wasm.makeOutput([...x.shape], 'float32');
      const at = (info: tf.TensorInfo): number => heapOffset(wasm, info);
      if (count > 0) geluTanhTransposedWithDerivative(heapBuffer(wasm), at(x), at(y), at(g), count, rows, cols);
      return [y, g];
    },
  });
  tf.registerKernel({
    kernelName: ADAPTER_GELU_GRADIENTS_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend }: KernelArgs) => {
      const { x, g, dy } = inputs as { x: tf.TensorInfo; g: tf.TensorInfo; dy: tf.TensorInfo };
      const { n, E, L } = layout(x);
      const A = g.shape[g.shape.length - 1]!;
      const wasm = backend as unknown as WasmBackend;
      const at = (info: tf.TensorInfo): number => heapOffset(wasm, info);
      const dW = wasm.makeOutput([E, A], 'float32');
      const db = wasm.makeOutput([A], 'float32');
      if (matMulPrecision() !== 'bf16') {
        adapterGeluGradients(heapBuffer(wasm), at(x), at(g), at(dy), at(dW), at(db), n, E, L, A);
        return [dW, db];
      }
      // dz = dy with its last two axes swapped, times g
      const dz = wasm.makeOutput([...g.shape], 'float32');
      addon.transpose(heapBuffer(wasm), at(dy), at(dz), n, A, L, 1);
      const multiply = tf.getKernel('Multiply', backendName)!;
      const product = multiply.kernelFunc({
        inputs: { a: dz, b: g },
        backend: wasm as unknown as tf.KernelBackend,
        attrs: {},
      }) as tf.TensorInfo;
      wasm.disposeData(dz.dataId);
      bf16Product(addon, wasm, x, [1, n, E, L], product, dW, E, A, n * L);
      addon.columnSums(heapBuffer(wasm), at(product), at(db), n * L, A);
      wasm.disposeData(product.dataId);
      return [dW, db];
    },
  });
}

/**
 * Registers the kernels on the wasm backend. Idempotent; call after the wasm backend's package is imported (the
 * Node entry does it).
 * @returns true when registered (now or before); false where the native kernels are unavailable or lack AVX2/FMA.
 */
export function installNativeLayerProducts(backendName = 'wasm'): boolean {
  const addon = nativeAddon();
  if (!addon?.capabilities().avx2Fma) return false;
  if (tf.getKernel(LAYER_ROWS_MATMUL_KERNEL, backendName)) return true;
  tf.registerKernel({
    kernelName: LAYER_ROWS_MATMUL_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend }: KernelArgs) => {
      const { x, kernel, bias } = inputs as { x: tf.TensorInfo; kernel: tf.TensorInfo; bias?: tf.TensorInfo };
      const { n, E, L } = layout(x);
      const A = kernel.shape[1]!;
      const wasm = backend as unknown as WasmBackend;
      const out = wasm.makeOutput([n * L, A], 'float32');
      if (matMulPrecision() === 'bf16') {
        bf16Product(addon, wasm, x, [n, E, L, 1], kernel, out, n * L, A, E);
        return bias === undefined ? out : addBias(wasm, out, bias);
      }
      const at = (info: tf.TensorInfo): number => heapOffset(wasm, info);
      const biasAt = bias === undefined ? -1 : at(bias);
      addon.groupedMatmul(heapBuffer(wasm), at(x), at(kernel), at(out), n * L, A, E, L, L, E * L, true, false, biasAt);
      return out;
    },
  });
  tf.registerKernel({
    kernelName: LAYER_COLUMNS_MATMUL_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend }: KernelArgs) => {
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const { n, E, L } = layout(x);
      const A = dy.shape[1]!;
      const wasm = backend as unknown as WasmBackend;
      const out = wasm.makeOutput([E, A], 'float32');
      if (matMulPrecision() === 'bf16') {
        bf16Product(addon, wasm, x, [1, n, E, L], dy, out, E, A, n * L);
        return out;
      }
      const at = (info: tf.TensorInfo): number => heapOffset(wasm, info);
      addon.groupedMatmul(heapBuffer(wasm), at(x), at(dy), at(out), E, A, n * L, L, L, E * L, false, false, -1);
      return out;
    },
  });
  installAdapterGeluGradients(addon, backendName);
  return true;
}
