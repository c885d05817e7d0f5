/**
 * The contract of the fused Adam step kernel (`BertvisionAdamUpdate`): one Adam step over one variable in one pass,
 * where tfjs' AdamOptimizer runs 13 elementwise kernels, each reading and writing arrays as large as the variable
 * (a full Xception head's 20.7 M parameters: about a quarter of its training step on the wasm backend). The
 * optimizer uses it on a backend that registers it (the wasm backend with bertvision's native kernels) and tfjs'
 * own update everywhere else; both give the same bits.
 */

/** Kernel name: inputs `{ w, g, m, v }` (float32, one shape), attrs {@link AdamUpdateAttrs}, outputs `[w', m', v']`. */
export const ADAM_UPDATE_KERNEL = 'BertvisionAdamUpdate';

/** The scalars of one step, each already rounded to float32 (`Math.fround`) as tfjs' scalar tensors are. */
export interface AdamUpdateAttrs {
  beta1: number;
  oneMinusBeta1: number;
  beta2: number;
  oneMinusBeta2: number;
  /** 1 − β1ᵗ and 1 − β2ᵗ: the bias corrections of step t. */
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
  epsilon: number;
  negativeLearningRate: number;
}
