/**
 * `createQaPipeline`: question + context in, answer out. The context is cut into run_qa.py windows, the encoder
 * gives each window's hidden states (and QA logits when it has a QA head), a bertvision head — or the encoder's own
 * QA head — gives start/end logits, and transformers' `postprocess_qa_predictions` (the decoder bertvision already
 * has) picks the answer over all windows.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError, MismatchError } from '../errors.js';
import { postprocessQaPredictions, type PostprocessOptions } from '../squad/decode/hf.js';
import type { QaFeature } from '../squad/decode/input.js';
import type { EncoderOutput, OnnxEncoder } from './onnx-encoder.js';
import type { BertTokenizer } from './tokenizer.js';
import { QaWindowMaker, type QaWindow, type WindowSettings } from './windows.js';

/** Options of `createQaPipeline`. */
export interface QaPipelineOptions {
  tokenizer: BertTokenizer;
  encoder: OnnxEncoder;
  /**
   * A bertvision span head (input `[batch, S, hidden, channels]` with the embeddings and every layer as channels,
   * outputs start and end logits). Default: none, the encoder's own QA head is used (the model must have one).
   */
  head?: tf.LayersModel;
  /**
   * Windowing. Default: run_qa.py's (384 tokens, stride 128); with a head, its input's token count (e.g. 128) as
   * `maxSeqLength` unless given.
   */
  windows?: WindowSettings;
  /** Decoding (n-best size, longest answer, null threshold). Default: run_qa.py's. */
  decode?: PostprocessOptions;
  /** Windows per encoder call. Default 8. */
  batchSize?: number;
}

/** One answer. */
export interface QaAnswer {
  /** The answer text, `''` when the model says the context does not answer the question. */
  answer: string;
  /** UTF-16 offsets of the best span in the context (`context.slice(start, end)`), even when `answer` is `''`. */
  start: number;
  end: number;
  /** Probability of the best non-null span among the n-best candidates (softmax over their scores). */
  score: number;
  /** Probability of the null answer among the same candidates. */
  noAnswerProbability: number;
  /** Null score minus the best span's score (run_qa's null odds); the answer is `''` when it exceeds the threshold. */
  nullOdds: number;
  /** Number of windows the context took. */
  windows: number;
}

/** A question-answering pipeline; see `createQaPipeline`. */
export interface QaPipeline {
  /** The answer to `question` in `context` (any length: the context is cut into windows). */
  answer(question: string, context: string): Promise<QaAnswer>;
}

function concat(windows: readonly QaWindow[], pick: (w: QaWindow) => Int32Array): Int32Array {
  const size = pick(windows[0] as QaWindow).length;
  const out = new Int32Array(windows.length * size);
  windows.forEach((w, i) => out.set(pick(w), i * size));
  return out;
}

/** The head's `[S, E, L]` input shape (entries null when not fixed). */
function headInputShape(head: tf.LayersModel): (number | null)[] {
  const shape = head.inputs[0]?.shape ?? [];
  return shape.slice(1);
}

/**
 * Checks that the head takes what the encoder gives: `[S, E, L]` = windows of `seq` tokens, the encoder's hidden size
 * and its embeddings + layers.
 * @throws MismatchError saying which of the three differ.
 */
function checkHeadFits(head: tf.LayersModel, seq: number, hidden?: number, layers?: number): void {
  const [s, e, l] = headInputShape(head);
  const problems: string[] = [];
  if (e != null && hidden !== undefined && e !== hidden) problems.push(`hidden size ${e}, the encoder's is ${hidden}`);
  if (l != null && layers !== undefined && l !== layers)
    problems.push(`${l} hidden states (embeddings + ${l - 1} layers), the encoder gives ${layers}`);
  if (s != null && s !== seq) problems.push(`windows of ${s} tokens, the pipeline makes ${seq}`);
  if (problems.length > 0)
    throw new MismatchError(
      `the head '${head.name}' does not fit the encoder: it takes ${problems.join('; ')}. Use a head trained on this encoder's activations`,
    );
}

async function headLogits(
  head: tf.LayersModel,
  out: EncoderOutput,
  batch: number,
  seq: number,
): Promise<[Float32Array, Float32Array]> {
  checkHeadFits(head, seq, out.hidden, out.layers);
  const x = tf.tensor4d(out.hiddenStates, [batch, seq, out.hidden, out.layers]);
  const outputs = tf.tidy(() => {
    const y = head.apply(x, { training: false });
    return (Array.isArray(y) ? y : [y]) as tf.Tensor[];
  });
  x.dispose();
  try {
    if (outputs.length !== 2)
      throw new MismatchError(
        `the head '${head.name}' has ${outputs.length} outputs; a span head has two (start and end logits)`,
      );
    return [(await outputs[0]!.data()) as Float32Array, (await outputs[1]!.data()) as Float32Array];
  } finally {
    tf.dispose(outputs);
  }
}

/** UTF-16 index of each code-point index of `text` (and of its end). */
function utf16Index(text: string): (cp: number) => number {
  if (!/[\uD800-\uDFFF]/.test(text)) return (cp) => cp;
  const starts = [0];
  for (const ch of text) starts.push((starts[starts.length - 1] as number) + ch.length);
  return (cp) => starts[cp] as number;
}

/**
 * A question-answering pipeline over an ONNX encoder and a head.
 * @throws InvalidArgumentError when there is no head and the encoder has no QA head.
 * @throws MismatchError when the head's input `[S, E, L]` does not fit the windows or the encoder's recorded sizes
 *   (checked again on the encoder's actual outputs).
 * @example
 * const qa = createQaPipeline({ tokenizer: await loadTokenizer('tokenizer.json'), encoder: await loadOnnxEncoder('qa.onnx') });
 * const { answer, score } = await qa.answer('Who wrote it?', 'It was written by Ann in 1999.');
 */
export function createQaPipeline(options: QaPipelineOptions): QaPipeline {
  const { tokenizer, encoder, head } = options;
  if (!head && !encoder.hasQaHead)
    throw new InvalidArgumentError(
      'the encoder has no QA head (start_logits/end_logits outputs): pass a bertvision head',
    );
  const headSeq = head ? headInputShape(head)[0] : undefined;
  const seq = options.windows?.maxSeqLength ?? headSeq ?? 384;
  const { hiddenSize, numLayers } = encoder.info;
  if (head) checkHeadFits(head, seq, hiddenSize, numLayers === undefined ? undefined : numLayers + 1);
  const maker = new QaWindowMaker(tokenizer, { ...options.windows, maxSeqLength: seq });
  const batchSize = options.batchSize ?? 8;
  return {
    async answer(question: string, context: string): Promise<QaAnswer> {
      if (typeof question !== 'string' || typeof context !== 'string')
        throw new InvalidArgumentError('answer(question, context) takes two strings');
      const windows = maker.windowsOf({ question, context }, 0);
      const features: QaFeature[] = [];
      for (let from = 0; from < windows.length; from += batchSize) {
        const batch = windows.slice(from, from + batchSize);
        const out = await encoder.run({
          inputIds: concat(batch, (w) => w.inputIds),
          attentionMask: concat(batch, (w) => w.attentionMask),
          tokenTypeIds: concat(batch, (w) => w.tokenTypeIds),
          batch: batch.length,
          sequence: seq,
        });
        const [start, end] = head
          ? await headLogits(head, out, batch.length, seq)
          : [out.startLogits as Float32Array, out.endLogits as Float32Array];
        batch.forEach((w, i) => {
          features.push({
            exampleIndex: 0,
            startLogits: start.subarray(i * seq, (i + 1) * seq),
            endLogits: end.subarray(i * seq, (i + 1) * seq),
            offsets: w.offsets,
          });
        });
      }
      const decoded = postprocessQaPredictions([{ id: 'q', context }], features, options.decode);
      const nbest = decoded.nbest.get('q') ?? [];
      const best = nbest.find((c) => c.text !== '' && !c.placeholder);
      const toUtf16 = utf16Index(context);
      return {
        answer: decoded.predictions.get('q') ?? '',
        start: best ? toUtf16(best.offsets[0]) : 0,
        end: best ? toUtf16(best.offsets[1]) : 0,
        score: best?.probability ?? 0,
        noAnswerProbability: nbest.find((c) => c.text === '' && !c.placeholder)?.probability ?? 0,
        nullOdds: decoded.nullOdds.get('q') ?? Number.NaN,
        windows: windows.length,
      };
    },
  };
}
