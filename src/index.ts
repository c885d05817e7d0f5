/**
 * bertvision: train tiny heads on BERT hidden-state activations with TensorFlow.js.
 * This entry point is safe in browsers and bundlers; Node users get `index.node.ts` (adds stores and file IO).
 * Re-exports only.
 */
export * from './errors.js';
export * from './backend.js';
export * from './report/index.js';
export * from './layers/index.js';
export * from './train/index.js';
export * from './io/index.js';
export { openStore, storeBytes, type OpenInputOptions, type StoreBytes, type StoreFiles, type StoreInput } from './io/open-store-input.js';
export type { RandomAccessBytes } from './io/random-access.js';
export { MemoryBytes } from './io/memory-bytes.js';
export { BlobBytes } from './io/blob-bytes.js';
export { UrlBytes, type UrlBytesOptions } from './io/url-bytes.js';
export { MAX_HDF5_BYTES } from './io/hdf5-format.js';
export * from './models/index.js';
export * from './squad/index.js';
export * from './ensemble/index.js';
export * from './eval/index.js';
export * from './kernels/transposed-matmul.js';
