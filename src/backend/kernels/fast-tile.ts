/**
 * The WebAssembly backend's `Tile` by block copies. tfjs-wasm 4.22 computes every output element's source index
 * separately: the batch-norm gradient's broadcast of `[1, 1, 1, C]` statistics to `[64, 1, 339, C]` took 2.3 s of
 * an 18 s xception-abbreviated step at batch 64 (C = 512). Here each input row is copied once and every repetition
 * is made by doubling the block already written (`copyWithin`, a memmove), axis by axis from the innermost: the
 * same values, bit for bit. 4-byte dtypes (float32, int32); others keep the previous kernel. Runs in Node and in
 * browsers (no native code).
 */
import type * as tf from '@tensorflow/tfjs';
import type { WasmBackend } from '../../platform/wasm-heap.js';
import { wrapKernel } from './wrap-kernel.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];

const MARK = Symbol.for('bertvision.fastTile');

/** Copies `heap[at, at + size)` so that it repeats `times` times from `at` (doubling the written block each time). */
function repeat(heap: Int32Array, at: number, size: number, times: number): void {
  let done = size;
  const total = size * times;
  while (done < total) {
    const n = Math.min(done, total - done);
    heap.copyWithin(at + done, at, at + n);
    done += n;
  }
}

function tile(args: KernelArgs): tf.TensorInfo | undefined {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { reps } = args.attrs as unknown as { reps: number[] };
  if (x.dtype !== 'float32' && x.dtype !== 'int32') return undefined;
  const shape = x.shape;
  const rank = shape.length;
  if (rank === 0 || reps.length !== rank) return undefined;
  const outShape = shape.map((d, i) => d * reps[i]!);
  const backend = args.backend as unknown as WasmBackend;
  const out = backend.makeOutput(outShape, x.dtype);
  if (outShape.some((d) => d === 0)) return out;
  const heap = new Int32Array(backend.wasm.HEAPU8.buffer);
  const src = backend.dataIdMap.get(x.dataId).memoryOffset / 4;
  const dst = backend.dataIdMap.get(out.dataId).memoryOffset / 4;
  // inBlock[a], outBlock[a]: elements of one index of axis a - 1, in the input and in the output
  const inBlock = new Array<number>(rank + 1).fill(1);
  const outBlock = new Array<number>(rank + 1).fill(1);
  for (let a = rank - 1; a >= 0; a--) {
    inBlock[a] = inBlock[a + 1]! * shape[a]!;
    outBlock[a] = outBlock[a + 1]! * outShape[a]!;
  }
  const fill = (axis: number, from: number, to: number): void => {
    if (axis === rank - 1) {
      heap.copyWithin(to, from, from + shape[axis]!);
    } else {
      for (let i = 0; i < shape[axis]!; i++)
        fill(axis + 1, from + i * inBlock[axis + 1]!, to + i * outBlock[axis + 1]!);
    }
    if (reps[axis]! > 1) repeat(heap, to, shape[axis]! * outBlock[axis + 1]!, reps[axis]!);
  };
  fill(0, src, dst);
  return out;
}

/**
 * Routes the wasm backend's float32/int32 `Tile` to block copies. Idempotent; call after the wasm backend's package
 * is imported (the Node entry and the browser candidate do it).
 * @returns true when installed (now or before); false when the backend has no Tile kernel.
 */
export function installFastTile(backendName = 'wasm'): boolean {
  return wrapKernel('Tile', backendName, MARK, tile) !== 'absent';
}
