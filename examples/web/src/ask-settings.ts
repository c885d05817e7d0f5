/**
 * What the Ask tab derives from its head and the encoder's sidecar, kept free of the DOM so the browser test builds
 * the same pipeline in Node: the windowing (the head's store settings) and whether the head fits the encoder.
 */
import type * as tf from '@tensorflow/tfjs';
import type { WindowSettings } from 'bertvision';

/** The part of tools/onnx/export.py's `<name>.json` sidecar the page reads. */
export interface EncoderSidecar {
  model_id?: string;
  hidden_size?: number;
  num_layers?: number;
  has_qa_head?: boolean;
}

/** The store settings a trained head records (`bertvision_store` in its user-defined metadata). */
interface HeadStoreMetadata {
  model_id?: string;
  max_seq_length?: number;
  doc_stride?: number;
  max_query_length?: number | null;
  channels?: string[];
}

function storeMetadata(head: tf.LayersModel): HeadStoreMetadata {
  const meta = head.getUserDefinedMetadata() as { bertvision_store?: HeadStoreMetadata } | undefined;
  return meta?.bertvision_store ?? {};
}

/** The head's `[S, E, L]` input shape. */
export function headInputShape(head: tf.LayersModel): [number, number, number] {
  const [, s, e, l] = head.inputs[0]!.shape;
  return [s ?? 384, e ?? 0, l ?? 0];
}

/**
 * The windows the head was trained on: its input's token count, and the stride and question limit of the store it
 * was trained on (half the window when it records none).
 */
export function askWindowSettings(head: tf.LayersModel): WindowSettings {
  const [seq] = headInputShape(head);
  const meta = storeMetadata(head);
  return {
    maxSeqLength: seq,
    docStride: meta.doc_stride ?? Math.floor(seq / 2),
    maxQueryLength: meta.max_query_length ?? undefined,
  };
}

/** Label of each mixed hidden state: the head's store channels, else `embeddings`, `layer_1`, … */
export function layerLabels(head: tf.LayersModel): string[] {
  const [, , layers] = headInputShape(head);
  const channels = storeMetadata(head).channels;
  if (channels?.length === layers) return channels;
  return Array.from({ length: layers }, (_, i) => (i === 0 ? 'embeddings' : `layer_${i}`));
}

/** The model the head was trained on, as its store recorded it. */
export function headModelId(head: tf.LayersModel): string | undefined {
  return storeMetadata(head).model_id;
}

/**
 * Why the head cannot run on the encoder's hidden states (hidden size or number of hidden states differ), or
 * undefined when it fits (or the sidecar does not say).
 */
export function askFitProblem(head: tf.LayersModel, sidecar: EncoderSidecar, headPath: string): string | undefined {
  const [, hidden, layers] = headInputShape(head);
  const problems: string[] = [];
  if (sidecar.hidden_size !== undefined && sidecar.hidden_size !== hidden)
    problems.push(`hidden size ${hidden}, the encoder's is ${sidecar.hidden_size}`);
  if (sidecar.num_layers !== undefined && sidecar.num_layers + 1 !== layers)
    problems.push(
      `${layers} hidden states (embeddings + ${layers - 1} layers), the encoder gives ${sidecar.num_layers + 1} (embeddings + ${sidecar.num_layers})`,
    );
  if (problems.length === 0) return undefined;
  return `The Ask head (${headPath}) does not fit the encoder (${sidecar.model_id ?? 'ask.onnx'}): the head takes ${problems.join('; ')}. Point askHead in examples/web/src/data-config.ts at a head trained on this encoder's activations, or make the ONNX file from the model the head was trained on.`;
}
