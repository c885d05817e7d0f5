/**
 * Small pieces every builder shares: checking options, naming the model, recording its architecture metadata and
 * compiling it with the seed's settings.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError, ShapeError } from '../errors.js';
import { compileAdapter } from './compile.js';
import type { ActivationShape, ArchitectureMetadata, ArchitectureName, BuildOptions, Task } from './types.js';

/** Key under which builders store {@link ArchitectureMetadata} in `model.getUserDefinedMetadata()`. */
export const METADATA_KEY = 'bertvision';

function positiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${what} must be a positive integer, got ${value}`);
  }
  return value;
}

/** `options.inputShape` checked (three positive integers) or `fallback`. */
export function resolveInputShape(options: BuildOptions, fallback: ActivationShape): [number, number, number] {
  const shape = options.inputShape ?? fallback;
  if (!Array.isArray(shape) || shape.length !== 3) {
    throw new ShapeError(`inputShape must be [sequenceLength, hiddenSize, layerCount], got ${JSON.stringify(shape)}`);
  }
  const [s, e, l] = shape;
  return [
    positiveInteger(s, 'inputShape[0] (sequence length)'),
    positiveInteger(e, 'inputShape[1] (hidden size)'),
    positiveInteger(l, 'inputShape[2] (layer count)'),
  ];
}

/** `options.adapterDim` checked, or `fallback`; an error for architectures without an adapter (`fallback` null). */
export function resolveAdapterDim(
  options: BuildOptions,
  architecture: ArchitectureName,
  fallback: number | null,
): number | null {
  if (options.adapterDim === undefined) return fallback;
  if (fallback === null) {
    throw new InvalidArgumentError(`architecture '${architecture}' has no adapter; adapterDim must not be set`);
  }
  return positiveInteger(options.adapterDim, 'adapterDim');
}

/** The model input layer, named `activations`. */
export function activationInput(shape: readonly number[]): tf.SymbolicTensor {
  return tf.input({ shape: [...shape], name: 'activations' });
}

/**
 * Wrap the graph into a named model, record {@link ArchitectureMetadata} (saved with the model) and compile it
 * unless `options.compile === false`.
 */
export function finishModel(
  input: tf.SymbolicTensor,
  outputs: tf.SymbolicTensor | tf.SymbolicTensor[],
  metadata: ArchitectureMetadata,
  options: BuildOptions,
): tf.LayersModel {
  const model = tf.model({ inputs: input, outputs, name: options.name ?? metadata.architecture });
  model.setUserDefinedMetadata({ [METADATA_KEY]: { ...metadata } });
  if (options.compile ?? true) compileAdapter(model, { task: metadata.task, optimizer: options.optimizer ?? {} });
  return model;
}

/** The {@link ArchitectureMetadata} a builder stored on `model`, or null for models built elsewhere. */
export function architectureOf(model: tf.LayersModel): ArchitectureMetadata | null {
  const meta = model.getUserDefinedMetadata() as Record<string, unknown> | undefined;
  const entry = meta?.[METADATA_KEY] as Partial<ArchitectureMetadata> | undefined;
  if (!entry || typeof entry.architecture !== 'string' || (entry.task !== 'binary' && entry.task !== 'span'))
    return null;
  return entry as ArchitectureMetadata;
}

/** Shorthand used by builders for the metadata record. */
export function metadataFor(
  architecture: ArchitectureName,
  task: Task,
  inputShape: [number, number, number],
  adapterDim: number | null,
): ArchitectureMetadata {
  return { architecture, task, inputShape, adapterDim };
}
