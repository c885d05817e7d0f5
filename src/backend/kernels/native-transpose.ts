/**
 * The WebAssembly backend's `Transpose` on bertvision's native block transpose (Node only).
 *
 * tfjs-backend-wasm permutes on one core at about 1.7 GB/s: the AdapterPooler's layer-axis moves (`[n, E, L]` → `[n, L,
 * E]` forward and `[E, n·L]` for the kernel gradient) took 39 ms of a 100 ms adapter-64 step on `[8, 384, 384, 7]`
 * (bench/profile-step.ts). Every permutation that, once size-1 axes are dropped and axes that stay adjacent are merged,
 * swaps two neighbouring groups of axes (`[A, B, C, D]` → `[A, C, B, D]`) goes native, on every core, and so does one
 * that two such swaps make (`[A, B, C]` → `[C, B, A]`, through an intermediate tensor: the unshared adapters'
 * kernel-gradient layout, 120 ms of a 760 ms step in tfjs' kernel); other permutations, small tensors and dtypes other
 * than float32/int32 keep the previous kernel. Values are copied, not computed, so results are bit-identical to tfjs'
 * kernel.
 */
import type * as tf from '@tensorflow/tfjs';
import { nativeAddon, type NativeAddon } from '../../platform/native.js';
import { heapBuffer, heapOffset, type WasmBackend } from '../../platform/wasm-heap.js';
import { wrapKernel } from './wrap-kernel.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];

const MARK = Symbol.for('bertvision.nativeTranspose');
/** Smallest tensor (elements) sent native: below it the call costs more than tfjs' loop. */
const MIN_ELEMENTS = 1 << 15;
let calls = 0;

/** How many transposes the native kernel has done in this process (diagnostics and tests). */
export function nativeTransposeCalls(): number {
  return calls;
}

/**
 * `[A, B, C, D]` with `out[a][c][b][d] = in[a][b][c][d]` equivalent to transposing `shape` by `perm`, or undefined when
 * the permutation is not of that form.
 */
export function blockForm(
  shape: readonly number[],
  perm: readonly number[],
): [number, number, number, number] | undefined {
  // drop size-1 axes, renumbering the rest
  const kept = perm.filter((axis) => shape[axis] !== 1);
  const rank = [...kept].sort((a, b) => a - b);
  const renumbered = kept.map((axis) => rank.indexOf(axis));
  const sizes = rank.map((axis) => shape[axis]!);
  // merge runs of input axes that stay adjacent (and in order) in the output
  const groups: number[][] = [];
  for (const axis of renumbered) {
    const last = groups.at(-1);
    if (last && last.at(-1)! + 1 === axis) last.push(axis);
    else groups.push([axis]);
  }
  const order = groups.map((g) => g[0]!);
  const byInput = [...groups].sort((a, b) => a[0]! - b[0]!);
  const size = (g: number[]): number => g.reduce((n, axis) => n * sizes[axis]!, 1);
  const p = order.map((first) => byInput.findIndex((g) => g[0] === first));
  const d = byInput.map(size);
  const is = (form: number[]): boolean => p.length === form.length && form.every((v, i) => p[i] === v);
  if (is([1, 0])) return [1, d[0]!, d[1]!, 1];
  if (is([0, 2, 1])) return [d[0]!, d[1]!, d[2]!, 1];
  if (is([1, 0, 2])) return [1, d[0]!, d[1]!, d[2]!];
  if (is([0, 2, 1, 3])) return [d[0]!, d[1]!, d[2]!, d[3]!];
  return undefined;
}

/** Every permutation of `0 … n-1`. */
function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) =>
    Array.from({ length: n }, (_v, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]),
  );
}

/** The most axes {@link twoStepForm} searches (5! intermediate orders). */
const MAX_TWO_STEP_RANK = 5;

/**
 * Two {@link blockForm} transposes that together permute `shape` by `perm` (`[A, B, C]` → `[C, B, A]`: the unshared
 * adapters' `[n, E, L]` → `[L, E, n]`), with the intermediate order `first`: transpose by `first`, then the result by
 * `second`. Undefined when one block transpose does it, or no two do.
 */
export function twoStepForm(
  shape: readonly number[],
  perm: readonly number[],
): { first: number[]; second: number[] } | undefined {
  if (shape.length > MAX_TWO_STEP_RANK || blockForm(shape, perm)) return undefined;
  for (const first of permutations(shape.length)) {
    if (!blockForm(shape, first)) continue;
    const middle = first.map((axis) => shape[axis]!);
    const second = perm.map((axis) => first.indexOf(axis));
    if (blockForm(middle, second)) return { first, second };
  }
  return undefined;
}

function nativeTranspose(addon: NativeAddon, args: KernelArgs): tf.TensorInfo | undefined {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { perm } = args.attrs as unknown as { perm: number[] };
  if (x.dtype !== 'float32' && x.dtype !== 'int32') return undefined;
  const count = x.shape.reduce((a, b) => a * b, 1);
  if (count < MIN_ELEMENTS) return undefined;
  const backend = args.backend as unknown as WasmBackend;
  const form = blockForm(x.shape, perm);
  if (form) {
    const out = backend.makeOutput(
      perm.map((axis) => x.shape[axis]!),
      x.dtype,
    );
    calls++;
    addon.transpose(heapBuffer(backend), heapOffset(backend, x), heapOffset(backend, out), ...form);
    return out;
  }
  const steps = twoStepForm(x.shape, perm);
  if (!steps) return undefined;
  const middleShape = steps.first.map((axis) => x.shape[axis]!);
  const middle = backend.makeOutput(middleShape, x.dtype);
  const out = backend.makeOutput(
    perm.map((axis) => x.shape[axis]!),
    x.dtype,
  );
  calls++;
  const heap = heapBuffer(backend); // after both makeOutput calls, which may grow the heap
  addon.transpose(heap, heapOffset(backend, x), heapOffset(backend, middle), ...blockForm(x.shape, steps.first)!);
  addon.transpose(
    heap,
    heapOffset(backend, middle),
    heapOffset(backend, out),
    ...blockForm(middleShape, steps.second)!,
  );
  backend.disposeData(middle.dataId);
  return out;
}

/**
 * Routes the wasm backend's large transposes to the native kernel. Idempotent; call after the wasm backend's package
 * is imported (the Node entry does it).
 * @returns true when installed (now or before); false when the addon is unavailable or the backend has no Transpose.
 */
export function installNativeTranspose(backendName = 'wasm'): boolean {
  const addon = nativeAddon();
  if (!addon) return false;
  return wrapKernel('Transpose', backendName, MARK, (args) => nativeTranspose(addon, args)) !== 'absent';
}
