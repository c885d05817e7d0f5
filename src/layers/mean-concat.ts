/**
 * `MeanConcat`: average pooling over the BERT layers ("AP", Ma et al. 2019), as in the seed's Keras code.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../errors.js';
import { sumAlongAxis } from './axis-mix.js';
import {
  checkCallSize,
  dropAxis,
  isFullRange,
  knownSize,
  resolveAxis,
  resolveLayerSubset,
  requireFloat32,
  singleInput,
  singleInputShape,
} from './layer-axis.js';
import type { LayerArgs } from './types.js';
import { defaultLayerName } from './layer-names.js';

/** Arguments of {@link MeanConcat}. */
export interface MeanConcatArgs extends LayerArgs {
  /** Axis holding the BERT layers; negative counts from the end; any axis ≥ 1. Default `-1`. */
  layerAxis?: number;
  /** Indices (on the layer axis) of the layers to average, each once. Default `null`: all layers. */
  layers?: number[] | null;
}

/**
 * Mean over the layer axis (or over a subset of its layers): `out = (1/K) · Σ_{l∈subset} x[…, l]`.
 * Input: rank ≥ 2 with a known size on the layer axis, e.g. `[B, S, E, L]`; output drops the layer axis.
 * No parameters. The gradient flows into the input.
 */
export class MeanConcat extends tf.layers.Layer {
  /** tfjs serialization name. */
  static readonly className = 'MeanConcat';

  private readonly layerAxis: number;
  private readonly layerSubset: number[] | null;
  private axisSize = 0;
  private selected: number[] = [];

  constructor(args: MeanConcatArgs = {}) {
    super({ ...args, name: defaultLayerName('mean_concat', args.name) });
    this.layerAxis = args.layerAxis ?? -1;
    if (!Number.isInteger(this.layerAxis)) {
      throw new InvalidArgumentError(`MeanConcat: layerAxis must be an integer, got ${this.layerAxis}`);
    }
    this.layerSubset = args.layers == null ? null : [...args.layers];
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = singleInputShape(inputShape, 'MeanConcat');
    const axis = resolveAxis(this.layerAxis, shape.length, 'MeanConcat');
    this.axisSize = knownSize(shape, axis, 'MeanConcat');
    this.selected = resolveLayerSubset(this.layerSubset, this.axisSize, 'MeanConcat');
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = singleInputShape(inputShape, 'MeanConcat');
    return dropAxis(shape, resolveAxis(this.layerAxis, shape.length, 'MeanConcat'));
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs, 'MeanConcat');
      requireFloat32(x, 'MeanConcat');
      const axis = resolveAxis(this.layerAxis, x.rank, 'MeanConcat');
      checkCallSize(x, axis, this.axisSize, 'MeanConcat');
      if (isFullRange(this.selected, this.axisSize)) return tf.mean(x, axis);
      const weights = new Float32Array(this.axisSize);
      for (const index of this.selected) weights[index] = 1 / this.selected.length;
      return sumAlongAxis(x, tf.tensor1d(weights), axis);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), layerAxis: this.layerAxis, layers: this.layerSubset };
  }
}

tf.serialization.registerClass(MeanConcat);
