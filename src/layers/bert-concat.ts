/**
 * `BertConcat`: the learned scalar mix of BERT layers ("learned pooling", Tenney et al. 2019), as in the seed's Keras
 * code: `out = γ · Σ_l softmax(w)_l · x[…, l]`, reducing the layer axis.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../errors.js';
import { mixAlongAxis } from './axis-mix.js';
import { type InputGradientMode, isFedByAnotherLayer, needsInputGradient } from './graph-position.js';
import { resolveInitializer, serializeInitializer } from './initializers.js';
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
import type { CallKwargs, Initializer, InitializerSpec, LayerArgs } from './types.js';
import { defaultLayerName } from './layer-names.js';

/** Arguments of {@link BertConcat}. */
export interface BertConcatArgs extends LayerArgs {
  /** Axis holding the BERT layers; negative counts from the end; any axis ≥ 1. Default `-1` (the seed's layout). */
  layerAxis?: number;
  /** Indices (on the layer axis) of the layers to mix, each once. Default `null`: all layers. */
  layers?: number[] | null;
  /**
   * Initializer of the mixing logits `w`. Default `randomNormal({mean: 0, stddev: 0.05})`, Keras' `'random_normal'`
   * as in the seed. `'zeros'` starts from the uniform mix.
   */
  mixInitializer?: InitializerSpec;
  /** Initializer of the scale γ. Default `'ones'`. */
  gammaInitializer?: InitializerSpec;
  /**
   * Probability of dropping each layer's weight in a TRAINING call (`training: true`); the softmax is renormalised
   * over the kept layers, one mask per call. If every layer is dropped, that call keeps all. Never active at
   * inference. Default `0`.
   */
  layerDropout?: number;
  /**
   * Whether the gradient flows into the input.
   * - `'auto'` (default): yes exactly when, in a model graph, some layer upstream of this one has trainable weights;
   *   otherwise (on a model input, after non-trainable layers such as a slice, or called directly on a tensor) the
   *   fast form.
   * - `false`: always the fast form — only the tiny mixing vector is on the tape and the input gets NO gradient.
   *   Right for activations fed as a model input, as in every seed model. (On a model input nothing big is saved for
   *   the backward pass; after another layer the input is saved, as tfjs-layers frees intermediate tensors.)
   * - `true`: the backward pass also computes `∂/∂x = dy ⊗ γ·softmax(w)` (a tensor the size of the input).
   */
  inputGradient?: InputGradientMode;
}

/**
 * Learned scalar mix over the layer axis: `out = γ · Σ_l softmax(w)_l · x[…, l]`.
 *
 * - Input: any rank ≥ 2 with a known size on the layer axis, e.g. `[B, S, E, L]` (the seed's layout). Output: the
 *   input shape without the layer axis (`[B, S, E]`).
 * - Weights (Keras names): `weights` `[L_selected]` (the logits `w`) and `probes` `[1]` (γ), so a model stores
 *   `bert_concat/weights` and `bert_concat/probes`; `L_selected + 1` parameters.
 * - With `layers`, only those layers are mixed (the others get weight exactly 0, so they must be finite).
 * - Fast path (customT): one matMul with the activations as the left operand and γ folded into the mixing vector;
 *   see {@link BertConcatArgs.inputGradient} for gradients into the input.
 */
export class BertConcat extends tf.layers.Layer {
  /** tfjs serialization name. */
  static readonly className = 'BertConcat';

  private readonly layerAxis: number;
  private readonly layerSubset: number[] | null;
  private readonly mixInitializer: Initializer;
  private readonly gammaInitializer: Initializer;
  private readonly layerDropout: number;
  private readonly inputGradient: InputGradientMode;
  private mixLogits: tf.LayerVariable | null = null;
  private gamma: tf.LayerVariable | null = null;
  private axisSize = 0;
  private selected: number[] = [];

  constructor(args: BertConcatArgs = {}) {
    super({ ...args, name: defaultLayerName('bert_concat', args.name) });
    this.layerAxis = args.layerAxis ?? -1;
    this.layerSubset = args.layers == null ? null : [...args.layers];
    this.mixInitializer = resolveInitializer(
      args.mixInitializer ?? tf.initializers.randomNormal({ mean: 0, stddev: 0.05 }),
      'BertConcat mixInitializer',
    );
    this.gammaInitializer = resolveInitializer(args.gammaInitializer ?? 'ones', 'BertConcat gammaInitializer');
    this.layerDropout = args.layerDropout ?? 0;
    if (!(this.layerDropout >= 0 && this.layerDropout < 1)) {
      throw new InvalidArgumentError(`BertConcat: layerDropout must be in [0, 1), got ${this.layerDropout}`);
    }
    this.inputGradient = args.inputGradient ?? 'auto';
    if (this.inputGradient !== 'auto' && typeof this.inputGradient !== 'boolean') {
      throw new InvalidArgumentError(
        `BertConcat: inputGradient must be true, false or 'auto', got ${String(args.inputGradient)}`,
      );
    }
    if (!Number.isInteger(this.layerAxis)) {
      throw new InvalidArgumentError(`BertConcat: layerAxis must be an integer, got ${this.layerAxis}`);
    }
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = singleInputShape(inputShape, 'BertConcat');
    const axis = resolveAxis(this.layerAxis, shape.length, 'BertConcat');
    this.axisSize = knownSize(shape, axis, 'BertConcat');
    this.selected = resolveLayerSubset(this.layerSubset, this.axisSize, 'BertConcat');
    this.mixLogits = this.addWeight('weights', [this.selected.length], 'float32', this.mixInitializer);
    this.gamma = this.addWeight('probes', [1], 'float32', this.gammaInitializer);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = singleInputShape(inputShape, 'BertConcat');
    return dropAxis(shape, resolveAxis(this.layerAxis, shape.length, 'BertConcat'));
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs, 'BertConcat');
      requireFloat32(x, 'BertConcat');
      const { mixLogits, gamma } = this.variables();
      const axis = resolveAxis(this.layerAxis, x.rank, 'BertConcat');
      checkCallSize(x, axis, this.axisSize, 'BertConcat');
      const training = kwargs['training'] === true && this.layerDropout > 0;
      let p = tf.softmax(mixLogits.read());
      if (training) p = this.dropLayers(p);
      p = tf.mul(p, gamma.read());
      if (!isFullRange(this.selected, this.axisSize)) {
        const selection = tf.oneHot(tf.tensor1d(this.selected, 'int32'), this.axisSize).toFloat();
        p = tf.reshape(tf.matMul(tf.reshape(p, [1, this.selected.length]), selection), [this.axisSize]);
      }
      const inputGradient = needsInputGradient(this, this.inputGradient);
      return mixAlongAxis(x, p, axis, { inputGradient, saveInput: isFedByAnotherLayer(this) });
    });
  }

  /** Zero the weights of randomly dropped layers and renormalise over the kept ones (all kept if all dropped). */
  private dropLayers(p: tf.Tensor): tf.Tensor {
    let keep = this.selected.map(() => (Math.random() >= this.layerDropout ? 1 : 0));
    if (keep.every((k) => k === 0)) keep = keep.map(() => 1);
    const kept = tf.mul(p, tf.tensor1d(keep, 'float32'));
    return tf.div(kept, tf.sum(kept));
  }

  private variables(): { mixLogits: tf.LayerVariable; gamma: tf.LayerVariable } {
    if (this.mixLogits === null || this.gamma === null) {
      throw new InvalidArgumentError('BertConcat: the layer is not built yet (call it on an input first)');
    }
    return { mixLogits: this.mixLogits, gamma: this.gamma };
  }

  /** The normalised mixing weights `softmax(w)` (length `L_selected`, in subset order; dropout never applies). */
  getMixWeights(): Float32Array {
    const weights = tf.softmax(this.variables().mixLogits.read());
    const values = Float32Array.from(weights.dataSync());
    weights.dispose();
    return values;
  }

  /** The scale γ. */
  getGamma(): number {
    const value = this.variables().gamma.read().dataSync()[0];
    return value ?? Number.NaN;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      layerAxis: this.layerAxis,
      layers: this.layerSubset,
      mixInitializer: serializeInitializer(this.mixInitializer) as unknown as tf.serialization.ConfigDict,
      gammaInitializer: serializeInitializer(this.gammaInitializer) as unknown as tf.serialization.ConfigDict,
      layerDropout: this.layerDropout,
      inputGradient: this.inputGradient,
    };
  }
}

tf.serialization.registerClass(BertConcat);
