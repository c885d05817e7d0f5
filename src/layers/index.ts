/** The bertvision tfjs layers. Importing this module registers every layer with `tf.serialization`. */
export * from './activations.js';
export * from './adapter-pooler.js';
export * from './bert-concat.js';
export * from './mean-concat.js';
export * from './select-channel.js';
export * from './split-start-end.js';
export type { InputGradientMode } from './graph-position.js';
export type { Initializer, InitializerSpec, LayerArgs, SerializedInitializer } from './types.js';
