/**
 * Node entry point of bertvision: everything in the universal entry (`index.ts`), plus what needs the file
 * system or Node: opening and writing activation stores, saving and loading heads, the jobs a `bertvision` command
 * runs (train, predict, ensemble, evaluate) as library functions, atomic file writes, and the Node backend
 * candidates (tfjs-node(-gpu), wasm with bertvision's native kernels), registered by importing this module.
 *
 * 1. Everything browser-safe (`index.ts`)
 * 2. Activation stores on disk
 * 3. Jobs: train, predict, ensemble, evaluate, and what they are made of
 * 4. Files: atomic writes, JSON and na_prob files
 * 5. Native kernels
 * 6. Keras and PyTorch heads in and out
 * 7. Text on disk: tokenizer and encoder files, extraction
 *
 * Re-exports only (and the backend registration side effect).
 */
import './backend/node-candidates.js';

// 1. Everything browser-safe
export * from './index.js';

// 2. Activation stores on disk
// the Node openStore (paths, and everything the browser one takes) wins over the browser entry's
export { openStore } from './store/open-store.js';
export {
  createStoreWriter,
  type StoreFormat,
  type StoreWriter,
  type StoreWriterOptions,
  type WritableArray,
} from './store/writer.js';

// 3. Jobs
export { trainHead, type TrainHeadOptions, type TrainHeadResult } from './jobs/train.js';
export { predictHead, type PredictHeadOptions, type PredictHeadResult } from './jobs/predict.js';
export {
  ensembleHeads,
  type EnsembleGate,
  type EnsembleHeadsOptions,
  type EnsembleHeadsResult,
} from './jobs/ensemble.js';
export { evaluatePredictionsFile, type EvaluatePredictionsOptions } from './jobs/evaluate.js';
export { loadHeadForStore } from './jobs/load-head.js';
export { MODEL_JSON, WEIGHTS_BIN, loadModel, saveModel, type SavedModelInfo } from './jobs/model-files.js';
export { CheckpointDirectory } from './jobs/checkpoint-directory.js';
export { writeQaOutputs, type QaOutputFiles } from './jobs/qa-output.js';

// 4. Files
export { removeStaleTempFiles, writeFileAtomic, type AtomicFileContent } from './platform/atomic-file.js';
export { readJsonFile, readNaProbFile, readStringMapFile } from './jobs/json-files.js';

// 5. Native kernels
export { NATIVE_ENV_VAR, nativeKernelStatus, type NativeCapabilities, type NativeStatus } from './platform/native.js';
export {
  installNativeMatMul,
  nativeMatMulCalls,
  type NativeMatMulOptions,
  // opt-in bf16 matrix products (BERTVISION_MATMUL=bf16, --matmul bf16)
  bf16Unavailable,
  MATMUL_ENV_VAR,
  matMulPrecision,
  type MatMulPrecision,
  nativeMatMulBf16Calls,
  setMatMulPrecision,
} from './backend/kernels/native-matmul.js';

// 6. Keras and PyTorch heads in and out (the seed's files)
export {
  KERAS_ARCHIVE_WEIGHTS,
  TORCH_SPAN_HEAD_KEYS,
  WRITTEN_KERAS_VERSION,
  loadKerasModel,
  loadKerasWeights,
  loadTorchSpanHead,
  readKerasWeights,
  saveKerasWeights,
  saveTorchStateDict,
  type KerasStoredLayer,
  type KerasStoredWeight,
  type KerasWeightsFile,
  type KerasWeightsLoadReport,
  type KerasWeightsWriteReport,
  type LayerMatching,
  type LoadKerasWeightsOptions,
  type LoadTorchSpanHeadOptions,
  type LoadedKerasModel,
  type LoadedTorchSpanHead,
} from './interop/index.js';

// 7. Text on disk: tokenizer and ONNX encoder files, extracting activation stores
export { loadTokenizer } from './text/load-tokenizer.node.js';
export { loadOnnxEncoder, readEncoderSidecar } from './text/load-encoder.node.js';
export { extractActivations, type ExtractActivationsOptions, type ExtractSummary } from './text/extract-activations.js';
