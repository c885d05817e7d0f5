/**
 * A guard for a cache in tfjs-backend-wasm 4.22's matrix product: on its XNNPACK path (no transposes, batch 1) it
 * packs the right operand once and caches the packed form under the operand's data id, the bias id and the
 * activation, not under its shape (`OperatorCacheKey = {b_id, bias_id, clamp_method}` in
 * tfjs-backend-wasm/src/cc/batch_mat_mul_impl.cc). The same data seen again as `[K, N]` of another shape (a reshape,
 * or a clone, which shares data the way the cpu and WebGL backends do: src/backend/kernels/shared-identity.ts) then
 * silently reuses the old packing and gives a wrong product. This wrapper remembers the `[K, N]` each right operand was
 * first used with and, for a use under another shape, hands the kernel a copy with its own id (freed after the call,
 * which also frees its cache entry). Guarded by test/backend/matmul-cache-guard.test.ts (the cpu backend's products).
 */
import type * as tf from '@tensorflow/tfjs';
import { heapBuffer, heapOffset, type WasmBackend } from '../../platform/wasm-heap.js';
import { wrapKernel } from './wrap-kernel.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Info = tf.TensorInfo;

const MARK = Symbol.for('bertvision.matMulCacheGuard');

/** The `[K, N]` each right operand's data was first packed as (keys are data ids, so disposed data drops out). */
const packedShapes = new WeakMap<object, string>();

const leading = (shape: readonly number[]): number => shape.slice(0, -2).reduce((p, d) => p * d, 1);

/** A copy of `b` under a fresh data id, or undefined when `b` may go to the kernel as it is. */
function freshCopy(args: KernelArgs): Info | undefined {
  const { a, b } = args.inputs as { a: Info; b: Info };
  const { transposeA, transposeB } = args.attrs as { transposeA?: boolean; transposeB?: boolean };
  if (transposeA || transposeB || b.dtype !== 'float32' || leading(a.shape) !== 1 || leading(b.shape) !== 1) {
    return undefined; // not the cached XNNPACK path
  }
  const shape = `${b.shape.at(-2)}x${b.shape.at(-1)}`;
  const first = packedShapes.get(b.dataId);
  if (first === undefined) packedShapes.set(b.dataId, shape);
  if (first === undefined || first === shape) return undefined;
  const wasm = args.backend as unknown as WasmBackend;
  const copy = wasm.makeOutput([...b.shape], 'float32');
  const heap = new Uint8Array(heapBuffer(wasm));
  const from = heapOffset(wasm, b);
  heap.copyWithin(heapOffset(wasm, copy), from, from + 4 * b.shape.reduce((p, d) => p * d, 1));
  return copy;
}

/**
 * Wraps the wasm backend's `BatchMatMul` and `_FusedMatMul` so that no right operand reaches the packed-operand cache
 * under a second shape. Idempotent; call right after the wasm backend's package is imported, before any other
 * wrapper of these kernels (so it sees the operands the XNNPACK kernel gets).
 * @returns the kernels wrapped (now or before).
 */
export function installMatMulCacheGuard(backendName = 'wasm'): string[] {
  const wrapped: string[] = [];
  for (const kernelName of ['BatchMatMul', '_FusedMatMul']) {
    const outcome = wrapKernel(kernelName, backendName, MARK, (args, previous) => {
      const copy = freshCopy(args);
      if (copy === undefined) return undefined;
      try {
        return previous.kernelFunc({ ...args, inputs: { ...args.inputs, b: copy } });
      } finally {
        (args.backend as unknown as WasmBackend).disposeData(copy.dataId);
      }
    });
    if (outcome !== 'absent') wrapped.push(kernelName);
  }
  return wrapped;
}
