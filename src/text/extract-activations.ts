/**
 * `extractActivations`: SQuAD questions → run_qa windows → ONNX encoder → an activation store, the same store
 * tools/extract writes (tensor names and order, labels, offsets, metadata, float16, CLS-only mode, QA logits).
 * Streams: windows are counted first (tokenising only), then made, encoded and appended one batch at a time. With
 * `append`, the windows of questions an existing compatible store lacks are added to it (extract-append.ts).
 */
import { InvalidArgumentError, ShapeError } from '../errors.js';
import type { StoreMetadata } from '../store/metadata.js';
import { createStoreWriter, type StoreFormat, type StoreWriter, type WritableArray } from '../store/writer.js';
import { openAppendBase } from './extract-append.js';
import type { OnnxEncoder } from './onnx-encoder.js';
import type { SquadQaExample } from './squad-examples.js';
import type { BertTokenizer } from './tokenizer.js';
import { QaWindowMaker, type QaWindow, type WindowSettings } from './windows.js';

/** Options of `extractActivations`. */
export interface ExtractActivationsOptions {
  tokenizer: BertTokenizer;
  encoder: OnnxEncoder;
  /** Questions in store order (`readSquadExamples`). */
  examples: readonly SquadQaExample[];
  /** Store path: `.safetensors`, a directory (npy), or `.h5` (float32 only: h5wasm cannot write float16). */
  output: string;
  /** Container. Default: from the output name (`.h5`/`.hdf5` HDF5, `.safetensors`, else an npy directory). */
  format?: StoreFormat;
  /** Windowing. Default: run_qa.py's (384 tokens, stride 128, no question limit). */
  windows?: WindowSettings;
  /** Activation dtype. Default `'float16'`. */
  dtype?: 'float16' | 'float32';
  /** Keep only the CLS position (S = 1), with the pooler output as channel 0 `pooled` when the model has one. Default false. */
  clsOnly?: boolean;
  /** Windows per encoder call. Default 8. */
  batchSize?: number;
  /** The SQuAD file the examples came from (metadata `source`). Default: none. */
  source?: { file: string; sha256: string; split?: { file: string; sha256: string; part: string } };
  /** Model facts for the metadata; default: the encoder's `info` (its sidecar). */
  modelId?: string;
  modelRevision?: string;
  tokenizerId?: string;
  /**
   * Add to the store at `output` when there is one (tools/extract's `--append`): it must have been made with the same
   * settings (every compatibility key, dtype, SQuAD source and tensor set equal); questions it already holds are
   * skipped, the others' windows follow its own, and the result replaces it atomically. Default false.
   */
  append?: boolean;
  /** Called after each batch with windows done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** What `extractActivations` wrote. */
export interface ExtractSummary {
  output: string;
  /** Windows and questions written by this run. */
  windows: number;
  questions: number;
  /** Questions skipped because the store already held them (append only; else 0). */
  skipped: number;
  /** Windows in the store now (with the ones it already had when appending). */
  totalWindows: number;
}

/** Producer name recorded in `created_by`. */
export const EXTRACT_TOOL_NAME = 'bertvision extract (onnx)';
const FLOAT16_LIMIT = 65520; // values at or above round to infinity in float16

/** tools/extract's container rule: `.h5`/`.hdf5` HDF5, `.safetensors`, anything else an npy directory. */
export function storeFormatOf(path: string): StoreFormat {
  const lower = path.toLowerCase();
  return lower.endsWith('.h5') || lower.endsWith('.hdf5')
    ? 'hdf5'
    : lower.endsWith('.safetensors')
      ? 'safetensors'
      : 'npy';
}

/** `["embeddings", "layer_1", …]`, with `"pooled"` first for a CLS store of a model with a pooler. */
export function channelNames(numLayers: number, withPooled: boolean): string[] {
  const names = ['embeddings', ...Array.from({ length: numLayers }, (_, k) => `layer_${k + 1}`)];
  return withPooled ? ['pooled', ...names] : names;
}

function* batchesOf(
  maker: QaWindowMaker,
  examples: readonly SquadQaExample[],
  size: number,
  firstIndex: number,
): Generator<QaWindow[]> {
  let batch: QaWindow[] = [];
  for (let e = 0; e < examples.length; e++) {
    for (const window of maker.windowsOf(examples[e] as SquadQaExample, firstIndex + e)) {
      batch.push(window);
      if (batch.length === size) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}

function concat(windows: readonly QaWindow[], pick: (w: QaWindow) => Int32Array): Int32Array {
  const size = pick(windows[0] as QaWindow).length;
  const out = new Int32Array(windows.length * size);
  windows.forEach((w, i) => out.set(pick(w), i * size));
  return out;
}

/** [B, S, H, L] → [B, keep, H, C] with the pooler output as channel 0 when `pooled` is given. */
function stored(
  hidden: Float32Array,
  pooled: Float32Array | undefined,
  batch: number,
  seq: number,
  size: number,
  layers: number,
  keep: number,
): Float32Array {
  const channels = layers + (pooled ? 1 : 0);
  const out = new Float32Array(batch * keep * size * channels);
  for (let b = 0; b < batch; b++) {
    for (let s = 0; s < keep; s++) {
      for (let h = 0; h < size; h++) {
        const from = ((b * seq + s) * size + h) * layers;
        let to = ((b * keep + s) * size + h) * channels;
        if (pooled) out[to++] = pooled[b * size + h] as number;
        out.set(hidden.subarray(from, from + layers), to);
      }
    }
  }
  return out;
}

function keepColumns(
  values: Float32Array | Int32Array,
  batch: number,
  width: number,
  keep: number,
): Float32Array | Int32Array {
  if (keep === width) return values;
  const out = new (values.constructor as Float32ArrayConstructor | Int32ArrayConstructor)(batch * keep);
  for (let b = 0; b < batch; b++) out.set(values.subarray(b * width, b * width + keep), b * keep);
  return out;
}

/** What encoding a run's windows needs to know. */
interface EncodeJob {
  encoder: OnnxEncoder;
  numLayers: number;
  hiddenSize: number;
  seq: number;
  keep: number;
  withPooled: boolean;
  dtype: 'float16' | 'float32';
  onProgress: ((done: number, total: number) => void) | undefined;
}

/** Encodes `batches` (`total` windows in all) and appends their tensors to `writer`. */
async function encodeInto(
  writer: StoreWriter,
  batches: Iterable<QaWindow[]>,
  total: number,
  job: EncodeJob,
): Promise<void> {
  const { encoder, numLayers, hiddenSize, seq, keep, withPooled, dtype } = job;
  let done = 0;
  job.onProgress?.(0, total);
  for (const batch of batches) {
    const n = batch.length;
    const out = await encoder.run({
      inputIds: concat(batch, (w) => w.inputIds),
      attentionMask: concat(batch, (w) => w.attentionMask),
      tokenTypeIds: concat(batch, (w) => w.tokenTypeIds),
      batch: n,
      sequence: seq,
    });
    if (out.layers !== numLayers + 1 || out.hidden !== hiddenSize) {
      throw new ShapeError(
        `the encoder gave ${out.layers} hidden states of size ${out.hidden}; its sidecar says ${numLayers + 1} of ${hiddenSize}`,
      );
    }
    const hidden = stored(out.hiddenStates, withPooled ? out.pooled : undefined, n, seq, hiddenSize, out.layers, keep);
    if (dtype === 'float16' && hidden.some((v) => !(Math.abs(v) < FLOAT16_LIMIT))) {
      throw new InvalidArgumentError(
        `windows ${done}..${done + n - 1}: hidden states overflow float16 (use dtype float32)`,
      );
    }
    const tensors: Record<string, WritableArray> = {
      hidden_state_activations: hidden,
      start_positions: Int32Array.from(batch, (w) => w.startPosition),
      end_positions: Int32Array.from(batch, (w) => w.endPosition),
      is_impossible: Int32Array.from(batch, (w) => w.isImpossible),
      example_index: Int32Array.from(batch, (w) => w.exampleIndex),
      offset_mapping: keepColumns(
        concat(batch, (w) => w.offsets),
        n,
        2 * seq,
        2 * keep,
      ) as Int32Array,
    };
    if (encoder.hasQaHead) {
      tensors.start_logits = keepColumns(out.startLogits as Float32Array, n, seq, keep) as Float32Array;
      tensors.end_logits = keepColumns(out.endLogits as Float32Array, n, seq, keep) as Float32Array;
    }
    await writer.append(tensors);
    done += n;
    job.onProgress?.(done, total);
  }
}

/**
 * Extract hidden states of every window of `examples` into a new store at `output` (atomic: the store appears
 * only when complete), or with `append` into the store already there.
 * @throws InvalidArgumentError on bad options or float16 overflow (naming the windows; use float32), ShapeError when
 *   the encoder's outputs do not match its sidecar, MismatchError when appending to a store made otherwise.
 * @example
 * const summary = await extractActivations({ tokenizer, encoder, examples: readSquadExamples(json).slice(0, 20), output: 'dev20.safetensors' });
 */
export async function extractActivations(options: ExtractActivationsOptions): Promise<ExtractSummary> {
  const { tokenizer, encoder, examples, output } = options;
  const dtype = options.dtype ?? 'float16';
  const batchSize = options.batchSize ?? 8;
  const clsOnly = options.clsOnly ?? false;
  const format = options.format ?? storeFormatOf(output);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new InvalidArgumentError(`batchSize must be a positive integer, got ${batchSize}`);
  if (examples.length === 0)
    throw new InvalidArgumentError('no questions to extract (empty input, or every question was filtered out)');
  const { numLayers, hiddenSize } = encoder.info;
  if (numLayers === undefined || hiddenSize === undefined)
    throw new InvalidArgumentError(
      'the encoder has no num_layers/hidden_size (its tools/onnx/export.py sidecar is missing)',
    );
  const settings = {
    maxSeqLength: options.windows?.maxSeqLength ?? 384,
    docStride: options.windows?.docStride ?? 128,
    maxQueryLength: options.windows?.maxQueryLength,
  };
  const withPooled = clsOnly && encoder.hasPooler;
  const channels = channelNames(numLayers, withPooled);
  const seq = settings.maxSeqLength;
  const keep = clsOnly ? 1 : seq;

  const metadata: StoreMetadata = {
    format: 'bertvision-activations',
    version: 1,
    model_id: options.modelId ?? encoder.info.modelId ?? 'unknown',
    model_revision: options.modelRevision ?? encoder.info.modelRevision ?? 'unknown',
    tokenizer_id:
      options.tokenizerId ?? encoder.info.tokenizerId ?? options.modelId ?? encoder.info.modelId ?? 'unknown',
    max_seq_length: seq,
    doc_stride: settings.docStride,
    max_query_length: settings.maxQueryLength ?? null,
    positions: clsOnly ? 'cls' : 'all',
    channels,
    dtype,
    ...(options.source ? { source: options.source } : {}),
    created_by: EXTRACT_TOOL_NAME,
    ...(clsOnly
      ? {
          pooler: withPooled
            ? "the model's own pooler (tanh(dense(last-layer CLS))) from the checkpoint weights"
            : "none: the model has no pooler weights, so there is no 'pooled' channel",
        }
      : {}),
  };
  const example: Record<string, number[]> = {
    hidden_state_activations: [keep, hiddenSize, channels.length],
    start_positions: [],
    end_positions: [],
    is_impossible: [],
    example_index: [],
    offset_mapping: [keep, 2],
    ...(encoder.hasQaHead ? { start_logits: [keep], end_logits: [keep] } : {}),
  };
  const base = options.append ? await openAppendBase(output, metadata, Object.keys(example)) : undefined;
  try {
    const known = new Set(base?.exampleIds);
    const fresh = examples.filter((e) => !known.has(e.id));
    const before = base?.windows ?? 0;
    if (fresh.length === 0) return { output, windows: 0, questions: 0, skipped: examples.length, totalWindows: before };
    const counter = new QaWindowMaker(tokenizer, settings);
    let total = 0;
    for (const [i, e] of fresh.entries()) total += counter.windowsOf(e, i).length;
    metadata.example_ids = [...(base?.exampleIds ?? []), ...fresh.map((e) => e.id)];
    const shapes = Object.fromEntries(
      Object.entries(example).map(([name, shape]) => [name, [before + total, ...shape]]),
    );
    const writer = await createStoreWriter(base?.temporary ?? output, { format, shapes, dtype, metadata });
    try {
      await base?.copyInto(writer, clsOnly ? 4096 : batchSize);
      const batches = batchesOf(new QaWindowMaker(tokenizer, settings), fresh, batchSize, base?.exampleIds.length ?? 0);
      const job = { encoder, numLayers, hiddenSize, seq, keep, withPooled, dtype, onProgress: options.onProgress };
      await encodeInto(writer, batches, total, job);
      await writer.finish();
    } catch (error) {
      await writer.abort();
      throw error;
    }
    await base?.replace();
    return {
      output,
      windows: total,
      questions: fresh.length,
      skipped: examples.length - fresh.length,
      totalWindows: before + total,
    };
  } finally {
    await base?.close();
  }
}
