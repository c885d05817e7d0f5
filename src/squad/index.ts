/** SQuAD 2.0: the official metric, span decoding and the binary answerability metric. Browser-safe re-exports. */
export * from './normalize.js';
export * from './scores.js';
export * from './dataset.js';
export * from './official-eval.js';
export * from './thresholds.js';
export * from './na-probs.js';
export * from './ordered-json.js';
export * from './python-json.js';
export * from './eval-plots.js';
export * from './decode-input.js';
export * from './decode.js';
export * from './decode-legacy.js';
export * from './decode-tensors.js';
export * from './answerability.js';
export * from './hf-evaluate.js';
export * from './decode-json.js';
