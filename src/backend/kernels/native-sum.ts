/**
 * The WebAssembly backend's `Sum` and `Mean` over leading or middle axes on bertvision's native column sums (Node
 * only).
 *
 * tfjs-backend-wasm sums over a leading axis by transposing the input first, on one core: a bias gradient (the sum of
 * `dy [21504, 64]` over its rows) took 9 ms of an adapter-64 step (bench/profile-step.ts). Sums over every axis but the
 * trailing ones (`[R, C]` → `[C]`, axes of size 1 aside), or over a block of middle axes (`[B, R, C]` → `[B, C]`: the
 * unshared adapters' per-layer bias gradient `[7, 3072, 386]`, 76 ms in tfjs-wasm), of float32 tensors of at least 2^15
 * values go native; the rest keep the previous kernel. The order of the additions differs from tfjs', so results differ
 * in the last bits. `Mean` is the same sums scaled by `1 / rows`: BatchNormalization's batch moments over `[B, H, W]`
 * (142 ms of the 6.4 s of a full Xception step at batch 64, for one `[64, 1, 16, 728]` shape) are such means.
 */
import * as tf from '@tensorflow/tfjs';
import { nativeAddon, type NativeAddon } from '../../platform/native.js';
import { heapBuffer, heapOffset, type WasmBackend } from '../../platform/wasm-heap.js';
import { wrapKernel } from './wrap-kernel.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];

const MARK = Symbol.for('bertvision.nativeSum');
/** Smallest input (elements) sent native. */
const MIN_ELEMENTS = 1 << 15;
let calls = 0;

/** How many sums the native kernel has done in this process (diagnostics and tests). */
export function nativeSumCalls(): number {
  return calls;
}

/** The most batches of a reduction over middle axes sent native (one native call each). */
const MAX_BATCHES = 256;

/**
 * The `batches` stacked `[rows, columns]` matrices (and the reduced axes) a reduction of `shape` over `axis` sums the
 * rows of, when it is one: the reduced axes of more than one entry are consecutive among the axes of more than one
 * entry (axes of size 1 go either way, so `[64, 1, 16, 728]` over `[0, 2]` is one matrix of 1024 rows of 728, and the
 * per-layer bias gradient `[7, 3072, 386]` over axis 1 is 7 matrices of 3072 rows of 386). Undefined otherwise, when
 * nothing or everything is reduced, and for sums over trailing axes after kept ones (`[B, R]` → `[B]`: tfjs' kernel
 * reduces those without a transpose).
 */
export function columnReduction(
  shape: readonly number[],
  axis: number | number[] | null,
): { batches: number; rows: number; columns: number; reduced: ReadonlySet<number> } | undefined {
  if (axis === null || axis === undefined) return undefined; // every axis: tfjs' kernel
  const rank = shape.length;
  const reduced = new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)));
  if (reduced.size === 0 || reduced.size >= rank) return undefined;
  let batches = 1;
  let rows = 1;
  let columns = 1;
  for (let a = 0; a < rank; a++) {
    const size = shape[a]!;
    if (reduced.has(a)) {
      if (size > 1 && columns > 1) return undefined;
      rows *= size;
    } else if (rows > 1) {
      columns *= size;
    } else {
      batches *= size;
    }
  }
  if (rows === 1) {
    // only size-1 axes are reduced: the kept axes are all columns of one matrix
    columns *= batches;
    batches = 1;
  }
  if (batches > 1 && columns === 1) return undefined;
  return { batches, rows, columns, reduced };
}

function nativeSum(addon: NativeAddon, args: KernelArgs, mean: boolean): tf.TensorInfo | undefined {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { axis, keepDims } = args.attrs as unknown as { axis: number | number[] | null; keepDims: boolean };
  if (x.dtype !== 'float32') return undefined;
  const count = x.shape.reduce((a, b) => a * b, 1);
  const matrix = columnReduction(x.shape, axis);
  if (matrix === undefined || count < MIN_ELEMENTS || matrix.batches > MAX_BATCHES) return undefined;
  const { batches, rows, columns, reduced } = matrix;
  const outShape = keepDims
    ? x.shape.map((size, a) => (reduced.has(a) ? 1 : size))
    : x.shape.filter((_size, a) => !reduced.has(a));
  const backend = args.backend as unknown as WasmBackend;
  const out = backend.makeOutput(outShape, 'float32');
  calls++;
  const heap = heapBuffer(backend);
  const from = heapOffset(backend, x);
  const to = heapOffset(backend, out);
  for (let b = 0; b < batches; b++) {
    addon.columnSums(heap, from + 4 * b * rows * columns, to + 4 * b * columns, rows, columns);
  }
  if (mean) {
    const sums = new Float32Array(heap, to, batches * columns);
    for (let c = 0; c < sums.length; c++) sums[c] = sums[c]! / rows;
  }
  return out;
}

/**
 * Routes the wasm backend's large sums and means over leading axes to the native kernel. Idempotent; call after the
 * wasm backend's package is imported (the Node entry does it).
 * @returns true when installed (now or before); false when the addon is unavailable or the backend has no Sum.
 */
export function installNativeSum(backendName = 'wasm'): boolean {
  const addon = nativeAddon();
  if (!addon) return false;
  if (!tf.getKernel('Sum', backendName)) return false;
  for (const kernelName of ['Sum', 'Mean']) {
    const mean = kernelName === 'Mean';
    wrapKernel(kernelName, backendName, MARK, (args) => nativeSum(addon, args, mean));
  }
  return true;
}
