/**
 * GELU activations as tfjs tensor functions (differentiable with autograd on every backend, including wasm).
 */
import * as tf from '@tensorflow/tfjs';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * Names of the fused tanh-GELU kernels (`x → y`, and `(x, dy) → dx`). A backend that registers both (bertvision's
 * native kernels do, for wasm in Node) gets one pass each way instead of about ten elementwise kernels.
 */
export const GELU_TANH_KERNEL = 'BertvisionGeluTanh';
/** See {@link GELU_TANH_KERNEL}. */
export const GELU_TANH_GRAD_KERNEL = 'BertvisionGeluTanhGrad';

const fusedGeluTanh = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  save([x]);
  return {
    value: tf.engine().runKernel(GELU_TANH_KERNEL, { x }) as tf.Tensor,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.engine().runKernel(GELU_TANH_GRAD_KERNEL, { x: saved[0]!, dy }) as tf.Tensor,
  };
});

/**
 * GELU, tanh approximation (the seed's TensorFlow code and BERT's original):
 * `0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³)))`. Uses the fused kernels of `GELU_TANH_KERNEL` where the
 * active backend has them.
 */
export function geluTanh(x: tf.Tensor): tf.Tensor {
  const backend = tf.getBackend();
  if (x.dtype === 'float32' && tf.getKernel(GELU_TANH_KERNEL, backend) && tf.getKernel(GELU_TANH_GRAD_KERNEL, backend))
    return fusedGeluTanh(x);
  return tf.tidy(() => {
    // x³ as x·x·x: the Pow kernel is several times slower than two multiplies on wasm.
    const inner = tf.mul(SQRT_2_OVER_PI, tf.add(x, tf.mul(0.044715, tf.mul(x, tf.mul(x, x)))));
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
  });
}

/**
 * Names of the fused kernels of {@link geluTanhTransposed} (`x [..., R, C] → y [..., C, R]`, and `(x, dy) → dx`). A
 * backend that registers both (bertvision's native kernels do, for wasm in Node) gets one pass each way instead of
 * the activation and a transpose.
 */
export const GELU_TANH_TRANSPOSED_KERNEL = 'BertvisionGeluTanhTransposed';
/** See {@link GELU_TANH_TRANSPOSED_KERNEL}. */
export const GELU_TANH_TRANSPOSED_GRAD_KERNEL = 'BertvisionGeluTanhTransposedGrad';

const fusedGeluTanhTransposed = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  save([x]);
  return {
    value: tf.engine().runKernel(GELU_TANH_TRANSPOSED_KERNEL, { x }) as tf.Tensor,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.engine().runKernel(GELU_TANH_TRANSPOSED_GRAD_KERNEL, { x: saved[0]!, dy }) as tf.Tensor,
  };
});

/**
 * {@link geluTanh} of `x [..., R, C]` (rank ≥ 2) with its last two axes swapped: `[..., C, R]`, as
 * `tf.transpose(geluTanh(x), [..., rank − 1, rank − 2])`. The AdapterPooler's layer-axis move (`[n, L, A]` →
 * `[n, A, L]`); one pass each way where the active backend has the kernels of {@link GELU_TANH_TRANSPOSED_KERNEL}.
 */
export function geluTanhTransposed(x: tf.Tensor): tf.Tensor {
  const backend = tf.getBackend();
  if (
    x.dtype === 'float32' &&
    x.rank >= 2 &&
    tf.getKernel(GELU_TANH_TRANSPOSED_KERNEL, backend) &&
    tf.getKernel(GELU_TANH_TRANSPOSED_GRAD_KERNEL, backend)
  )
    return fusedGeluTanhTransposed(x);
  const axes = x.shape.map((_d, i) => i);
  return tf.tidy(() => tf.transpose(geluTanh(x), [...axes.slice(0, -2), x.rank - 1, x.rank - 2]));
}

/** GELU, exact form (the seed's torch code, `torch.nn.GELU()`): `0.5 · x · (1 + erf(x / √2))`. */
export function geluErf(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));
}
