/**
 * `SplitStartEnd`: split the position-wise `Dense(2)` output of a span model into start and end logits.
 */
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from '../errors.js';
import { singleInput, singleInputShape } from './layer-axis.js';
import type { LayerArgs } from './types.js';
import { defaultLayerName } from './layer-names.js';

/** Arguments of {@link SplitStartEnd}: only the base layer arguments. */
export type SplitStartEndArgs = LayerArgs;

function checkPairShape(shape: readonly (number | null)[]): void {
  if (shape.length < 2 || shape[shape.length - 1] !== 2) {
    throw new ShapeError(
      `SplitStartEnd: expected an input [batch, …, 2] (last axis of size 2), got [${shape.join(', ')}]`,
    );
  }
}

/**
 * Input `[B, S, 2]` (any rank ≥ 2 with a last axis of size 2) → two outputs `[B, S]`: `[start_logits, end_logits]`
 * (channel 0 and channel 1). No parameters; gradients flow into the input.
 */
export class SplitStartEnd extends tf.layers.Layer {
  /** tfjs serialization name. */
  static readonly className = 'SplitStartEnd';

  constructor(args: SplitStartEndArgs = {}) {
    super({ ...args, name: defaultLayerName('split_start_end', args.name) });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape[] {
    const shape = singleInputShape(inputShape, 'SplitStartEnd');
    checkPairShape(shape);
    const each = shape.slice(0, -1);
    return [each, [...each]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
    return tf.tidy(() => {
      const x = singleInput(inputs, 'SplitStartEnd');
      checkPairShape(x.shape);
      const each = x.shape.slice(0, -1);
      const size = [...each, 1];
      const start = tf.reshape(
        tf.slice(
          x,
          x.shape.map(() => 0),
          size,
        ),
        each,
      );
      const end = tf.reshape(tf.slice(x, [...each.map(() => 0), 1], size), each);
      return [start, end];
    });
  }
}

tf.serialization.registerClass(SplitStartEnd);
