/**
 * Routing one of a backend's registered kernels through a replacement that falls back to the kernel it replaces,
 * keeping the rest of its config (kernel name, backend, setup and dispose functions). Used by every kernel wrapper in
 * this folder (native GEMM, convolution, transposes, sums and batch norm; slices, tiles, shared identities, the
 * matrix-product guards); the gradient counterpart is `replaceGradient` (gradient-override.ts).
 */
import * as tf from '@tensorflow/tfjs';

/**
 * A replacement kernel function: its result, or undefined to run the replaced kernel (`previous`) on the same
 * arguments instead. A route that calls `previous.kernelFunc` itself (with other inputs, say) just returns that.
 */
export type KernelRoute = (
  args: Parameters<tf.KernelFunc>[0],
  previous: tf.KernelConfig,
) => tf.TensorInfo | tf.TensorInfo[] | undefined;

/**
 * What {@link wrapKernel} found: `'absent'` (the backend has no such kernel; nothing registered), `'wrapped'` (routed
 * by this call) or `'already-wrapped'` (the registered config carries the mark already; left alone).
 */
export type WrapOutcome = 'absent' | 'wrapped' | 'already-wrapped';

/**
 * Routes `kernelName` on `backendName` through `route`, once: a config already wrapped under `mark` is left alone, so
 * repeated installs do not stack. The new config is the registered one with the function `route(args, previous) ??
 * previous.kernelFunc(args)`, marked (non-enumerably) with `mark`.
 * @returns the {@link WrapOutcome}: anything but `'absent'` means the kernel now runs through `route`.
 */
export function wrapKernel(kernelName: string, backendName: string, mark: symbol, route: KernelRoute): WrapOutcome {
  const previous = tf.getKernel(kernelName, backendName);
  if (!previous) return 'absent';
  if ((previous as unknown as Record<symbol, boolean>)[mark]) return 'already-wrapped';
  const kernelFunc: tf.KernelFunc = (args) => route(args, previous) ?? previous.kernelFunc(args);
  tf.unregisterKernel(kernelName, backendName);
  const config = { ...previous, kernelFunc } as tf.KernelConfig;
  Object.defineProperty(config, mark, { value: true });
  tf.registerKernel(config);
  return 'wrapped';
}
