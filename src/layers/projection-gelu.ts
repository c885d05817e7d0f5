/**
 * The shared {@link AdapterPooler} projection and its tanh-GELU as one differentiable op, for backends that register
 * the fused weight gradient ({@link ADAPTER_GELU_GRADIENTS_KERNEL}; bertvision's native kernels do, for wasm in Node).
 *
 * Done as two ops (projectLayers, then geluTanhTransposed), the backward pass writes the pre-activation gradient
 * `dz [n·L, A]` (33 MB per MiniLM span batch of 8, 119 MB at BERT-large), reads it back for the kernel gradient's
 * product and once more for the bias gradient's sum. Fused, the product computes dz as it packs its operand and sums
 * the bias gradient on the way, so that buffer never exists. On the 2-vCPU Zen VM of docs/benchmarks.md this is about
 * even in time with the two-op form (the derivative costs the same in the pack as in its own pass; 516 against 525 ms
 * at BERT-large adapter-386, within noise at MiniLM): the gain is the memory.
 */
import * as tf from '@tensorflow/tfjs';
import { GELU_TANH_TRANSPOSED_KERNEL } from './activations.js';
import { freedInput, LAYER_ROWS_MATMUL_KERNEL, type ProjectionGradientOptions } from './projection.js';

/**
 * Kernel of the fused weight gradients: inputs `x [...lead, E, L]`, `z [n·L, A]` (the projection with its bias, rows
 * ordered (lead…, l)) and `dy [...lead, A, L]` (the gradient of `y`, {@link projectGeluTanhShared}'s output); outputs
 * `[dW [E, A], db [A]]` with `dz[t][a] = dy[t / L][a][t % L] · GELU'(z[t][a])`, `dW = rows(x)ᵀ·dz`, `db = Σ_t dz[t]`.
 */
export const ADAPTER_GELU_GRADIENTS_KERNEL = 'BertvisionAdapterGeluTanhGradients';

/**
 * Whether {@link projectGeluTanhShared} can run on the active backend for `x` with `options`: float32, no input
 * gradient, and the forward product, the transposed GELU and the fused gradient all registered.
 */
export function fusedGeluProjectionAvailable(x: tf.Tensor, options: ProjectionGradientOptions): boolean {
  if (x.dtype !== 'float32' || options.inputGradient) return false;
  const backend = tf.getBackend();
  return [LAYER_ROWS_MATMUL_KERNEL, GELU_TANH_TRANSPOSED_KERNEL, ADAPTER_GELU_GRADIENTS_KERNEL].every(
    (name) => tf.getKernel(name, backend) !== undefined,
  );
}

/**
 * `y [...lead, A, L] = GELU_tanh(rows(x)·kernel + bias)` with the layer axis moved last, for `x [...lead, E, L]`,
 * `kernel [E, A]` and `bias [A]`; gradients to `kernel` and `bias` only (check {@link fusedGeluProjectionAvailable}
 * first). `options.saveInput` saves `x` for the backward pass instead of closing over it.
 */
export function projectGeluTanhShared(
  x: tf.Tensor,
  kernel: tf.Tensor,
  bias: tf.Tensor,
  options: ProjectionGradientOptions,
): tf.Tensor {
  const lead = x.shape.slice(0, -2);
  const n = lead.reduce((a, b) => a * b, 1);
  const L = x.shape[x.rank - 1] ?? 1;
  const A = kernel.shape[1] ?? 1;
  const project = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [w, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const z = tf.engine().runKernel(LAYER_ROWS_MATMUL_KERNEL, { x, kernel: w, bias: b }) as tf.Tensor;
    save(options.saveInput ? [z, x] : [z]);
    const y = tf.engine().runKernel(GELU_TANH_TRANSPOSED_KERNEL, { x: tf.reshape(z, [n, L, A]) }) as tf.Tensor;
    return {
      value: tf.reshape(y, [...lead, A, L]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedZ, savedX] = saved as [tf.Tensor, tf.Tensor | undefined];
        const xs = savedX ?? x;
        if (xs.isDisposed) throw freedInput();
        return tf.engine().runKernel(ADAPTER_GELU_GRADIENTS_KERNEL, { x: xs, z: savedZ, dy }) as tf.Tensor[];
      },
    };
  });
  return project(kernel, bias);
}
