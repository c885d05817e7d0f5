/**
 * The shared {@link AdapterPooler} projection and its tanh-GELU as one differentiable op, for backends that register
 * the fused weight gradient ({@link ADAPTER_GELU_GRADIENTS_KERNEL}; bertvision's native kernels do, for wasm in Node).
 *
 * Done as two ops (projectLayers, then geluTanhTransposed), the backward pass evaluates the activation's derivative
 * (a second tanh per value), writes the pre-activation gradient `dz [n·L, A]` (33 MB per MiniLM span batch of 8,
 * 119 MB at BERT-large), reads it back for the kernel gradient's product and once more for the bias gradient's sum.
 * Fused, the forward pass keeps the derivative `g = GELU'(z)` from its own tanh (in place of `z`, the same size), and
 * the backward product forms `dz = dy · g` as it packs its operand and sums the bias gradient on the way, so that
 * buffer and the second tanh never exist.
 */
import * as tf from '@tensorflow/tfjs';
import { freedInput, LAYER_ROWS_MATMUL_KERNEL, type ProjectionGradientOptions } from './projection.js';

/**
 * Kernel of the fused weight gradients: inputs `x [...lead, E, L]`, `g [n, L, A]` (the activation's derivative at the
 * projection's output `z`, `n` the product of `lead`) and `dy [...lead, A, L]` (the gradient of `y`,
 * {@link projectGeluTanhShared}'s output); outputs `[dW [E, A], db [A]]` with `dz[t][a] = dy[t / L][a][t % L] · g[t / L][t % L][a]`,
 * `dW = rows(x)ᵀ·dz`, `db = Σ_t dz[t]`.
 */
export const ADAPTER_GELU_GRADIENTS_KERNEL = 'BertvisionAdapterGeluTanhGradients';

/**
 * Kernel of the fused forward activation: input `x [..., R, C]`; outputs `[y [..., C, R], g [..., R, C]]` with
 * `y[…][c][r] = GELU_tanh(x[…][r][c])` (as `GELU_TANH_TRANSPOSED_KERNEL`) and `g = GELU_tanh'(x)` in x's layout.
 */
export const GELU_TANH_TRANSPOSED_WITH_DERIVATIVE_KERNEL = 'BertvisionGeluTanhTransposedWithDerivative';

/**
 * Whether {@link projectGeluTanhShared} can run on the active backend for `x` with `options`: float32, no input
 * gradient, and the forward product, the activation with its derivative and the fused gradient all registered.
 */
export function fusedGeluProjectionAvailable(x: tf.Tensor, options: ProjectionGradientOptions): boolean {
  if (x.dtype !== 'float32' || options.inputGradient) return false;
  const backend = tf.getBackend();
  return [LAYER_ROWS_MATMUL_KERNEL, GELU_TANH_TRANSPOSED_WITH_DERIVATIVE_KERNEL, ADAPTER_GELU_GRADIENTS_KERNEL].every(
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
    const [y, g] = tf.engine().runKernel(GELU_TANH_TRANSPOSED_WITH_DERIVATIVE_KERNEL, {
      x: tf.reshape(z, [n, L, A]),
    }) as tf.Tensor[] as [tf.Tensor, tf.Tensor];
    z.dispose();
    save(options.saveInput ? [g, x] : [g]);
    return {
      value: tf.reshape(y, [...lead, A, L]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedG, savedX] = saved as [tf.Tensor, tf.Tensor | undefined];
        const xs = savedX ?? x;
        if (xs.isDisposed) throw freedInput();
        return tf.engine().runKernel(ADAPTER_GELU_GRADIENTS_KERNEL, { x: xs, g: savedG, dy }) as tf.Tensor[];
      },
    };
  });
  return project(kernel, bias);
}
