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
export * from './models/index.js';
export * from './squad/index.js';
export * from './ensemble/index.js';
export * from './eval/index.js';
export * from './kernels/transposed-matmul.js';
export { BertTokenizer, codePointOffsets, tokenizerFromJson, type Encoding, type TokenSequence } from './text/tokenizer.js';
export { buildWindows, QaWindowMaker, type QaExample as QaWindowExample, type QaWindow, type WindowSettings } from './text/windows.js';
export { readSquadExamples, type SquadQaExample } from './text/squad-examples.js';
export { createOnnxEncoder, OnnxEncoder, type EncoderInfo, type EncoderInput, type EncoderOutput, type OnnxEncoderOptions } from './text/onnx-encoder.js';
export type { OrtChoice, OrtModule } from './text/onnx-runtime.js';
export { createQaPipeline, type QaAnswer, type QaPipeline, type QaPipelineOptions } from './text/qa-pipeline.js';
