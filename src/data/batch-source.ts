/** What the trainer consumes: deterministic, resumable batches. */
import type * as tf from '@tensorflow/tfjs';

/** One training or evaluation batch. The trainer disposes `xs` and `ys` after use. */
export interface Batch {
  /** Model input(s). */
  xs: tf.Tensor | tf.Tensor[];
  /** Targets, shaped like the model's output(s). */
  ys: tf.Tensor | tf.Tensor[];
  /** Number of examples in the batch. */
  size: number;
}

/**
 * A source of batches whose order depends only on (its seed, the epoch): the property that makes an interrupted
 * run resumable to the same weights. `batches(epoch, start)` must yield exactly the batches `start, start+1, …` of
 * that epoch's order without reading the skipped ones.
 */
export interface BatchSource {
  /** Number of batches in every epoch. */
  batchesPerEpoch(): number;
  /** The batches of `epoch` (0-based) from batch index `start` (default 0) to the end of the epoch. */
  batches(epoch: number, start?: number): AsyncIterable<Batch>;
}
