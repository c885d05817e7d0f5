/**
 * A faster `BatchMatMul` for transposed operands on the WebAssembly backend.
 *
 * tfjs-backend-wasm 4.22 hands `matMul(a, b, transposeA, transposeB)` to XNNPACK only when neither operand is
 * transposed; the transposed cases run a naive loop. Every backward pass hits them: a Dense layer's kernel gradient
 * is `xᵀ·dy` and its input gradient `dy·Wᵀ` (the measurements are in docs/benchmarks.md, "Kernel choices"). Guarded
 * by test/backend/transposed-matmul.test.ts (same results as the cpu backend, gradients included). This wraps the
 * backend's kernel: a transposed operand of at most
 * {@link TRANSPOSE_LIMIT} elements whose side of the output has at least {@link MIN_OUTPUT_DIM} entries is transposed
 * explicitly (one memory pass) and the product runs on the fast path; the other cases keep the original path.
 * Results are the same products; gradients are unaffected (they are defined on the op, not the kernel).
 */
import * as tf from '@tensorflow/tfjs';
import { wrapKernel } from './wrap-kernel.js';

/** Largest operand (elements) transposed explicitly: 8 Mi floats = 32 MiB. */
export const TRANSPOSE_LIMIT = 8 * 2 ** 20;

/**
 * Fewest output rows (transposed `a`) or columns (transposed `b`) for which the explicit transpose pays: the naive
 * path is slow for wide outputs (a Dense gradient, 1024 rows) but fine for a layer mix's `Xᵀ·dy` (25 rows, one column),
 * which a transpose of the whole activation batch would only slow down (docs/benchmarks.md, "Kernel choices").
 */
export const MIN_OUTPUT_DIM = 64;

const MARK = Symbol.for('bertvision.transposedMatMul');

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Info = tf.TensorInfo;

function size(info: Info): number {
  return info.shape.reduce((a, b) => a * b, 1);
}

/**
 * Install the wrapper on `backendName` (default `'wasm'`). Idempotent. Call after the backend's package is imported
 * (the Node entry does it for wasm).
 * @returns true when installed now or before; false when the backend has no BatchMatMul/Transpose kernel.
 */
export function installTransposedMatMul(backendName = 'wasm'): boolean {
  const transpose = tf.getKernel('Transpose', backendName);
  if (!transpose) return false;
  const swapLastTwo = (x: Info, backend: KernelArgs['backend']): Info => {
    const perm = x.shape.map((_, i) => i);
    const r = perm.length;
    [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
    return transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm } }) as Info;
  };
  const outcome = wrapKernel('BatchMatMul', backendName, MARK, (args, original) => {
    const { a, b } = args.inputs as { a: Info; b: Info };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const swapA =
      transposeA &&
      a.dtype === 'float32' &&
      a.shape[a.shape.length - 1]! >= MIN_OUTPUT_DIM &&
      size(a) <= TRANSPOSE_LIMIT;
    const swapB =
      transposeB &&
      b.dtype === 'float32' &&
      b.shape[b.shape.length - 2]! >= MIN_OUTPUT_DIM &&
      size(b) <= TRANSPOSE_LIMIT;
    if (!swapA && !swapB) return undefined;
    const temps: Info[] = [];
    const use = (x: Info, swap: boolean): Info => {
      if (!swap) return x;
      const t = swapLastTwo(x, args.backend);
      temps.push(t);
      return t;
    };
    try {
      return original.kernelFunc({
        ...args,
        inputs: { a: use(a, swapA), b: use(b, swapB) },
        attrs: { ...args.attrs, transposeA: transposeA && !swapA, transposeB: transposeB && !swapB },
      });
    } finally {
      for (const t of temps) (args.backend as unknown as { disposeData(id: object): void }).disposeData(t.dataId);
    }
  });
  return outcome !== 'absent';
}
