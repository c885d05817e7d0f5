/**
 * `AdapterPooler`: the seed's per-layer compression of the hidden axis (Houlsby-inspired down-projection + GELU,
 * no up-projection, no residual).
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError, ShapeError } from '../errors.js';
import { geluErf, geluTanh, geluTanhTransposed } from './activations.js';
import { type InputGradientMode, isFedByAnotherLayer, needsInputGradient } from './graph-position.js';
import { resolveInitializer, serializeInitializer } from './initializers.js';
import { checkCallSize, knownSize, requireFloat32, singleInput, singleInputShape } from './layer-axis.js';
import { projectLayers } from './projection.js';
import { fusedGeluProjectionAvailable, projectGeluTanhShared } from './projection-gelu.js';
import type { Initializer, InitializerSpec, LayerArgs } from './types.js';
import { defaultLayerName } from './layer-names.js';

/**
 * Activation after the projection: `'gelu_tanh'` (tanh approximation, the seed's TF code), `'gelu'` (exact erf,
 * the seed's torch code) or `'linear'` (none). `'geluTanh'` is the same as `'gelu_tanh'` (the spelling tfjs model
 * JSON round-trips it to).
 */
export type AdapterActivation = 'gelu_tanh' | 'geluTanh' | 'gelu' | 'linear';

/** Arguments of {@link AdapterPooler}. */
export interface AdapterPoolerArgs extends LayerArgs {
  /** Adapter width A (units of the E→A projection). Required, a positive integer. */
  adapterDim: number;
  /**
   * `true` (default): one `kernel [E, A]` and `bias [A]` shared by all L layers (Keras `TimeDistributed(Dense)`).
   * `false`: per-layer `kernel [L, E, A]` and `bias [L, A]` (Keras `LocallyConnected1D`, kernel size 1).
   */
  sharedWeights?: boolean;
  /** Standard deviation of the truncated-normal kernel initializer. Default `1e-3` (the seed's `init_scale`). */
  initScale?: number;
  /** Kernel initializer; overrides `initScale`. Default `truncatedNormal({mean: 0, stddev: initScale})`. */
  kernelInitializer?: InitializerSpec;
  /** Bias initializer. Default `'zeros'`. */
  biasInitializer?: InitializerSpec;
  /** Activation. Default `'gelu_tanh'`. */
  activation?: AdapterActivation;
  /**
   * Whether the gradient flows into the input. Default `'auto'`: yes exactly when, in a model graph, some layer
   * upstream has trainable weights (e.g. a {@link BertConcat} before the adapter); no on a model input (activations)
   * or when the layer is applied directly to a tensor — pass `true` there if that tensor depends on trainable
   * variables. The input gradient costs one more matMul the size of the forward one.
   */
  inputGradient?: InputGradientMode;
}

function canonicalActivation(name: string): 'gelu_tanh' | 'gelu' | 'linear' {
  if (name === 'gelu_tanh' || name === 'geluTanh') return 'gelu_tanh';
  if (name === 'gelu' || name === 'linear') return name;
  throw new InvalidArgumentError(`AdapterPooler: unknown activation '${name}' (expected gelu_tanh, gelu or linear)`);
}

/**
 * Down-projects the hidden axis of every BERT layer: input `[B, …, E, L]` (rank ≥ 3, e.g. `[B, S, E, L]`) → output
 * `[B, …, A, L]`, with `Y[…, a, l] = act(Σ_e X[…, e, l] · W[e, a] + bias[a])` (shared) or with `W[l, e, a]`,
 * `bias[l, a]` (not shared).
 *
 * Parameters: shared `E·A + A`; not shared `L·(E·A + A)`. Weight names `kernel` and `bias`. E must be known (and L
 * too when not shared). Computed as one matMul `[N·L, E] × [E, A]` (shared) or a batched matMul over L (not
 * shared), with a hand-written gradient free of transposed matMuls (slow on wasm); gradients flow to the weights and,
 * per {@link AdapterPoolerArgs.inputGradient}, to the input.
 */
export class AdapterPooler extends tf.layers.Layer {
  /** tfjs serialization name. */
  static readonly className = 'AdapterPooler';

  private readonly adapterDim: number;
  private readonly sharedWeights: boolean;
  private readonly initScale: number;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  private readonly activation: 'gelu_tanh' | 'gelu' | 'linear';
  private readonly inputGradient: InputGradientMode;
  private kernel: tf.LayerVariable | null = null;
  private bias: tf.LayerVariable | null = null;
  private hiddenSize = 0;
  private layerCount: number | null = null;

  constructor(args: AdapterPoolerArgs) {
    super({ ...args, name: defaultLayerName('adapter_pooler', args.name) });
    this.adapterDim = args.adapterDim;
    if (!Number.isInteger(this.adapterDim) || this.adapterDim <= 0) {
      throw new InvalidArgumentError(`AdapterPooler: adapterDim must be a positive integer, got ${args.adapterDim}`);
    }
    this.sharedWeights = args.sharedWeights ?? true;
    this.initScale = args.initScale ?? 1e-3;
    if (!(this.initScale > 0)) {
      throw new InvalidArgumentError(`AdapterPooler: initScale must be positive, got ${this.initScale}`);
    }
    this.kernelInitializer = resolveInitializer(
      args.kernelInitializer ?? tf.initializers.truncatedNormal({ mean: 0, stddev: this.initScale }),
      'AdapterPooler kernelInitializer',
    );
    this.biasInitializer = resolveInitializer(args.biasInitializer ?? 'zeros', 'AdapterPooler biasInitializer');
    this.activation = canonicalActivation(args.activation ?? 'gelu_tanh');
    this.inputGradient = args.inputGradient ?? 'auto';
    if (this.inputGradient !== 'auto' && typeof this.inputGradient !== 'boolean') {
      throw new InvalidArgumentError(
        `AdapterPooler: inputGradient must be true, false or 'auto', got ${String(args.inputGradient)}`,
      );
    }
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = this.checkRank(singleInputShape(inputShape, 'AdapterPooler'));
    const rank = shape.length;
    this.hiddenSize = knownSize(shape, rank - 2, 'AdapterPooler', 'hidden axis');
    const A = this.adapterDim;
    if (this.sharedWeights) {
      this.kernel = this.addWeight('kernel', [this.hiddenSize, A], 'float32', this.kernelInitializer);
      this.bias = this.addWeight('bias', [A], 'float32', this.biasInitializer);
    } else {
      const L = knownSize(shape, rank - 1, 'AdapterPooler');
      this.layerCount = L;
      this.kernel = this.addWeight('kernel', [L, this.hiddenSize, A], 'float32', this.kernelInitializer);
      this.bias = this.addWeight('bias', [L, A], 'float32', this.biasInitializer);
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = this.checkRank(singleInputShape(inputShape, 'AdapterPooler'));
    return [...shape.slice(0, -2), this.adapterDim, shape[shape.length - 1] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs, 'AdapterPooler');
      requireFloat32(x, 'AdapterPooler');
      this.checkRank(x.shape);
      if (this.kernel === null || this.bias === null) {
        throw new InvalidArgumentError('AdapterPooler: the layer is not built yet (call it on an input first)');
      }
      const rank = x.rank;
      checkCallSize(x, rank - 2, this.hiddenSize, 'AdapterPooler', 'hidden axis');
      if (this.layerCount !== null) checkCallSize(x, rank - 1, this.layerCount, 'AdapterPooler');
      const lead = x.shape.slice(0, -2);
      const L = x.shape[rank - 1] ?? 1;
      const A = this.adapterDim;
      const leadAxes = lead.map((_d, i) => i);
      const options = {
        inputGradient: needsInputGradient(this, this.inputGradient),
        saveInput: isFedByAnotherLayer(this),
      };
      if (this.sharedWeights) {
        if (this.activation === 'gelu_tanh' && fusedGeluProjectionAvailable(x, options)) {
          return projectGeluTanhShared(x, this.kernel.read(), this.bias.read(), options);
        }
        // [n·L, A] rows ordered (lead…, l) -> [..., L, A] -> [..., A, L]
        const projected = projectLayers(x, this.kernel.read(), this.bias.read(), 'shared', options);
        if (this.activation === 'gelu_tanh') {
          // the activation and the layer-axis move as one op (one native pass each way where available)
          return tf.reshape(geluTanhTransposed(tf.reshape(projected, [...lead, L, A])), [...lead, A, L]);
        }
        const activated = tf.reshape(this.activate(projected), [...lead, L, A]);
        return tf.transpose(activated, [...leadAxes, rank - 1, rank - 2]);
      }
      // [L, n, A] -> [L, ..., A] -> [..., A, L]
      const projected = projectLayers(x, this.kernel.read(), this.bias.read(), 'perLayer', options);
      const activated = tf.reshape(this.activate(projected), [L, ...lead, A]);
      return tf.transpose(activated, [...leadAxes.map((i) => i + 1), rank - 1, 0]);
    });
  }

  private activate(x: tf.Tensor): tf.Tensor {
    if (this.activation === 'gelu_tanh') return geluTanh(x);
    if (this.activation === 'gelu') return geluErf(x);
    return x;
  }

  private checkRank(shape: tf.Shape): tf.Shape {
    if (shape.length < 3) {
      throw new ShapeError(
        `AdapterPooler: expected an input of rank ≥ 3 ([batch, …, hidden, layers]), got [${shape.join(', ')}]`,
      );
    }
    return shape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      adapterDim: this.adapterDim,
      sharedWeights: this.sharedWeights,
      initScale: this.initScale,
      kernelInitializer: serializeInitializer(this.kernelInitializer) as unknown as tf.serialization.ConfigDict,
      biasInitializer: serializeInitializer(this.biasInitializer) as unknown as tf.serialization.ConfigDict,
      activation: this.activation,
      inputGradient: this.inputGradient,
    };
  }
}

tf.serialization.registerClass(AdapterPooler);
