/**
 * The gradients of `Sum` and `Mean` as one broadcast of `dy` (a block copy on the backend's `Tile`), the same values
 * as tfjs-core's, which multiply `dy` by a `ones(x.shape)` built in JavaScript and uploaded on every call (and `Mean`
 * then divides the whole array). In a full Xception training step at batch 64 those ones arrays, two per
 * BatchNormalization (the moments' means), took about 2 s of 16 in a CPU profile. The division by the reduced size is
 * done before the broadcast, on `dy` itself: the same quotient per element. Registered once, for every backend (the
 * gradient registry is global). Guarded by test/backend/reduction-gradients.test.ts (gradients from their definition).
 */
import * as tf from '@tensorflow/tfjs';
import { replaceGradient } from './gradient-override.js';

const MARK = Symbol.for('bertvision.reductionGradients');

/** `dy` reshaped with the reduced axes kept as 1, then broadcast to `x`'s shape. */
function broadcastBack(dy: tf.Tensor, x: tf.Tensor, axis: number | number[] | undefined, divisor?: number): tf.Tensor {
  const axes = tf.util.parseAxisParam(axis as number[], x.shape);
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const expanded = tf.reshape(dy, kept);
  const scaled = divisor === undefined ? expanded : tf.div(expanded, divisor);
  return tf.broadcastTo(scaled, x.shape);
}

/**
 * Replaces tfjs' `Sum` and `Mean` gradient functions (idempotent).
 * @returns the kernels whose gradient is now the broadcast.
 */
export function installReductionGradients(): string[] {
  const done: string[] = [];
  for (const kernelName of ['Sum', 'Mean']) {
    const replaced = replaceGradient(kernelName, MARK, () => (dy, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      const { axis } = attrs as unknown as { axis: number | number[] };
      const reduced = tf.util.parseAxisParam(axis as number[], x.shape).reduce((p, a) => p * x.shape[a]!, 1);
      return { x: () => broadcastBack(dy as tf.Tensor, x, axis, kernelName === 'Mean' ? reduced : undefined) };
    });
    if (replaced) done.push(kernelName);
  }
  return done;
}
