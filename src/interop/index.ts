/** Keras / tfjs-converter / PyTorch interop: bring the seed's heads in, take bertvision's heads out. Node only. */
export {
  loadKerasWeights,
  saveKerasWeights,
  readKerasWeights,
  KERAS_ARCHIVE_WEIGHTS,
  type LoadKerasWeightsOptions,
} from './keras-weights.js';
export { loadKerasModel, type LoadedKerasModel } from './keras-model.js';
export type { KerasWeightsLoadReport, LayerMatching } from './keras-weights-match.js';
export type { KerasStoredLayer, KerasStoredWeight, KerasWeightsFile } from './keras-weights-file.js';
export { WRITTEN_KERAS_VERSION, type KerasWeightsWriteReport } from './keras-weights-writer.js';
export {
  loadTorchSpanHead,
  saveTorchStateDict,
  TORCH_SPAN_HEAD_KEYS,
  type LoadedTorchSpanHead,
  type LoadTorchSpanHeadOptions,
} from './torch-span-head.js';
