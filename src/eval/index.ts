/** Evaluation of heads on stores: per-window predictions, question-level answerability and SQuAD metrics. */
export * from './predict-store.js';
export * from './store-windows.js';
export * from './window-metrics.js';
