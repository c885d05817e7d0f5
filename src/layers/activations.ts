/**
 * GELU activations as tfjs tensor functions (differentiable with autograd on every backend, including wasm).
 */
import * as tf from '@tensorflow/tfjs';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * GELU, tanh approximation (the seed's TensorFlow code and BERT's original):
 * `0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³)))`.
 */
export function geluTanh(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    // x³ as x·x·x: the Pow kernel is several times slower than two multiplies on wasm.
    const inner = tf.mul(SQRT_2_OVER_PI, tf.add(x, tf.mul(0.044715, tf.mul(x, tf.mul(x, x)))));
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
  });
}

/** GELU, exact form (the seed's torch code, `torch.nn.GELU()`): `0.5 · x · (1 + erf(x / √2))`. */
export function geluErf(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));
}
