/** Browser-safe part of the activation-store API: dtypes, float16, headers, metadata checks, store types. */
export * from './dtype.js';
export * from './float16.js';
export * from './metadata.js';
export * from './npy-header.js';
export * from './safetensors-header.js';
export type * from './store.js';
export { moveAxisLast, shapeWithAxisLast } from './transpose.js';
export * from './dataset.js';
export * from './shuffle.js';
export * from './dataset-tf.js';
