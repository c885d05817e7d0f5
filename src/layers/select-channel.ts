/**
 * `SelectChannel`: pick one entry along an axis and drop that axis — the seed's skip connection `inp[..., -1]`
 * (the last BERT layer's hidden states).
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../errors.js';
import { checkCallSize, dropAxis, knownSize, resolveAxis, singleInput, singleInputShape } from './layer-axis.js';
import type { LayerArgs } from './types.js';
import { defaultLayerName } from './layer-names.js';

/** Arguments of {@link SelectChannel}. */
export interface SelectChannelArgs extends LayerArgs {
  /** Index to keep on `axis`; negative counts from the end. Default `-1` (the last layer). */
  index?: number;
  /** Axis to select on; negative counts from the end; any axis ≥ 1. Default `-1`. */
  axis?: number;
}

/**
 * `x[…, index, …]` along `axis`, dropping that axis: `[B, S, E, L]` → `[B, S, E]` by default. No parameters.
 * Implemented with `slice` (whose gradient exists on every backend; `gather`'s needs UnsortedSegmentSum, absent on
 * wasm), so the gradient flows into the input.
 */
export class SelectChannel extends tf.layers.Layer {
  /** tfjs serialization name. */
  static readonly className = 'SelectChannel';

  private readonly index: number;
  private readonly axis: number;
  private axisSize = 0;

  constructor(args: SelectChannelArgs = {}) {
    super({ ...args, name: defaultLayerName('select_channel', args.name) });
    this.index = args.index ?? -1;
    this.axis = args.axis ?? -1;
    if (!Number.isInteger(this.index)) {
      throw new InvalidArgumentError(`SelectChannel: index must be an integer, got ${this.index}`);
    }
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = singleInputShape(inputShape, 'SelectChannel');
    const axis = resolveAxis(this.axis, shape.length, 'SelectChannel', 'axis');
    this.axisSize = knownSize(shape, axis, 'SelectChannel', 'selected axis');
    this.resolveIndex(this.axisSize);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = singleInputShape(inputShape, 'SelectChannel');
    return dropAxis(shape, resolveAxis(this.axis, shape.length, 'SelectChannel', 'axis'));
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs, 'SelectChannel');
      const axis = resolveAxis(this.axis, x.rank, 'SelectChannel', 'axis');
      checkCallSize(x, axis, this.axisSize, 'SelectChannel', 'selected axis');
      const begin = x.shape.map((_d, i) => (i === axis ? this.resolveIndex(this.axisSize) : 0));
      const size = x.shape.map((d, i) => (i === axis ? 1 : d));
      return tf.reshape(tf.slice(x, begin, size), dropAxis(x.shape, axis) as number[]);
    });
  }

  private resolveIndex(size: number): number {
    const resolved = this.index < 0 ? size + this.index : this.index;
    if (resolved < 0 || resolved >= size) {
      throw new InvalidArgumentError(`SelectChannel: index ${this.index} is out of range for an axis of size ${size}`);
    }
    return resolved;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), index: this.index, axis: this.axis };
  }
}

tf.serialization.registerClass(SelectChannel);
