/**
 * Weighted sums along one axis of a big activation tensor: `y = Σ_l p[l] · x[…, l, …]`, the kernel behind
 * {@link BertConcat} and {@link MeanConcat}.
 *
 * The input is viewed (free reshape) as `[outer, size, inner]` around the axis. With the axis last (`inner = 1`) the
 * sum is one matMul `[outer, size] × [size, 1]`; otherwise a batched matMul over `outer` with `x` transposed.
 * The big tensor is always the LEFT operand: the wasm backend packs and caches the right operand per tensor id, so a
 * fresh activation batch on the right would be re-packed every step (see docs: tfjs stack notes, trap 2).
 */
import * as tf from '@tensorflow/tfjs';
import { dropAxis } from './layer-axis.js';

interface AxisView {
  outer: number;
  size: number;
  inner: number;
  outShape: number[];
}

function viewAround(shape: readonly number[], axis: number): AxisView {
  const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);
  return {
    outer: product(shape.slice(0, axis)),
    size: shape[axis] ?? 1,
    inner: product(shape.slice(axis + 1)),
    outShape: dropAxis([...shape], axis) as number[],
  };
}

function weightedSum(x: tf.Tensor, p: tf.Tensor, v: AxisView): tf.Tensor {
  if (v.inner === 1) {
    return tf.reshape(tf.matMul(tf.reshape(x, [v.outer, v.size]), tf.reshape(p, [v.size, 1])), v.outShape);
  }
  const pBatched = tf.broadcastTo(tf.reshape(p, [1, v.size, 1]), [v.outer, v.size, 1]);
  return tf.reshape(tf.matMul(tf.reshape(x, [v.outer, v.size, v.inner]), pBatched, true, false), v.outShape);
}

/**
 * `Σ_l p[l] · x[…, l, …]` along `axis`, differentiated by tfjs autograd with respect to both `x` and `p`.
 * Use it when `p` is a constant (the gradient then flows only to `x`).
 * @param x input of any rank; `x.shape[axis]` must equal `p.size`.
 * @param p mixing vector `[x.shape[axis]]`.
 * @param axis non-negative axis of `x`.
 * @returns `x` without `axis`.
 */
export function sumAlongAxis(x: tf.Tensor, p: tf.Tensor, axis: number): tf.Tensor {
  return weightedSum(x, p, viewAround(x.shape, axis));
}

/**
 * `Σ_l p[l] · x[…, l, …]` along `axis` with a hand-written gradient (the "customT" form): only the tiny `p` is on the
 * tape (nothing big is saved or cloned), and `∂/∂p = xᵀ·dy` is computed as `matMul(x, dy, transposeA=true)`.
 *
 * @param inputGradient when `true`, `x` is also an input of the custom gradient and receives `∂/∂x = dy ⊗ p` (a tensor
 *   the size of `x`, computed on every backward pass); when `false` (the fast form), NO gradient flows into `x` —
 *   correct when `x` is a model input or comes only from non-trainable layers.
 * @returns `x` without `axis`.
 */
export function mixAlongAxis(x: tf.Tensor, p: tf.Tensor, axis: number, inputGradient: boolean): tf.Tensor {
  const v = viewAround(x.shape, axis);
  const gradP = (dy: tf.Tensor): tf.Tensor => {
    if (v.inner === 1) {
      return tf.reshape(tf.matMul(tf.reshape(x, [v.outer, v.size]), tf.reshape(dy, [v.outer, 1]), true, false), [v.size]);
    }
    const perOuter = tf.matMul(tf.reshape(x, [v.outer, v.size, v.inner]), tf.reshape(dy, [v.outer, v.inner, 1]));
    return tf.reshape(tf.sum(perOuter, 0), [v.size]);
  };
  const gradX = (dy: tf.Tensor, pp: tf.Tensor): tf.Tensor => {
    if (v.inner === 1) {
      return tf.reshape(tf.matMul(tf.reshape(dy, [v.outer, 1]), tf.reshape(pp, [1, v.size])), x.shape);
    }
    const pBatched = tf.broadcastTo(tf.reshape(pp, [1, v.size, 1]), [v.outer, v.size, 1]);
    return tf.reshape(tf.matMul(pBatched, tf.reshape(dy, [v.outer, 1, v.inner])), x.shape);
  };
  if (!inputGradient) {
    const mix = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const pp = args[0] as tf.Tensor;
      return { value: weightedSum(x, pp, v), gradFunc: (dy: tf.Tensor) => tf.tidy(() => gradP(dy)) };
    });
    return mix(p);
  }
  const mixWithInput = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const pp = args[0] as tf.Tensor;
    const xx = args[1] as tf.Tensor;
    return {
      value: weightedSum(xx, pp, v),
      gradFunc: (dy: tf.Tensor) => tf.tidy(() => [gradP(dy), gradX(dy, pp)]),
    };
  });
  return mixWithInput(p, x);
}
