/**
 * Matrix products with few output columns or a short inner dimension on the native skinny kernels
 * (native/src/skinny_products.h), for the wasm backend in Node.
 *
 * A span head's position-wise Dense(2) over wide features (an adapter's `A·L = 2702` at MiniLM size) is three such
 * products a step: the forward `[3072, 2702] × [2702, 2]` (tfjs' `_FusedMatMul` with its bias, on XNNPACK's one
 * core), the kernel gradient `xᵀ·dy` (`[3072, 2702]ᵀ × [3072, 2]`) and the input gradient `dy·Wᵀ`
 * (`[3072, 2] × [2, 2702]`, inner size 2). All three are memory-bound: the GEMM's 6 × 16 tiles leave most lanes idle
 * and its packing copies the wide operand once more, so these kernels stream it once on every core instead
 * (docs/benchmarks.md, "Kernel choices"). Sums run in a fixed order per shape (not per thread count) and differ from
 * XNNPACK's in the last bits.
 */
import type * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../../platform/native.js';
import { heapBuffer, heapOffset, type WasmBackend } from '../../platform/wasm-heap.js';
import { type ProductShape, productShape } from './product-shape.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Info = tf.TensorInfo;

/** Most output columns of a few-columns product (native/src/skinny_products.h, kSkinnyMaxColumns). */
export const SKINNY_MAX_COLUMNS = 8;
/** Longest inner dimension of a short-inner product (kSkinnyMaxInner). */
export const SKINNY_MAX_INNER = 8;
/** Most output entries of a few-columns product with a transposed left operand (kSkinnyMaxTransposedOutputs). */
export const SKINNY_MAX_TRANSPOSED_OUTPUTS = 2 ** 16;

const counts = { products: 0, withBias: 0 };

/** How many products the skinny kernels have computed in this process, and how many of them added a bias (tests). */
export function skinnyProductCounts(): { products: number; withBias: number } {
  return { ...counts };
}

/** Whether the skinny kernels take `op(a) [m, k] × op(b) [k, n]` (the rule of skinnyProductFits in C++). */
export function skinnyFits(m: number, n: number, k: number, transposeA: boolean): boolean {
  const fewColumns = n <= SKINNY_MAX_COLUMNS && (!transposeA || m * n <= SKINNY_MAX_TRANSPOSED_OUTPUTS);
  return m > 0 && n > 0 && k > 0 && (fewColumns || k <= SKINNY_MAX_INNER);
}

/**
 * `op(a)·op(b)` (+ `bias`, `n` values added to every row) on the skinny kernels, into a new backend tensor of shape
 * `[...outerShape, m, n]`. The caller checks that the shape fits ({@link skinnyFits}), that the batch is simple and
 * that the addon has `skinnyMatmul`.
 */
export function skinnyProduct(
  addon: NativeAddon,
  backend: WasmBackend,
  inputs: { a: Info; b: Info; bias?: Info },
  shape: ProductShape,
  transposeA: boolean,
  transposeB: boolean,
): Info {
  const { a, b, bias } = inputs;
  const { m, n, k, batch, batchA, batchB } = shape;
  const out = backend.makeOutput([...shape.outerShape, m, n], 'float32');
  counts.products++;
  if (bias !== undefined) counts.withBias++;
  addon.skinnyMatmul!(
    heapBuffer(backend),
    heapOffset(backend, a),
    heapOffset(backend, b),
    heapOffset(backend, out),
    batch,
    m,
    n,
    k,
    batchA === 1 ? 0 : m * k,
    batchB === 1 ? 0 : k * n,
    m * n,
    transposeA,
    transposeB,
    bias === undefined ? -1 : heapOffset(backend, bias),
  );
  return out;
}

/**
 * The route of `_FusedMatMul` (a Dense layer's forward product with its bias) through the skinny kernels: taken for
 * float32 products of at least `minMultiplyAdds()` multiply-adds that fit, with no activation (or `'linear'`), no
 * PReLU weights, and a bias of `n` values (shape `[n]` or `[1, …, 1, n]`) or none; undefined (the previous kernel)
 * otherwise.
 * @param onNative called once per product run natively (the product counter of native-matmul.ts)
 */
export function fusedSkinnyRoute(
  addon: NativeAddon,
  minMultiplyAdds: () => number,
  onNative: () => void,
): (args: KernelArgs) => Info | undefined {
  return (args) => {
    if (addon.skinnyMatmul === undefined) return undefined;
    const { a, b, bias, preluActivationWeights } = args.inputs as {
      a: Info;
      b: Info;
      bias?: Info;
      preluActivationWeights?: Info;
    };
    const { transposeA, transposeB, activation } = args.attrs as {
      transposeA: boolean;
      transposeB: boolean;
      activation?: string;
    };
    if (preluActivationWeights !== undefined || (activation !== undefined && activation !== 'linear')) return undefined;
    const shape = productShape(a, b, transposeA, transposeB);
    if (!shape?.simple || shape.batch * shape.m * shape.n * shape.k < minMultiplyAdds()) return undefined;
    if (!skinnyFits(shape.m, shape.n, shape.k, transposeA)) return undefined;
    if (bias !== undefined && !isRowBias(bias, shape.n)) return undefined;
    onNative();
    return skinnyProduct(addon, args.backend as unknown as WasmBackend, { a, b, bias }, shape, transposeA, transposeB);
  };
}

/** Whether `bias` is `n` float32 values added to every row alike (`[n]`, `[1, n]`, …). */
function isRowBias(bias: Info, n: number): boolean {
  const shape = bias.shape;
  return bias.dtype === 'float32' && shape.at(-1) === n && shape.slice(0, -1).every((d) => d === 1);
}
