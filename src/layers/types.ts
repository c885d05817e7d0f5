/**
 * Types shared by the bertvision layers: the tfjs base-layer arguments and how an initializer may be given.
 */
import type * as tf from '@tensorflow/tfjs';

/** The arguments every tfjs layer accepts (`name`, `trainable`, `inputShape`, `batchInputShape`, `dtype`, …). */
export type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** A tfjs weight initializer instance (what `tf.initializers.ones()` and friends return). */
export type Initializer = ReturnType<typeof tf.initializers.ones>;

/** A serialised initializer, as `getConfig` writes it: `{className: 'RandomNormal', config: {mean: 0, …}}`. */
export interface SerializedInitializer {
  className: string;
  config: tf.serialization.ConfigDict;
}

/**
 * An initializer in any form the layers accept: an instance (`tf.initializers.randomNormal({stddev: 0.1})`), a tfjs
 * identifier (`'zeros'`, `'ones'`, `'randomNormal'`, `'truncatedNormal'`, `'glorotUniform'`, …; the Keras snake_case
 * spellings such as `'random_normal'` are accepted too), or its serialised form.
 */
export type InitializerSpec = Initializer | string | SerializedInitializer;

/** The keyword arguments tfjs passes to `Layer.call` (`training` is the one these layers read). */
export type CallKwargs = Record<string, unknown>;
