/**
 * bertvision: train tiny heads on BERT hidden-state activations with TensorFlow.js.
 *
 * This entry point is safe in browsers and bundlers; Node users get `index.node.ts`, which adds stores on disk, file
 * IO, the training and prediction jobs and the native kernels. Every public name is listed here, grouped:
 *
 * 1. Errors
 * 2. Backend choice
 * 3. Layers (tfjs-layers classes and activations)
 * 4. Models (heads, the architecture registry, compiling, counting)
 * 5. Activation stores: dtypes, float16, metadata, headers, store types
 * 6. Data: batches from a store, the seeded PRNG
 * 7. Training (fit, checkpoints, optimizer state)
 * 8. Evaluation of a head on a store
 * 9. SQuAD 2.0: dataset, decoders, the official metric, Python-compatible JSON
 * 10. Ensembles and the answerability gate
 * 11. Reports (SVG plots, layer mixes)
 * 12. Text: tokenizer, run_qa windows, the ONNX encoder, the QA pipeline
 *
 * Re-exports only (and the browser backend registration side effect).
 */

// 1. Errors
export {
  BertVisionError,
  FileAccessError,
  FileFormatError,
  InUseError,
  InvalidArgumentError,
  MismatchError,
  OutOfMemoryError,
  RangeRequestError,
  ShapeError,
  UsageError,
  WeightsMismatchError,
} from './errors.js';

// 2. Backend choice (in a page or a worker, importing this entry offers webgpu, webgl and wasm where loaded)
import './backend/browser-candidates.js';
export {
  BACKEND_ENV_VAR,
  BACKEND_PREFERENCE,
  backendCandidates,
  initBackend,
  parseBackendRequest,
  registerBackendCandidate,
  type BackendCandidate,
  type BackendChoice,
  type BackendName,
  type InitBackendOptions,
} from './backend/choose.js';
export { installTransposedMatMul } from './backend/kernels/transposed-matmul.js';

// 3. Layers
export { geluErf, geluTanh } from './layers/activations.js';
export { AdapterPooler, type AdapterActivation, type AdapterPoolerArgs } from './layers/adapter-pooler.js';
export { BertConcat, type BertConcatArgs } from './layers/bert-concat.js';
export type { InputGradientMode } from './layers/graph-position.js';
export { MeanConcat, type MeanConcatArgs } from './layers/mean-concat.js';
export { SelectChannel, type SelectChannelArgs } from './layers/select-channel.js';
export { SplitStartEnd, type SplitStartEndArgs } from './layers/split-start-end.js';
export type { Initializer, InitializerSpec, LayerArgs, SerializedInitializer } from './layers/types.js';

// 4. Models
export { BINARY_DEFAULT_INPUT_SHAPE } from './models/binary.js';
export { METADATA_KEY, architectureOf } from './models/common.js';
export { compileAdapter, inferTask, seedAdam, softmaxCrossEntropyFromLogits } from './models/compile.js';
export { countParameters, type ParameterCount } from './models/count.js';
export {
  ARCHITECTURE_NAMES,
  BERT_LARGE_PARAMETERS,
  architectures,
  getArchitecture,
  type ArchitectureInfo,
} from './models/registry.js';
export {
  BINARY_ARCHITECTURES,
  SPAN_ARCHITECTURES,
  buildBinaryAdapter,
  buildBinaryHead,
  buildSpanAdapter,
  buildSpanHead,
  isBinaryArchitecture,
  isSpanArchitecture,
} from './models/heads.js';
export { SPAN_DEFAULT_INPUT_SHAPE } from './models/span.js';
export type {
  ActivationShape,
  AdamOptions,
  ArchitectureMetadata,
  ArchitectureName,
  BinaryArchitecture,
  BuildOptions,
  SpanArchitecture,
  Task,
} from './models/types.js';

// 5. Activation stores (browser-safe parts; opening files is in the Node entry)
export { STORE_DTYPES, type StoreArray, type StoreDtype } from './store/dtype.js';
export { Float16Decoder, encodeFloat16 } from './store/float16.js';
export {
  COMPATIBILITY_KEYS,
  checkCompatible,
  checkExpectedMetadata,
  parseStoreMetadata,
  type CompatibilityKey,
  type ExpectedMetadata,
  type StoreMetadata,
} from './store/metadata.js';
export { buildNpyHeader, parseNpyHeader, type NpyHeader } from './store/npy/header.js';
export {
  MAX_SAFETENSORS_HEADER_BYTES,
  buildSafetensorsHeader,
  parseSafetensorsHeader,
  type SafetensorsEntry,
  type SafetensorsHeader,
  type SafetensorsLayoutEntry,
} from './store/safetensors/header.js';
export type { ActivationStore, OpenStoreOptions, StoreContainer, TensorInfo } from './store/store.js';
export {
  openStore,
  storeBytes,
  type OpenInputOptions,
  type StoreBytes,
  type StoreFiles,
  type StoreInput,
} from './store/open-store-input.js';
export type { RandomAccessBytes } from './store/random-access.js';
export { MemoryBytes } from './store/memory-bytes.js';
export { BlobBytes } from './store/blob-bytes.js';
export { UrlBytes, type UrlBytesOptions } from './store/url-bytes.js';
export { MAX_HDF5_BYTES } from './store/hdf5/format.js';

// 6. Data
export type { Batch, BatchSource } from './data/batch-source.js';
export { storeBatches, type BatchOptions, type LabelKind, type StoreBatch } from './data/dataset.js';
export { storeBatchSource, storeDataset, type DatasetOptions, type TensorBatch } from './data/dataset-tf.js';
export { seededRandom, withSeededRandom } from './data/random.js';

// 7. Training
export { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from './train/checkpoint-format.js';
export type { CheckpointKind, CheckpointStore } from './train/checkpoint-store.js';
export { restoreModelWeights } from './train/checkpoint-weights.js';
export { getOptimizerState, setOptimizerState, type NamedTensor } from './train/optimizer-state.js';
export { initialTrainerState, type EpochSummary, type TrainerState } from './train/trainer-state.js';
export { fit, type FitOptions, type FitResult, type ResumePoint, type TrainingProgress } from './train/trainer.js';
export type { FitCallback } from './train/fit-callbacks.js';

// 8. Evaluation of a head on a store
export {
  checkModelFitsStore,
  predictStore,
  type PredictStoreOptions,
  type WindowOutputs,
} from './eval/predict-store.js';
export { readStoreWindows, type StoreWindows } from './eval/store-windows.js';
export { binaryWindowMetrics, decodeSpanWindows, spanFeatures, squadMetrics } from './eval/window-metrics.js';

// 9. SQuAD 2.0
export { qaExamplesFor, readSquadQuestions, type SquadQuestion } from './squad/dataset.js';
export { decodeFeatures, type SpanDecoder } from './squad/decode/dispatch.js';
export {
  postprocessQaPredictions,
  type NBestEntry,
  type PostprocessOptions,
  type QaDecodeResult,
} from './squad/decode/hf.js';
export type { OffsetMapping, QaExample, QaFeature } from './squad/decode/input.js';
export { transformersQaFiles, type TransformersQaFiles } from './squad/decode/json.js';
export { decodeLegacyArgmax, type LegacyDecodeOptions, type LegacyPrediction } from './squad/decode/legacy.js';
export { featuresFromTensors, type WindowTensors } from './squad/decode/tensors.js';
export { answerabilityMetrics, type AnswerabilityMetrics } from './squad/metric/answerability.js';
export { evaluateSquadV2Hf, type HfSquadV2Prediction, type HfSquadV2Reference } from './squad/metric/hf-evaluate.js';
export { parseNaProbs } from './squad/metric/na-probs.js';
export { answerTokens, normalizeAnswer } from './squad/metric/normalize.js';
export {
  MissingPredictionsError,
  evaluateSquadV2,
  type NaProbEntry,
  type SquadV2EvalOptions,
  type SquadV2Evaluation,
} from './squad/metric/official-eval.js';
export { computeExact, computeF1 } from './squad/metric/scores.js';
export {
  findBestThreshold,
  precisionRecallCurve,
  type BestThreshold,
  type PrContext,
  type PrCurve,
  type ScoredQuestion,
} from './squad/metric/thresholds.js';
export {
  pythonJsonDumps,
  pythonJsonDumpsValue,
  type PyJson,
  type PyNumber,
  type PyObject,
} from './squad/pyjson/python-json.js';

// 10. Ensembles and the answerability gate
export {
  applyAnswerabilityGate,
  noAnswerProbabilities,
  noAnswerProbabilityPerExample,
  type AnswerabilityGateOptions,
  type GatedPredictions,
} from './ensemble/answerability-gate.js';
export { combineWeights, combineWindows, type CombineMethod, type CombineOptions } from './ensemble/combine.js';
export { combineWindowTensors, type WindowLogitTensors } from './ensemble/combine-tensors.js';

// 11. Reports
export { layerMixes, type LayerMixReport } from './report/layer-mixes.js';
export { centerOfGravity } from './report/layer-stats.js';
export { layerWeightsSvg, type LayerWeightsPlotOptions } from './report/layer-weights-plot.js';
export { learningCurvesSvg, type EpochRecord, type LearningCurvesPlotOptions } from './report/learning-curves-plot.js';
export { naProbHistogramSvg, precisionRecallSvg } from './report/squad-plots.js';

// 12. Text: WordPiece tokenizer, run_qa windows, SQuAD examples, the ONNX encoder, the QA pipeline
export {
  BertTokenizer,
  codePointOffsets,
  tokenizerFromJson,
  type Encoding,
  type TokenSequence,
} from './text/tokenizer.js';
export {
  buildWindows,
  QaWindowMaker,
  type QaExample as QaWindowExample,
  type QaWindow,
  type WindowSettings,
} from './text/windows.js';
export { readSquadExamples, type SquadQaExample } from './text/squad-examples.js';
export {
  createOnnxEncoder,
  OnnxEncoder,
  type EncoderInfo,
  type EncoderInput,
  type EncoderOutput,
  type OnnxEncoderOptions,
} from './text/onnx-encoder.js';
export type { OrtChoice, OrtModule } from './text/onnx-runtime.js';
export { createQaPipeline, type QaAnswer, type QaPipeline, type QaPipelineOptions } from './text/qa-pipeline.js';
