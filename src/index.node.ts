/**
 * Node entry point of bertvision: everything in the universal entry, plus the parts that need the file system
 * (activation stores, model save/load) and the Node backend candidates (tfjs-node(-gpu), wasm).
 * Re-exports only (and the backend registration side effect).
 */
import './node/backends.js';

export * from './index.js';
export * from './node/atomic-file.js';
export * from './node/checkpoint-directory.js';
export * from './io/index.node.js';
export * from './node/model-files.js';
export * from './node/squad-files.js';
export * from './node/train-head.js';
export * from './node/load-head.js';
export * from './node/qa-output.js';
export { NATIVE_ENV_VAR, nativeKernelStatus, type NativeCapabilities, type NativeStatus } from './node/native.js';
export { installNativeMatMul, nativeMatMulCalls, type NativeMatMulOptions } from './node/native-matmul.js';
export { loadTokenizer } from './text/load-tokenizer.node.js';
export { loadOnnxEncoder, readEncoderSidecar } from './text/load-encoder.node.js';
export { extractActivations, type ExtractActivationsOptions, type ExtractSummary } from './text/extract-activations.js';
