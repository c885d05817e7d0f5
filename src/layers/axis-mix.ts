/**
 * The axis mix: weighted sums along one axis (the stacked hidden states) of a big activation tensor,
 * `y = Σ_l p[l] · x[…, l, …]`, the kernel behind {@link BertConcat} and {@link MeanConcat}. (This file was
 * `contract.ts`: a tensor contraction along the layer axis, not an API contract.)
 *
 * The input is viewed (free reshape) as `[outer, size, inner]` around the axis. With the axis last (`inner = 1`) the
 * sum is one matMul `[outer, size] × [size, 1]`; otherwise a batched matMul over `outer` with `x` transposed.
 * The big tensor is always the LEFT operand: the wasm backend packs and caches the right operand per tensor id, so a
 * fresh activation batch on the right would be re-packed every step (docs/benchmarks.md, "Kernel choices").
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../errors.js';
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

/** How {@link mixAlongAxis} treats its big input in the backward pass. */
export interface MixGradientOptions {
  /** Also return `∂/∂x = dy ⊗ p` (a tensor the size of `x`). Implies `saveInput`. */
  inputGradient: boolean;
  /**
   * Save (clone) `x` for the backward pass instead of closing over it. Needed when `x` is an intermediate tensor that
   * tfjs may free before the backward pass (tfjs-layers runs a model's graph inside `tidy`); costs a copy of `x` on
   * backends where a clone copies (wasm).
   */
  saveInput: boolean;
}

/**
 * `Σ_l p[l] · x[…, l, …]` along `axis` with a hand-written gradient (the "customT" form): the big `x` is the left
 * matMul operand and `∂/∂p = xᵀ·dy` is computed as `matMul(x, dy, transposeA=true)`.
 *
 * Fastest with both options off: only the tiny `p` is on the tape, `x` is closed over (nothing big saved or cloned)
 * and receives NO gradient — right for activations fed as a model input. `x` must then stay alive until the backward
 * pass; if it was freed, the backward pass throws an {@link InvalidArgumentError} instead of reading freed memory.
 * @returns `x` without `axis`.
 */
export function mixAlongAxis(x: tf.Tensor, p: tf.Tensor, axis: number, options: MixGradientOptions): tf.Tensor {
  const v = viewAround(x.shape, axis);
  const gradP = (dy: tf.Tensor, xs: tf.Tensor): tf.Tensor => {
    if (v.inner === 1) {
      return tf.reshape(tf.matMul(tf.reshape(xs, [v.outer, v.size]), tf.reshape(dy, [v.outer, 1]), true, false), [
        v.size,
      ]);
    }
    const perOuter = tf.matMul(tf.reshape(xs, [v.outer, v.size, v.inner]), tf.reshape(dy, [v.outer, v.inner, 1]));
    return tf.reshape(tf.sum(perOuter, 0), [v.size]);
  };
  const gradX = (dy: tf.Tensor, pp: tf.Tensor): tf.Tensor => {
    if (v.inner === 1) {
      return tf.reshape(tf.matMul(tf.reshape(dy, [v.outer, 1]), tf.reshape(pp, [1, v.size])), x.shape);
    }
    // the outer product p ⊗ dy, as a broadcast multiply (a matMul with K = 1 would only re-pack dy)
    return tf.reshape(tf.mul(tf.reshape(pp, [1, v.size, 1]), tf.reshape(dy, [v.outer, 1, v.inner])), x.shape);
  };
  if (options.inputGradient) {
    const mixWithInput = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const [pp, xx, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
      save([pp, xx]);
      return {
        value: weightedSum(xx, pp, v),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
          tf.tidy(() => {
            const [savedP, savedX] = saved as [tf.Tensor, tf.Tensor];
            return [gradP(dy, savedX), gradX(dy, savedP)];
          }),
      };
    });
    return mixWithInput(p, x);
  }
  const mix = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [pp, save] = args as [tf.Tensor, tf.GradSaveFunc];
    if (options.saveInput) save([x]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor => {
      const xs = options.saveInput ? (saved[0] as tf.Tensor) : x;
      if (xs.isDisposed) {
        throw new InvalidArgumentError(
          'the input of a layer-axis mix was freed before the backward pass; the fast form keeps no copy of an ' +
            'input fed directly to the model. Use inputGradient: true, or keep the input alive until the gradient',
        );
      }
      return tf.tidy(() => gradP(dy, xs));
    };
    return { value: weightedSum(x, pp, v), gradFunc };
  });
  return mix(p);
}
