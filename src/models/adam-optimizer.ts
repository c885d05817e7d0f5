/**
 * tfjs' Adam with its per-variable update fused into one kernel where the backend has one
 * ({@link ADAM_UPDATE_KERNEL}: the wasm backend with bertvision's native kernels). The moments, the running powers
 * of β, the iteration count, `getWeights`/`setWeights`, the serialised class name (`Adam`) and every bit of every
 * result are tfjs' own (test/backend/native-adam.test.ts checks them against `tf.train.adam` on the cpu backend);
 * only the number of passes over memory changes, from 13 elementwise kernels per variable to one.
 */
import * as tf from '@tensorflow/tfjs';
import { ADAM_UPDATE_KERNEL, type AdamUpdateAttrs } from '../backend/kernels/adam-update.js';
import { InvalidArgumentError } from '../errors.js';

/** The moment slots tfjs' AdamOptimizer keeps per variable (private there, stable since tfjs 1.x). */
interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
  accumulatedSecondMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
}

/** What `applyGradients` takes: gradients by variable name, or `{ name, tensor }` pairs. */
type VariableGradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

/** Adam whose update is one fused kernel per variable where the backend registers {@link ADAM_UPDATE_KERNEL}. */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: VariableGradients): void {
    if (tf.getKernel(ADAM_UPDATE_KERNEL, tf.getBackend()) === undefined) {
      super.applyGradients(variableGradients);
      return;
    }
    const state = this as unknown as AdamInternals;
    const named = Array.isArray(variableGradients)
      ? variableGradients.map((v) => [v.name, v.tensor] as const)
      : Object.keys(variableGradients).map((name) => [name, variableGradients[name]] as const);
    tf.tidy(() => {
      const attrs: AdamUpdateAttrs = {
        beta1: Math.fround(this.beta1),
        oneMinusBeta1: Math.fround(1 - this.beta1),
        beta2: Math.fround(this.beta2),
        oneMinusBeta2: Math.fround(1 - this.beta2),
        oneMinusAccBeta1: Math.fround(1 - (state.accBeta1.dataSync()[0] as number)),
        oneMinusAccBeta2: Math.fround(1 - (state.accBeta2.dataSync()[0] as number)),
        epsilon: Math.fround(this.epsilon),
        negativeLearningRate: Math.fround(-this.learningRate),
      };
      named.forEach(([name, gradient], i) => {
        const value = tf.engine().registeredVariables[name] as tf.Variable;
        state.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: zeroSlot(value) };
        state.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: zeroSlot(value) };
        if (gradient == null) return;
        const m = state.accumulatedFirstMoment[i].variable;
        const v = state.accumulatedSecondMoment[i].variable;
        if (
          value.dtype !== 'float32' ||
          gradient.dtype !== 'float32' ||
          !tf.util.arraysEqual(value.shape, gradient.shape)
        ) {
          throw new InvalidArgumentError(
            `Adam: variable '${name}' (${value.dtype} [${value.shape}]) and its gradient (${gradient.dtype} [${gradient.shape}]) must be float32 of one shape`,
          );
        }
        const [w2, m2, v2] = tf
          .engine()
          .runKernel(
            ADAM_UPDATE_KERNEL,
            { w: value, g: gradient, m, v },
            attrs as unknown as tf.NamedAttrMap,
          ) as tf.Tensor[];
        m.assign(m2 as tf.Tensor);
        v.assign(v2 as tf.Tensor);
        value.assign(w2 as tf.Tensor);
      });
      state.accBeta1.assign(tf.mul(state.accBeta1, this.beta1));
      state.accBeta2.assign(tf.mul(state.accBeta2, this.beta2));
    });
    this.incrementIterations();
  }
}

/** A non-trainable zero variable shaped like `value` (an Adam moment before the first step). */
function zeroSlot(value: tf.Variable): tf.Variable {
  return tf.tidy(() => tf.zerosLike(value).variable(false));
}
