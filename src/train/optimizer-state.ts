/**
 * Complete, bit-exact optimizer state. `optimizer.getWeights()` omits state that some tfjs optimizers keep in private
 * variables (Adam's `accBeta1`/`accBeta2`, the running powers of β, which `setWeights` recomputes with `pow` and so
 * restores with different rounding): a resumed run would then drift from an uninterrupted one. This module saves those
 * variables too and puts them back after `setWeights`.
 */
import * as tf from '@tensorflow/tfjs';

/** A tensor with a name (the shape tfjs' optimizers use for their state). */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/** Prefix of the names under which the extra (private) optimizer variables are stored. */
const EXTRA_PREFIX = '__optimizer_private__/';

function privateVariables(optimizer: tf.Optimizer): Array<[string, tf.Variable]> {
  return Object.entries(optimizer as unknown as Record<string, unknown>)
    .filter((entry): entry is [string, tf.Variable] => entry[1] instanceof tf.Variable)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Every tensor of the optimizer's state, named: its `getWeights()` (iterations, moments…) followed by the private
 * variables held on the instance. The returned tensors are clones owned by the caller (dispose them).
 */
export async function getOptimizerState(optimizer: tf.Optimizer): Promise<NamedTensor[]> {
  const weights = await optimizer.getWeights();
  const named = weights.map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) }));
  // `iter` is created fresh by getWeights (not a clone of a variable): dispose the original.
  weights.forEach((w) => {
    if (w.name === 'iter') w.tensor.dispose();
  });
  for (const [key, variable] of privateVariables(optimizer)) {
    named.push({ name: `${EXTRA_PREFIX}${key}`, tensor: tf.clone(variable) });
  }
  return named;
}

/**
 * Restore state saved by {@link getOptimizerState} into an optimizer of the same kind and settings, attached to a
 * model with the same variables in the same order.
 */
export async function setOptimizerState(optimizer: tf.Optimizer, state: NamedTensor[]): Promise<void> {
  const regular = state.filter((s) => !s.name.startsWith(EXTRA_PREFIX));
  const extra = new Map(
    state.filter((s) => s.name.startsWith(EXTRA_PREFIX)).map((s) => [s.name.slice(EXTRA_PREFIX.length), s.tensor]),
  );
  await optimizer.setWeights(regular);
  for (const [key, variable] of privateVariables(optimizer)) {
    const saved = extra.get(key);
    if (saved) variable.assign(saved);
  }
}
