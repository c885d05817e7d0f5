/**
 * The public surface, pinned: every run-time name of the two entry points (types aside). A change here is a change
 * of the package's API: add the name to the right group of `src/index.ts` or `src/index.node.ts` on purpose, then
 * here. Helpers stay private (they are imported by path inside the package, never through an entry).
 */
import { describe, expect, it } from 'vitest';
import * as browser from '../src/index.js';
import * as node from '../src/index.node.js';

/** The browser-safe entry (`bertvision` in a bundler). */
const BROWSER = [
    'ARCHITECTURE_NAMES', 'AdapterPooler', 'BACKEND_ENV_VAR', 'BACKEND_PREFERENCE', 'BERT_LARGE_PARAMETERS',
    'BINARY_ARCHITECTURES', 'BINARY_DEFAULT_INPUT_SHAPE', 'BertConcat', 'BertVisionError', 'COMPATIBILITY_KEYS',
    'FileFormatError', 'Float16Decoder', 'InvalidArgumentError', 'MAX_SAFETENSORS_HEADER_BYTES', 'METADATA_KEY',
    'MeanConcat', 'MismatchError', 'MissingPredictionsError', 'SPAN_ARCHITECTURES', 'SPAN_DEFAULT_INPUT_SHAPE',
    'STORE_DTYPES', 'SelectChannel', 'ShapeError', 'SplitStartEnd', 'UsageError', 'answerTokens',
    'answerabilityMetrics', 'applyAnswerabilityGate', 'architectureOf', 'architectures', 'backendCandidates',
    'binaryWindowMetrics', 'buildBinaryAdapter', 'buildBinaryHead', 'buildNpyHeader', 'buildSafetensorsHeader',
    'buildSpanAdapter', 'buildSpanHead', 'centerOfGravity', 'checkCompatible', 'checkExpectedMetadata',
    'checkModelFitsStore', 'combineWeights', 'combineWindowTensors', 'combineWindows', 'compileAdapter',
    'computeExact', 'computeF1', 'countParameters', 'decodeCheckpoint', 'decodeFeatures', 'decodeLegacyArgmax',
    'decodeSpanWindows', 'encodeCheckpoint', 'encodeFloat16', 'evaluateSquadV2', 'evaluateSquadV2Hf',
    'featuresFromTensors', 'findBestThreshold', 'fit', 'geluErf', 'geluTanh', 'getArchitecture', 'getOptimizerState',
    'inferTask', 'initBackend', 'initialTrainerState', 'installTransposedMatMul', 'isBinaryArchitecture',
    'isSpanArchitecture', 'layerMixes', 'layerWeightsSvg', 'learningCurvesSvg', 'naProbHistogramSvg',
    'noAnswerProbabilities', 'noAnswerProbabilityPerExample', 'normalizeAnswer', 'parseBackendRequest',
    'parseNaProbs', 'parseNpyHeader', 'parseSafetensorsHeader', 'parseStoreMetadata', 'postprocessQaPredictions',
    'precisionRecallCurve', 'precisionRecallSvg', 'predictStore', 'pythonJsonDumps', 'pythonJsonDumpsValue',
    'qaExamplesFor', 'readSquadQuestions', 'readStoreWindows', 'registerBackendCandidate', 'restoreModelWeights',
    'seedAdam', 'seededRandom', 'setOptimizerState', 'softmaxCrossEntropyFromLogits', 'spanFeatures', 'squadMetrics',
    'storeBatchSource', 'storeBatches', 'storeDataset', 'transformersQaFiles', 'withSeededRandom',
    // stores from bytes, Blobs and URLs (#16)
    'BlobBytes', 'MAX_HDF5_BYTES', 'MemoryBytes', 'RangeRequestError', 'UrlBytes', 'openStore', 'storeBytes',
    // Keras / PyTorch interop (#15)
    'WeightsMismatchError',
    // text in, activations and answers out (#17)
    'BertTokenizer', 'OnnxEncoder', 'QaWindowMaker', 'buildWindows', 'codePointOffsets', 'createOnnxEncoder',
    'createQaPipeline', 'readSquadExamples', 'tokenizerFromJson',
];

/** What the Node entry adds. */
const NODE_ONLY = [
    'CheckpointDirectory', 'MODEL_JSON', 'NATIVE_ENV_VAR', 'WEIGHTS_BIN', 'createStoreWriter', 'ensembleHeads',
    'evaluatePredictionsFile', 'installNativeMatMul', 'loadHeadForStore', 'loadModel', 'nativeKernelStatus',
    'nativeMatMulCalls', 'predictHead', 'readJsonFile', 'readNaProbFile', 'readStringMapFile',
    'removeStaleTempFiles', 'saveModel', 'trainHead', 'writeFileAtomic', 'writeQaOutputs',
    // Keras / PyTorch interop (#15)
    'KERAS_ARCHIVE_WEIGHTS', 'TORCH_SPAN_HEAD_KEYS', 'WRITTEN_KERAS_VERSION', 'loadKerasModel', 'loadKerasWeights',
    'loadTorchSpanHead', 'readKerasWeights', 'saveKerasWeights', 'saveTorchStateDict',
    // text on disk (#17)
    'extractActivations', 'loadOnnxEncoder', 'loadTokenizer', 'readEncoderSidecar',
];

describe('public surface', () => {
  it('the browser entry exports exactly the curated names', () => {
    expect(Object.keys(browser).sort()).toEqual([...BROWSER].sort());
  });

  it('the Node entry exports the browser names plus its own', () => {
    expect(Object.keys(node).sort()).toEqual([...BROWSER, ...NODE_ONLY].sort());
    expect(node.openStore).not.toBe(browser.openStore); // the Node one also takes paths
  });

  it('keeps the deprecated builder names as aliases of the head builders', () => {
    expect(browser.buildBinaryAdapter).toBe(browser.buildBinaryHead);
    expect(browser.buildSpanAdapter).toBe(browser.buildSpanHead);
  });
});
