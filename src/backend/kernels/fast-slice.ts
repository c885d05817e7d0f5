/**
 * The WebAssembly backend's `Slice` and `SplitV` by runs of contiguous copies. tfjs-wasm 4.22 slices a `[8, 384, 384,
 * 7]` batch to its last layer (`x[..., -1:]`, the "-skip" heads' CLS skip) in 110 ms, most of a 210 ms adapter-64-skip
 * step (bench/profile-step.ts). Here the slice is reduced to runs: everything inside the innermost partly kept axis is
 * one contiguous run per output position, copied with `copyWithin` when long and element by element when short. The
 * same values, bit for bit. 4-byte dtypes (float32, int32); others keep the previous kernel. Runs in Node and in
 * browsers (no native code).
 */
import * as tf from '@tensorflow/tfjs';
import type { WasmBackend } from '../../platform/wasm-heap.js';
import { wrapKernel } from './wrap-kernel.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];

const MARK = Symbol.for('bertvision.fastSlice');
/** Runs at least this long are copied with copyWithin (a memmove); shorter ones element by element. */
const LONG_RUN = 32;

/** `x[start : start + extent]` as a new tensor of the backend, by run copies (x: 4-byte dtype, rank ≥ 1). */
function copySlice(backend: WasmBackend, x: tf.TensorInfo, start: number[], extent: number[]): tf.TensorInfo {
  const shape = x.shape;
  const rank = shape.length;
  const out = backend.makeOutput(extent, x.dtype);
  if (extent.some((d) => d === 0)) return out;
  const heap = new Int32Array(backend.wasm.HEAPU8.buffer);
  const src = backend.dataIdMap.get(x.dataId).memoryOffset / 4;
  let dst = backend.dataIdMap.get(out.dataId).memoryOffset / 4;
  // the innermost axis that is not kept whole: the axes inside it form one contiguous run per output position
  let partial = rank - 1;
  while (partial > 0 && extent[partial] === shape[partial]) partial--;
  const stride = new Array<number>(rank).fill(1);
  for (let a = rank - 2; a >= 0; a--) stride[a] = stride[a + 1]! * shape[a + 1]!;
  const run = extent[partial]! * stride[partial]!;
  let from = src + start.reduce((sum, b, a) => sum + b * stride[a]!, 0);
  // odometer over the output's outer axes 0 … partial - 1
  const index = new Array<number>(partial).fill(0);
  const positions = extent.slice(0, partial).reduce((a, b) => a * b, 1);
  for (let p = 0; p < positions; p++) {
    if (run >= LONG_RUN) heap.copyWithin(dst, from, from + run);
    else for (let j = 0; j < run; j++) heap[dst + j] = heap[from + j]!;
    dst += run;
    for (let a = partial - 1; a >= 0; a--) {
      index[a]!++;
      from += stride[a]!;
      if (index[a]! < extent[a]!) break;
      from -= index[a]! * stride[a]!;
      index[a] = 0;
    }
  }
  return out;
}

function slice(args: KernelArgs): tf.TensorInfo | undefined {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
  if ((x.dtype !== 'float32' && x.dtype !== 'int32') || x.shape.length === 0) return undefined;
  const [start, extent] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, begin, size) as [
    number[],
    number[],
  ];
  return copySlice(args.backend as unknown as WasmBackend, x, start, extent);
}

/**
 * `SplitV` (`tf.split`, and the gradient of `tf.concat`) as one {@link copySlice} per piece. tfjs-wasm 4.22 splits
 * through its own slice kernel: the gradient of the "-skip" heads' concatenation, `[8, 384, 3086]` into 2702 + 384
 * columns, took 90–184 ms of an adapter-386-unshared-skip step at MiniLM size (bench/profile-step.ts).
 */
function splitV(args: KernelArgs): tf.TensorInfo[] | undefined {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
  if ((x.dtype !== 'float32' && x.dtype !== 'int32') || x.shape.length === 0) return undefined;
  const rank = x.shape.length;
  const along = axis < 0 ? axis + rank : axis;
  const sizes = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, numOrSizeSplits, along);
  const backend = args.backend as unknown as WasmBackend;
  let offset = 0;
  return sizes.map((piece) => {
    const start = x.shape.map((_d, a) => (a === along ? offset : 0));
    const extent = x.shape.map((d, a) => (a === along ? piece : d));
    offset += piece;
    return copySlice(backend, x, start, extent);
  });
}

/**
 * Routes the wasm backend's float32/int32 `Slice` and `SplitV` to run copies. Idempotent; call after the wasm
 * backend's package is imported (the Node entry and the browser candidate do it).
 * @returns true when installed (now or before); false when the backend has no Slice kernel.
 */
export function installFastSlice(backendName = 'wasm'): boolean {
  const sliced = wrapKernel('Slice', backendName, MARK, slice) !== 'absent';
  wrapKernel('SplitV', backendName, MARK, splitV);
  return sliced;
}
