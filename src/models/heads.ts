/**
 * Building a head by architecture name, by task: `buildBinaryHead` and `buildSpanHead` (each entry of the registry,
 * src/models/registry.ts, carries its own builder; these check the name and the task first).
 */
import type * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../errors.js';
import { ARCHITECTURE_NAMES, architectures } from './registry.js';
import type { BinaryArchitecture, BuildOptions, SpanArchitecture } from './types.js';

/** Every binary architecture, in the order of seed §3.1. */
export const BINARY_ARCHITECTURES = ARCHITECTURE_NAMES.filter(
  (n) => architectures[n].task === 'binary',
) as readonly BinaryArchitecture[];

/** Every span architecture, in the order of seed §3.2 (b). */
export const SPAN_ARCHITECTURES = ARCHITECTURE_NAMES.filter(
  (n) => architectures[n].task === 'span',
) as readonly SpanArchitecture[];

/** True when `name` is a binary architecture. */
export function isBinaryArchitecture(name: string): name is BinaryArchitecture {
  return (BINARY_ARCHITECTURES as readonly string[]).includes(name);
}

/** True when `name` is a span architecture. */
export function isSpanArchitecture(name: string): name is SpanArchitecture {
  return (SPAN_ARCHITECTURES as readonly string[]).includes(name);
}

/**
 * Build a binary head: activations `[B, S, E, L]` (default `[B, 1, 1024, 26]`) → logits `[B, 2]`.
 * With S > 1 the features of all positions are flattened (S-major) before the head.
 * @param architecture one of {@link BINARY_ARCHITECTURES}.
 * @param options input shape, adapter width (default 386 for the adapters), name, compile (default true).
 * @throws InvalidArgumentError for an unknown architecture or bad options; ShapeError for an unusable input shape.
 * @example
 * ```ts
 * const head = buildBinaryHead('tenney-small', { inputShape: [1, 384, 7] }); // MiniLM-L6 CLS activations
 * head.predict(tf.zeros([4, 1, 384, 7])); // logits [4, 2]
 * ```
 */
export function buildBinaryHead(architecture: BinaryArchitecture, options: BuildOptions = {}): tf.LayersModel {
  if (!isBinaryArchitecture(architecture)) {
    throw new InvalidArgumentError(
      `unknown binary architecture '${String(architecture)}'; expected one of ${BINARY_ARCHITECTURES.join(', ')}`,
    );
  }
  return architectures[architecture].build(options);
}

/**
 * Build a span head: activations `[B, S, E, L]` (default `[B, 386, 1024, 25]`) → `[start_logits, end_logits]`,
 * each `[B, S]`.
 * @param architecture one of {@link SPAN_ARCHITECTURES}.
 * @param options input shape, adapter width (default: the one in the name), name, compile (default true).
 * @throws InvalidArgumentError for an unknown architecture or bad options.
 * @example
 * ```ts
 * const head = buildSpanHead('adapter-64', { inputShape: [128, 384, 7] });
 * const [start, end] = head.predict(tf.zeros([2, 128, 384, 7])) as tf.Tensor[]; // each [2, 128]
 * ```
 */
export function buildSpanHead(architecture: SpanArchitecture, options: BuildOptions = {}): tf.LayersModel {
  if (!isSpanArchitecture(architecture)) {
    throw new InvalidArgumentError(
      `unknown span architecture '${String(architecture)}'; expected one of ${SPAN_ARCHITECTURES.join(', ')}`,
    );
  }
  return architectures[architecture].build(options);
}

/**
 * Old name of {@link buildBinaryHead} (it builds every binary head, not only the adapters).
 * @deprecated Use {@link buildBinaryHead}; this alias goes in the next release.
 */
export const buildBinaryAdapter = buildBinaryHead;

/**
 * Old name of {@link buildSpanHead} (it builds every span head, not only the adapters).
 * @deprecated Use {@link buildSpanHead}; this alias goes in the next release.
 */
export const buildSpanAdapter = buildSpanHead;
