/**
 * The WebAssembly backend's `Sum` over leading axes on bertvision's native column sums (Node only).
 *
 * tfjs-backend-wasm sums over a leading axis by transposing the input first, on one core: a bias gradient (the sum of
 * `dy [21504, 64]` over its rows) took 9 ms of an adapter-64 step (bench/profile-step.ts). Sums over every axis but
 * the trailing ones (`[R, C]` → `[C]`) of float32 tensors of at least 2^15 values go native; the rest keep the
 * previous kernel. The order of the additions differs from tfjs', so results differ in the last bits.
 */
import * as tf from '@tensorflow/tfjs';
import { nativeAddon, type NativeAddon } from '../../platform/native.js';
import { heapBuffer, heapOffset, type WasmBackend } from '../../platform/wasm-heap.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];

const MARK = Symbol.for('bertvision.nativeSum');
/** Smallest input (elements) sent native. */
const MIN_ELEMENTS = 1 << 15;
let calls = 0;

/** How many sums the native kernel has done in this process (diagnostics and tests). */
export function nativeSumCalls(): number {
  return calls;
}

/** The number of leading axes a sum over `axis` reduces, when they are exactly the first ones (else undefined). */
export function leadingAxes(rank: number, axis: number | number[]): number | undefined {
  const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)))].sort(
    (a, b) => a - b,
  );
  if (axes.length === 0 || axes.length >= rank || axes.some((a, i) => a !== i)) return undefined;
  return axes.length;
}

function nativeSum(addon: NativeAddon, args: KernelArgs): tf.TensorInfo | undefined {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
  if (x.dtype !== 'float32') return undefined;
  const count = x.shape.reduce((a, b) => a * b, 1);
  const lead = leadingAxes(x.shape.length, axis);
  if (lead === undefined || count < MIN_ELEMENTS) return undefined;
  const rest = x.shape.slice(lead);
  const columns = rest.reduce((a, b) => a * b, 1);
  const backend = args.backend as unknown as WasmBackend;
  const out = backend.makeOutput(keepDims ? [...x.shape.slice(0, lead).map(() => 1), ...rest] : rest, 'float32');
  calls++;
  addon.columnSums(heapBuffer(backend), heapOffset(backend, x), heapOffset(backend, out), count / columns, columns);
  return out;
}

/**
 * Routes the wasm backend's large sums over leading axes to the native kernel. Idempotent; call after the wasm
 * backend's package is imported (the Node entry does it).
 * @returns true when installed (now or before); false when the addon is unavailable or the backend has no Sum.
 */
export function installNativeSum(backendName = 'wasm'): boolean {
  const addon = nativeAddon();
  if (!addon) return false;
  const previous = tf.getKernel('Sum', backendName);
  if (!previous) return false;
  if ((previous as unknown as Record<symbol, boolean>)[MARK]) return true;
  const kernelFunc = (args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] =>
    nativeSum(addon, args) ?? previous.kernelFunc(args);
  tf.unregisterKernel('Sum', backendName);
  const config = { ...previous, kernelFunc } as tf.KernelConfig;
  Object.defineProperty(config, MARK, { value: true });
  tf.registerKernel(config);
  return true;
}
