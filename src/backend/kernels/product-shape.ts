/**
 * The geometry of a (batched) matrix product as tfjs' `BatchMatMul` and `_FusedMatMul` define it: `op(a)·op(b)` over
 * broadcast batch axes. Shared by the native product routes (native-matmul.ts, native-skinny-matmul.ts).
 */
import type * as tf from '@tensorflow/tfjs';

/** Sizes of `op(a) [.., m, k] × op(b) [.., k, n]` and of its batch. */
export interface ProductShape {
  m: number;
  n: number;
  k: number;
  /** Broadcast batch shape of the output (`[...outerShape, m, n]`). */
  outerShape: number[];
  /** Entries of the output's batch, and of each operand's own batch (1 = shared by every entry). */
  batch: number;
  batchA: number;
  batchB: number;
  /** Whether the batches match or one operand is shared (else they broadcast both ways, `[2,1,…] × [1,3,…]`). */
  simple: boolean;
}

const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/** Broadcast of two batch shapes (tfjs semantics), or undefined when they do not broadcast. */
function broadcastBatch(a: readonly number[], b: readonly number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(Math.max(x, y));
  }
  return out;
}

/**
 * The shape of `op(a)·op(b)`, or undefined for anything the native kernels leave to tfjs (not float32, rank < 2, an
 * empty side, inner sizes or batches that do not match: the original kernel reports those).
 */
export function productShape(
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): ProductShape | undefined {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return undefined;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  if ((transposeB ? b.shape[rb - 1] : b.shape[rb - 2]) !== k) return undefined;
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const outerShape = broadcastBatch(outerA, outerB);
  if (!outerShape || m === 0 || n === 0 || k === 0) return undefined;
  const batchA = product(outerA);
  const batchB = product(outerB);
  const batch = product(outerShape);
  return { m, n, k, outerShape, batch, batchA, batchB, simple: batchA === batchB || batchA === 1 || batchB === 1 };
}
