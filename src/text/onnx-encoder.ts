/**
 * A BERT-family encoder exported by tools/onnx/export.py, run with ONNX Runtime: windows in, every hidden state out
 * (layers on the last axis, the activation store's layout), plus the pooler output and the QA logits when the model
 * has them.
 */
import { InvalidArgumentError, ShapeError } from '../errors.js';
import { loadOrt, type OrtChoice, type OrtModule, type OrtSession, type OrtTensor } from './onnx-runtime.js';

/** What tools/onnx/export.py's `<model>.json` sidecar records about the exported model. */
export interface EncoderInfo {
  /** Model id recorded in store metadata. */
  modelId: string;
  /** Hub commit, or `sha256:<hex>` of the weights file. */
  modelRevision: string;
  /** Tokenizer id recorded in store metadata. */
  tokenizerId: string;
  /** Transformer layers (the hidden states are the embeddings plus one per layer). */
  numLayers: number;
  hiddenSize: number;
}

/** A batch of windows, row-major `[batch, sequence]`. */
export interface EncoderInput {
  inputIds: Int32Array;
  attentionMask: Int32Array;
  /** Segment ids; required when the model takes them (BERT), ignored otherwise. Default: zeros. */
  tokenTypeIds?: Int32Array;
  batch: number;
  sequence: number;
}

/** One batch's outputs, float32, row-major. */
export interface EncoderOutput {
  /** `[batch, sequence, hidden, layers]`: embeddings then each layer. */
  hiddenStates: Float32Array;
  /** Embeddings + layers (numLayers + 1). */
  layers: number;
  hidden: number;
  /** `[batch, hidden]` when the model has a pooler. */
  pooled: Float32Array | undefined;
  /** `[batch, sequence]` when the model has a QA head. */
  startLogits: Float32Array | undefined;
  endLogits: Float32Array | undefined;
}

/** Options of `createOnnxEncoder`. */
export interface OnnxEncoderOptions {
  /** Which ONNX Runtime. Default `'auto'`: onnxruntime-node when installed, else onnxruntime-web. */
  runtime?: OrtChoice;
  /** onnxruntime-web's wasm threads. Default: its own (half the cores, at most 4). */
  threads?: number;
  /**
   * An ONNX Runtime module to use instead of importing one, e.g. `await import('onnxruntime-web')` in a bundled page
   * (bundlers cannot follow the optional import). Default: none.
   */
  ort?: OrtModule;
  /** Model facts for store metadata (tools/onnx/export.py's sidecar). Default: unknown ids, sizes from the outputs. */
  info?: Partial<EncoderInfo>;
}

function toInt64(values: Int32Array): BigInt64Array {
  const out = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i] as number);
  return out;
}

function float32(tensor: OrtTensor | undefined, name: string): Float32Array | undefined {
  if (!tensor) return undefined;
  if (!(tensor.data instanceof Float32Array))
    throw new ShapeError(`ONNX output '${name}' is ${tensor.type}, not float32`);
  return tensor.data;
}

/** An encoder session. Create it with `createOnnxEncoder` (bytes) or `loadOnnxEncoder` (a file, Node). */
export class OnnxEncoder {
  /** Whether the model has a QA head (`start_logits`/`end_logits` outputs). */
  readonly hasQaHead: boolean;
  /** Whether the model has a pooler (`pooler_output`). */
  readonly hasPooler: boolean;
  /** Whether the model takes `token_type_ids`. */
  readonly takesTokenTypes: boolean;

  constructor(
    private readonly ort: OrtModule,
    private readonly session: OrtSession,
    /** The package that runs the model: `'onnxruntime-node'` or `'onnxruntime-web'`. */
    readonly runtime: string,
    /** Model facts (from the sidecar or the options). */
    readonly info: Partial<EncoderInfo>,
  ) {
    const missing = ['input_ids', 'attention_mask'].filter((n) => !session.inputNames.includes(n));
    if (missing.length > 0 || !session.outputNames.includes('hidden_states')) {
      throw new InvalidArgumentError(
        `the ONNX model lacks ${[...missing, ...(session.outputNames.includes('hidden_states') ? [] : ['the hidden_states output'])].join(', ')}: export it with tools/onnx/export.py`,
      );
    }
    this.hasQaHead = session.outputNames.includes('start_logits') && session.outputNames.includes('end_logits');
    this.hasPooler = session.outputNames.includes('pooler_output');
    this.takesTokenTypes = session.inputNames.includes('token_type_ids');
  }

  /** Run one batch of windows. @throws ShapeError when the arrays do not hold batch × sequence values. */
  async run(input: EncoderInput): Promise<EncoderOutput> {
    const { batch, sequence } = input;
    const size = batch * sequence;
    for (const [name, array] of [
      ['inputIds', input.inputIds],
      ['attentionMask', input.attentionMask],
      ['tokenTypeIds', input.tokenTypeIds],
    ] as const) {
      if (array && array.length !== size)
        throw new ShapeError(
          `encoder input ${name} has ${array.length} values, not batch ${batch} × sequence ${sequence}`,
        );
    }
    const dims = [batch, sequence];
    const feeds: Record<string, OrtTensor> = {
      input_ids: new this.ort.Tensor('int64', toInt64(input.inputIds), dims),
      attention_mask: new this.ort.Tensor('int64', toInt64(input.attentionMask), dims),
    };
    if (this.takesTokenTypes)
      feeds.token_type_ids = new this.ort.Tensor('int64', toInt64(input.tokenTypeIds ?? new Int32Array(size)), dims);
    const out = await this.session.run(feeds);
    try {
      const hidden = out.hidden_states as OrtTensor;
      const [, , hiddenSize, layers] = hidden.dims;
      return {
        hiddenStates: float32(hidden, 'hidden_states') as Float32Array,
        layers: layers as number,
        hidden: hiddenSize as number,
        pooled: float32(out.pooler_output, 'pooler_output'),
        startLogits: float32(out.start_logits, 'start_logits'),
        endLogits: float32(out.end_logits, 'end_logits'),
      };
    } finally {
      for (const tensor of Object.values(feeds)) tensor.dispose?.();
    }
  }

  /** Release the session. */
  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/**
 * An encoder from the bytes of an ONNX model made by tools/onnx/export.py.
 * @throws InvalidArgumentError when no ONNX Runtime is installed or the model lacks the expected inputs/outputs.
 * @example
 * const encoder = await createOnnxEncoder(new Uint8Array(await (await fetch('minilm.onnx')).arrayBuffer()));
 */
export async function createOnnxEncoder(model: Uint8Array, options: OnnxEncoderOptions = {}): Promise<OnnxEncoder> {
  const { ort, runtime } = options.ort
    ? { ort: options.ort, runtime: 'onnxruntime (given)' }
    : await loadOrt(options.runtime);
  if (options.threads !== undefined && ort.env.wasm) ort.env.wasm.numThreads = options.threads;
  let session: OrtSession;
  try {
    session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'all' });
  } catch (cause) {
    throw new InvalidArgumentError(`${runtime} cannot load the ONNX model: ${(cause as Error).message}`, { cause });
  }
  return new OnnxEncoder(ort, session, runtime, options.info ?? {});
}
